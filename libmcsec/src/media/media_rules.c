/* The SDP rules before the relay allocates, and the anchoring check of
 * what it wrote: see mcsec/media/media.h. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "mcsec/media/media.h"
#include "mcsec/media/sdp.h"

static mcsec_reason_t refuse(mcsec_reason_t reason, char *detail, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Writes the detail; returns reason. */
static mcsec_reason_t refuse(mcsec_reason_t reason, char *detail, size_t size, const char *fmt, ...)
{
    if (detail != NULL && size > 0) {
        va_list ap;
        va_start(ap, fmt);
        (void)vsnprintf(detail, size, fmt, ap);
        va_end(ap);
    }
    return reason;
}

static const char *where_name(mcsec_sdp_at_t at)
{
    switch (at) {
    case MCSEC_SDP_AT_ORIGIN:
        return "o=";
    case MCSEC_SDP_AT_CONNECTION:
        return "c=";
    case MCSEC_SDP_AT_RTCP:
        return "a=rtcp";
    case MCSEC_SDP_AT_CANDIDATE:
        return "candidate";
    default:
        return "candidate raddr";
    }
}

/* Reads sdp into a heap mcsec_sdp_t; NULL with *reason set on failure. */
static mcsec_sdp_t *read_sdp(const uint8_t *sdp, size_t len, mcsec_reason_t *reason, char *detail,
                             size_t size)
{
    mcsec_sdp_t *parsed = malloc(sizeof(*parsed));
    if (parsed == NULL) {
        *reason = refuse(MCSEC_REASON_POLICY_UNAVAILABLE, detail, size, "out of memory");
        return NULL;
    }
    char why[128];
    if (mcsec_sdp_read(sdp, len, parsed, why, sizeof(why)) != MCSEC_OK) {
        free(parsed);
        *reason = refuse(MCSEC_REASON_MEDIA_MALFORMED, detail, size, "sdp %s", why);
        return NULL;
    }
    return parsed;
}

/* True for 0.0.0.0 and :: (hold, RFC 3264 8.4). */
static bool unspecified(const mcsec_sdp_addr_t *a)
{
    static const uint8_t zero[16] = {0};
    return (a->family == AF_INET && memcmp(a->bin, zero, 4) == 0) ||
           (a->family == AF_INET6 && memcmp(a->bin, zero, 16) == 0);
}

static bool same_ip(const mcsec_sdp_addr_t *a, const mcsec_addr_t *b)
{
    return a->family == b->family && memcmp(a->bin, b->bin, a->family == AF_INET ? 4 : 16) == 0;
}

/* True when a disabled stream (port 0) holds the address. */
static bool in_disabled_stream(const mcsec_sdp_t *sdp, const mcsec_sdp_addr_t *a)
{
    return a->media >= 0 && (size_t)a->media < sdp->media_count && sdp->media[a->media].port == 0;
}

/* True when the m-line's formats (SP separated) are all fmt (no case). */
static bool formats_all(const mcsec_sdp_media_t *m, const char *fmt, size_t fmt_len)
{
    const char *p = m->fmts;
    const char *end = m->fmts + m->fmts_len;
    while (p < end) {
        const char *sp = memchr(p, ' ', (size_t)(end - p));
        size_t n = sp != NULL ? (size_t)(sp - p) : (size_t)(end - p);
        if (n != fmt_len || strncasecmp(p, fmt, n) != 0) {
            return false;
        }
        p += n + 1;
    }
    return true;
}

/* An allow entry "<media> <proto>" or "<media> <proto> <fmt>" (the
 * formats must then all be fmt: "application udp mcptt", TS 24.380)
 * against an m-line, without regard to case. */
