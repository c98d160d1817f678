/* Refer-To and Replaces hiding: a Refer-To target inside becomes a
 * dialog-independent token URI (the partner addresses it in a new dialog),
 * the Call-ID a Replaces names (as a header, or URI-escaped in a Refer-To
 * "?Replaces=") becomes the Call-ID token of that dialog; both come back on
 * ingress. See mcsec/topo/topo.h. */
#include <stdlib.h>
#include <string.h>

#include "util/hex_internal.h"
#include "topo_uri_internal.h"

static bool is_lws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Sets *out_len and tells whether the whole output fitted. */
static mcsec_err_t finish(const char *out, size_t out_size, size_t pos, size_t *out_len)
{
    *out_len = pos;
    return out && pos <= out_size ? MCSEC_OK : MCSEC_ERR_ARG;
}

/* ---- the Call-ID of a Replaces ------------------------------------------ */

/* The Call-ID of a Replaces value: from the first non-blank to before the
 * first ';' (blanks around it excluded). */
static mcsec_str_t replaces_callid(mcsec_str_t value)
{
    size_t i = 0;
    while (i < value.len && is_lws(value.ptr[i]))
        i++;
    size_t end = i;
    while (end < value.len && value.ptr[end] != ';')
        end++;
    while (end > i && is_lws(value.ptr[end - 1]))
        end--;
    return (mcsec_str_t){value.ptr + i, end - i};
}

/* Egress rule: whether callid names one of our dialogs whose partner-side
 * Call-ID is our token. */
static bool callid_hidden(const mcsec_topo_t *topo, mcsec_str_t callid,
                          const mcsec_topo_refer_rule_t *rule)
{
    if (mcsec_topo_callid_is_token(topo, callid) ||
        (!rule->tokenize_callid && !mcsec_topo_callid_needs_hiding(topo, callid)))
        return false;
    size_t at = callid.len;
    while (at > 0 && callid.ptr[at - 1] != '@')
        at--;
    if (at == 0 || !rule->keep_domains || rule->keep_domains->count == 0)
        return true;
    return !mcsec_domain_list_match(rule->keep_domains,
                                    (mcsec_str_t){callid.ptr + at, callid.len - at});
}

/* The Call-ID to put in place of callid into a malloc'd *text: the token
 * (egress) or the original (ingress, our tokens only). *text NULL when
 * callid stays. */
static mcsec_err_t callid_swap(mcsec_topo_t *topo, mcsec_str_t callid,
                               const mcsec_topo_refer_rule_t *rule, mcsec_topo_direction_t dir,
                               char **text, size_t *text_len, mcsec_topo_error_t *err)
{
    *text = NULL;
    *text_len = 0;
    mcsec_err_t rc;
    if (dir == MCSEC_TOPO_EGRESS) {
        if (!callid_hidden(topo, callid, rule))
            return MCSEC_OK;
        size_t need = 0;
        rc = mcsec_topo_hide_callid(topo, callid, NULL, 0, &need);
        if (need == 0)
            return rc == MCSEC_OK ? MCSEC_ERR_ARG : rc;
        *text = malloc(need);
        if (!*text)
            return MCSEC_ERR_NOMEM;
        rc = mcsec_topo_hide_callid(topo, callid, *text, need, text_len);
    } else {
        if (!mcsec_topo_callid_is_token(topo, callid))
            return MCSEC_OK;
        *text = malloc(callid.len);
        if (!*text)
            return MCSEC_ERR_NOMEM;
        rc = mcsec_topo_restore_callid(topo, callid, *text, callid.len, text_len, err);
    }
    if (rc != MCSEC_OK) {
        free(*text);
        *text = NULL;
    }
    return rc;
}

/* Replaces value in either direction. */
static mcsec_err_t swap_replaces(mcsec_topo_t *topo, mcsec_str_t value,
                                 const mcsec_topo_refer_rule_t *rule, mcsec_topo_direction_t dir,
                                 char *out, size_t out_size, size_t *out_len, bool *changed,
                                 mcsec_topo_error_t *err)
{
    mcsec_str_t callid = replaces_callid(value);
    if (callid.len == 0)
        return MCSEC_ERR_PARSE;
    char *text = NULL;
    size_t text_len = 0;
    mcsec_err_t rc = callid_swap(topo, callid, rule, dir, &text, &text_len, err);
    if (rc != MCSEC_OK)
        return rc;
    size_t pos = 0;
    size_t lead = (size_t)(callid.ptr - value.ptr);
    topo_put(out, out_size, &pos, value.ptr, lead);
    if (text)
        topo_put(out, out_size, &pos, text, text_len);
    else
        topo_put(out, out_size, &pos, callid.ptr, callid.len);
    topo_put(out, out_size, &pos, callid.ptr + callid.len, value.len - lead - callid.len);
    *changed = text != NULL;
    free(text);
    return finish(out, out_size, pos, out_len);
}

