/* Record-Route, Path and Contact hiding: inside URIs become
 * sip:<token>@<border host>;...;tokenized-by=<border host> (TS 24.229 THIG),
 * and come back exactly from Route entries and request-URIs. */
#include <string.h>

#include "topo_uri_internal.h"

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

/* See topo_uri_internal.h. */
bool topo_find_uri(mcsec_str_t v, mcsec_str_t *uri, size_t *after)
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

/* See topo_uri_internal.h. */
size_t topo_scheme_len(mcsec_str_t uri)
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
    bool sips = false;
    return topo_sip_scheme(uri, &sips) && sips;
}

/* See topo_uri_internal.h. */
bool topo_sip_scheme(mcsec_str_t uri, bool *sips)
{
    size_t s = topo_scheme_len(uri);
    *sips = s == 5 && topo_ieq(uri.ptr, 5, "sips:", 5);
    return *sips || (s == 4 && topo_ieq(uri.ptr, 4, "sip:", 4));
}

/* See topo_uri_internal.h. */
mcsec_str_t topo_uri_host(mcsec_str_t uri, bool sips)
{
    size_t i = sips ? 5 : 4;
    size_t end = i;
    while (end < uri.len && uri.ptr[end] != ';' && uri.ptr[end] != '?')
        end++;
    const char *at = i < end ? memchr(uri.ptr + i, '@', end - i) : NULL;
    if (at)
        i = (size_t)(at - uri.ptr) + 1;
    if (i < end && uri.ptr[i] == '[') {
        const char *close = memchr(uri.ptr + i, ']', end - i);
        size_t stop = close ? (size_t)(close - uri.ptr) : end;
        return (mcsec_str_t){uri.ptr + i + 1, stop - i - 1};
    }
    size_t h = i;
    while (h < end && uri.ptr[h] != ':')
        h++;
    return (mcsec_str_t){uri.ptr + i, h - i};
}

/* See topo_uri_internal.h. */
bool topo_uri_kept(mcsec_str_t uri, bool sips, const mcsec_strlist_t *keep_domains)
{
    static const char tparam[] = ";" MCSEC_TOPO_URI_PARAM "=";
    for (size_t i = 0; i + sizeof(tparam) - 1 <= uri.len; i++)
        if (topo_ieq(uri.ptr + i, sizeof(tparam) - 1, tparam, sizeof(tparam) - 1))
            return true;
    return keep_domains && keep_domains->count > 0 &&
           mcsec_domain_list_match(keep_domains, topo_uri_host(uri, sips));
}

/* See topo_uri_internal.h. */
mcsec_err_t topo_put_token_uri(mcsec_topo_t *topo, mcsec_topo_kind_t kind, mcsec_str_t callid,
                               mcsec_str_t value, bool sips, bool lr, char *out, size_t out_size,
                               size_t *pos)
{
    static const char tparam[] = ";" MCSEC_TOPO_URI_PARAM "=";
    if (!value.ptr || value.len == 0 || value.len > MCSEC_TOPO_MAX_VALUE)
        return MCSEC_ERR_ARG;
    const mcsec_str_t host = topo->config.border_host;
    const char *scheme = sips ? "sips:" : "sip:";
    size_t token_len = topo_sealed_len(topo, kind, value.len);
    topo_put(out, out_size, pos, scheme, strlen(scheme));
    if (out && *pos <= out_size && token_len <= out_size - *pos) {
        size_t sealed = 0;
        mcsec_err_t rc = topo_seal(topo, kind, callid, (const uint8_t *)value.ptr, value.len,
                                   out + *pos, token_len, &sealed);
        if (rc != MCSEC_OK)
            return rc;
    }
    *pos += token_len;
    topo_put(out, out_size, pos, "@", 1);
    topo_put(out, out_size, pos, host.ptr, host.len);
    if (lr)
        topo_put(out, out_size, pos, ";lr", 3);
    topo_put(out, out_size, pos, tparam, strlen(tparam));
    topo_put(out, out_size, pos, host.ptr, host.len);
    return MCSEC_OK;
}

/* Writes <sip[s]:TOKEN@HOST;{lr;}tokenized-by=HOST> + tail. */
static mcsec_err_t write_token_uri(mcsec_topo_t *topo, mcsec_topo_kind_t kind, mcsec_str_t callid,
                                   mcsec_str_t value, bool sips, bool lr, mcsec_str_t tail,
                                   char *out, size_t out_size, size_t *out_len)
{
    size_t o = 0;
    topo_put(out, out_size, &o, "<", 1);
    mcsec_err_t rc = topo_put_token_uri(topo, kind, callid, value, sips, lr, out, out_size, &o);
    if (rc != MCSEC_OK)
        return rc;
    topo_put(out, out_size, &o, ">", 1);
    topo_put(out, out_size, &o, tail.ptr, tail.len);
    *out_len = o;
    return out && o <= out_size ? MCSEC_OK : MCSEC_ERR_ARG;
}

mcsec_err_t mcsec_topo_hide_route(mcsec_topo_t *topo, mcsec_topo_kind_t kind, mcsec_str_t entry,
                                  mcsec_str_t callid, char *out, size_t out_size, size_t *out_len)
{
    if (!topo || !out_len || (kind != MCSEC_TOPO_RR && kind != MCSEC_TOPO_PATH) || !entry.ptr ||
        entry.len == 0 || entry.len > MCSEC_TOPO_MAX_VALUE)
        return MCSEC_ERR_ARG;
    mcsec_str_t uri = {entry.ptr, 0};
    size_t after = 0;
    bool sips = topo_find_uri(entry, &uri, &after) && is_sips(uri);
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
    if (!topo_find_uri(contact, &uri, &after) || topo_scheme_len(uri) == 0 ||
        topo_scheme_len(uri) == uri.len)
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
        if (!topo_find_uri(value, &uri, &after))
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
    size_t s = topo_scheme_len(uri);
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

mcsec_err_t mcsec_topo_restore_target_uri(mcsec_topo_t *topo, mcsec_str_t uri, mcsec_str_t callid,
                                          char *out, size_t out_size, size_t *out_len,
                                          mcsec_topo_error_t *err)
{
    mcsec_topo_error_t first = {MCSEC_REASON_NONE, MCSEC_TOPO_FAULT_NONE};
    mcsec_err_t rc =
        restore_uri_value(topo, MCSEC_TOPO_CONTACT, uri, callid, out, out_size, out_len, &first);
    /* Only authentication and age depend on the kind: other faults hold
     * for every kind. */
    if (rc != MCSEC_ERR_INVALID ||
        (first.fault != MCSEC_TOPO_FAULT_AUTH && first.fault != MCSEC_TOPO_FAULT_EXPIRED)) {
        if (err)
            *err = first;
        return rc;
    }
    mcsec_topo_error_t second = {MCSEC_REASON_NONE, MCSEC_TOPO_FAULT_NONE};
    rc = restore_uri_value(topo, MCSEC_TOPO_ELEMENT, uri, (mcsec_str_t){"", 0}, out, out_size,
                           out_len, &second);
    if (err)
        *err = rc == MCSEC_OK ? second : first;
    return rc;
}
