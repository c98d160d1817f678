/* The bounded multipart/mixed splitter and Content-Type parser
 * (xmlprot_multipart.c) that the MIME walker (mcsec/mime/mime.h) is built
 * on, and the random tokens a protected body's boundary and Content-IDs
 * are made of. Private to libmcsec: the mime part and the parts above it
 * (spk, topo) use it; nothing here is an adapter's API. */
#ifndef MCSEC_MIME_SPLIT_INTERNAL_H
#define MCSEC_MIME_SPLIT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcsec/mime/mime.h"
#include "mcsec/util/status.h"

/* A part as the walker hands it out (mcsec/mime/mime.h). */
typedef mcsec_mime_part_t xp_part_t;

typedef struct {
    bool multipart;
    char boundary[71];
    xp_part_t parts[MCSEC_XMLPROT_MAX_PARTS];
    size_t count;
    const char *fault; /* why the split failed (static text), NULL if it did not */
} xp_mime_t;

/* Lower case type/subtype of a Content-Type value and, for multipart, its
 * boundary. MCSEC_ERR_PARSE when unparsable. */
mcsec_err_t xp_content_type(const char *value, size_t len, char *type, size_t type_size,
                            char *boundary, size_t boundary_size);
/* The same, also giving the charset parameter lower-cased (when charset
 * is not NULL). A repeated boundary or charset parameter is refused. */
mcsec_err_t xp_content_type_params(const char *value, size_t len, char *type, size_t type_size,
                                   char *boundary, size_t boundary_size, char *charset,
                                   size_t charset_size);
/* Splits body per content_type (ct_len octets), one level only; a
 * non-multipart body is one part whose headers are empty and whose type is
 * the body's. Views point into body. The splitter of mcsec_mime_walk(),
 * which every stage uses (part header rules: mcsec/mime/mime.h); mime->fault
 * says why it failed. */
mcsec_err_t xp_mime_split(const char *content_type, size_t ct_len, const uint8_t *body, size_t len,
                          xp_mime_t *mime);
/* Random octets (RAND_bytes), and their hex as a boundary or Content-ID
 * local part (out_size >= 2 * octets + 1). A body's tokens share one
 * xp_random_bytes call: each call costs as much as a short AES-GCM. */
mcsec_err_t xp_random_bytes(uint8_t *out, size_t len);
mcsec_err_t xp_hex_token(const uint8_t *raw, size_t octets, char *out, size_t out_size);

#endif
