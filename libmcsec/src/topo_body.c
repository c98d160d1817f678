/* mcptt-info element hiding for a whole SIP body: the body itself when it
 * is mcptt-info, or each mcptt-info part of a multipart/mixed body (the
 * group-call INVITE shape, next to SDP or resource-lists), with everything
 * around the rewritten parts copied octet for octet. The multipart splitter
 * is the SPK code's (xmlprot_multipart.c). See
 * mcsec_topo_hide_body_elements() in mcsec/topo.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo_internal.h"
#include "xmlprot_internal.h"

/* One rewritten part: where it was in the body and its new octets. */
typedef struct {
    const uint8_t *start;
    size_t len;
    uint8_t *data; /* malloc'd, NULL when the part stays */
    size_t data_len;
} body_edit_t;

static void free_edits(body_edit_t *edits, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(edits[i].data);
}

/* Whether text (len octets) contains needle. */
static bool contains(const uint8_t *text, size_t len, const char *needle, size_t needle_len)
{
    for (size_t i = 0; i + needle_len <= len; i++)
        if (memcmp(text + i, needle, needle_len) == 0)
            return true;
    return false;
}

/* The body with each part in edits[0..count) (in body order) replaced. */
static mcsec_err_t assemble(const uint8_t *body, size_t len, const body_edit_t *edits, size_t count,
                            uint8_t **out, size_t *out_len)
{
    size_t total = len;
    for (size_t i = 0; i < count; i++)
        if (edits[i].data)
            total = total - edits[i].len + edits[i].data_len;
    uint8_t *buf = malloc(total + 1);
    if (!buf)
        return MCSEC_ERR_NOMEM;
    size_t pos = 0, from = 0;
    for (size_t i = 0; i < count; i++) {
        if (!edits[i].data)
            continue;
        size_t at = (size_t)(edits[i].start - body);
        memcpy(buf + pos, body + from, at - from);
        pos += at - from;
        memcpy(buf + pos, edits[i].data, edits[i].data_len);
        pos += edits[i].data_len;
        from = at + edits[i].len;
    }
    memcpy(buf + pos, body + from, len - from);
    pos += len - from;
    buf[pos] = '\0';
    *out = buf;
    *out_len = pos;
    return MCSEC_OK;
}

mcsec_err_t mcsec_topo_hide_body_elements(mcsec_topo_t *topo, const char *content_type,
                                          const uint8_t *body, size_t len,
                                          const mcsec_strlist_t *names,
                                          const mcsec_strlist_t *keep_domains,
                                          mcsec_topo_direction_t direction, uint8_t **out,
                                          size_t *out_len, mcsec_topo_error_t *err)
{
    if (err)
        *err = (mcsec_topo_error_t){MCSEC_REASON_NONE, MCSEC_TOPO_FAULT_NONE};
    if (!topo || !out || !out_len || !content_type || (!body && len) ||
        (direction != MCSEC_TOPO_EGRESS && direction != MCSEC_TOPO_INGRESS))
        return MCSEC_ERR_ARG;
    *out = NULL;
    *out_len = 0;
    if (!names || names->count == 0 || len == 0)
        return MCSEC_OK;
    char type[96];
    char boundary[71];
    if (xp_content_type(content_type, strlen(content_type), type, sizeof(type), boundary,
                        sizeof(boundary)) != MCSEC_OK) {
        /* Not a media type we could recognise: nothing of ours in it. */
        return MCSEC_OK;
    }
    if (strcmp(type, MCSEC_CT_MCPTT_INFO) == 0)
        return mcsec_topo_hide_xml_elements(topo, body, len, names, keep_domains, direction, out,
                                            out_len, err);
    if (strcmp(type, "multipart/mixed") != 0)
        return MCSEC_OK;
    xp_mime_t mime;
    if (xp_mime_split(content_type, body, len, &mime) != MCSEC_OK)
        return MCSEC_ERR_PARSE;
    /* A part that came to contain "CRLF--boundary" would split the body
     * differently on the other side. */
    char delim[2 + 2 + sizeof(mime.boundary)];
    size_t delim_len = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", mime.boundary);
    body_edit_t edits[MCSEC_XMLPROT_MAX_PARTS];
    memset(edits, 0, sizeof(edits));
    bool changed = false;
    mcsec_err_t rc = MCSEC_OK;
    for (size_t i = 0; i < mime.count && rc == MCSEC_OK; i++) {
        const xp_part_t *part = &mime.parts[i];
        edits[i].start = part->body;
        edits[i].len = part->body_len;
        if (strcmp(part->type, MCSEC_CT_MCPTT_INFO) != 0 || part->body_len == 0)
            continue;
        rc = mcsec_topo_hide_xml_elements(topo, part->body, part->body_len, names, keep_domains,
                                          direction, &edits[i].data, &edits[i].data_len, err);
        if (rc == MCSEC_OK && edits[i].data) {
            changed = true;
            if (contains(edits[i].data, edits[i].data_len, delim, delim_len))
                rc = MCSEC_ERR_PARSE;
        }
    }
    if (rc == MCSEC_OK && changed)
        rc = assemble(body, len, edits, mime.count, out, out_len);
    free_edits(edits, mime.count);
    return rc;
}