mcsec_err_t mcsec_topo_hide_replaces(mcsec_topo_t *topo, mcsec_str_t replaces,
                                     const mcsec_topo_refer_rule_t *rule, char *out,
                                     size_t out_size, size_t *out_len, bool *changed)
{
    if (!topo || !rule || !out_len || !changed || !replaces.ptr)
        return MCSEC_ERR_ARG;
    *changed = false;
    return swap_replaces(topo, replaces, rule, MCSEC_TOPO_EGRESS, out, out_size, out_len, changed,
                         NULL);
}

mcsec_err_t mcsec_topo_restore_replaces(mcsec_topo_t *topo, mcsec_str_t replaces, char *out,
                                        size_t out_size, size_t *out_len, bool *changed,
                                        mcsec_topo_error_t *err)
{
    if (err)
        *err = (mcsec_topo_error_t){MCSEC_REASON_NONE, MCSEC_TOPO_FAULT_NONE};
    if (!topo || !out_len || !changed || !replaces.ptr)
        return MCSEC_ERR_ARG;
    *changed = false;
    const mcsec_topo_refer_rule_t none = {NULL, false};
    mcsec_err_t rc = swap_replaces(topo, replaces, &none, MCSEC_TOPO_INGRESS, out, out_size,
                                   out_len, changed, err);
    /* A Replaces we cannot read is not ours to restore: it stays. */
    if (rc == MCSEC_ERR_PARSE) {
        size_t pos = 0;
        topo_put(out, out_size, &pos, replaces.ptr, replaces.len);
        return finish(out, out_size, pos, out_len);
    }
    return rc;
}

/* ---- URI escaping of header values (RFC 3261 hvalue) -------------------- */

/* Unescapes in into out (in.len octets suffice). False on a broken '%'. */
static bool unescape(mcsec_str_t in, char *out, size_t *out_len)
{
    size_t o = 0;
    for (size_t i = 0; i < in.len; i++) {
        if (in.ptr[i] != '%') {
            out[o++] = in.ptr[i];
            continue;
        }
        int hi = i + 2 < in.len ? mcsec_hex_digit((unsigned char)in.ptr[i + 1]) : -1;
        int lo = hi >= 0 ? mcsec_hex_digit((unsigned char)in.ptr[i + 2]) : -1;
        if (lo < 0)
            return false;
        out[o++] = (char)(hi * 16 + lo);
        i += 2;
    }
    *out_len = o;
    return true;
}

/* Writes text escaped as an hvalue: unreserved and hnv-unreserved stay. */
static void put_escaped(char *out, size_t out_size, size_t *pos, const char *text, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     (c != '\0' && strchr("-_.!~*'()[]/?:+$", c) != NULL);
        if (plain) {
            topo_put(out, out_size, pos, (const char *)&text[i], 1);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            topo_put(out, out_size, pos, esc, 3);
        }
    }
}

/* ---- the headers part of a Refer-To URI --------------------------------- */

/* The escaped Call-ID of a Replaces hvalue: up to the first ';', escaped
 * or not. */
static mcsec_str_t escaped_callid(mcsec_str_t hvalue)
{
    size_t end = 0;
    while (end < hvalue.len && hvalue.ptr[end] != ';' &&
           !(hvalue.ptr[end] == '%' && end + 2 < hvalue.len && hvalue.ptr[end + 1] == '3' &&
             (hvalue.ptr[end + 2] == 'B' || hvalue.ptr[end + 2] == 'b')))
        end++;
    return (mcsec_str_t){hvalue.ptr, end};
}

/* The hvalue of the first Replaces header in headers ("?h=v&h=v"), or
 * false. */
static bool find_replaces(mcsec_str_t headers, mcsec_str_t *hvalue)
{
    static const char name[] = "Replaces";
    size_t i = 1; /* after '?' */
    while (i < headers.len) {
        size_t end = i;
        while (end < headers.len && headers.ptr[end] != '&')
            end++;
        const char *eq = memchr(headers.ptr + i, '=', end - i);
        if (eq &&
            topo_ieq(headers.ptr + i, (size_t)(eq - (headers.ptr + i)), name, sizeof(name) - 1)) {
            size_t v = (size_t)(eq - headers.ptr) + 1;
            *hvalue = (mcsec_str_t){headers.ptr + v, end - v};
            return true;
        }
        i = end + 1;
    }
    return false;
}

/* The unescaped Call-ID of the embedded Replaces into a malloc'd *callid
 * (NULL when there is none or it is not readable). */