static bool allow_matches(const char *entry, const mcsec_sdp_media_t *m)
{
    const char *sp1 = strchr(entry, ' ');
    if (sp1 == NULL || (size_t)(sp1 - entry) != m->media_len ||
        strncasecmp(entry, m->media, m->media_len) != 0) {
        return false;
    }
    const char *proto = sp1 + 1;
    const char *sp2 = strchr(proto, ' ');
    size_t proto_len = sp2 != NULL ? (size_t)(sp2 - proto) : strlen(proto);
    if (proto_len != m->proto_len || strncasecmp(proto, m->proto, proto_len) != 0) {
        return false;
    }
    return sp2 == NULL || formats_all(m, sp2 + 1, strlen(sp2 + 1));
}

/* The line rules of media.h on every m-line. */
static mcsec_reason_t check_lines(const mcsec_media_rules_t *rules, const mcsec_sdp_t *sdp,
                                  char *detail, size_t size)
{
    if (sdp->too_many) {
        return refuse(MCSEC_REASON_MEDIA_TOO_MANY_STREAMS, detail, size,
                      "sdp has %zu m-lines (at most %d are read)", sdp->media_total,
                      MCSEC_SDP_MAX_MEDIA);
    }
    uint32_t active = 0;
    for (size_t i = 0; i < sdp->media_count; i++) {
        const mcsec_sdp_media_t *m = &sdp->media[i];
        if (m->port == 0) {
            continue; /* disabled or rejected (RFC 3264) */
        }
        active++;
        if (mcsec_media_proto_insecure(m->proto, m->proto_len) && !rules->allow_insecure) {
            return refuse(MCSEC_REASON_MEDIA_INSECURE_PROFILE, detail, size,
                          "sdp line %u: %.*s over %.*s (plain RTP)", m->line, (int)m->media_len,
                          m->media, (int)m->proto_len, m->proto);
        }
        bool listed = false;
        for (size_t j = 0; j < rules->allow.count && !listed; j++) {
            listed = allow_matches(rules->allow.items[j], m);
        }
        if (!listed) {
            return refuse(MCSEC_REASON_MEDIA_LINE_NOT_ALLOWED, detail, size,
                          "sdp line %u: '%.*s %.*s' is not in media.allow", m->line,
                          (int)m->media_len, m->media, (int)m->proto_len, m->proto);
        }
    }
    if (active > rules->max_streams) {
        return refuse(MCSEC_REASON_MEDIA_TOO_MANY_STREAMS, detail, size,
                      "sdp has %u active streams, media.max_streams is %u", (unsigned)active,
                      (unsigned)rules->max_streams);
    }
    return MCSEC_REASON_NONE;
}

/* True when every port of m-line m is in [min, max]: port..port+count-1,
 * and for RTP the RTCP port after each (RFC 8866 5.14, RFC 3550 11). */
static bool media_ports_in(const mcsec_sdp_media_t *m, uint16_t min, uint16_t max)
{
    bool rtp = m->proto_len >= 4 && strncasecmp(m->proto, "RTP/", 4) == 0;
    unsigned last = (unsigned)m->port + (rtp ? 2u : 1u) * m->port_count - 1;
    return m->port >= min && last <= max;
}

/* Addresses and ports of an SDP from the partner. */
static mcsec_reason_t check_partner_addresses(const mcsec_media_rules_t *rules,
                                              const mcsec_sdp_t *sdp, char *detail, size_t size)
{
    for (size_t i = 0; i < sdp->media_count; i++) {
        const mcsec_sdp_media_t *m = &sdp->media[i];
        if (m->port != 0 && !media_ports_in(m, rules->port_min, rules->port_max)) {
            return refuse(MCSEC_REASON_MEDIA_THIRD_PARTY_ADDRESS, detail, size,
                          "sdp line %u: m= port %u outside the partner's %u-%u", m->line,
                          (unsigned)m->port, (unsigned)rules->port_min, (unsigned)rules->port_max);
        }
    }
    for (size_t i = 0; i < sdp->addr_count; i++) {
        const mcsec_sdp_addr_t *a = &sdp->addrs[i];
        if (in_disabled_stream(sdp, a)) {
            continue;
        }
        bool ok = a->text[0] == '\0' || unspecified(a);
        for (size_t j = 0; j < rules->relay_address_count && !ok; j++) {
            ok = same_ip(a, &rules->relay_addresses[j]);
        }
        if (!ok) {
            return refuse(MCSEC_REASON_MEDIA_THIRD_PARTY_ADDRESS, detail, size,
                          "sdp line %u: %s address %s is not a relay address of the partner",
                          a->line, where_name(a->at), a->text);
        }
        bool port_checked = a->has_port && a->at != MCSEC_SDP_AT_CANDIDATE_RADDR;
        if (port_checked && (a->port < rules->port_min || a->port > rules->port_max)) {
            return refuse(MCSEC_REASON_MEDIA_THIRD_PARTY_ADDRESS, detail, size,
                          "sdp line %u: %s port %u outside the partner's %u-%u", a->line,
                          where_name(a->at), (unsigned)a->port, (unsigned)rules->port_min,
                          (unsigned)rules->port_max);
        }
    }
    return MCSEC_REASON_NONE;
}

