/* Syntax of the names a policy holds: domains, URIs, methods, types,
 * header and element names, hosts. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "policy_internal.h"

/* Lower-case host name: dot-separated labels of [a-z0-9-], no label
 * empty, longer than 63 or starting/ending with '-'. */
static bool hostname_valid(const char *host, size_t len)
{
    if (len == 0 || len > 253)
        return false;
    size_t label_len = 0;
    for (size_t i = 0; i <= len; i++) {
        char c = i < len ? host[i] : '.';
        if (c == '.') {
            if (label_len == 0 || label_len > 63 || host[i - 1] == '-')
                return false;
            label_len = 0;
            continue;
        }
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        if (!ok || (label_len == 0 && c == '-'))
            return false;
        label_len++;
    }
    return true;
}

bool mcsec_pol_domain_valid(const char *domain)
{
    if (strncmp(domain, "*.", 2) == 0)
        domain += 2;
    return hostname_valid(domain, strlen(domain));
}

/* True when host is a strict subdomain of base ("x.b" of "b"). */
static bool is_subdomain(const char *host, const char *base)
{
    size_t host_len = strlen(host), base_len = strlen(base);
    return host_len > base_len + 1 && host[host_len - base_len - 1] == '.' &&
           strcmp(host + host_len - base_len, base) == 0;
}

bool mcsec_pol_domains_overlap(const char *a, const char *b)
{
    bool a_wild = strncmp(a, "*.", 2) == 0, b_wild = strncmp(b, "*.", 2) == 0;
    if (a_wild && b_wild)
        return strcmp(a + 2, b + 2) == 0 || is_subdomain(a + 2, b + 2) ||
               is_subdomain(b + 2, a + 2);
    if (a_wild)
        return is_subdomain(b, a + 2);
    if (b_wild)
        return is_subdomain(a, b + 2);
    return strcmp(a, b) == 0;
}

/* RFC 3261 "unreserved" / "user-unreserved" / escaped characters we accept
 * in the user part of a border identity. */
static bool user_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("-_.!~*'()&=+$,;?/%", c) != NULL;
}

bool mcsec_pol_sip_uri_valid(const char *uri, const char **host, size_t *host_len)
{
    const char *p;
    if (strncasecmp(uri, "sip:", 4) == 0)
        p = uri + 4;
    else if (strncasecmp(uri, "sips:", 5) == 0)
        p = uri + 5;
    else
        return false;
    const char *at = strchr(p, '@');
    if (at) {
        if (at == p)
            return false;
        for (const char *u = p; u < at; u++)
            if (!user_char(*u))
                return false;
        p = at + 1;
    }
    const char *h = p, *end;
    if (*p == '[') {
        end = strchr(p, ']');
        if (!end)
            return false;
        h = p + 1;
        p = end + 1;
    } else {
        while (*p && *p != ':' && *p != ';' && *p != '?')
            p++;
        end = p;
        for (const char *c = h; c < end; c++) {
            bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                      (*c >= '0' && *c <= '9') || *c == '-' || *c == '.';
            if (!ok)
                return false;
        }
    }
    if (end == h)
        return false;
    if (*p == ':') {
        const char *digits = ++p;
        while (*p >= '0' && *p <= '9')
            p++;
        if (p == digits || p - digits > 5 || atoi(digits) > 65535)
            return false;
    }
    if (*p && *p != ';' && *p != '?')
        return false;
    for (; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || *p == '"')
            return false;
    if (host)
        *host = h;
    if (host_len)
        *host_len = (size_t)(end - h);
    return true;
}

/* RFC 3261 token character. */
static bool token_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("-.!%*_+`'~", c) != NULL);
}

bool mcsec_pol_method_valid(const char *method)
{
    if (!*method)
        return false;
    for (const char *p = method; *p; p++)
        if (!token_char(*p) || (*p >= 'a' && *p <= 'z'))
            return false;
    return true;
}

bool mcsec_pol_content_type_valid(const char *content_type)
{
    const char *slash = strchr(content_type, '/');
    if (!slash || slash == content_type || slash[1] == '\0')
        return false;
    for (const char *p = content_type; *p; p++)
        if (p != slash && (!token_char(*p) || *p == '*'))
            return false;
    return true;
}

bool mcsec_pol_xml_content_type(const char *content_type)
{
    size_t len = strlen(content_type);
    return strcmp(content_type, "application/xml") == 0 || strcmp(content_type, "text/xml") == 0 ||
           (len > 4 && strcmp(content_type + len - 4, "+xml") == 0);
}

bool mcsec_pol_header_name_valid(const char *name, bool allow_prefix)
{
    size_t len = strlen(name);
    if (len == 0 || len > MCSEC_POL_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!token_char(name[i]))
            return false;
        if (name[i] == '*' && !(allow_prefix && i == len - 1 && len > 1))
            return false;
    }
    return true;
}

bool mcsec_pol_xml_name_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > MCSEC_POL_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        bool other = (c >= '0' && c <= '9') || c == '-' || c == '.';
        if (!letter && (i == 0 || !other))
            return false;
    }
    return true;
}

bool mcsec_pol_host_valid(const char *host)
{
    const char *port;
    if (host[0] == '[') {
        const char *close = strchr(host, ']');
        char v6[48];
        unsigned char bin[16];
        size_t len = close ? (size_t)(close - host - 1) : 0;
        if (!close || len == 0 || len >= sizeof(v6))
            return false;
        memcpy(v6, host + 1, len);
        v6[len] = '\0';
        if (inet_pton(AF_INET6, v6, bin) != 1)
            return false;
        port = close + 1;
    } else {
        port = strchr(host, ':');
        if (!port)
            port = host + strlen(host);
        if (!hostname_valid(host, (size_t)(port - host)))
            return false;
    }
    if (*port == '\0')
        return true;
    if (*port != ':' || port[1] == '\0' || strlen(port + 1) > 5 ||
        strspn(port + 1, "0123456789") != strlen(port + 1))
        return false;
    long value = strtol(port + 1, NULL, 10);
    return value >= 1 && value <= 65535;
}

bool mcsec_pol_name_valid(const char *name)
{
    if (!*name)
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return false;
    return true;
}

size_t mcsec_pol_edit_distance(const char *a, const char *b, size_t cap)
{
    size_t a_len = strlen(a), b_len = strlen(b);
    if (a_len > 64 || b_len > 64)
        return cap + 1;
    /* Optimal string alignment: insert, delete, substitute, swap adjacent
     * characters ("domian" is one step from "domain"). */
    size_t rows[3][65];
    size_t *before = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= b_len; j++)
        prev[j] = j;
    for (size_t i = 1; i <= a_len; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= b_len; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t value = prev[j - 1] + cost;
            if (prev[j] + 1 < value)
                value = prev[j] + 1;
            if (cur[j - 1] + 1 < value)
                value = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                before[j - 2] + 1 < value)
                value = before[j - 2] + 1;
            cur[j] = value;
        }
        size_t *recycled = before;
        before = prev;
        prev = cur;
        cur = recycled;
    }
    return prev[b_len] > cap ? cap + 1 : prev[b_len];
}
