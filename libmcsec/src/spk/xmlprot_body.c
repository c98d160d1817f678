/* The body-level API: single mcptt-info documents and SIP bodies (single or
 * multipart/mixed), gluing the splitter, encryption and signature. In a
 * body every protectable type (xmlprot_types.c: mcptt-info, mcvideo-info,
 * mcdata-info) is encrypted, signed and, when required, refused clear
 * alike; only mcptt-info has a kept tree. */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "xmlprot_internal.h"

#define XP_CID_OCTETS 12      /* random octets in a generated Content-ID */
#define XP_BOUNDARY_OCTETS 16 /* random octets in a generated boundary */

/* A growable output buffer with a hard cap. */
typedef struct {
    uint8_t *data;
    size_t len, cap;
    bool failed;
} out_buf_t;

static void put(out_buf_t *buf, const void *p, size_t n)
{
    if (buf->failed)
        return;
    if (buf->len + n + 1 > buf->cap) {
        size_t cap = buf->cap ? buf->cap : 1024;
        while (cap < buf->len + n + 1)
            cap *= 2;
        uint8_t *grown = cap <= 4 * MCSEC_XMLPROT_MAX_BODY ? realloc(buf->data, cap) : NULL;
        if (!grown) {
            buf->failed = true;
            return;
        }
        buf->data = grown;
        buf->cap = cap;
    }
    memcpy(buf->data + buf->len, p, n);
    buf->len += n;
    buf->data[buf->len] = '\0';
}

static void puts_buf(out_buf_t *buf, const char *s)
{
    put(buf, s, strlen(s));
}

static mcsec_err_t set_out(mcsec_body_t *out, const char *content_type, size_t ct_len,
                           const uint8_t *data, size_t len)
{
    out->content_type = strndup(content_type, ct_len);
    out->data = malloc(len + 1);
    if (!out->content_type || !out->data) {
        mcsec_body_free(out);
        return MCSEC_ERR_NOMEM;
    }
    if (len)
        memcpy(out->data, data, len);
    out->data[len] = '\0';
    out->len = len;
    return MCSEC_OK;
}

static void result_ok(mcsec_xmlprot_result_t *result)
{
    if (result) {
        result->reason = MCSEC_REASON_NONE;
        result->detail[0] = '\0';
    }
}

/* An unprotect starts with no key ID seen (mcsec_xmlprot_result_t). */
static void result_start(mcsec_xmlprot_result_t *result)
{
    if (result) {
        result->spk_id = 0;
        result->has_spk_id = false;
    }
}

static bool check_args(const mcsec_xmlprot_t *prot, const void *data, size_t len,
                       const mcsec_body_t *out)
{
    return prot && out && (data || len == 0);
}

/* Parses an mcptt-info document, runs encrypt or decrypt, serialises.
 * parsed: xml already parsed by xp_parse (taken over), or NULL. keep: when
 * not NULL, receives the tree on success (the caller frees it) instead of
 * it being freed; the tree is then what xp_parse makes of the result. */
static mcsec_err_t transform_doc(mcsec_xmlprot_t *prot, const xp_info_type_t *type,
                                 const uint8_t *xml, size_t len, xmlDocPtr parsed, bool protect,
                                 size_t *changed, uint8_t **out, size_t *out_len, xmlDocPtr *keep,
                                 mcsec_xmlprot_result_t *result)
{
    xmlDocPtr doc = parsed ? parsed : xp_parse(prot, xml, len);
    if (!doc)
        return xp_fail(result, MCSEC_ERR_PARSE, MCSEC_REASON_SPK_MALFORMED,
                       type == xp_info_type_at(0)
                           ? "mcptt-info is not acceptable XML (syntax, DTD or limits)"
                           : "an info part is not acceptable XML (syntax, DTD or limits)");
    mcsec_err_t rc = protect ? xp_encrypt_doc(prot, type, doc, changed, result)
                             : xp_decrypt_doc(prot, type, doc, changed, result);
    if (rc == MCSEC_OK && *changed)
        rc = xp_serialize(doc, out, out_len);
    if (rc == MCSEC_OK && keep)
        *keep = doc;
    else
        xmlFreeDoc(doc);
    return rc;
}

