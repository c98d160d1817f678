/* The `http` sections: the HTTP-3 proxy of this border (system.http) and
 * each partner's HTTP rules (partners[].http), with their defaults and the
 * rules that tie them to addresses and key files. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy_internal.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define HTTP_MAX_BODY_DEFAULT 65536
#define HTTP_MAX_BODY_LIMIT (16 * 1024 * 1024)
#define HTTP_MAX_HEADER_DEFAULT 8192
#define HTTP_MAX_HEADER_MIN 512
#define HTTP_MAX_HEADER_LIMIT 65536
#define HTTP_PARTNER_CONN_DEFAULT 32
#define HTTP_TIMEOUT_DEFAULT 10
#define HTTP_TIMEOUT_MAX 300
#define HTTP_CONN_DEFAULT 256
#define HTTP_CONN_MAX 65536
#define HTTP_CLIENT_TIMEOUT_DEFAULT 10
#define HTTP_CLIENT_TIMEOUT_MAX 3600
#define HTTP_THREADS_DEFAULT 4
#define HTTP_THREADS_MAX 64
#define HTTP_LIST_MAX 64
#define HTTP_PATH_MAX 256

/* Lower-cases text in place. */
static void lower(char *text)
{
    for (char *p = text; *p; p++)
        *p = (char)tolower((unsigned char)*p);
}

/* An HTTP method token (RFC 9110) in upper case. */
static bool method_valid(const char *method)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";
    if (!method[0] || strlen(method) > 32)
        return false;
    for (const char *p = method; *p; p++)
        if (!(isupper((unsigned char)*p) || isdigit((unsigned char)*p) || strchr(extra, *p)))
            return false;
    return true;
}

/* An origin-form path as the proxy compares it: '/' first, then pchar
 * without percent-encoding (so the policy and the raw target compare
 * octet for octet), no empty, "." or ".." segments in the middle. */
bool mcsec_pol_http_path_valid(const char *path)
{
    static const char allowed[] = "-._~!$&'()*+,;=:@/";
    size_t len = strlen(path);
    if (len == 0 || len > HTTP_PATH_MAX || path[0] != '/')
        return false;
    for (const char *p = path; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(allowed, *p))
            return false;
    if (strstr(path, "//"))
        return false;
    /* Every segment between slashes (or up to the end). */
    for (const char *seg = path + 1; *seg;) {
        const char *end = strchr(seg, '/');
        size_t n = end ? (size_t)(end - seg) : strlen(seg);
        if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
            return false;
        if (!end)
            break;
        seg = end + 1;
    }
    return true;
}

/* "http://host[:port]/path" or https; host as mcsec_pol_host_valid. */
static bool url_valid(const char *url)
{
    const char *rest;
    if (strncmp(url, "http://", 7) == 0)
        rest = url + 7;
    else if (strncmp(url, "https://", 8) == 0)
        rest = url + 8;
    else
        return false;
    const char *slash = strchr(rest, '/');
    if (!slash || slash == rest || (size_t)(slash - rest) > 255)
        return false;
    char host[256];
    memcpy(host, rest, (size_t)(slash - rest));
    host[slash - rest] = '\0';
    for (char *p = host; *p; p++)
        if (isupper((unsigned char)*p))
            return false;
    return mcsec_pol_host_valid(host) && mcsec_pol_http_path_valid(slash);
}

/* ---- system.http ---------------------------------------------------------- */

void mcsec_pol_system_http_defaults(mcsec_system_t *sys)
{
    sys->http.connection_limit = HTTP_CONN_DEFAULT;
    sys->http.client_timeout = HTTP_CLIENT_TIMEOUT_DEFAULT;
    sys->http.threads = HTTP_THREADS_DEFAULT;
}

static bool host_ok(mcsec_pol_ctx_t *ctx, yaml_node_t *item, const char *text, const char *value,
                    const char *what)
{
    if (mcsec_pol_host_valid(value))
        return true;
    mcsec_pol_problem(ctx, item, MCSEC_ERR_INVALID,
                      "invalid host '%s' in '%s': expected a host name, IPv4 address or "
                      "[IPv6] reference, optionally with :port",
                      text, what);
    return false;
}

static void load_internal_hosts(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_strlist_t *list)
{
    static const mcsec_pol_strlist_spec_t spec = {.what = "system.http.internal_hosts",
                                                  .check = host_ok,
                                                  .lowercase = true,
                                                  .noun = "host",
                                                  .max = HTTP_LIST_MAX,
                                                  .plural = "hosts"};
    mcsec_pol_load_strlist(ctx, node, &spec, list);
}

