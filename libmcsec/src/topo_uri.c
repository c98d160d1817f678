/* Record-Route, Path and Contact hiding: inside URIs become
 * sip:<token>@<border host>;...;tokenized-by=<border host> (TS 24.229 THIG),
 * and come back exactly from Route entries and request-URIs. */
#include <string.h>

#include "topo_internal.h"

static bool is_lws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_b32(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7');
}

/* Index just past a quoted string starting at p[i] == '"' (len if open). */
static size_t skip_quoted(const char *p, size_t len, size_t i)
{
    for (i++; i < len; i++) {
        if (p[i] == '\\')
            i++;
        else if (p[i] == '"')
            return i + 1;
    }
    return len;
}

/* Finds the URI of a name-addr ("Name" <uri>...) or addr-spec (uri;params).
 * For addr-spec the URI ends at the first ';', ',' or LWS. Sets *uri and
 * *after (index after '>' or after the URI). False when there is none. */
static bool find_uri(mcsec_str_t v, mcsec_str_t *uri, size_t *after)
{
    size_t i = 0;
    while (i < v.len && is_lws(v.ptr[i]))
        i++;
    for (size_t j = i; j < v.len;) {
        char c = v.ptr[j];
        if (c == '"') {
            j = skip_quoted(v.ptr, v.len, j);
        } else if (c == '<') {
            const char *close = memchr(v.ptr + j + 1, '>', v.len - j - 1);
            if (!close)
                return false;
            *uri = (mcsec_str_t){v.ptr + j + 1, (size_t)(close - (v.ptr + j + 1))};
            *after = (size_t)(close - v.ptr) + 1;
            return uri->len > 0;
        } else if (c == ';' || c == ',') {
            break;
        } else {
            j++;
        }
    }
    size_t end = i;
    while (end < v.len && v.ptr[end] != ';' && v.ptr[end] != ',' && !is_lws(v.ptr[end]))
        end++;
    *uri = (mcsec_str_t){v.ptr + i, end - i};
    *after = end;
    return uri->len > 0;
}