mcsec_err_t mcsec_xmlprot_protect_doc(mcsec_xmlprot_t *prot, const uint8_t *xml, size_t len,
                                      mcsec_body_t *out, mcsec_xmlprot_result_t *result)
{
    result_start(result);
    if (!check_args(prot, xml, len, out))
        return MCSEC_ERR_ARG;
    memset(out, 0, sizeof(*out));
    result_ok(result);
    uint8_t *data = NULL;
    size_t data_len = 0, changed = 0;
    mcsec_err_t rc = transform_doc(prot, xp_info_type_at(0), xml, len, NULL, true, &changed, &data,
                                   &data_len, NULL, result);
    if (rc == MCSEC_OK)
        rc = changed
                 ? set_out(out, MCSEC_CT_MCPTT_INFO, strlen(MCSEC_CT_MCPTT_INFO), data, data_len)
                 : set_out(out, MCSEC_CT_MCPTT_INFO, strlen(MCSEC_CT_MCPTT_INFO), xml, len);
    free(data);
    return rc;
}

mcsec_err_t mcsec_xmlprot_unprotect_doc(mcsec_xmlprot_t *prot, const uint8_t *xml, size_t len,
                                        bool required, mcsec_body_t *out,
                                        mcsec_xmlprot_result_t *result)
{
    result_start(result);
    if (!check_args(prot, xml, len, out))
        return MCSEC_ERR_ARG;
    memset(out, 0, sizeof(*out));
    result_ok(result);
    uint8_t *data = NULL;
    size_t data_len = 0, found = 0;
    mcsec_err_t rc = transform_doc(prot, xp_info_type_at(0), xml, len, NULL, false, &found, &data,
                                   &data_len, NULL, result);
    if (rc == MCSEC_OK && found == 0 && required)
        rc = xp_fail(result, MCSEC_ERR_INVALID, MCSEC_REASON_SPK_MISSING,
                     "no encrypted element in mcptt-info");
    if (rc == MCSEC_OK)
        rc = found ? set_out(out, MCSEC_CT_MCPTT_INFO, strlen(MCSEC_CT_MCPTT_INFO), data, data_len)
                   : set_out(out, MCSEC_CT_MCPTT_INFO, strlen(MCSEC_CT_MCPTT_INFO), xml, len);
    free(data);
    return rc;
}

/* ---- bodies ---- */

typedef struct {
    xp_mime_t mime;
    int info;                      /* index of the mcptt-info part, -1 when none */
    int signature;                 /* index of the signature part, -1 when none */
    int other_info[XP_INFO_TYPES]; /* [k]: index of the part of info type k >= 1, -1 when none */
    uint8_t *new_body[MCSEC_XMLPROT_MAX_PARTS]; /* replaced part bodies */
    size_t new_len[MCSEC_XMLPROT_MAX_PARTS];
    char added_cid[MCSEC_XMLPROT_MAX_PARTS][128];
    /* The mcptt-info and signature parts once check_xml_parts parsed them,
     * kept for the signature check and the decryption (each parse of a
     * part costs as much as its decryption). */
    xmlDocPtr info_doc;
    xmlDocPtr signature_doc;
} body_work_t;

static void work_free(body_work_t *work)
{
    for (size_t i = 0; i < MCSEC_XMLPROT_MAX_PARTS; i++)
        free(work->new_body[i]);
    xmlFreeDoc(work->info_doc);
    xmlFreeDoc(work->signature_doc);
}

/* See xmlprot.h: the clear mcptt-info tree behind the body unprotect
 * returned, and where in that body its serialization lies. */
struct mcsec_xmlprot_kept {
    xmlDocPtr info_doc;
    const uint8_t *body; /* the clear body's octets (out->data), compared only */
    size_t body_len;
    size_t info_at; /* offset of the mcptt-info part's body in body */
    size_t info_len;
};