/* system.http.inside_tls: {cert, key, ca}, all three, resolved and
 * checked like the other key files (the key must not be readable by group
 * or others), and optionally crls (the CRLs of the CAs of ca). */
static void load_inside_tls(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_http_system_t *http)
{
    static const mcsec_pol_key_t keys[] = {
        {"cert", true}, {"key", true}, {"ca", true}, {"crls", false}};
    yaml_node_t *v[COUNT(keys)];
    if (!mcsec_pol_map(ctx, node, "system.http.inside_tls", keys, COUNT(keys), v) || !v[0] ||
        !v[1] || !v[2])
        return;
    mcsec_pol_load_keyfile(ctx, v[0], "system.http.inside_tls.cert", false, &http->inside_cert);
    mcsec_pol_load_keyfile(ctx, v[1], "system.http.inside_tls.key", true, &http->inside_key);
    mcsec_pol_load_keyfile(ctx, v[2], "system.http.inside_tls.ca", false, &http->inside_ca);
    http->has_inside_tls = http->inside_cert && http->inside_key && http->inside_ca;
    if (v[3])
        mcsec_pol_load_crls(ctx, v[3], "system.http.inside_tls.crls", "system.http.inside_tls.ca",
                            http->inside_ca, &http->inside_crls);
}

void mcsec_pol_load_system_http(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_system_t *sys)
{
    static const mcsec_pol_key_t keys[] = {{"inside", false},         {"public_host", false},
                                           {"internal_hosts", false}, {"connection_limit", false},
                                           {"client_timeout", false}, {"threads", false},
                                           {"inside_clients", false}, {"inside_tls", false}};
    yaml_node_t *v[COUNT(keys)];
    mcsec_http_system_t *http = &sys->http;
    if (node && mcsec_pol_map(ctx, node, "system.http", keys, COUNT(keys), v)) {
        if (v[0])
            http->has_inside = mcsec_pol_load_addr(ctx, v[0], "system.http.inside",
                                                   MCSEC_ADDR_PORT_REQUIRED, &http->inside);
        const char *text = v[1] ? mcsec_pol_scalar(ctx, v[1], "system.http.public_host") : NULL;
        if (text) {
            char *host = strdup(text);
            if (!host) {
                mcsec_pol_problem(ctx, v[1], MCSEC_ERR_NOMEM, "out of memory");
            } else {
                lower(host);
                if (mcsec_pol_host_valid(host)) {
                    http->public_host = host;
                    host = NULL;
                } else {
                    mcsec_pol_problem(ctx, v[1], MCSEC_ERR_INVALID,
                                      "invalid host '%s' for 'system.http.public_host': expected "
                                      "a host name, IPv4 address or [IPv6] reference, optionally "
                                      "with :port",
                                      text);
                }
                free(host);
            }
        }
        if (v[2])
            load_internal_hosts(ctx, v[2], &http->internal_hosts);
        long long value;
        if (v[3] &&
            mcsec_pol_integer(ctx, v[3], "system.http.connection_limit", 1, HTTP_CONN_MAX, &value))
            http->connection_limit = (unsigned)value;
        if (v[4] && mcsec_pol_integer(ctx, v[4], "system.http.client_timeout", 1,
                                      HTTP_CLIENT_TIMEOUT_MAX, &value))
            http->client_timeout = (uint32_t)value;
        if (v[5] &&
            mcsec_pol_integer(ctx, v[5], "system.http.threads", 1, HTTP_THREADS_MAX, &value))
            http->threads = (unsigned)value;
        if (v[6])
            mcsec_pol_load_addr_list(ctx, v[6], "system.http.inside_clients", HTTP_LIST_MAX,
                                     &http->inside_clients, &http->inside_client_count);
        if (v[7])
            load_inside_tls(ctx, v[7], http);
    }
    if (!http->public_host && sys->topology_host &&
        !(http->public_host = strdup(sys->topology_host)))
        mcsec_pol_problem(ctx, node, MCSEC_ERR_NOMEM, "out of memory");
}

/* ---- partners[].http ------------------------------------------------------ */

void mcsec_pol_partner_http_defaults(mcsec_http_rules_t *http)
{
    http->max_body = HTTP_MAX_BODY_DEFAULT;
    http->max_header_bytes = HTTP_MAX_HEADER_DEFAULT;
    http->connection_limit = HTTP_PARTNER_CONN_DEFAULT;
    http->timeout = HTTP_TIMEOUT_DEFAULT;
}