mcsec_reason_t mcsec_media_check_rules(const mcsec_partner_t *partner, const uint8_t *sdp,
                                       size_t len, bool from_partner, char *detail,
                                       size_t detail_size)
{
    if (partner == NULL || !partner->media.set) {
        return MCSEC_REASON_NONE;
    }
    mcsec_reason_t reason = MCSEC_REASON_NONE;
    mcsec_sdp_t *parsed = read_sdp(sdp, len, &reason, detail, detail_size);
    if (parsed == NULL) {
        return reason;
    }
    reason = check_lines(&partner->media, parsed, detail, detail_size);
    if (reason == MCSEC_REASON_NONE && from_partner) {
        reason = check_partner_addresses(&partner->media, parsed, detail, detail_size);
    }
    free(parsed);
    return reason;
}

/* True when c may continue an address literal or host name next to one
 * (':' only next to an IPv6 address). */
static bool addr_char(unsigned char c, bool v6)
{
    return isalnum(c) || c == '.' || c == '-' || c == '_' || (v6 && c == ':');
}

/* Finds name (len octets, no case) in text as a whole address or host
 * name: neither neighbour is an address character. */
static bool text_names(const uint8_t *text, size_t text_len, const char *name, size_t len)
{
    if (len == 0 || len > text_len) {
        return false;
    }
    bool v6 = memchr(name, ':', len) != NULL;
    for (size_t i = 0; i + len <= text_len; i++) {
        if (strncasecmp((const char *)text + i, name, len) != 0) {
            continue;
        }
        bool left = i == 0 || !addr_char(text[i - 1], v6);
        bool right = i + len == text_len || !addr_char(text[i + len], v6);
        if (left && right) {
            return true;
        }
    }
    return false;
}

/* The host part of "host[:port]", "[v6]:port" or a bare IPv6 address. */
static void host_part(const char *entry, const char **host, size_t *len)
{
    if (entry[0] == '[') {
        const char *close = strchr(entry, ']');
        *host = entry + 1;
        *len = close != NULL ? (size_t)(close - entry - 1) : strlen(entry + 1);
        return;
    }
    const char *colon = strchr(entry, ':');
    *host = entry;
    *len =
        colon != NULL && strchr(colon + 1, ':') == NULL ? (size_t)(colon - entry) : strlen(entry);
}

