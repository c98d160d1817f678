/* HTTP-3 border checks: the request target, then the partner's rules in a
 * fixed order, first failure wins (the same shape as the SIP-3 checks). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mcsec/http/http_check.h"
#include "sip/check_internal.h"
#include "util/hex_internal.h"
#include "sip/sip_uri.h"
#include "util/utf8_internal.h"

/* ---- the request target ----------------------------------------------- */

/* Characters that Unicode compatibility normalisation (NFKC, which some
 * frameworks apply to paths) turns into '.', '/', '\\', ';', '%', '?' or
 * '#' (UnicodeData.txt decompositions): a dot segment, a separator or a
 * path parameter in disguise. */
static bool normalises_to_delimiter(uint32_t cp)
{
    static const uint32_t list[] = {
        0x037E,                                          /* ; GREEK QUESTION MARK */
        0x2024,  0x2025, 0x2026,                         /* . .. ... leaders */
        0x2047,  0x2048, 0x2049,                         /* ?? ?! !? */
        0xFE14,  0xFE16, 0xFE52, 0xFE54, 0xFE56, 0xFE5F, /* small and vertical forms */
        0xFE68,  0xFE6A,                                 /* small \ % */
        0xFF03,  0xFF05, 0xFF0E, 0xFF0F, 0xFF1B, 0xFF1F, /* fullwidth # % . / ; ? */
        0xFF3C,                                          /* fullwidth \ */
        0x1F100,                                         /* DIGIT ZERO FULL STOP */
    };
    if (cp >= 0x2488 && cp <= 0x249B)
        return true; /* DIGIT ONE FULL STOP ... NUMBER TWENTY FULL STOP */
    for (size_t i = 0; i < sizeof(list) / sizeof(list[0]); i++)
        if (list[i] == cp)
            return true;
    return false;
}

