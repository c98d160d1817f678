/* Strict UTF-8 (RFC 3629): shortest forms only, no surrogates, nothing
 * above U+10FFFF, fed one octet at a time so that callers can validate
 * octets they decode on the fly (percent-escapes of a request target)
 * without a copy. Internal to libmcsec. */
#ifndef MCSEC_UTF8_INTERNAL_H
#define MCSEC_UTF8_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    unsigned need;  /* continuation octets still expected */
    uint8_t lo, hi; /* allowed range of the next continuation octet */
    uint32_t cp;    /* the character so far; whole when need is 0 */
} mcsec_utf8_t;

/* False as soon as the octets fed so far cannot begin valid UTF-8. */
static inline bool mcsec_utf8_feed(mcsec_utf8_t *u, uint8_t c)
{
    if (u->need > 0) {
        if (c < u->lo || c > u->hi)
            return false;
        u->cp = (u->cp << 6) | (c & 0x3Fu);
        u->need--;
        u->lo = 0x80;
        u->hi = 0xBF;
        return true;
    }
    u->lo = 0x80;
    u->hi = 0xBF;
    u->cp = c;
    if (c < 0x80)
        return true;
    if (c >= 0xC2 && c <= 0xDF) {
        u->need = 1;
        u->cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        u->need = 2;
        u->cp = c & 0x0Fu;
        if (c == 0xE0)
            u->lo = 0xA0; /* overlong */
        else if (c == 0xED)
            u->hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        u->need = 3;
        u->cp = c & 0x07u;
        if (c == 0xF0)
            u->lo = 0x90; /* overlong */
        else if (c == 0xF4)
            u->hi = 0x8F; /* above U+10FFFF */
    } else {
        return false; /* C0, C1 (overlong), a lone continuation, F5..FF */
    }
    return true;
}

/* True when the octets fed ended on a character boundary. */
static inline bool mcsec_utf8_done(const mcsec_utf8_t *u)
{
    return u->need == 0;
}

/* The whole of [p, p + n) is strict UTF-8. */
static inline bool mcsec_utf8_valid(const uint8_t *p, size_t n)
{
    mcsec_utf8_t u = {0, 0x80, 0xBF, 0};
    for (size_t i = 0; i < n; i++)
        if (!mcsec_utf8_feed(&u, p[i]))
            return false;
    return mcsec_utf8_done(&u);
}

#endif