void mcsec_xmlprot_kept_free(mcsec_xmlprot_kept_t *kept)
{
    if (!kept)
        return;
    xmlFreeDoc(kept->info_doc);
    free(kept);
}

/* The kept tree for the mcptt-info part info of clear (taken from kept),
 * when kept belongs to exactly these octets; NULL otherwise. *refused is
 * set when the tree exists but is beyond prot's limits, where xp_parse
 * would have refused its serialization. */
static xmlDocPtr kept_doc(const mcsec_xmlprot_t *prot, mcsec_xmlprot_kept_t *kept,
                          const uint8_t *clear, size_t clear_len, const xp_part_t *info,
                          bool *refused)
{
    *refused = false;
    if (!kept || !kept->info_doc || kept->body != clear || kept->body_len != clear_len ||
        info->body != clear + kept->info_at || info->body_len != kept->info_len)
        return NULL;
    xmlDocPtr doc = kept->info_doc;
    kept->info_doc = NULL;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (info->body_len == 0 || info->body_len > prot->max_body || doc->intSubset ||
        doc->extSubset || !root || !xp_depth_ok(prot, root)) {
        xmlFreeDoc(doc);
        *refused = true;
        return NULL;
    }
    return doc;
}

static bool is_signed_type(const mcsec_xmlprot_t *prot, const char *type)
{
    if (xp_info_type_index(type) >= 0)
        return true;
    for (size_t i = 0; i < prot->signed_type_count; i++)
        if (strcmp(type, prot->signed_types[i]) == 0)
            return true;
    return false;
}

static bool is_xml_type(const char *type)
{
    size_t n = strlen(type);
    return (n > 4 && strcmp(type + n - 4, "+xml") == 0) || strcmp(type, "application/xml") == 0 ||
           strcmp(type, "text/xml") == 0;
}

/* The walker's visitor for split_body: keeps the top-level parts (or the
 * body itself when it is not multipart) and refuses protectable content
 * below the top level. */
typedef struct {
    const mcsec_xmlprot_t *prot;
    body_work_t *work;
    const char *fault; /* set when the visitor refused */
} split_ctx_t;

static int keep_top_part(const mcsec_mime_part_t *part, void *arg)
{
    split_ctx_t *ctx = arg;
    xp_mime_t *mime = &ctx->work->mime;
    if (part->depth == 0) {
        if (part->container) {
            mime->multipart = true;
            if (xp_content_type(part->ct_value, part->ct_value_len, mime->parts[0].type,
                                sizeof(mime->parts[0].type), mime->boundary,
                                sizeof(mime->boundary)) != MCSEC_OK)
                return -1; /* cannot happen: the walker parsed it */
        } else {
            mime->parts[mime->count++] = *part;
        }
        return 0;
    }
    /* docs/spk.md: what reaches our core as protectable content is only
     * what the signature covers, and the signature covers top-level parts:
     * mcptt-info, a signature or a signed type further down is refused. */
    if (part->depth > 1 &&
        (is_signed_type(ctx->prot, part->type) || strcmp(part->type, MCSEC_CT_MCPTT_SIGNED) == 0)) {
        ctx->fault = "mcptt-info, a signature or a signed type inside a nested multipart";
        return -1;
    }
    if (part->depth == 1)
        mime->parts[mime->count++] = *part; /* the splitter allows at most MAX_PARTS */
    return 0;
}