static mcsec_err_t embedded_callid(mcsec_str_t headers, mcsec_str_t *escaped, char **callid,
                                   size_t *callid_len)
{
    *callid = NULL;
    *callid_len = 0;
    mcsec_str_t hvalue;
    if (headers.len == 0 || !find_replaces(headers, &hvalue))
        return MCSEC_OK;
    *escaped = escaped_callid(hvalue);
    if (escaped->len == 0)
        return MCSEC_ERR_PARSE;
    *callid = malloc(escaped->len);
    if (!*callid)
        return MCSEC_ERR_NOMEM;
    if (!unescape(*escaped, *callid, callid_len) || *callid_len == 0) {
        free(*callid);
        *callid = NULL;
        return MCSEC_ERR_PARSE;
    }
    return MCSEC_OK;
}

/* Writes the headers part with the embedded Replaces' Call-ID swapped. */
static mcsec_err_t put_headers(mcsec_topo_t *topo, mcsec_str_t headers,
                               const mcsec_topo_refer_rule_t *rule, mcsec_topo_direction_t dir,
                               char *out, size_t out_size, size_t *pos, bool *changed,
                               mcsec_topo_error_t *err)
{
    mcsec_str_t escaped = {headers.ptr, 0};
    char *callid = NULL;
    size_t callid_len = 0;
    mcsec_err_t rc = embedded_callid(headers, &escaped, &callid, &callid_len);
    if (rc == MCSEC_ERR_PARSE && dir == MCSEC_TOPO_INGRESS)
        rc = MCSEC_OK; /* not readable, so not one of our tokens */
    if (rc != MCSEC_OK || !callid) {
        topo_put(out, out_size, pos, headers.ptr, headers.len);
        return rc;
    }
    char *text = NULL;
    size_t text_len = 0;
    rc = callid_swap(topo, (mcsec_str_t){callid, callid_len}, rule, dir, &text, &text_len, err);
    free(callid);
    if (rc != MCSEC_OK)
        return rc;
    if (!text) {
        topo_put(out, out_size, pos, headers.ptr, headers.len);
        return MCSEC_OK;
    }
    size_t lead = (size_t)(escaped.ptr - headers.ptr);
    topo_put(out, out_size, pos, headers.ptr, lead);
    put_escaped(out, out_size, pos, text, text_len);
    topo_put(out, out_size, pos, escaped.ptr + escaped.len, headers.len - lead - escaped.len);
    free(text);
    *changed = true;
    return MCSEC_OK;
}

/* A Refer-To value cut into its pieces. */
typedef struct {
    mcsec_str_t uri;     /* the URI without its headers part */
    mcsec_str_t headers; /* "?..." or empty */
    size_t uri_start;    /* offset of the URI in the value */
    size_t uri_end;      /* offset after the URI with its headers */
    bool bracketed;      /* the URI is inside <> */
} refer_to_t;

static bool split_refer_to(mcsec_str_t value, refer_to_t *rt)
{
    mcsec_str_t uri;
    size_t after = 0;
    if (!topo_find_uri(value, &uri, &after))
        return false;
    rt->uri_start = (size_t)(uri.ptr - value.ptr);
    rt->uri_end = rt->uri_start + uri.len;
    rt->bracketed = rt->uri_start > 0 && value.ptr[rt->uri_start - 1] == '<';
    /* A bare URI may not carry headers (RFC 3261 20.10) nor angle
     * brackets: such a value is not read (it would not survive the
     * brackets the hidden form gets). */
    if (!rt->bracketed && (memchr(uri.ptr, '<', uri.len) || memchr(uri.ptr, '>', uri.len) ||
                           memchr(uri.ptr, '?', uri.len)))
        return false;
    const char *q = memchr(uri.ptr, '?', uri.len);
    size_t base = q ? (size_t)(q - uri.ptr) : uri.len;
    rt->uri = (mcsec_str_t){uri.ptr, base};
    rt->headers = (mcsec_str_t){uri.ptr + base, uri.len - base};
    return base > 0;
}

