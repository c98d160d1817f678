/* SDES a=crypto lines held back from the media relay and put back: see
 * mcsec/media/sdes_hold.h. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcsec/media/sdes_hold.h"
#include "mcsec/media/sdp.h"

typedef struct {
    size_t offset;
    size_t len;  /* without the end */
    size_t full; /* with the end */
    size_t section;
    bool ended; /* by LF (else the text's last line, without an end) */
} line_t;

/* Splits text into lines (CRLF or LF ends); *lines malloc'd. 0, -1 too
 * many lines, -2 out of memory. */
static int split(const uint8_t *text, size_t len, line_t **lines, size_t *count)
{
    *lines = NULL;
    *count = 0;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n') {
            n++;
        }
    }
    if (len > 0 && text[len - 1] != '\n') {
        n++;
    }
    if (n > MCSEC_SDP_MAX_LINES) {
        return -1;
    }
    line_t *out = calloc(n > 0 ? n : 1, sizeof(*out));
    if (out == NULL) {
        return -2;
    }
    size_t pos = 0, k = 0, section = 0;
    while (pos < len) {
        const uint8_t *nl = memchr(text + pos, '\n', len - pos);
        size_t full = nl != NULL ? (size_t)(nl - (text + pos)) + 1 : len - pos;
        size_t body = nl != NULL ? full - 1 : full;
        if (body > 0 && text[pos + body - 1] == '\r') { /* as mcsec_media_check_keys() */
            body--;
        }
        if (body >= 2 && memcmp(text + pos, "m=", 2) == 0) {
            section++;
        }
        out[k++] = (line_t){pos, body, full, section, nl != NULL};
        pos += full;
    }
    *lines = out;
    *count = k;
    return 0;
}

static bool crypto_line(const uint8_t *p, size_t n)
{
    return n >= 9 && memcmp(p, "a=crypto:", 9) == 0;
}

void mcsec_sdes_hold_clear(mcsec_sdes_hold_t *hold)
{
    if (hold == NULL) {
        return;
    }
    free(hold->text);
    free(hold->lines);
    free(hold->mline);
    memset(hold, 0, sizeof(*hold));
}

mcsec_err_t mcsec_sdes_hold_strip(const uint8_t *sdp, size_t len, mcsec_sdes_hold_t *hold,
                                  uint8_t **out, size_t *out_len)
{
    if (hold == NULL || out == NULL || out_len == NULL || (sdp == NULL && len > 0)) {
        return MCSEC_ERR_ARG;
    }
    mcsec_sdes_hold_clear(hold);
    *out = NULL;
    *out_len = 0;
    line_t *lines = NULL;
    size_t count = 0;
    int rc = split(sdp, len, &lines, &count);
    if (rc != 0) {
        return rc == -1 ? MCSEC_ERR_PARSE : MCSEC_ERR_NOMEM;
    }
    hold->text = malloc(len > 0 ? len : 1);
    hold->lines = calloc(count > 0 ? count : 1, sizeof(*hold->lines));
    hold->mline = calloc(count > 0 ? count : 1, sizeof(*hold->mline));
    uint8_t *buf = malloc(len > 0 ? len : 1);
    if (hold->text == NULL || hold->lines == NULL || hold->mline == NULL || buf == NULL) {
        free(lines);
        free(buf);
        mcsec_sdes_hold_clear(hold);
        return MCSEC_ERR_NOMEM;
    }
    if (len > 0) {
        memcpy(hold->text, sdp, len);
    }
    hold->text_len = len;
    hold->sections = 1;
    size_t w = 0;
    for (size_t i = 0; i < count; i++) {
        const uint8_t *p = sdp + lines[i].offset;
        if (lines[i].len >= 2 && memcmp(p, "m=", 2) == 0) {
            hold->mline[hold->sections - 1] = lines[i].offset;
            hold->sections++;
        }
        if (crypto_line(p, lines[i].len)) {
            hold->lines[hold->count++] =
                (mcsec_sdes_line_t){lines[i].offset, lines[i].len, lines[i].section};
        } else {
            memcpy(buf + w, p, lines[i].full);
            w += lines[i].full;
        }
    }
    free(lines);
    *out = buf;
    *out_len = w;
    return MCSEC_OK;
}

/* The <media> and <proto> tokens of an m= line (p, n octets). */
static void mline_tokens(const uint8_t *p, size_t n, const uint8_t **media, size_t *media_len,
                         const uint8_t **proto, size_t *proto_len)
{
    size_t i = 2, start = 2;
    while (i < n && p[i] != ' ') {
        i++;
    }
    *media = p + start;
    *media_len = i - start;
    while (i < n && p[i] == ' ') {
        i++;
    }
    while (i < n && p[i] != ' ') { /* the port */
        i++;
    }
    while (i < n && p[i] == ' ') {
        i++;
    }
    start = i;
    while (i < n && p[i] != ' ') {
        i++;
    }
    *proto = p + start;
    *proto_len = i - start;
}

static size_t line_len(const uint8_t *p, size_t max)
{
    const uint8_t *nl = memchr(p, '\n', max);
    size_t n = nl != NULL ? (size_t)(nl - p) : max;
    return n > 0 && p[n - 1] == '\r' ? n - 1 : n;
}

