/* Topology hiding for HTTP-3: which headers a rebuilt message may carry,
 * and the rewrite of internal host names in URIs to the border's name. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mcsec/http_check.h"

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

static bool name_is(mcsec_str_t name, const char *word)
{
    size_t n = strlen(word);
    return name.len == n && strncasecmp(name.ptr, word, n) == 0;
}

bool mcsec_http_header_allowed(mcsec_str_t name, mcsec_http_header_set_t set, const char *extra)
{
    if (!name.ptr || name.len == 0)
        return false;
    if (set == MCSEC_HTTP_REQUEST_HEADERS) {
        if (extra && name_is(name, extra))
            return true;
        for (size_t i = 0; i < COUNT(request_allowed); i++)
            if (name_is(name, request_allowed[i]))
                return true;
        return false;
    }
    for (size_t i = 0; i < COUNT(response_allowed); i++)
        if (name_is(name, response_allowed[i]))
            return true;
    return false;
}

bool mcsec_http_rewritable_type(mcsec_str_t content_type)
{
    mcsec_str_t media = content_type;
    if (!media.ptr)
        return false;
    const char *semicolon = memchr(media.ptr, ';', media.len);
    if (semicolon)
        media.len = (size_t)(semicolon - media.ptr);
    while (media.len > 0 && (media.ptr[media.len - 1] == ' ' || media.ptr[media.len - 1] == '\t'))
        media.len--;
    while (media.len > 0 && (media.ptr[0] == ' ' || media.ptr[0] == '\t')) {
        media.ptr++;
        media.len--;
    }
    return name_is(media, "application/xml") || name_is(media, "text/xml") ||
           (media.len > 4 && strncasecmp(media.ptr + media.len - 4, "+xml", 4) == 0);
}

/* Octets that may continue a host[:port] (so "//gms.a" does not match
 * inside "//gms.ab"). */
static bool host_octet(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_' || c == '[' || c == ']';
}

/* Length of the internal host entry matched at text[i..] (after "//"),
 * including a ":port" the entry does not name; 0 when none matches. */
static size_t match_host(mcsec_str_t text, size_t i, const char *const *hosts, size_t count)
{
    for (size_t h = 0; h < count; h++) {
        size_t n = strlen(hosts[h]);
        if (n == 0 || i + n > text.len || strncasecmp(text.ptr + i, hosts[h], n) != 0)
            continue;
        size_t end = i + n;
        if (end < text.len && host_octet(text.ptr[end]))
            continue;
        if (end < text.len && text.ptr[end] == ':' && !strchr(hosts[h], ':')) {
            size_t port = end + 1;
            while (port < text.len && isdigit((unsigned char)text.ptr[port]))
                port++;
            if (port < text.len && host_octet(text.ptr[port]))
                continue;
            end = port;
        } else if (end < text.len && text.ptr[end] == ':') {
            continue; /* "host:port" entry followed by more port digits */
        }
        return end - i;
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
    for (size_t i = 0; ok && i + 1 < text.len; i++) {
        if (text.ptr[i] != '/' || text.ptr[i + 1] != '/')
            continue;
        size_t host_len = match_host(text, i + 2, internal_hosts, internal_count);
        if (host_len == 0)
            continue;
        size_t start = i;
        /* "http://" before the authority becomes "https://": partners reach
         * the border over TLS only. */
        bool http = i >= 5 + copied && strncasecmp(text.ptr + i - 5, "http:", 5) == 0;
        if (http)
            start = i - 5;
        ok = append(&buf, text.ptr + copied, start - copied) &&
             (!http || append(&buf, "https:", 6)) && append(&buf, "//", 2) &&
             append(&buf, public_host, strlen(public_host));
        copied = i + 2 + host_len;
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
