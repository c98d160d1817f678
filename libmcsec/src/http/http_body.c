/* What a body must look like before the border's body checks (GKTP,
 * internal host names) can be trusted to see what the next hop will see:
 * no Content-Encoding (RFC 9110 8.4: a gzip body is opaque to every check),
 * no charset but UTF-8, and XML only in UTF-8 (RFC 7303; libxml2 would
 * decode an IBM037 or UTF-16 document the byte-level checks never read).
 * The body is taken apart by the one MIME walker of both proxies
 * (mcsec/mime/mime.h, docs/mime.md) and every XML leaf judged by its UTF-8 rule;
 * only the Content-Encoding field list is HTTP's own. The partner's
 * content-type allow-list is judged on every part by the rule the SIP
 * check shares (mcsec_mime_part_type_listed). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mcsec/http/http_check.h"
#include "mcsec/mime/mime.h"
#include "sip/check_internal.h"
#include "util/utf8_internal.h"

mcsec_reason_t mcsec_http_check_content_encoding(const mcsec_str_t *values, size_t count)
{
    /* Every coding of every field: "identity" alone is no coding. */
    for (size_t f = 0; f < count; f++) {
        const char *p = values[f].ptr;
        size_t n = p ? values[f].len : 0;
        size_t start = 0;
        for (size_t i = 0; i <= n; i++) {
            if (i < n && p[i] != ',')
                continue;
            mcsec_str_t coding = mcsec_str_trim_blank((mcsec_str_t){p + start, i - start});
            if (coding.len > 0 && !mcsec_str_is(coding, "identity"))
                return MCSEC_REASON_HTTP_UNSUPPORTED_ENCODING;
            start = i + 1;
        }
    }
    return MCSEC_REASON_NONE;
}

/* The walker's visitor: a charset parameter on any part (the body itself
 * included) is utf-8, every leaf read as XML passes the UTF-8 rule. With
 * no content (empty) the walk stops at the body's own Content-Type. */
typedef struct {
    bool empty;
    const char *fault;
} text_t;

static int judge_text(const mcsec_mime_part_t *part, void *arg)
{
    text_t *t = arg;
    if (part->charset[0] && strcmp(part->charset, "utf-8") != 0) {
        t->fault = "charset other than utf-8";
        return 1;
    }
    if (t->empty)
        return 1; /* no parts to take apart: the walk ends here */
    if (mcsec_mime_reads_as_xml(part))
        t->fault = mcsec_mime_xml_not_utf8(part->charset, part->body, part->body_len);
    return t->fault != NULL;
}

mcsec_reason_t mcsec_http_check_body_text(mcsec_str_t content_type, const uint8_t *body, size_t len,
                                          char *detail, size_t detail_size)
{
    if (detail && detail_size > 0)
        detail[0] = '\0';
    /* No type, nothing to judge the text by (a typeless request body is
     * refused by the request rules, mcsec_check_http_ingress). */
    if (!content_type.ptr || content_type.len == 0)
        return MCSEC_REASON_NONE;
    /* A multipart body is read as text as a whole (preamble, part
     * headers, every part): strict UTF-8 without NUL. */
    mcsec_str_t media = mcsec_media_type_of(content_type);
    if (len > 0 && media.len > 10 && strncasecmp(media.ptr, "multipart/", 10) == 0 &&
        (!body || memchr(body, 0, len) != NULL || !mcsec_utf8_valid(body, len))) {
        if (detail && detail_size > 0)
            snprintf(detail, detail_size, "multipart body is not UTF-8 text");
        return MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED;
    }
    text_t t = {len == 0, NULL};
    const char *fault = NULL;
    mcsec_err_t rc =
        mcsec_mime_walk(content_type.ptr, content_type.len, body, len, judge_text, &t, &fault);
    if (rc == MCSEC_OK || (rc == MCSEC_ERR_INVALID && t.fault == NULL))
        return MCSEC_REASON_NONE;
    const char *why = t.fault ? t.fault : fault ? fault : "body cannot be taken apart";
    if (detail && detail_size > 0)
        snprintf(detail, detail_size, "%s", why);
    return MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED;
}

/* The walker's visitor for mcsec_http_check_body_types: the first part
 * whose type is not listed stops the walk, named in the detail. */
typedef struct {
    const mcsec_strlist_t *types;
    char *detail;
    size_t detail_size;
} types_t;

static int judge_type(const mcsec_mime_part_t *part, void *arg)
{
    const types_t *t = arg;
    if (mcsec_mime_part_type_listed(t->types, part))
        return 0;
    if (t->detail && t->detail_size > 0)
        snprintf(t->detail, t->detail_size, "part content type %s", part->type);
    return 1;
}

mcsec_reason_t mcsec_http_check_body_types(const mcsec_partner_t *partner, mcsec_str_t content_type,
                                           const uint8_t *body, size_t len, char *detail,
                                           size_t detail_size)
{
    if (detail && detail_size > 0)
        detail[0] = '\0';
    if (!content_type.ptr || content_type.len == 0 || len == 0)
        return MCSEC_REASON_NONE;
    types_t t = {&partner->http.content_types, detail, detail_size};
    const char *fault = NULL;
    mcsec_err_t rc =
        mcsec_mime_walk(content_type.ptr, content_type.len, body, len, judge_type, &t, &fault);
    if (rc == MCSEC_OK)
        return MCSEC_REASON_NONE;
    if (rc != MCSEC_ERR_INVALID && detail && detail_size > 0)
        snprintf(detail, detail_size, "%s", fault ? fault : "body cannot be taken apart");
    return MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED;
}
