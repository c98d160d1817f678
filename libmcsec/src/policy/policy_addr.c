/* Address literals in the policy: "ip:port", "[v6]:port", bare IPs. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy_internal.h"

/* Parses a decimal port 1..65535 (text must be all digits). */
static bool parse_port(const char *text, uint16_t *port)
{
    if (!*text || strlen(text) > 5)
        return false;
    unsigned long value = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        value = value * 10 + (unsigned long)(*p - '0');
    }
    if (value < 1 || value > 65535)
        return false;
    *port = (uint16_t)value;
    return true;
}

/* Normalises an IP literal of the given family into out->ip and out->bin. */
static bool parse_ip(const char *text, int family, mcsec_addr_t *out)
{
    unsigned char bin[16] = {0};
    if (inet_pton(family, text, bin) != 1)
        return false;
    if (!inet_ntop(family, bin, out->ip, sizeof(out->ip)))
        return false;
    out->family = family;
    memcpy(out->bin, bin, sizeof(out->bin));
    return true;
}

mcsec_err_t mcsec_addr_parse(const char *text, mcsec_addr_form_t form, mcsec_addr_t *out, char *why,
                             size_t why_size)
{
    char host[64];
    const char *port_text = NULL;
    memset(out, 0, sizeof(*out));
    if (strlen(text) >= sizeof(host)) {
        snprintf(why, why_size, "too long");
        return MCSEC_ERR_INVALID;
    }
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || form == MCSEC_ADDR_NO_PORT) {
            snprintf(why, why_size,
                     form == MCSEC_ADDR_NO_PORT ? "expected a bare IP address" : "missing ']'");
            return MCSEC_ERR_INVALID;
        }
        memcpy(host, text + 1, (size_t)(close - text - 1));
        host[close - text - 1] = '\0';
        if (close[1] == ':')
            port_text = close + 2;
        else if (close[1] != '\0') {
            snprintf(why, why_size, "unexpected text after ']'");
            return MCSEC_ERR_INVALID;
        }
        if (!parse_ip(host, AF_INET6, out)) {
            snprintf(why, why_size, "'%s' is not an IPv6 address", host);
            return MCSEC_ERR_INVALID;
        }
    } else {
        const char *colon = strchr(text, ':');
        bool v6 = colon && strchr(colon + 1, ':');
        if (v6 && form != MCSEC_ADDR_PORT_REQUIRED) {
            if (!parse_ip(text, AF_INET6, out)) {
                snprintf(why, why_size, "not an IP address");
                return MCSEC_ERR_INVALID;
            }
            return MCSEC_OK;
        }
        if (v6) {
            snprintf(why, why_size, "write IPv6 addresses as [addr]:port");
            return MCSEC_ERR_INVALID;
        }
        size_t host_len = colon ? (size_t)(colon - text) : strlen(text);
        memcpy(host, text, host_len);
        host[host_len] = '\0';
        if (colon)
            port_text = colon + 1;
        if (!parse_ip(host, AF_INET, out)) {
            snprintf(why, why_size, "'%s' is not an IP address", host);
            return MCSEC_ERR_INVALID;
        }
    }
    if (port_text) {
        if (form == MCSEC_ADDR_NO_PORT) {
            snprintf(why, why_size, "expected a bare IP address without port");
            return MCSEC_ERR_INVALID;
        }
        if (!parse_port(port_text, &out->port)) {
            snprintf(why, why_size, "port '%s' is not a number from 1 to 65535", port_text);
            return MCSEC_ERR_INVALID;
        }
    } else if (form == MCSEC_ADDR_PORT_REQUIRED) {
        snprintf(why, why_size, "missing port (expected IP:port)");
        return MCSEC_ERR_INVALID;
    }
    return MCSEC_OK;
}

void mcsec_addr_format(const mcsec_addr_t *addr, char *out, size_t out_size)
{
    bool v6 = addr->family == AF_INET6;
    if (addr->port)
        snprintf(out, out_size, v6 ? "[%s]:%u" : "%s:%u", addr->ip, (unsigned)addr->port);
    else
        snprintf(out, out_size, v6 ? "[%s]" : "%s", addr->ip);
}

bool mcsec_addr_equal(const mcsec_addr_t *a, const mcsec_addr_t *b)
{
    return a->family == b->family && a->port == b->port && strcmp(a->ip, b->ip) == 0;
}

bool mcsec_addr_list_match(const mcsec_addr_t *list, size_t count, int family, const uint8_t *bin,
                           uint16_t port)
{
    if (!bin || (family != AF_INET && family != AF_INET6))
        return false;
    size_t n = family == AF_INET ? 4 : 16;
    for (size_t i = 0; i < count; i++)
        if (list[i].family == family && memcmp(list[i].bin, bin, n) == 0 &&
            (list[i].port == 0 || list[i].port == port))
            return true;
    return false;
}