mcsec_err_t mcsec_topo_hide_refer_to(mcsec_topo_t *topo, mcsec_str_t refer_to,
                                     const mcsec_topo_refer_rule_t *rule, char *out,
                                     size_t out_size, size_t *out_len, bool *changed)
{
    if (!topo || !rule || !out_len || !changed || !refer_to.ptr)
        return MCSEC_ERR_ARG;
    *changed = false;
    refer_to_t rt;
    if (!split_refer_to(refer_to, &rt))
        return MCSEC_ERR_PARSE;
    bool sips = false;
    bool hide = topo_sip_scheme(rt.uri, &sips) && rt.uri.len > topo_scheme_len(rt.uri) &&
                !topo_uri_kept(rt.uri, sips, rule->keep_domains);
    size_t pos = 0;
    topo_put(out, out_size, &pos, refer_to.ptr, rt.uri_start);
    if (hide) {
        /* A bare addr-spec gets brackets: its ';' would end the URI. */
        if (!rt.bracketed)
            topo_put(out, out_size, &pos, "<", 1);
        mcsec_err_t rc = topo_put_token_uri(topo, MCSEC_TOPO_ELEMENT, (mcsec_str_t){"", 0}, rt.uri,
                                            sips, false, out, out_size, &pos);
        if (rc != MCSEC_OK)
            return rc;
        *changed = true;
    } else {
        topo_put(out, out_size, &pos, rt.uri.ptr, rt.uri.len);
    }
    mcsec_err_t rc =
        put_headers(topo, rt.headers, rule, MCSEC_TOPO_EGRESS, out, out_size, &pos, changed, NULL);
    if (rc != MCSEC_OK)
        return rc;
    if (hide && !rt.bracketed)
        topo_put(out, out_size, &pos, ">", 1);
    topo_put(out, out_size, &pos, refer_to.ptr + rt.uri_end, refer_to.len - rt.uri_end);
    return finish(out, out_size, pos, out_len);
}

/* Ingress: the URI a token target stands for, into a malloc'd *text. */
static mcsec_err_t restore_target(mcsec_topo_t *topo, const refer_to_t *rt, mcsec_str_t callid,
                                  char **text, size_t *text_len, mcsec_topo_error_t *err)
{
    mcsec_str_t escaped;
    char *replaces_cid = NULL;
    size_t replaces_cid_len = 0;
    mcsec_err_t rc = embedded_callid(rt->headers, &escaped, &replaces_cid, &replaces_cid_len);
    if (rc == MCSEC_ERR_NOMEM)
        return rc;
    *text = malloc(rt->uri.len);
    if (!*text) {
        free(replaces_cid);
        return MCSEC_ERR_NOMEM;
    }
    rc = MCSEC_ERR_INVALID;
    if (replaces_cid) {
        /* A Contact token of the dialog the Replaces names (attended
         * transfer to one of our MC servers). */
        mcsec_topo_error_t ignored;
        rc = mcsec_topo_restore_contact_uri(topo, rt->uri,
                                            (mcsec_str_t){replaces_cid, replaces_cid_len}, *text,
                                            rt->uri.len, text_len, &ignored);
        free(replaces_cid);
    }
    if (rc != MCSEC_OK)
        rc =
            mcsec_topo_restore_target_uri(topo, rt->uri, callid, *text, rt->uri.len, text_len, err);
    if (rc != MCSEC_OK) {
        free(*text);
        *text = NULL;
    }
    return rc;
}

mcsec_err_t mcsec_topo_restore_refer_to(mcsec_topo_t *topo, mcsec_str_t refer_to,
                                        mcsec_str_t callid, char *out, size_t out_size,
                                        size_t *out_len, bool *changed, mcsec_topo_error_t *err)
{
    if (err)
        *err = (mcsec_topo_error_t){MCSEC_REASON_NONE, MCSEC_TOPO_FAULT_NONE};
    if (!topo || !out_len || !changed || !refer_to.ptr)
        return MCSEC_ERR_ARG;
    *changed = false;
    refer_to_t rt;
    size_t pos = 0;
    if (!split_refer_to(refer_to, &rt)) {
        topo_put(out, out_size, &pos, refer_to.ptr, refer_to.len);
        return finish(out, out_size, pos, out_len);
    }
    char *text = NULL;
    size_t text_len = 0;
    mcsec_str_t token;
    if (rt.bracketed && mcsec_topo_uri_token(topo, rt.uri, &token)) {
        mcsec_err_t rc = restore_target(topo, &rt, callid, &text, &text_len, err);
        if (rc != MCSEC_OK)
            return rc;
        *changed = true;
    }
    topo_put(out, out_size, &pos, refer_to.ptr, rt.uri_start);
    if (text)
        topo_put(out, out_size, &pos, text, text_len);
    else
        topo_put(out, out_size, &pos, rt.uri.ptr, rt.uri.len);
    free(text);
    const mcsec_topo_refer_rule_t none = {NULL, false};
    mcsec_err_t rc =
        put_headers(topo, rt.headers, &none, MCSEC_TOPO_INGRESS, out, out_size, &pos, changed, err);
    if (rc != MCSEC_OK)
        return rc;
    topo_put(out, out_size, &pos, refer_to.ptr + rt.uri_end, refer_to.len - rt.uri_end);
    return finish(out, out_size, pos, out_len);
}