static bool http_method_ok(mcsec_pol_ctx_t *ctx, yaml_node_t *item, const char *text,
                           const char *value, const char *what)
{
    (void)value;
    (void)what;
    if (strcasecmp(text, "CONNECT") == 0 || strcasecmp(text, "TRACE") == 0) {
        mcsec_pol_problem(ctx, item, MCSEC_ERR_INVALID, "%s is never allowed across the border",
                          text);
        return false;
    }
    if (!method_valid(text)) {
        mcsec_pol_problem(ctx, item, MCSEC_ERR_INVALID,
                          "invalid method '%s': expected an upper-case HTTP method token", text);
        return false;
    }
    return true;
}

static void load_methods(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_strlist_t *methods)
{
    static const mcsec_pol_strlist_spec_t spec = {.what = "partner.http.methods",
                                                  .check = http_method_ok,
                                                  .at_least_one = "method",
                                                  .noun = "method"};
    mcsec_pol_load_strlist(ctx, node, &spec, methods);
}

static bool path_prefix_ok(mcsec_pol_ctx_t *ctx, yaml_node_t *item, const char *text,
                           const char *value, const char *what)
{
    (void)value;
    if (mcsec_pol_http_path_valid(text))
        return true;
    mcsec_pol_problem(ctx, item, MCSEC_ERR_INVALID,
                      "invalid path prefix '%s' in '%s': expected a path starting with "
                      "'/' without %%-escapes, '?', '//' or dot segments",
                      text, what);
    return false;
}

static void load_prefixes(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_strlist_t *prefixes)
{
    static const mcsec_pol_strlist_spec_t spec = {.what = "partner.http.path_prefixes",
                                                  .check = path_prefix_ok,
                                                  .at_least_one = "path",
                                                  .noun = "path prefix",
                                                  .max = HTTP_LIST_MAX,
                                                  .plural = "paths"};
    mcsec_pol_load_strlist(ctx, node, &spec, prefixes);
}

static bool http_content_type_ok(mcsec_pol_ctx_t *ctx, yaml_node_t *item, const char *text,
                                 const char *value, const char *what)
{
    if (mcsec_pol_content_type_valid(value))
        return true;
    mcsec_pol_problem(ctx, item, MCSEC_ERR_INVALID,
                      "invalid content type '%s' in '%s': expected type/subtype without "
                      "parameters or wildcards",
                      text, what);
    return false;
}

static void load_content_types(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_strlist_t *types)
{
    static const mcsec_pol_strlist_spec_t spec = {.what = "partner.http.content_types",
                                                  .check = http_content_type_ok,
                                                  .lowercase = true,
                                                  .noun = "content type"};
    mcsec_pol_load_strlist(ctx, node, &spec, types);
}

static void load_upstream(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_http_rules_t *http)
{
    static const mcsec_pol_key_t keys[] = {{"prefix", true}, {"url", true}};
    const char *what = "partner.http.upstream";
    yaml_node_item_t *items;
    size_t count;
    if (!mcsec_pol_sequence(ctx, node, what, &items, &count))
        return;
    if (count > HTTP_LIST_MAX) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID, "more than %d entries in '%s'",
                          HTTP_LIST_MAX, what);
        return;
    }
    http->upstreams = calloc(count ? count : 1, sizeof(*http->upstreams));
    if (!http->upstreams) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_NOMEM, "out of memory");
        return;
    }
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *item = mcsec_pol_node(ctx, items[i]);
        yaml_node_t *v[COUNT(keys)];
        if (!item || !mcsec_pol_map(ctx, item, what, keys, COUNT(keys), v) || !v[0] || !v[1])
            continue;
        const char *prefix = mcsec_pol_scalar(ctx, v[0], "partner.http.upstream.prefix");
        const char *url = mcsec_pol_scalar(ctx, v[1], "partner.http.upstream.url");
        bool ok = prefix && url;
        if (prefix && !mcsec_pol_http_path_valid(prefix)) {
            mcsec_pol_problem(ctx, v[0], MCSEC_ERR_INVALID,
                              "invalid path prefix '%s' for 'partner.http.upstream.prefix': "
                              "expected a path starting with '/' without %%-escapes, '?', '//' "
                              "or dot segments",
                              prefix);
            ok = false;
        }
        if (url && !url_valid(url)) {
            mcsec_pol_problem(ctx, v[1], MCSEC_ERR_INVALID,
                              "invalid URL '%s' for 'partner.http.upstream.url': expected "
                              "http://host[:port]/path or https://host[:port]/path in lower case",
                              url);
            ok = false;
        }
        for (size_t j = 0; ok && j < http->upstream_count; j++)
            if (strcmp(http->upstreams[j].prefix, prefix) == 0) {
                mcsec_pol_problem(ctx, v[0], MCSEC_ERR_INVALID,
                                  "duplicate prefix '%s' in 'partner.http.upstream'", prefix);
                ok = false;
            }
        if (!ok)
            continue;
        mcsec_http_upstream_t *slot = &http->upstreams[http->upstream_count];
        slot->prefix = strdup(prefix);
        slot->url = strdup(url);
        if (!slot->prefix || !slot->url) {
            free(slot->prefix);
            free(slot->url);
            slot->prefix = slot->url = NULL;
            mcsec_pol_problem(ctx, item, MCSEC_ERR_NOMEM, "out of memory");
            continue;
        }
        http->upstream_count++;
    }
}

