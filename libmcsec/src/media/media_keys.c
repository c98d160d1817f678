/* The key lines of an SDP cross the relay untouched: see
 * mcsec_media_check_keys() in mcsec/media/media.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcsec/media/media.h"
#include "mcsec/media/sdp.h"

typedef struct {
    const char *p;
    size_t n;
} line_t;

/* True for a key line (the attribute names are case-sensitive, RFC 8866
 * 5.13, as rtpengine and the senders write them). */
static bool key_line(const char *p, size_t n)
{
    return (n >= 9 && memcmp(p, "a=crypto:", 9) == 0) ||
           (n >= 11 && memcmp(p, "a=key-mgmt:", 11) == 0);
}

/* Collects the key lines of text (CRLF or LF ends) into lines (at most
 * MCSEC_SDP_MAX_LINES); -1 when there are more lines than that. */
static int collect(const uint8_t *text, size_t len, line_t *lines, size_t *count)
{
    const char *p = (const char *)text;
    const char *end = p + len;
    size_t seen = 0;
    *count = 0;
    while (p < end) {
        if (++seen > MCSEC_SDP_MAX_LINES) {
            return -1;
        }
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl != NULL ? nl : end;
        size_t n = (size_t)(stop - p);
        if (n > 0 && p[n - 1] == '\r') {
            n--;
        }
        if (key_line(p, n)) {
            lines[(*count)++] = (line_t){p, n};
        }
        p = nl != NULL ? nl + 1 : end;
    }
    return 0;
}

mcsec_reason_t mcsec_media_check_keys(const uint8_t *before, size_t before_len,
                                      const uint8_t *after, size_t after_len, char *detail,
                                      size_t detail_size)
{
    char scratch[8];
    if (detail == NULL || detail_size == 0) {
        detail = scratch;
        detail_size = sizeof(scratch);
    }
    line_t *a = calloc(MCSEC_SDP_MAX_LINES, sizeof(*a));
    line_t *b = calloc(MCSEC_SDP_MAX_LINES, sizeof(*b));
    bool *used = calloc(MCSEC_SDP_MAX_LINES, sizeof(*used));
    mcsec_reason_t reason = MCSEC_REASON_NONE;
    size_t na = 0, nb = 0;
    if (a == NULL || b == NULL || used == NULL) {
        reason = MCSEC_REASON_POLICY_UNAVAILABLE;
        snprintf(detail, detail_size, "out of memory");
    } else if (collect(before, before_len, a, &na) != 0 || collect(after, after_len, b, &nb) != 0) {
        reason = MCSEC_REASON_MEDIA_MALFORMED;
        snprintf(detail, detail_size, "sdp has more than %d lines", MCSEC_SDP_MAX_LINES);
    } else if (na != nb) {
        reason = MCSEC_REASON_MEDIA_KEYS_ALTERED;
        snprintf(detail, detail_size, "sdp key lines: %zu given, %zu from the relay", na, nb);
    } else {
        for (size_t i = 0; i < na && reason == MCSEC_REASON_NONE; i++) {
            bool found = false;
            for (size_t j = 0; j < nb && !found; j++) {
                found = !used[j] && b[j].n == a[i].n && memcmp(b[j].p, a[i].p, a[i].n) == 0;
                if (found) {
                    used[j] = true;
                }
            }
            if (!found) {
                reason = MCSEC_REASON_MEDIA_KEYS_ALTERED;
                snprintf(detail, detail_size, "sdp key line %zu of %zu changed by the relay", i + 1,
                         na);
            }
        }
    }
    free(a);
    free(b);
    free(used);
    return reason;
}
