/* Finding and replacing the SDP part of a body: see mcsec/media/media.h. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mcsec/media/media.h"
#include "mcsec/mime/mime.h"

typedef struct {
    const uint8_t *body;
    size_t offset;
    size_t len;
    int found;
    const char *fault;
} find_t;

/* True when the header block holds a Content-Length field (any case, at
 * the start of a line). */
static bool has_content_length(const uint8_t *headers, size_t len)
{
    static const char name[] = "content-length";
    const size_t n = sizeof(name) - 1;
    for (size_t i = 0; i + n < len; i++) {
        bool line_start = i == 0 || headers[i - 1] == '\n';
        if (line_start && strncasecmp((const char *)headers + i, name, n) == 0) {
            size_t j = i + n;
            while (j < len && (headers[j] == ' ' || headers[j] == '\t')) {
                j++;
            }
            if (j < len && headers[j] == ':') {
                return true;
            }
        }
    }
    return false;
}

static int visit(const mcsec_mime_part_t *part, void *arg)
{
    find_t *f = arg;
    if (part->container || strcmp(part->type, "application/sdp") != 0) {
        return 0;
    }
    if (f->found) {
        f->fault = "more than one SDP part";
        return 1;
    }
    if (has_content_length(part->headers, part->headers_len)) {
        f->fault = "an SDP part with a Content-Length field";
        return 1;
    }
    f->found = 1;
    f->offset = (size_t)(part->body - f->body);
    f->len = part->body_len;
    return 0;
}

int mcsec_media_sdp_find(const char *content_type, size_t ct_len, const uint8_t *body, size_t len,
                         size_t *offset, size_t *sdp_len, const char **fault)
{
    find_t f = {body, 0, 0, 0, NULL};
    const char *walk_fault = NULL;
    *fault = NULL;
    mcsec_err_t rc = mcsec_mime_walk(content_type, ct_len, body, len, visit, &f, &walk_fault);
    if (rc != MCSEC_OK) {
        *fault =
            f.fault != NULL ? f.fault : (walk_fault != NULL ? walk_fault : "body does not walk");
        return -1;
    }
    if (!f.found) {
        return 0;
    }
    *offset = f.offset;
    *sdp_len = f.len;
    return 1;
}

mcsec_err_t mcsec_media_sdp_splice(const uint8_t *body, size_t len, size_t offset, size_t sdp_len,
                                   const uint8_t *sdp, size_t new_len, uint8_t **out,
                                   size_t *out_len)
{
    if (out == NULL || out_len == NULL || offset > len || sdp_len > len - offset ||
        (new_len > 0 && sdp == NULL) || new_len > SIZE_MAX - (len - sdp_len)) {
        return MCSEC_ERR_ARG;
    }
    size_t total = len - sdp_len + new_len;
    uint8_t *buf = malloc(total > 0 ? total : 1);
    if (buf == NULL) {
        return MCSEC_ERR_NOMEM;
    }
    if (offset > 0) {
        memcpy(buf, body, offset);
    }
    if (new_len > 0) {
        memcpy(buf + offset, sdp, new_len);
    }
    size_t tail = len - offset - sdp_len;
    if (tail > 0) {
        memcpy(buf + offset + new_len, body + offset + sdp_len, tail);
    }
    *out = buf;
    *out_len = total;
    return MCSEC_OK;
}