/* The host of a partner identity URI, lower case, for peer_name. */
static char *identity_host(const char *identity)
{
    const char *host;
    size_t len;
    if (!identity || !mcsec_pol_sip_uri_valid(identity, &host, &len))
        return NULL;
    char *out = strndup(host, len);
    if (out)
        lower(out);
    return out;
}

static bool set(const char *text)
{
    return text && text[0];
}

void mcsec_pol_load_partner_http(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_partner_t *partner,
                                 const mcsec_system_t *sys)
{
    static const mcsec_pol_key_t keys[] = {
        {"methods", true},   {"path_prefixes", true},     {"content_types", false},
        {"max_body", false}, {"max_header_bytes", false}, {"connection_limit", false},
        {"timeout", false},  {"peer_name", false},        {"upstream", false}};
    yaml_node_t *v[COUNT(keys)];
    mcsec_http_rules_t *http = &partner->http;
    if (!mcsec_pol_map(ctx, node, "partner.http", keys, COUNT(keys), v))
        return;
    http->enabled = true;
    if (v[0])
        load_methods(ctx, v[0], &http->methods);
    if (v[1])
        load_prefixes(ctx, v[1], &http->path_prefixes);
    if (v[2])
        load_content_types(ctx, v[2], &http->content_types);
    long long value;
    if (v[3] &&
        mcsec_pol_integer(ctx, v[3], "partner.http.max_body", 0, HTTP_MAX_BODY_LIMIT, &value))
        http->max_body = (size_t)value;
    if (v[4] && mcsec_pol_integer(ctx, v[4], "partner.http.max_header_bytes", HTTP_MAX_HEADER_MIN,
                                  HTTP_MAX_HEADER_LIMIT, &value))
        http->max_header_bytes = (size_t)value;
    if (v[5] &&
        mcsec_pol_integer(ctx, v[5], "partner.http.connection_limit", 1, HTTP_CONN_MAX, &value))
        http->connection_limit = (unsigned)value;
    if (v[6] && mcsec_pol_integer(ctx, v[6], "partner.http.timeout", 1, HTTP_TIMEOUT_MAX, &value))
        http->timeout = (uint32_t)value;
    const char *peer = v[7] ? mcsec_pol_scalar(ctx, v[7], "partner.http.peer_name") : NULL;
    if (peer) {
        char *name = strdup(peer);
        if (!name) {
            mcsec_pol_problem(ctx, v[7], MCSEC_ERR_NOMEM, "out of memory");
        } else {
            lower(name);
            /* A name in a certificate: a host name, no port, no wildcard. */
            if (!mcsec_pol_host_valid(name) || strchr(name, ':') || name[0] == '[')
                mcsec_pol_problem(ctx, v[7], MCSEC_ERR_INVALID,
                                  "invalid name '%s' for 'partner.http.peer_name': expected the "
                                  "host name in the partner HTTP proxy's certificate",
                                  peer);
            else
                http->peer_name = strdup(name);
            free(name);
        }
    }
    if (!http->peer_name)
        http->peer_name = identity_host(partner->identity);
    if (v[8])
        load_upstream(ctx, v[8], http);
    /* Rules between fields: the TLS profile needs the partner's CA to check
     * its certificates, and our certificate, key and service address. */
    if (!set(partner->keys.ca))
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID,
                          "'partner.http' needs 'partner.keys.ca' (the partner CA that its HTTP "
                          "proxy certificates chain to)");
    if (!set(sys->keys.cert) || !set(sys->keys.key))
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID,
                          "'partner.http' needs 'system.keys.cert' and 'system.keys.key' (our "
                          "TLS certificate and key)");
    if (!sys->has_http_proxy)
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID,
                          "'partner.http' needs 'system.addresses.http_proxy' (our HTTP-3 "
                          "service address)");
}