/* The m-lines of sdp (lines) against the held ones: 0 same, else -1 with detail. */
static int same_sections(const mcsec_sdes_hold_t *hold, const uint8_t *sdp, const line_t *lines,
                         size_t count, size_t sections, char *detail, size_t detail_size)
{
    if (sections != hold->sections) {
        snprintf(detail, detail_size,
                 "sdp from the relay has %zu m-lines, %zu given: a=crypto lines cannot go back",
                 sections - 1, hold->sections - 1);
        return -1;
    }
    size_t m = 0;
    for (size_t i = 0; i < count; i++) {
        const uint8_t *p = sdp + lines[i].offset;
        if (lines[i].len < 2 || memcmp(p, "m=", 2) != 0) {
            continue;
        }
        const uint8_t *held = hold->text + hold->mline[m];
        size_t held_len = line_len(held, hold->text_len - hold->mline[m]);
        const uint8_t *am, *ap, *bm, *bp;
        size_t aml, apl, bml, bpl;
        mline_tokens(held, held_len, &am, &aml, &ap, &apl);
        mline_tokens(p, lines[i].len, &bm, &bml, &bp, &bpl);
        if (aml != bml || apl != bpl || memcmp(am, bm, aml) != 0 || memcmp(ap, bp, apl) != 0) {
            snprintf(detail, detail_size,
                     "sdp from the relay: m-line %zu is not the one given: a=crypto lines "
                     "cannot go back",
                     m + 1);
            return -1;
        }
        m++;
    }
    return 0;
}

/* Writes the held lines of section s at w, each ending in eol. */
static size_t put_held(const mcsec_sdes_hold_t *hold, size_t s, const char *eol, uint8_t *buf,
                       size_t w)
{
    size_t eol_len = strlen(eol);
    for (size_t k = 0; k < hold->count; k++) {
        if (hold->lines[k].section == s) {
            memcpy(buf + w, hold->text + hold->lines[k].offset, hold->lines[k].len);
            w += hold->lines[k].len;
            memcpy(buf + w, eol, eol_len);
            w += eol_len;
        }
    }
    return w;
}

mcsec_reason_t mcsec_sdes_hold_restore(const mcsec_sdes_hold_t *hold, const uint8_t *sdp,
                                       size_t len, uint8_t **out, size_t *out_len, char *detail,
                                       size_t detail_size)
{
    char scratch[8];
    if (detail == NULL || detail_size == 0) {
        detail = scratch;
        detail_size = sizeof(scratch);
    }
    detail[0] = '\0';
    *out = NULL;
    *out_len = 0;
    line_t *lines = NULL;
    size_t count = 0;
    int rc = split(sdp, len, &lines, &count);
    if (rc != 0) {
        snprintf(detail, detail_size, rc == -1 ? "sdp has more than %d lines" : "out of memory",
                 MCSEC_SDP_MAX_LINES);
        return rc == -1 ? MCSEC_REASON_MEDIA_MALFORMED : MCSEC_REASON_POLICY_UNAVAILABLE;
    }
    size_t sections = count > 0 ? lines[count - 1].section + 1 : 1;
    if (hold != NULL && hold->count > 0 &&
        same_sections(hold, sdp, lines, count, sections, detail, detail_size) != 0) {
        free(lines);
        return MCSEC_REASON_MEDIA_KEYS_ALTERED;
    }
    size_t extra = 0;
    if (hold != NULL) {
        for (size_t k = 0; k < hold->count; k++) {
            extra += hold->lines[k].len + 2;
        }
    }
    uint8_t *buf = malloc(len + extra + 2 * sections + 1);
    size_t *at = calloc(sections, sizeof(*at)); /* the line to insert after, +1; 0 none */
    if (buf == NULL || at == NULL) {
        free(lines);
        free(buf);
        free(at);
        snprintf(detail, detail_size, "out of memory");
        return MCSEC_REASON_POLICY_UNAVAILABLE;
    }
    for (size_t i = 0; i < count; i++) { /* the section's last a= line, else its last line */
        size_t s = lines[i].section;
        bool attr = lines[i].len >= 2 && memcmp(sdp + lines[i].offset, "a=", 2) == 0;
        bool prev_attr = at[s] > 0 && lines[at[s] - 1].len >= 2 &&
                         memcmp(sdp + lines[at[s] - 1].offset, "a=", 2) == 0;
        if (attr || !prev_attr) {
            at[s] = i + 1;
        }
    }
    const char *first_eol = "\r\n"; /* CRLF unless the first line ends in a lone LF */
    if (count > 0 && lines[0].ended && lines[0].full == lines[0].len + 1) {
        first_eol = "\n";
    }
    size_t w = 0;
    bool held = hold != NULL && hold->count > 0;
    if (held && at[0] == 0) { /* no session-level line at all */
        w = put_held(hold, 0, first_eol, buf, w);
    }
    for (size_t i = 0; i < count; i++) {
        const line_t *l = &lines[i];
        memcpy(buf + w, sdp + l->offset, l->full);
        w += l->full;
        if (held && at[l->section] == i + 1) {
            const char *eol = l->full == l->len + 2 ? "\r\n" : "\n";
            if (!l->ended) { /* the last line had no end */
                eol = first_eol;
                memcpy(buf + w, eol, strlen(eol));
                w += strlen(eol);
            }
            w = put_held(hold, l->section, eol, buf, w);
        }
    }
    free(lines);
    free(at);
    *out = buf;
    *out_len = w;
    return MCSEC_REASON_NONE;
}
