/* A bounded cursor over octets, for the binary decoders (EAR, MIKEY):
 * every read first checks the octets remaining. Internal. */
#ifndef MCSEC_CURSOR_INTERNAL_H
#define MCSEC_CURSOR_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const uint8_t *p;
    size_t left;
} cursor_t;

/* The next n octets in *out, or false (nothing consumed) when fewer are
 * left. */
static inline bool cursor_take(cursor_t *c, size_t n, const uint8_t **out)
{
    if (c->left < n) {
        return false;
    }
    *out = c->p;
    c->p += n;
    c->left -= n;
    return true;
}

#endif