/* True when the segment [seg, seg+len) is "." or "..". */
static bool dot_segment(const char *seg, size_t len)
{
    return (len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.');
}

mcsec_reason_t mcsec_http_check_target(mcsec_str_t target, mcsec_str_t *path)
{
    if (!target.ptr || target.len == 0 || target.ptr[0] != '/')
        return MCSEC_REASON_HTTP_BAD_TARGET; /* absolute-, authority- or asterisk-form */
    size_t path_len = target.len;
    const char *query = memchr(target.ptr, '?', target.len);
    if (query)
        path_len = (size_t)(query - target.ptr);
    /* The path's octets once unescaped must be strict UTF-8: an overlong
     * form (%C0%AE is '.' to a lenient decoder) spells a dot segment or a
     * separator that none of the rules below would see; so does a
     * character that NFKC maps to one (%EF%BC%8E, FULLWIDTH FULL STOP). */
    mcsec_utf8_t utf8 = {0, 0x80, 0xBF, 0};
    for (size_t i = 0; i < target.len; i++) {
        char c = target.ptr[i];
        if ((unsigned char)c <= 0x20 || (unsigned char)c >= 0x7f || c == '\\' || c == '#')
            return MCSEC_REASON_HTTP_BAD_TARGET;
        /* Path parameters (RFC 3986 3.3 sub-delimiter ';'): Tomcat, Jetty
         * and Spring strip "..;x" to "..", so /a/..;/b reaches them as
         * /b after our prefix check saw /a. No group or configuration
         * document path needs one: refused in the path, escaped or not. */
        if (c == ';' && i < path_len)
            return MCSEC_REASON_HTTP_BAD_TARGET;
        int octet = (unsigned char)c;
        if (c == '%') {
            int hi = i + 2 < target.len ? mcsec_hex_digit((unsigned char)target.ptr[i + 1]) : -1;
            int lo = i + 2 < target.len ? mcsec_hex_digit((unsigned char)target.ptr[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return MCSEC_REASON_HTTP_BAD_TARGET;
            octet = hi * 16 + lo;
            /* What a next hop could decode into a path separator, a dot
             * segment, a path parameter or a second round of escapes; in
             * the query too, where some servers decode before routing. */
            if (octet == '.' || octet == '/' || octet == '\\' || octet == '%' || octet < 0x20 ||
                octet == 0x7f || (octet == ';' && i < path_len))
                return MCSEC_REASON_HTTP_BAD_TARGET;
            i += 2;
        }
        if (i < path_len &&
            (!mcsec_utf8_feed(&utf8, (uint8_t)octet) ||
             (octet >= 0x80 && mcsec_utf8_done(&utf8) && normalises_to_delimiter(utf8.cp))))
            return MCSEC_REASON_HTTP_BAD_TARGET;
    }
    if (!mcsec_utf8_done(&utf8))
        return MCSEC_REASON_HTTP_BAD_TARGET;
    const char *p = target.ptr;
    for (size_t start = 1; start <= path_len;) {
        const char *slash = memchr(p + start, '/', path_len - start);
        size_t end = slash ? (size_t)(slash - p) : path_len;
        if (dot_segment(p + start, end - start))
            return MCSEC_REASON_HTTP_BAD_TARGET;
        if (slash && end == start)
            return MCSEC_REASON_HTTP_BAD_TARGET; /* "//" */
        start = end + 1;
    }
    if (path) {
        path->ptr = target.ptr;
        path->len = path_len;
    }
    return MCSEC_REASON_NONE;
}

/* ---- policy --------------------------------------------------------------- */

static const mcsec_str_t empty = {"", 0};

static bool list_has(const mcsec_strlist_t *list, mcsec_str_t text, bool nocase)
{
    for (size_t i = 0; i < list->count; i++) {
        const char *item = list->items[i];
        if (strlen(item) == text.len && (nocase ? strncasecmp(item, text.ptr, text.len)
                                                : strncmp(item, text.ptr, text.len)) == 0)
            return true;
    }
    return false;
}

/* A prefix ending in '/' matches paths below it; one without matches the
 * path itself and paths below it ("/a" matches "/a" and "/a/b", not "/ab"). */
static bool prefix_matches(const char *prefix, mcsec_str_t path)
{
    size_t n = strlen(prefix);
    if (path.len < n || memcmp(path.ptr, prefix, n) != 0)
        return false;
    return prefix[n - 1] == '/' || path.len == n || path.ptr[n] == '/';
}

const mcsec_http_upstream_t *mcsec_http_upstream_for(const mcsec_partner_t *partner,
                                                     mcsec_str_t path)
{
    const mcsec_http_upstream_t *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < partner->http.upstream_count; i++) {
        const mcsec_http_upstream_t *up = &partner->http.upstreams[i];
        size_t n = strlen(up->prefix);
        if (prefix_matches(up->prefix, path) && n >= best_len) {
            best = up;
            best_len = n;
        }
    }
    return best;
}

static bool path_allowed(const mcsec_partner_t *partner, mcsec_str_t path)
{
    for (size_t i = 0; i < partner->http.path_prefixes.count; i++)
        if (prefix_matches(partner->http.path_prefixes.items[i], path))
            return true;
    return false;
}

typedef enum { DIR_INGRESS, DIR_EGRESS } direction_t;

static void check_rules(const mcsec_policy_t *policy, const mcsec_partner_t *partner,
                        const mcsec_http_request_t *req, direction_t dir, mcsec_verdict_t *verdict)
{
    const mcsec_http_rules_t *http = &partner->http;
    if (req->header_bytes > http->max_header_bytes) {
        char size[48];
        int n =
            snprintf(size, sizeof(size), "%zu > %zu", req->header_bytes, http->max_header_bytes);
        mcsec_verdict_set(verdict, MCSEC_REASON_HTTP_HEADERS_TOO_LARGE, "header octets ",
                          (mcsec_str_t){size, (size_t)n});
        return;
    }
    if (!list_has(&http->methods, req->method, false)) {
        mcsec_verdict_set(verdict, MCSEC_REASON_HTTP_METHOD_DENIED, "method ", req->method);
        return;
    }
    if (!path_allowed(partner, req->path)) {
        mcsec_verdict_set(verdict, MCSEC_REASON_HTTP_PATH_DENIED, "path ", req->path);
        return;
    }
    /* An X-3GPP-Asserted-Identity entry may be a quoted URI ("sip:a@b"), a
     * name-addr or a bare URI: the quotes go before the SIP URI parser. */
    if (!mcsec_check_identity(policy, partner, req->asserted_ids, req->asserted_id_count, true,
                              dir == DIR_INGRESS, true, verdict)) {
        return;
    }
    /* X-3GPP-Intended-Identity names who the client acts as: the same rule
     * as the asserted identity (ours from a partner is a spoof, anyone
     * else's foreign), but optional. */
    if (!mcsec_check_identity(policy, partner, req->intended_ids, req->intended_id_count, true,
                              dir == DIR_INGRESS, false, verdict)) {
        char detail[sizeof(verdict->detail) - 9]; /* room for the label */
        memcpy(detail, verdict->detail, sizeof(detail) - 1);
        detail[sizeof(detail) - 1] = '\0';
        snprintf(verdict->detail, sizeof(verdict->detail), "intended %s", detail);
        return;
    }
    mcsec_str_t media = mcsec_media_type_of(req->content_type);
    if (media.len > 0 && !mcsec_media_type_listed(&http->content_types, media)) {
        mcsec_verdict_set(verdict, MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED, "content type ",
                          req->content_type);
        return;
    }
    /* A body without a type is refused whatever its framing: a chunked
     * one has no length here, and a next hop (or libcurl) would label it
     * itself. */
    if (media.len == 0 && (req->has_body || req->body_len > 0)) {
        mcsec_verdict_set(verdict, MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED, "body without type",
                          empty);
        return;
    }
    if (req->body_len > http->max_body) {
        char size[48];
        int n = snprintf(size, sizeof(size), "%zu > %zu", req->body_len, http->max_body);
        mcsec_verdict_set(verdict, MCSEC_REASON_HTTP_BODY_TOO_LARGE, "body octets ",
                          (mcsec_str_t){size, (size_t)n});
        return;
    }
    verdict->reason = MCSEC_REASON_NONE;
}

void mcsec_check_http_ingress(const mcsec_policy_t *policy, int partner_index,
                              const mcsec_http_request_t *req, mcsec_verdict_t *verdict)
{
    mcsec_verdict_init(verdict);
    if (!policy) {
        verdict->reason = MCSEC_REASON_POLICY_UNAVAILABLE;
        return;
    }
    if (partner_index < 0 || (size_t)partner_index >= policy->partner_count ||
        !policy->partners[partner_index].http.enabled) {
        mcsec_verdict_set(verdict, MCSEC_REASON_SRC_NOT_PARTNER, "no partner certificate", empty);
        return;
    }
    verdict->partner_index = partner_index;
    verdict->partner = &policy->partners[partner_index];
    check_rules(policy, verdict->partner, req, DIR_INGRESS, verdict);
}

/* Host header without port (and without IPv6 brackets). */
static mcsec_str_t host_of(mcsec_str_t host)
{
    if (host.len > 0 && host.ptr[0] == '[') {
        const char *close = memchr(host.ptr, ']', host.len);
        if (!close)
            return empty;
        return (mcsec_str_t){host.ptr + 1, (size_t)(close - host.ptr - 1)};
    }
    const char *colon = host.ptr ? memchr(host.ptr, ':', host.len) : NULL;
    if (colon)
        host.len = (size_t)(colon - host.ptr);
    return host;
}

void mcsec_check_http_egress(const mcsec_policy_t *policy, const mcsec_http_request_t *req,
                             mcsec_verdict_t *verdict)
{
    mcsec_verdict_init(verdict);
    if (!policy) {
        verdict->reason = MCSEC_REASON_POLICY_UNAVAILABLE;
        return;
    }
    mcsec_str_t host = host_of(req->host);
    int index = host.len > 0 ? mcsec_partner_by_domain(policy, host) : -1;
    if (index < 0 || !policy->partners[index].http.enabled) {
        mcsec_verdict_set(verdict, MCSEC_REASON_DST_NOT_PARTNER, "host ", req->host);
        return;
    }
    verdict->partner_index = index;
    verdict->partner = &policy->partners[index];
    check_rules(policy, verdict->partner, req, DIR_EGRESS, verdict);
}