/* Length of "scheme:" at the start of uri (RFC 3986 scheme), or 0. */
static size_t scheme_len(mcsec_str_t uri)
{
    size_t i = 0;
    while (i < uri.len) {
        char c = uri.ptr[i];
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (c == ':')
            return i > 0 ? i + 1 : 0;
        if (!alpha && (i == 0 || !((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')))
            return 0;
        i++;
    }
    return 0;
}

static bool is_sips(mcsec_str_t uri)
{
    return scheme_len(uri) == 5 && topo_ieq(uri.ptr, 5, "sips:", 5);
}

/* Writes <sip[s]:TOKEN@HOST;{lr;}tokenized-by=HOST> + tail. */
static mcsec_err_t write_token_uri(mcsec_topo_t *topo, mcsec_topo_kind_t kind, mcsec_str_t callid,
                                   mcsec_str_t value, bool sips, bool lr, mcsec_str_t tail,
                                   char *out, size_t out_size, size_t *out_len)
{
    static const char tparam[] = ";" MCSEC_TOPO_URI_PARAM "=";
    const mcsec_str_t host = topo->config.border_host;
    const char *scheme = sips ? "<sips:" : "<sip:";
    size_t token_len = topo_sealed_len(topo, kind, value.len);
    size_t prefix = strlen(scheme);
    *out_len =
        prefix + token_len + 1 + host.len + (lr ? 3 : 0) + strlen(tparam) + host.len + 1 + tail.len;
    if (!out || out_size < *out_len)
        return MCSEC_ERR_ARG;
    size_t sealed = 0;
    mcsec_err_t rc = topo_seal(topo, kind, callid, (const uint8_t *)value.ptr, value.len,
                               out + prefix, token_len, &sealed);
    if (rc != MCSEC_OK)
        return rc;
    size_t o = 0;
    topo_put(out, out_size, &o, scheme, prefix);
    o += token_len;
    topo_put(out, out_size, &o, "@", 1);
    topo_put(out, out_size, &o, host.ptr, host.len);
    if (lr)
        topo_put(out, out_size, &o, ";lr", 3);
    topo_put(out, out_size, &o, tparam, strlen(tparam));
    topo_put(out, out_size, &o, host.ptr, host.len);
    topo_put(out, out_size, &o, ">", 1);
    topo_put(out, out_size, &o, tail.ptr, tail.len);
    return MCSEC_OK;
}

mcsec_err_t mcsec_topo_hide_route(mcsec_topo_t *topo, mcsec_topo_kind_t kind, mcsec_str_t entry,
                                  mcsec_str_t callid, char *out, size_t out_size, size_t *out_len)
{
    if (!topo || !out_len || (kind != MCSEC_TOPO_RR && kind != MCSEC_TOPO_PATH) || !entry.ptr ||
        entry.len == 0 || entry.len > MCSEC_TOPO_MAX_VALUE)
        return MCSEC_ERR_ARG;
    mcsec_str_t uri = {entry.ptr, 0};
    size_t after = 0;
    bool sips = find_uri(entry, &uri, &after) && is_sips(uri);
    return write_token_uri(topo, kind, callid, entry, sips, true, (mcsec_str_t){"", 0}, out,
                           out_size, out_len);
}

mcsec_err_t mcsec_topo_hide_contact(mcsec_topo_t *topo, mcsec_str_t contact, mcsec_str_t callid,
                                    char *out, size_t out_size, size_t *out_len)
{
    if (!topo || !out_len || !contact.ptr)
        return MCSEC_ERR_ARG;
    mcsec_str_t uri;
    size_t after = 0;
    if (!find_uri(contact, &uri, &after) || scheme_len(uri) == 0 || scheme_len(uri) == uri.len)
        return MCSEC_ERR_PARSE;
    if (uri.len > MCSEC_TOPO_MAX_VALUE)
        return MCSEC_ERR_ARG;
    mcsec_str_t tail = {contact.ptr + after, contact.len - after};
    return write_token_uri(topo, MCSEC_TOPO_CONTACT, callid, uri, is_sips(uri), false, tail, out,
                           out_size, out_len);
}

/* Value of URI parameter name in params (";a=b;c"), case-insensitive name. */
static bool uri_param(mcsec_str_t params, const char *name, mcsec_str_t *value)
{
    size_t name_len = strlen(name);
    size_t i = 0;
    while (i < params.len) {
        if (params.ptr[i] != ';') {
            i++;
            continue;
        }
        size_t start = ++i;
        while (i < params.len && params.ptr[i] != ';' && params.ptr[i] != '=')
            i++;
        if (!topo_ieq(params.ptr + start, i - start, name, name_len))
            continue;
        if (i == params.len || params.ptr[i] != '=')
            return false;
        size_t vstart = ++i;
        while (i < params.len && params.ptr[i] != ';')
            i++;
        *value = (mcsec_str_t){params.ptr + vstart, i - vstart};
        return true;
    }
    return false;
}

bool mcsec_topo_uri_token(const mcsec_topo_t *topo, mcsec_str_t value, mcsec_str_t *token)
{
    if (!topo || !token || !value.ptr)
        return false;
    mcsec_str_t uri;
    size_t after = 0;
    bool bracket = memchr(value.ptr, '<', value.len) != NULL;
    if (bracket) {
        if (!find_uri(value, &uri, &after))
            return false;
    } else {
        /* A bare request-URI: its ';' parameters belong to the URI. */
        size_t i = 0, end = value.len;
        while (i < end && is_lws(value.ptr[i]))
            i++;
        while (end > i && is_lws(value.ptr[end - 1]))
            end--;
        uri = (mcsec_str_t){value.ptr + i, end - i};
    }
    size_t s = scheme_len(uri);
    if (!(s == 4 && topo_ieq(uri.ptr, 4, "sip:", 4)) && !is_sips(uri))
        return false;
    size_t user_end = s;
    while (user_end < uri.len && is_b32(uri.ptr[user_end]))
        user_end++;
    if (user_end == s || user_end == uri.len || uri.ptr[user_end] != '@')
        return false;
    size_t host_end = user_end + 1;
    while (host_end < uri.len && uri.ptr[host_end] != ';' && uri.ptr[host_end] != '?')
        host_end++;
    const mcsec_str_t host = topo->config.border_host;
    mcsec_str_t by;
    size_t params_end = host_end;
    while (params_end < uri.len && uri.ptr[params_end] != '?')
        params_end++;
    if (!topo_ieq(uri.ptr + user_end + 1, host_end - user_end - 1, host.ptr, host.len) ||
        !uri_param((mcsec_str_t){uri.ptr + host_end, params_end - host_end}, MCSEC_TOPO_URI_PARAM,
                   &by) ||
        !topo_ieq(by.ptr, by.len, host.ptr, host.len))
        return false;
    *token = (mcsec_str_t){uri.ptr + s, user_end - s};
    return true;
}

/* Decodes the token of an entry of ours into out. */
static mcsec_err_t restore_uri_value(mcsec_topo_t *topo, mcsec_topo_kind_t kind, mcsec_str_t value,
                                     mcsec_str_t callid, char *out, size_t out_size,
                                     size_t *out_len, mcsec_topo_error_t *err)
{
    if (err)
        *err = (mcsec_topo_error_t){MCSEC_REASON_NONE, MCSEC_TOPO_FAULT_NONE};
    if (!topo || !out_len)
        return MCSEC_ERR_ARG;
    *out_len = 0;
    mcsec_str_t token;
    if (!mcsec_topo_uri_token(topo, value, &token))
        return topo_bad(err, MCSEC_TOPO_FAULT_MALFORMED);
    return topo_open(topo, kind, callid, token, (uint8_t *)out, out_size, out_len, err);
}

mcsec_err_t mcsec_topo_restore_route(mcsec_topo_t *topo, mcsec_topo_kind_t kind, mcsec_str_t entry,
                                     mcsec_str_t callid, char *out, size_t out_size,
                                     size_t *out_len, mcsec_topo_error_t *err)
{
    if (kind != MCSEC_TOPO_RR && kind != MCSEC_TOPO_PATH)
        return MCSEC_ERR_ARG;
    return restore_uri_value(topo, kind, entry, callid, out, out_size, out_len, err);
}

mcsec_err_t mcsec_topo_restore_contact_uri(mcsec_topo_t *topo, mcsec_str_t uri, mcsec_str_t callid,
                                           char *out, size_t out_size, size_t *out_len,
                                           mcsec_topo_error_t *err)
{
    return restore_uri_value(topo, MCSEC_TOPO_CONTACT, uri, callid, out, out_size, out_len, err);
}