static mcsec_err_t split_body(mcsec_xmlprot_t *prot, const char *content_type, const uint8_t *body,
                              size_t len, body_work_t *work, mcsec_xmlprot_result_t *result)
{
    memset(work, 0, sizeof(*work));
    work->info = work->signature = -1;
    for (size_t k = 0; k < XP_INFO_TYPES; k++)
        work->other_info[k] = -1;
    if (len > prot->max_body)
        return xp_fail(result, MCSEC_ERR_INVALID, MCSEC_REASON_SPK_MALFORMED,
                       "body larger than the SPK limit");
    split_ctx_t ctx = {prot, work, NULL};
    const char *fault = NULL;
    mcsec_err_t rc =
        mcsec_mime_walk(content_type, strlen(content_type), body, len, keep_top_part, &ctx, &fault);
    if (rc != MCSEC_OK) {
        char detail[160];
        snprintf(detail, sizeof(detail), "body refused by the MIME walker: %s",
                 ctx.fault ? ctx.fault
                 : fault   ? fault
                           : "parts cannot be kept");
        return xp_fail(result, MCSEC_ERR_PARSE, MCSEC_REASON_SPK_MALFORMED, detail);
    }
    for (size_t i = 0; i < work->mime.count; i++) {
        const char *type = work->mime.parts[i].type;
        int kind = xp_info_type_index(type);
        int *slot = kind == 0                                  ? &work->info
                    : kind > 0                                 ? &work->other_info[kind]
                    : strcmp(type, MCSEC_CT_MCPTT_SIGNED) == 0 ? &work->signature
                                                               : NULL;
        if (!slot)
            continue;
        if (*slot >= 0)
            return xp_fail(result, MCSEC_ERR_INVALID, MCSEC_REASON_SPK_MALFORMED,
                           kind > 0 ? "more than one part of one info type"
                                    : "more than one mcptt-info or signature part");
        *slot = (int)i;
    }
    return MCSEC_OK;
}

static const uint8_t *part_body(const body_work_t *work, size_t i, size_t *len)
{
    if (work->new_body[i]) {
        *len = work->new_len[i];
        return work->new_body[i];
    }
    *len = work->mime.parts[i].body_len;
    return work->mime.parts[i].body;
}

static const char *part_cid(const body_work_t *work, size_t i)
{
    return work->added_cid[i][0] ? work->added_cid[i] : work->mime.parts[i].cid;
}

/* Views of the parts that have a Content-ID, for the cid: resolver. */
static size_t cid_parts(const body_work_t *work, xp_cid_part_t *parts, size_t *index)
{
    size_t count = 0;
    for (size_t i = 0; i < work->mime.count; i++) {
        const char *cid = part_cid(work, i);
        if ((int)i == work->signature || !cid[0])
            continue;
        parts[count].cid = cid;
        parts[count].cid_len = strlen(cid);
        parts[count].data = part_body(work, i, &parts[count].len);
        index[count++] = i;
    }
    return count;
}

static bool body_contains(const uint8_t *body, size_t len, const char *needle)
{
    return len > 0 && memmem(body, len, needle, strlen(needle)) != NULL;
}

/* Writes the parts (skipping skip) as multipart/mixed, plus an optional
 * signature part. *info_at gets the offset of the body of part
 * work->info in buf (when info_at is not NULL and that part is written). */
static mcsec_err_t build_multipart(const body_work_t *work, const char *boundary, int skip,
                                   const uint8_t *sig, size_t sig_len, out_buf_t *buf,
                                   size_t *info_at)
{
    char delim[80];
    snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
    for (size_t i = 0; i < work->mime.count; i++) {
        size_t len;
        const uint8_t *body = part_body(work, i, &len);
        if ((int)i != skip && body_contains(body, len, delim))
            return MCSEC_ERR_INVALID;
    }
    if (sig && body_contains(sig, sig_len, delim))
        return MCSEC_ERR_INVALID;
    for (size_t i = 0; i < work->mime.count; i++) {
        if ((int)i == skip)
            continue;
        const xp_part_t *part = &work->mime.parts[i];
        puts_buf(buf, delim + 2);
        puts_buf(buf, "\r\n");
        if (!work->mime.multipart) {
            puts_buf(buf, "Content-Type: ");
            put(buf, part->ct_value, part->ct_value_len);
            puts_buf(buf, "\r\n");
        } else if (part->headers_len) {
            put(buf, part->headers, part->headers_len);
            puts_buf(buf, "\r\n");
        }
        if (work->added_cid[i][0]) {
            puts_buf(buf, "Content-ID: <");
            puts_buf(buf, work->added_cid[i]);
            puts_buf(buf, ">\r\n");
        }
        puts_buf(buf, "\r\n");
        size_t len;
        const uint8_t *body = part_body(work, i, &len);
        if ((int)i == work->info && info_at)
            *info_at = buf->len;
        put(buf, body, len);
        puts_buf(buf, "\r\n");
    }
    if (sig) {
        puts_buf(buf, delim + 2);
        puts_buf(buf, "\r\nContent-Type: " MCSEC_CT_MCPTT_SIGNED "\r\n\r\n");
        put(buf, sig, sig_len);
        puts_buf(buf, "\r\n");
    }
    puts_buf(buf, delim + 2);
    puts_buf(buf, "--\r\n");
    return buf->failed ? MCSEC_ERR_NOMEM : MCSEC_OK;
}

