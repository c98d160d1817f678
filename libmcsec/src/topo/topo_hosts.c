/* Egress rewriting of the headers a partner's topology.rewrite_headers
 * lists: IP literals and host names of our domains become the border host.
 * See mcsec_topo_rewrite_hosts() in mcsec/topo/topo.h. */
#include <arpa/inet.h>
#include <string.h>

#include "topo_internal.h"

#define MAX_LITERAL 63 /* longer runs are no IP literal */

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
}

static bool is_hex(char c)
{
    return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9');
}

/* Whether p[0..len) parses as an address of family af. */
static bool is_literal(int af, const char *p, size_t len)
{
    char buf[MAX_LITERAL + 1];
    unsigned char addr[16];
    if (len == 0 || len > MAX_LITERAL)
        return false;
    memcpy(buf, p, len);
    buf[len] = '\0';
    return inet_pton(af, buf, addr) == 1;
}

/* The border host without its ":port" (brackets of an IPv6 reference kept). */
static mcsec_str_t bare_host(mcsec_str_t host)
{
    if (host.len > 0 && host.ptr[0] == '[') {
        const char *close = memchr(host.ptr, ']', host.len);
        return close ? (mcsec_str_t){host.ptr, (size_t)(close - host.ptr) + 1} : host;
    }
    const char *colon = memchr(host.ptr, ':', host.len);
    return colon ? (mcsec_str_t){host.ptr, (size_t)(colon - host.ptr)} : host;
}

/* Length of a bare IPv6 literal (at least two ':') at v[i], or 0. */
static size_t bare_ipv6(mcsec_str_t v, size_t i)
{
    size_t end = i, colons = 0;
    while (end < v.len && end - i <= MAX_LITERAL &&
           (is_hex(v.ptr[end]) || v.ptr[end] == ':' || v.ptr[end] == '.')) {
        colons += v.ptr[end] == ':';
        end++;
    }
    /* Shrink from the right: "fd00::5:" or "fd00::5." end a sentence. */
    while (end > i && colons >= 2) {
        if (is_literal(AF_INET6, v.ptr + i, end - i))
            return end - i;
        colons -= v.ptr[end - 1] == ':';
        end--;
    }
    return 0;
}

mcsec_err_t mcsec_topo_rewrite_hosts(const mcsec_topo_t *topo, mcsec_str_t value,
                                     const mcsec_strlist_t *domains, char *out, size_t out_size,
                                     size_t *out_len, bool *changed)
{
    if (!topo || !out_len || !changed || (!value.ptr && value.len))
        return MCSEC_ERR_ARG;
    const mcsec_str_t host = bare_host(topo->config.border_host);
    size_t o = 0, i = 0;
    *changed = false;
    while (i < value.len) {
        char c = value.ptr[i];
        bool start = i == 0 || !is_name_char(value.ptr[i - 1]);
        size_t skip = 0;
        if (c == '[') {
            const char *close = memchr(value.ptr + i, ']', value.len - i);
            if (close &&
                is_literal(AF_INET6, value.ptr + i + 1, (size_t)(close - value.ptr) - i - 1))
                skip = (size_t)(close - value.ptr) - i + 1;
        } else if (start && (is_hex(c) || c == ':')) {
            skip = bare_ipv6(value, i);
        }
        if (skip == 0 && start && is_name_char(c)) {
            size_t end = i;
            while (end < value.len && is_name_char(value.ptr[end]))
                end++;
            size_t name_end = end;
            while (name_end > i && value.ptr[name_end - 1] == '.')
                name_end--; /* a sentence's full stop */
            mcsec_str_t name = {value.ptr + i, name_end - i};
            bool internal = is_literal(AF_INET, name.ptr, name.len) ||
                            (memchr(name.ptr, '.', name.len) && domains &&
                             mcsec_domain_list_match(domains, name) &&
                             !topo_ieq(name.ptr, name.len, host.ptr, host.len));
            if (!internal) {
                topo_put(out, out_size, &o, value.ptr + i, end - i);
                i = end;
                continue;
            }
            skip = name.len;
        }
        if (skip > 0) {
            topo_put(out, out_size, &o, host.ptr, host.len);
            *changed = true;
            i += skip;
        } else {
            topo_put(out, out_size, &o, &c, 1);
            i++;
        }
    }
    *out_len = o;
    if (!out || out_size < o)
        return MCSEC_ERR_ARG;
    return MCSEC_OK;
}
