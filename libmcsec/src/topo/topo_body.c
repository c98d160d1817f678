/* Info element hiding for a whole SIP body: the body itself when it is of
 * a protectable info type (mcptt-info, mcvideo-info, mcdata-info;
 * docs/protectable-types.md), or each such part of a multipart/mixed body
 * (the group-call INVITE shape, next to SDP or resource-lists), with
 * everything around the rewritten parts copied octet for octet. Parts come
 * from the one MIME walker (mcsec/mime/mime.h): every info leaf at any depth. See
 * mcsec_topo_hide_body_elements() in mcsec/topo/topo.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcsec/mime/mime.h"
#include "mcsec/spk/xmlprot.h"

#include "topo_internal.h"
#include "mime/mime_split_internal.h"

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

/* The walker's visitor: rewrites each mcptt-info leaf into ctx->edits. */
typedef struct {
    mcsec_topo_t *topo;
    const mcsec_strlist_t *names;
    const mcsec_strlist_t *keep_domains;
    mcsec_topo_direction_t direction;
    mcsec_topo_error_t *err;
    body_edit_t edits[MCSEC_MIME_MAX_PARTS];
    size_t count;
    bool changed;
    mcsec_err_t rc;
} hide_ctx_t;

static int hide_leaf(const mcsec_mime_part_t *part, void *arg)
{
    hide_ctx_t *ctx = arg;
    if (part->depth == 0 || !mcsec_xmlprot_is_info_type(part->type) || part->body_len == 0)
        return 0;
    body_edit_t *edit = &ctx->edits[ctx->count++];
    edit->start = part->body;
    edit->len = part->body_len;
    ctx->rc = mcsec_topo_hide_xml_elements(ctx->topo, part->body, part->body_len, ctx->names,
                                           ctx->keep_domains, ctx->direction, &edit->data,
                                           &edit->data_len, ctx->err);
    if (ctx->rc == MCSEC_OK && edit->data) {
        ctx->changed = true;
        /* A part that came to contain "CRLF--" could end its part, or an
         * enclosing one, early on the other side (libxml2 writes a CR as
         * a character reference, so this is not expected). */
        if (contains(edit->data, edit->data_len, "\r\n--", 4))
            ctx->rc = MCSEC_ERR_PARSE;
    }
    return ctx->rc != MCSEC_OK;
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
    if (mcsec_xmlprot_is_info_type(type))
        return mcsec_topo_hide_xml_elements(topo, body, len, names, keep_domains, direction, out,
                                            out_len, err);
    if (strncmp(type, "multipart/", 10) != 0)
        return MCSEC_OK;
    /* Every mcptt-info leaf at any depth, in body order (the walker). */
    hide_ctx_t ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.topo = topo;
    ctx.names = names;
    ctx.keep_domains = keep_domains;
    ctx.direction = direction;
    ctx.err = err;
    mcsec_err_t rc =
        mcsec_mime_walk(content_type, strlen(content_type), body, len, hide_leaf, &ctx, NULL);
    if (rc == MCSEC_ERR_INVALID)
        rc = ctx.rc != MCSEC_OK ? ctx.rc : MCSEC_ERR_PARSE;
    bool changed = ctx.changed;
    body_edit_t *edits = ctx.edits;
    size_t count = ctx.count;
    if (rc == MCSEC_OK && changed)
        rc = assemble(body, len, edits, count, out, out_len);
    free_edits(edits, count);
    return rc;
}