/* Encrypts (protect) or decrypts the info parts other than mcptt-info,
 * each with its type's namespace, root and defaults. */
static mcsec_err_t transform_others(mcsec_xmlprot_t *prot, body_work_t *work, bool protect,
                                    mcsec_xmlprot_result_t *result)
{
    for (size_t k = 1; k < XP_INFO_TYPES; k++) {
        int i = work->other_info[k];
        if (i < 0)
            continue;
        size_t changed = 0;
        const xp_part_t *part = &work->mime.parts[i];
        mcsec_err_t rc =
            transform_doc(prot, xp_info_type_at(k), part->body, part->body_len, NULL, protect,
                          &changed, &work->new_body[i], &work->new_len[i], NULL, result);
        if (rc != MCSEC_OK)
            return rc;
    }
    return MCSEC_OK;
}

/* Host part of the identity for generated Content-IDs (RFC 2392 needs an
 * addr-spec); letters, digits, '.' and '-' only. */
static void cid_domain(const char *identity, char *out, size_t out_size)
{
    const char *at = strrchr(identity, '@');
    const char *colon = strchr(identity, ':');
    const char *p = at ? at + 1 : colon ? colon + 1 : identity;
    size_t n = 0;
    while (p[n] && n + 1 < out_size &&
           (p[n] == '.' || p[n] == '-' || (p[n] >= '0' && p[n] <= '9') ||
            (p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z')))
        n++;
    if (n == 0)
        snprintf(out, out_size, "mcsec.invalid");
    else
        snprintf(out, out_size, "%.*s", (int)n, p);
}

/* protect_body; the mcptt-info tree comes from kept when it belongs to
 * body (see kept_doc), else from parsing the part. */
static mcsec_err_t protect_body(mcsec_xmlprot_t *prot, const char *content_type,
                                const uint8_t *body, size_t len, mcsec_xmlprot_kept_t *kept,
                                mcsec_body_t *out, mcsec_xmlprot_result_t *result)
{
    memset(out, 0, sizeof(*out));
    result_ok(result);
    body_work_t work;
    out_buf_t buf = {0};
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    mcsec_err_t rc = split_body(prot, content_type, body, len, &work, result);
    if (rc != MCSEC_OK)
        goto out;
    if (work.signature >= 0) {
        rc = xp_fail(result, MCSEC_ERR_INVALID, MCSEC_REASON_SPK_MALFORMED,
                     "body already carries a signature part");
        goto out;
    }
    bool any_signed = false;
    for (size_t i = 0; i < work.mime.count; i++)
        any_signed = any_signed || is_signed_type(prot, work.mime.parts[i].type);
    if (!any_signed) {
        rc = set_out(out, content_type, strlen(content_type), body, len);
        goto out;
    }
    if (work.info >= 0) {
        size_t changed = 0;
        const xp_part_t *info = &work.mime.parts[work.info];
        bool refused = false;
        xmlDocPtr parsed = kept_doc(prot, kept, body, len, info, &refused);
        rc = refused ? xp_fail(result, MCSEC_ERR_PARSE, MCSEC_REASON_SPK_MALFORMED,
                               "mcptt-info is not acceptable XML (syntax, DTD or limits)")
                     : transform_doc(prot, xp_info_type_at(0), info->body, info->body_len, parsed,
                                     true, &changed, &work.new_body[work.info],
                                     &work.new_len[work.info], NULL, result);
        if (rc != MCSEC_OK)
            goto out;
    }
    if ((rc = transform_others(prot, &work, true, result)) != MCSEC_OK)
        goto out;
    char domain[64];
    cid_domain(prot->identity, domain, sizeof(domain));
    /* Random octets for every Content-ID this body may need, then the
     * boundary: one RAND_bytes call. */
    uint8_t random[MCSEC_XMLPROT_MAX_PARTS * XP_CID_OCTETS + XP_BOUNDARY_OCTETS];
    if ((rc = xp_random_bytes(random, sizeof(random))) != MCSEC_OK)
        goto out;
    for (size_t i = 0; i < work.mime.count; i++) {
        char token[2 * XP_CID_OCTETS + 1];
        if (!is_signed_type(prot, work.mime.parts[i].type) || work.mime.parts[i].cid[0])
            continue;
        (void)xp_hex_token(random + i * XP_CID_OCTETS, XP_CID_OCTETS, token, sizeof(token));
        snprintf(work.added_cid[i], sizeof(work.added_cid[i]), "%s@%s", token, domain);
    }
    /* Sign exactly the parts of a signed type. */
    xp_cid_part_t parts[MCSEC_XMLPROT_MAX_PARTS];
    size_t index[MCSEC_XMLPROT_MAX_PARTS], count = 0;
    size_t all = cid_parts(&work, parts, index);
    for (size_t k = 0; k < all; k++)
        if (is_signed_type(prot, work.mime.parts[index[k]].type))
            parts[count++] = parts[k];
    rc = xp_sign_parts(prot, parts, count, &sig, &sig_len, result);
    if (rc != MCSEC_OK)
        goto out;
    char boundary[71];
    if (work.mime.multipart)
        snprintf(boundary, sizeof(boundary), "%s", work.mime.boundary);
    else {
        memcpy(boundary, "mcsec-", 6);
        (void)xp_hex_token(random + MCSEC_XMLPROT_MAX_PARTS * XP_CID_OCTETS, XP_BOUNDARY_OCTETS,
                           boundary + 6, sizeof(boundary) - 6);
    }
    rc = build_multipart(&work, boundary, -1, sig, sig_len, &buf, NULL);
    if (rc != MCSEC_OK) {
        xp_fail(result, rc, MCSEC_REASON_SPK_MALFORMED, "cannot build the multipart body");
        goto out;
    }
    char new_type[128];
    if (work.mime.multipart)
        snprintf(new_type, sizeof(new_type), "%s", content_type);
    else
        snprintf(new_type, sizeof(new_type), "multipart/mixed;boundary=%s", boundary);
    rc = set_out(out, new_type, strlen(new_type), buf.data, buf.len);
out:
    free(sig);
    free(buf.data);
    work_free(&work);
    return rc;
}

mcsec_err_t mcsec_xmlprot_protect_body(mcsec_xmlprot_t *prot, const char *content_type,
                                       const uint8_t *body, size_t len, mcsec_body_t *out,
                                       mcsec_xmlprot_result_t *result)
{
    if (!check_args(prot, body, len, out) || !content_type)
        return MCSEC_ERR_ARG;
    return protect_body(prot, content_type, body, len, NULL, out, result);
}

mcsec_err_t mcsec_xmlprot_reprotect_body(mcsec_xmlprot_t *prot, const mcsec_body_t *clear,
                                         mcsec_xmlprot_kept_t *kept, mcsec_body_t *out,
                                         mcsec_xmlprot_result_t *result)
{
    mcsec_err_t rc = MCSEC_ERR_ARG;
    if (clear && clear->content_type && check_args(prot, clear->data, clear->len, out))
        rc = protect_body(prot, clear->content_type, clear->data, clear->len, kept, out, result);
    mcsec_xmlprot_kept_free(kept);
    return rc;
}

/* Every XML part xmlsec might parse during verification passes our parser
 * first. */
static mcsec_err_t check_xml_parts(mcsec_xmlprot_t *prot, body_work_t *work,
                                   mcsec_xmlprot_result_t *result)
{
    for (size_t i = 0; i < work->mime.count; i++) {
        if (!is_xml_type(work->mime.parts[i].type))
            continue;
        xmlDocPtr doc = xp_parse(prot, work->mime.parts[i].body, work->mime.parts[i].body_len);
        if (!doc)
            return xp_fail(result, MCSEC_ERR_PARSE, MCSEC_REASON_SPK_MALFORMED,
                           "an XML part is not acceptable XML (syntax, DTD or limits)");
        if ((int)i == work->info && !work->info_doc)
            work->info_doc = doc;
        else if ((int)i == work->signature && !work->signature_doc)
            work->signature_doc = doc;
        else
            xmlFreeDoc(doc);
    }
    return MCSEC_OK;
}

static mcsec_err_t verify_body(mcsec_xmlprot_t *prot, body_work_t *work,
                               mcsec_xmlprot_result_t *result)
{
    mcsec_err_t rc = check_xml_parts(prot, work, result);
    if (rc != MCSEC_OK)
        return rc;
    xp_cid_part_t parts[MCSEC_XMLPROT_MAX_PARTS];
    size_t index[MCSEC_XMLPROT_MAX_PARTS];
    bool covered[MCSEC_XMLPROT_MAX_PARTS];
    size_t count = cid_parts(work, parts, index);
    if (!work->signature_doc) {
        /* Not of an XML type by its name: parsed here as before. */
        const xp_part_t *sig = &work->mime.parts[work->signature];
        work->signature_doc = xp_parse(prot, sig->body, sig->body_len);
        if (!work->signature_doc)
            return xp_fail(result, MCSEC_ERR_PARSE, MCSEC_REASON_SPK_MALFORMED,
                           "signed part is not acceptable XML (syntax, DTD or limits)");
    }
    rc = xp_verify_parts(prot, work->signature_doc, parts, count, covered, result);
    if (rc != MCSEC_OK)
        return rc;
    for (size_t i = 0; i < work->mime.count; i++) {
        if ((int)i == work->signature || !is_signed_type(prot, work->mime.parts[i].type))
            continue;
        bool ok = false;
        for (size_t k = 0; k < count; k++)
            ok = ok || (index[k] == i && covered[k]);
        if (!ok)
            return xp_fail(result, MCSEC_ERR_INVALID, MCSEC_REASON_SPK_BAD_SIGNATURE,
                           "signature does not cover every part that must be signed");
    }
    return MCSEC_OK;
}

/* unprotect_body; with kept, the clear mcptt-info tree is handed out
 * (*kept NULL when the result has no mcptt-info part). */
static mcsec_err_t unprotect_body(mcsec_xmlprot_t *prot, const char *content_type,
                                  const uint8_t *body, size_t len, bool required, mcsec_body_t *out,
                                  mcsec_xmlprot_kept_t **kept, mcsec_xmlprot_result_t *result)
{
    memset(out, 0, sizeof(*out));
    result_ok(result);
    body_work_t work;
    out_buf_t buf = {0};
    xmlDocPtr info_tree = NULL;
    size_t info_at = 0;
    mcsec_err_t rc = split_body(prot, content_type, body, len, &work, result);
    if (rc != MCSEC_OK)
        goto out;
    bool any_signed = false;
    for (size_t i = 0; i < work.mime.count; i++)
        any_signed = any_signed || is_signed_type(prot, work.mime.parts[i].type);
    if (work.signature < 0) {
        if (any_signed && required) {
            rc = xp_fail(result, MCSEC_ERR_INVALID, MCSEC_REASON_SPK_MISSING,
                         "SPK required but the body carries no signature part");
            goto out;
        }
    } else if ((rc = verify_body(prot, &work, result)) != MCSEC_OK) {
        goto out;
    }
    if (work.info >= 0) {
        size_t found = 0;
        const xp_part_t *info = &work.mime.parts[work.info];
        xmlDocPtr parsed = work.info_doc;
        work.info_doc = NULL; /* transform_doc takes it over */
        rc = transform_doc(prot, xp_info_type_at(0), info->body, info->body_len, parsed, false,
                           &found, &work.new_body[work.info], &work.new_len[work.info],
                           kept ? &info_tree : NULL, result);
        if (rc != MCSEC_OK)
            goto out;
    }
    if ((rc = transform_others(prot, &work, false, result)) != MCSEC_OK)
        goto out;
    size_t remaining = work.mime.count - (work.signature >= 0 ? 1 : 0);
    if (!work.mime.multipart) {
        size_t n;
        const uint8_t *data = part_body(&work, 0, &n);
        rc = set_out(out, content_type, strlen(content_type), data, n);
    } else if (remaining == 1) {
        size_t i = work.signature == 0 ? 1 : 0, n;
        const xp_part_t *part = &work.mime.parts[i];
        const uint8_t *data = part_body(&work, i, &n);
        rc = part->ct_value ? set_out(out, part->ct_value, part->ct_value_len, data, n)
                            : set_out(out, "text/plain", 10, data, n);
        if (out->content_type) {
            /* The header value may carry folding or trailing blanks. */
            char *ct = out->content_type;
            size_t start = strspn(ct, " \t"), end = strlen(ct);
            while (end > start && strchr(" \t\r\n", ct[end - 1]))
                end--;
            memmove(ct, ct + start, end - start);
            ct[end - start] = '\0';
        }
    } else if (remaining == 0) {
        rc = xp_fail(result, MCSEC_ERR_INVALID, MCSEC_REASON_SPK_MALFORMED,
                     "body holds only a signature part");
    } else {
        rc = build_multipart(&work, work.mime.boundary, work.signature, NULL, 0, &buf, &info_at);
        if (rc == MCSEC_OK)
            rc = set_out(out, content_type, strlen(content_type), buf.data, buf.len);
        else
            xp_fail(result, rc, MCSEC_REASON_SPK_MALFORMED, "cannot rebuild the body");
    }
    if (rc == MCSEC_OK && info_tree) {
        *kept = calloc(1, sizeof(**kept));
        if (!*kept) {
            mcsec_body_free(out);
            rc = xp_fail(result, MCSEC_ERR_NOMEM, MCSEC_REASON_SPK_MALFORMED, "out of memory");
            goto out;
        }
        (*kept)->info_doc = info_tree;
        (*kept)->body = out->data;
        (*kept)->body_len = out->len;
        (*kept)->info_at = info_at;
        part_body(&work, (size_t)work.info, &(*kept)->info_len);
        info_tree = NULL;
    }
out:
    xmlFreeDoc(info_tree);
    free(buf.data);
    work_free(&work);
    return rc;
}

mcsec_err_t mcsec_xmlprot_unprotect_body(mcsec_xmlprot_t *prot, const char *content_type,
                                         const uint8_t *body, size_t len, bool required,
                                         mcsec_body_t *out, mcsec_xmlprot_result_t *result)
{
    result_start(result);
    if (!check_args(prot, body, len, out) || !content_type)
        return MCSEC_ERR_ARG;
    return unprotect_body(prot, content_type, body, len, required, out, NULL, result);
}

mcsec_err_t mcsec_xmlprot_unprotect_body_kept(mcsec_xmlprot_t *prot, const char *content_type,
                                              const uint8_t *body, size_t len, bool required,
                                              mcsec_body_t *out, mcsec_xmlprot_kept_t **kept,
                                              mcsec_xmlprot_result_t *result)
{
    if (kept)
        *kept = NULL;
    result_start(result);
    if (!check_args(prot, body, len, out) || !content_type || !kept)
        return MCSEC_ERR_ARG;
    return unprotect_body(prot, content_type, body, len, required, out, kept, result);
}