/* An internal address or name anywhere in the text; NULL when none. */
static const char *internal_named(const mcsec_policy_t *policy, const mcsec_partner_t *partner,
                                  const uint8_t *sdp, size_t len, bool egress)
{
    const mcsec_system_t *sys = &policy->system;
    if (sys->has_sip_core && text_names(sdp, len, sys->sip_core.ip, strlen(sys->sip_core.ip))) {
        return sys->sip_core.ip;
    }
    for (size_t i = 0; i < sys->sip_inside_peer_count; i++) {
        const char *ip = sys->sip_inside_peers[i].ip;
        if (text_names(sdp, len, ip, strlen(ip))) {
            return ip;
        }
    }
    const mcsec_addr_t *other = egress ? &sys->media.inside_address : &sys->media.outside_address;
    if (text_names(sdp, len, other->ip, strlen(other->ip))) {
        return other->ip;
    }
    for (size_t i = 0; i < sys->http.internal_hosts.count; i++) {
        const char *host;
        size_t host_len;
        host_part(sys->http.internal_hosts.items[i], &host, &host_len);
        if (text_names(sdp, len, host, host_len)) {
            return sys->http.internal_hosts.items[i];
        }
    }
    for (size_t i = 0; !egress && i < partner->media.relay_address_count; i++) {
        const char *ip = partner->media.relay_addresses[i].ip;
        if (text_names(sdp, len, ip, strlen(ip))) {
            return ip;
        }
    }
    return NULL;
}

/* Every address and port of the relay's SDP on its side. */
static mcsec_reason_t check_relay_side(const mcsec_media_system_t *media, const mcsec_sdp_t *sdp,
                                       bool egress, char *detail, size_t size)
{
    const mcsec_addr_t *ours = egress ? &media->outside_address : &media->inside_address;
    for (size_t i = 0; i < sdp->media_count; i++) {
        const mcsec_sdp_media_t *m = &sdp->media[i];
        if (m->port != 0 && !media_ports_in(m, media->port_min, media->port_max)) {
            return refuse(MCSEC_REASON_MEDIA_NOT_ANCHORED, detail, size,
                          "sdp line %u: m= port %u outside our relay's %u-%u", m->line,
                          (unsigned)m->port, (unsigned)media->port_min, (unsigned)media->port_max);
        }
    }
    for (size_t i = 0; i < sdp->addr_count; i++) {
        const mcsec_sdp_addr_t *a = &sdp->addrs[i];
        bool raddr = a->at == MCSEC_SDP_AT_CANDIDATE_RADDR;
        bool ok = unspecified(a) || (a->text[0] == '\0' && !raddr) || (!raddr && same_ip(a, ours));
        if (!ok) {
            return refuse(MCSEC_REASON_MEDIA_NOT_ANCHORED, detail, size,
                          "sdp line %u: %s address %s is not our relay's %s address", a->line,
                          where_name(a->at), a->text[0] ? a->text : "(none)",
                          egress ? "outside" : "inside");
        }
        if (a->has_port && !raddr && (a->port < media->port_min || a->port > media->port_max)) {
            return refuse(MCSEC_REASON_MEDIA_NOT_ANCHORED, detail, size,
                          "sdp line %u: %s port %u outside our relay's %u-%u", a->line,
                          where_name(a->at), (unsigned)a->port, (unsigned)media->port_min,
                          (unsigned)media->port_max);
        }
    }
    return MCSEC_REASON_NONE;
}

mcsec_reason_t mcsec_media_check_anchored(const mcsec_policy_t *policy,
                                          const mcsec_partner_t *partner, const uint8_t *sdp,
                                          size_t len, bool egress, char *detail, size_t detail_size)
{
    if (policy == NULL || partner == NULL || !policy->system.media.enabled) {
        return refuse(MCSEC_REASON_POLICY_UNAVAILABLE, detail, detail_size,
                      "media anchoring is not configured (system.media)");
    }
    mcsec_reason_t reason = MCSEC_REASON_NONE;
    mcsec_sdp_t *parsed = read_sdp(sdp, len, &reason, detail, detail_size);
    if (parsed == NULL) {
        return reason;
    }
    reason = check_relay_side(&policy->system.media, parsed, egress, detail, detail_size);
    free(parsed);
    if (reason != MCSEC_REASON_NONE) {
        return reason;
    }
    const char *leak = internal_named(policy, partner, sdp, len, egress);
    if (leak != NULL) {
        return refuse(MCSEC_REASON_MEDIA_NOT_ANCHORED, detail, detail_size,
                      "sdp names the internal address %s", leak);
    }
    return MCSEC_REASON_NONE;
}
