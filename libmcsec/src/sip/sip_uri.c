/* Bounded extraction of the host of a sip:/sips: URI, and splitting of
 * comma-separated name-addr lists (P-Asserted-Identity). Reads only the
 * bytes it is given; allocates nothing. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "mcsec/sip/check.h"
#include "sip_uri.h"

static bool has_prefix_ci(mcsec_str_t s, const char *prefix)
{
    size_t n = strlen(prefix);
    return s.len >= n && strncasecmp(s.ptr, prefix, n) == 0;
}

static mcsec_str_t trim(mcsec_str_t s)
{
    while (s.len > 0 &&
           (s.ptr[0] == ' ' || s.ptr[0] == '\t' || s.ptr[0] == '\r' || s.ptr[0] == '\n')) {
        s.ptr++;
        s.len--;
    }
    while (s.len > 0 && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t' ||
                         s.ptr[s.len - 1] == '\r' || s.ptr[s.len - 1] == '\n')) {
        s.len--;
    }
    return s;
}

/* Takes the addr-spec out of a name-addr: the text between '<' and '>'
 * after an optional display name (token list or quoted string). A bare
 * addr-spec is returned as it is. */
static mcsec_err_t addr_spec_of(mcsec_str_t value, mcsec_str_t *spec)
{
    size_t i = 0;
    bool in_quotes = false;
    value = trim(value);
    for (i = 0; i < value.len; i++) {
        char c = value.ptr[i];
        if (in_quotes) {
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                in_quotes = false;
            }
        } else if (c == '"') {
            in_quotes = true;
        } else if (c == '<') {
            break;
        }
    }
    if (in_quotes) {
        return MCSEC_ERR_PARSE;
    }
    if (i == value.len) {
        /* No '<': a bare addr-spec; it cannot carry a display name. */
        if (memchr(value.ptr, '"', value.len) != NULL) {
            return MCSEC_ERR_PARSE;
        }
        *spec = value;
        return MCSEC_OK;
    }
    const char *start = value.ptr + i + 1;
    const char *end = memchr(start, '>', value.len - i - 1);
    if (end == NULL) {
        return MCSEC_ERR_PARSE;
    }
    /* Only header parameters may follow the closing '>'. */
    mcsec_str_t rest = trim((mcsec_str_t){end + 1, (size_t)(value.ptr + value.len - end - 1)});
    if (rest.len > 0 && rest.ptr[0] != ';') {
        return MCSEC_ERR_PARSE;
    }
    spec->ptr = start;
    spec->len = (size_t)(end - start);
    return MCSEC_OK;
}

mcsec_err_t mcsec_sip_addr_spec(mcsec_str_t value, mcsec_str_t *spec)
{
    if (value.ptr == NULL || spec == NULL) {
        return MCSEC_ERR_ARG;
    }
    mcsec_err_t err = addr_spec_of(value, spec);
    if (err == MCSEC_OK) {
        *spec = trim(*spec);
    }
    return err;
}

static bool is_host_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '.';
}

mcsec_err_t mcsec_sip_uri_host(mcsec_str_t uri, mcsec_str_t *host)
{
    mcsec_str_t spec;
    if (uri.ptr == NULL || host == NULL) {
        return MCSEC_ERR_ARG;
    }
    mcsec_err_t err = addr_spec_of(uri, &spec);
    if (err != MCSEC_OK) {
        return err;
    }
    spec = trim(spec);
    size_t scheme_len;
    if (has_prefix_ci(spec, "sip:")) {
        scheme_len = 4;
    } else if (has_prefix_ci(spec, "sips:")) {
        scheme_len = 5;
    } else {
        const char *colon = memchr(spec.ptr, ':', spec.len);
        return colon != NULL && colon != spec.ptr ? MCSEC_ERR_ARG : MCSEC_ERR_PARSE;
    }
    const char *p = spec.ptr + scheme_len;
    const char *end = spec.ptr + spec.len;
    /* RFC 3261 lets no unescaped '@' appear in URI parameters or headers,
     * so the first '@' ends the userinfo. */
    const char *at = memchr(p, '@', (size_t)(end - p));
    if (at != NULL) {
        if (at == p) {
            return MCSEC_ERR_PARSE; /* empty user */
        }
        p = at + 1;
    }
    const char *h = p;
    if (h < end && *h == '[') {
        const char *close = memchr(h, ']', (size_t)(end - h));
        if (close == NULL || close == h + 1) {
            return MCSEC_ERR_PARSE;
        }
        for (const char *q = h + 1; q < close; q++) {
            if (!isxdigit((unsigned char)*q) && *q != ':' && *q != '.') {
                return MCSEC_ERR_PARSE;
            }
        }
        host->ptr = h + 1;
        host->len = (size_t)(close - h - 1);
        p = close + 1;
    } else {
        while (p < end && is_host_char(*p)) {
            p++;
        }
        if (p == h) {
            return MCSEC_ERR_PARSE;
        }
        host->ptr = h;
        host->len = (size_t)(p - h);
    }
    if (p < end && *p == ':') {
        const char *digits = ++p;
        while (p < end && isdigit((unsigned char)*p)) {
            p++;
        }
        if (p == digits || p - digits > 5) {
            return MCSEC_ERR_PARSE;
        }
    }
    if (p < end && *p != ';' && *p != '?') {
        return MCSEC_ERR_PARSE;
    }
    if (host->ptr[0] == '.' || host->ptr[host->len - 1] == '-') {
        return MCSEC_ERR_PARSE;
    }
    return MCSEC_OK;
}

mcsec_err_t mcsec_split_next(mcsec_str_t *list, mcsec_str_t *item)
{
    bool in_quotes = false;
    int angle_depth = 0;
    size_t i;
    if (list->len == 0) {
        return MCSEC_ERR_ARG;
    }
    for (i = 0; i < list->len; i++) {
        char c = list->ptr[i];
        if (in_quotes) {
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                in_quotes = false;
            }
        } else if (c == '"') {
            in_quotes = true;
        } else if (c == '<') {
            angle_depth++;
        } else if (c == '>') {
            angle_depth--;
        } else if (c == ',' && angle_depth == 0) {
            break;
        }
    }
    if (in_quotes || angle_depth != 0) {
        list->len = 0;
        return MCSEC_ERR_PARSE;
    }
    item->ptr = list->ptr;
    item->len = i < list->len ? i : list->len;
    *item = trim(*item);
    if (i < list->len) {
        list->ptr += i + 1;
        list->len -= i + 1;
    } else {
        list->ptr += list->len;
        list->len = 0;
    }
    return MCSEC_OK;
}
