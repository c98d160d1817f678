/* Topology hiding for HTTP-3: which headers a rebuilt message may carry,
 * and the rewrite of internal host names in URIs to the border's name. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mcsec/http/http_check.h"
#include "sip/check_internal.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* End-to-end headers the group and configuration management documents
 * need (XCAP, RFC 4825: conditional requests and entity tags). Anything
 * not listed is dropped: hop-by-hop and framing headers are set by the
 * proxy itself, and every other header is a potential leak. */
static const char *const request_allowed[] = {
    "Accept",
    "Accept-Language",
    "Content-Type",
    "If-Match",
    "If-None-Match",
    "If-Modified-Since",
    "If-Unmodified-Since",
    "Cache-Control",
    MCSEC_HTTP_IDENTITY_HEADER,
    "X-3GPP-Intended-Identity",
};

static const char *const response_allowed[] = {
    "Content-Type", "Content-Language", "ETag",  "Last-Modified", "Cache-Control", "Expires",
    "Location",     "Content-Location", "Allow", "Retry-After",   "Accept-Ranges",
};

bool mcsec_http_header_allowed(mcsec_str_t name, mcsec_http_header_set_t set, const char *extra)
{
    if (!name.ptr || name.len == 0)
        return false;
    if (set == MCSEC_HTTP_REQUEST_HEADERS) {
        if (extra && mcsec_str_is(name, extra))
            return true;
        for (size_t i = 0; i < COUNT(request_allowed); i++)
            if (mcsec_str_is(name, request_allowed[i]))
                return true;
        return false;
    }
    for (size_t i = 0; i < COUNT(response_allowed); i++)
        if (mcsec_str_is(name, response_allowed[i]))
            return true;
    return false;
}

bool mcsec_http_rewritable_type(mcsec_str_t content_type)
{
    if (!content_type.ptr)
        return false;
    mcsec_str_t media = mcsec_media_type_of(content_type);
    return mcsec_str_is(media, "application/xml") || mcsec_str_is(media, "text/xml") ||
           (media.len > 4 && strncasecmp(media.ptr + media.len - 4, "+xml", 4) == 0);
}

/* Octets of a host name label (RFC 1123) and what extends one: a match
 * must not be preceded or followed by one ("gms.a" is not inside
 * "xgms.a" or "gms.ab"). '.' ends a name when no label follows it (a
 * sentence's full stop, an FQDN's root). */
static bool name_octet(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/* The host part of an internal_hosts entry: "[v6]" of "[v6]:port", "host"
 * of "host:port". */
static size_t entry_host_len(const char *entry)
{
    if (entry[0] == '[') {
        const char *close = strchr(entry, ']');
        return close ? (size_t)(close - entry) + 1 : strlen(entry);
    }
    const char *colon = strchr(entry, ':');
    return colon ? (size_t)(colon - entry) : strlen(entry);
}

/* Length of text[i..] matching host (n octets, case-insensitive) as a whole
 * name, plus a ":port" after it when port is true; 0 when none. */
static size_t match_name(mcsec_str_t text, size_t i, const char *host, size_t n, bool v6_bare,
                         bool port)
{
    if (n == 0 || i + n > text.len || strncasecmp(text.ptr + i, host, n) != 0)
        return 0;
    size_t end = i + n;
    if (end < text.len) {
        char c = text.ptr[end];
        if (name_octet(c) || (v6_bare && c == ':'))
            return 0;
        if (c == '.' && end + 1 < text.len && name_octet(text.ptr[end + 1]))
            return 0;
    }
    if (port && end + 1 < text.len && text.ptr[end] == ':' &&
        isdigit((unsigned char)text.ptr[end + 1])) {
        end++;
        while (end < text.len && isdigit((unsigned char)text.ptr[end]))
            end++;
    }
    return end - i;
}

/* Length of the internal host matched at text[i..] (the caller checked the
 * octet before i), including a ":port"; 0 when none matches. */
static size_t match_host(mcsec_str_t text, size_t i, const char *const *hosts, size_t count)
{
    for (size_t h = 0; h < count; h++) {
        size_t n = entry_host_len(hosts[h]);
        size_t len = match_name(text, i, hosts[h], n, false, true);
        if (len == 0 && hosts[h][0] == '[' && n >= 2 && hosts[h][n - 1] == ']' &&
            (i == 0 || text.ptr[i - 1] != ':'))
            len = match_name(text, i, hosts[h] + 1, n - 2, true, false);
        if (len > 0)
            return len;
    }
    return 0;
}

typedef struct {
    char *buf;
    size_t len, cap;
} growbuf_t;

static bool append(growbuf_t *out, const char *p, size_t n)
{
    if (out->len + n + 1 > out->cap) {
        size_t cap = out->cap ? out->cap : 256;
        while (cap < out->len + n + 1)
            cap *= 2;
        char *grown = realloc(out->buf, cap);
        if (!grown)
            return false;
        out->buf = grown;
        out->cap = cap;
    }
    memcpy(out->buf + out->len, p, n);
    out->len += n;
    out->buf[out->len] = '\0';
    return true;
}

mcsec_err_t mcsec_http_rewrite_hosts(mcsec_str_t text, const char *const *internal_hosts,
                                     size_t internal_count, const char *public_host, char **out,
                                     size_t *out_len, bool *changed)
{
    if (!out || !out_len || !public_host || (!text.ptr && text.len) ||
        (!internal_hosts && internal_count))
        return MCSEC_ERR_ARG;
    *out = NULL;
    *out_len = 0;
    if (changed)
        *changed = false;
    growbuf_t buf = {NULL, 0, 0};
    size_t copied = 0; /* text[0..copied) is in buf already */
    bool ok = append(&buf, "", 0);
    for (size_t i = 0; ok && i < text.len; i++) {
        /* A name starts here: not inside a longer name, not a subdomain
         * of an internal host (the check that follows refuses those). */
        if (i > 0 && (name_octet(text.ptr[i - 1]) || text.ptr[i - 1] == '.'))
            continue;
        size_t host_len = match_host(text, i, internal_hosts, internal_count);
        if (host_len == 0)
            continue;
        size_t start = i;
        /* "http://" before the authority becomes "https://": partners reach
         * the border over TLS only. */
        bool http = i >= 7 + copied && strncasecmp(text.ptr + i - 7, "http://", 7) == 0;
        if (http)
            start = i - 7;
        ok = append(&buf, text.ptr + copied, start - copied) &&
             (!http || append(&buf, "https://", 8)) &&
             append(&buf, public_host, strlen(public_host));
        copied = i + host_len;
        i = copied - 1;
        if (changed)
            *changed = true;
    }
    if (ok && copied < text.len)
        ok = append(&buf, text.ptr + copied, text.len - copied);
    if (!ok) {
        free(buf.buf);
        return MCSEC_ERR_NOMEM;
    }
    *out = buf.buf;
    *out_len = buf.len;
    return MCSEC_OK;
}

/* One round of decoding of what a reader could unescape into a host
 * name: %XX, &#NN; and &#xHH; (ASCII only: no host name octet is
 * beyond), \\uHHHH, \\xHH and a backslash before punctuation. Returns the
 * new length (<= n, in place). */
static size_t decode_round(char *t, size_t n, bool *changed)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        unsigned value = 0;
        size_t used = 0;
        if (t[i] == '%' && i + 2 < n && isxdigit((unsigned char)t[i + 1]) &&
            isxdigit((unsigned char)t[i + 2])) {
            char hex[3] = {t[i + 1], t[i + 2], 0};
            value = (unsigned)strtoul(hex, NULL, 16);
            used = 3;
        } else if (t[i] == '&' && i + 2 < n && t[i + 1] == '#') {
            bool hex = t[i + 2] == 'x' || t[i + 2] == 'X';
            size_t j = i + (hex ? 3 : 2);
            size_t digits = 0;
            while (j < n && digits < 8 &&
                   (hex ? isxdigit((unsigned char)t[j]) : isdigit((unsigned char)t[j]))) {
                value = value * (hex ? 16u : 10u) +
                        (unsigned)(isdigit((unsigned char)t[j])
                                       ? t[j] - '0'
                                       : (tolower((unsigned char)t[j]) - 'a' + 10));
                j++;
                digits++;
            }
            if (digits > 0 && j < n && t[j] == ';')
                used = j + 1 - i;
        } else if (t[i] == '\\' && i + 1 < n) {
            char e = t[i + 1];
            size_t width = e == 'u' ? 4 : e == 'x' ? 2 : 0;
            if (width > 0 && i + 1 + width < n) {
                size_t k;
                for (k = 0; k < width && isxdigit((unsigned char)t[i + 2 + k]); k++)
                    value = value * 16u +
                            (unsigned)(isdigit((unsigned char)t[i + 2 + k])
                                           ? t[i + 2 + k] - '0'
                                           : tolower((unsigned char)t[i + 2 + k]) - 'a' + 10);
                if (k == width)
                    used = 2 + width;
            } else if (ispunct((unsigned char)e)) {
                value = (unsigned char)e;
                used = 2;
            }
        }
        if (used == 0) {
            t[o++] = t[i++];
            continue;
        }
        t[o++] = value > 0 && value < 0x80 ? (char)value : '?';
        i += used;
        *changed = true;
    }
    return o;
}

mcsec_err_t mcsec_http_names_internal_host(mcsec_str_t text, const char *const *internal_hosts,
                                           size_t internal_count, bool *found)
{
    if (!found || (!text.ptr && text.len) || (!internal_hosts && internal_count))
        return MCSEC_ERR_ARG;
    *found = false;
    if (text.len == 0)
        return MCSEC_OK;
    char *t = malloc(text.len);
    if (!t)
        return MCSEC_ERR_NOMEM;
    memcpy(t, text.ptr, text.len);
    size_t n = text.len;
    bool changed = true;
    /* Escapes of escapes (%2567) until nothing changes; each round
     * shortens the text, so this ends. */
    for (int round = 0; changed && round < 8; round++) {
        changed = false;
        n = decode_round(t, n, &changed);
    }
    mcsec_str_t view = {t, n};
    for (size_t i = 0; !*found && i < n; i++) {
        /* Here a subdomain of an internal host counts too. */
        if (i > 0 && name_octet(t[i - 1]))
            continue;
        if (match_host(view, i, internal_hosts, internal_count) > 0)
            *found = true;
        else if (n - i >= 8 && strncasecmp(t + i, "<!ENTITY", 8) == 0)
            *found = true;
    }
    free(t);
    return MCSEC_OK;
}
