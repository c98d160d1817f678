/* The `media` sections: our media relay (system.media) and each partner's
 * (partners[].media). See policy_media_internal.h and docs/media.md. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy_media_internal.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The allow list when a partner's media section has none: SRTP audio and
 * video (RFC 3711, RFC 5124) and the MCPTT floor control line (TS 24.380). */
static const char *const default_allow[] = {"audio rtp/savp", "audio rtp/savpf", "video rtp/savp",
                                            "video rtp/savpf", "application udp mcptt"};

bool mcsec_media_proto_insecure(const char *proto, size_t len)
{
    return (len == 7 && strncasecmp(proto, "rtp/avp", 7) == 0) ||
           (len == 8 && strncasecmp(proto, "rtp/avpf", 8) == 0);
}

/* Reads port_min and port_max of what (values v_min, v_max, both present). */
static void load_range(mcsec_pol_ctx_t *ctx, yaml_node_t *v_min, yaml_node_t *v_max,
                       const char *what_min, const char *what_max, uint16_t *min, uint16_t *max)
{
    long long lo = 0, hi = 0;
    bool ok_lo = mcsec_pol_integer(ctx, v_min, what_min, 1, 65535, &lo);
    bool ok_hi = mcsec_pol_integer(ctx, v_max, what_max, 1, 65535, &hi);
    if (!ok_lo || !ok_hi)
        return;
    if (lo > hi) {
        mcsec_pol_problem(ctx, v_max, MCSEC_ERR_INVALID, "'%s' (%lld) is below '%s' (%lld)",
                          what_max, hi, what_min, lo);
        return;
    }
    *min = (uint16_t)lo;
    *max = (uint16_t)hi;
}

void mcsec_pol_load_system_media(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_system_t *sys)
{
    static const mcsec_pol_key_t keys[] = {{"outside_address", true},
                                           {"inside_address", true},
                                           {"port_min", true},
                                           {"port_max", true}};
    yaml_node_t *v[COUNT(keys)];
    mcsec_media_system_t *media = &sys->media;
    if (!node || !mcsec_pol_map(ctx, node, "system.media", keys, COUNT(keys), v))
        return;
    media->enabled = true;
    bool out_ok = v[0] && mcsec_pol_load_addr(ctx, v[0], "system.media.outside_address",
                                              MCSEC_ADDR_NO_PORT, &media->outside_address);
    bool in_ok = v[1] && mcsec_pol_load_addr(ctx, v[1], "system.media.inside_address",
                                             MCSEC_ADDR_NO_PORT, &media->inside_address);
    if (out_ok && in_ok && mcsec_addr_equal(&media->outside_address, &media->inside_address))
        mcsec_pol_problem(ctx, v[1], MCSEC_ERR_INVALID,
                          "'system.media.inside_address' must differ from outside_address: "
                          "the relay tells the two sides apart by address");
    if (v[2] && v[3])
        load_range(ctx, v[2], v[3], "system.media.port_min", "system.media.port_max",
                   &media->port_min, &media->port_max);
    /* The anchoring check refuses an SDP naming our core's addresses: a
     * relay on one of them could never pass it (docs/media.md). */
    for (size_t i = 0; i < sys->sip_inside_peer_count + (sys->has_sip_core ? 1 : 0); i++) {
        const mcsec_addr_t *core =
            i < sys->sip_inside_peer_count ? &sys->sip_inside_peers[i] : &sys->sip_core;
        for (int side = 0; side < 2; side++) {
            const mcsec_addr_t *relay = side ? &media->inside_address : &media->outside_address;
            if ((side ? in_ok : out_ok) && strcmp(relay->ip, core->ip) == 0) {
                mcsec_pol_problem(ctx, v[side], MCSEC_ERR_INVALID,
                                  "'system.media.%s' %s is an address of our SIP core "
                                  "(system.sip): the relay needs its own",
                                  side ? "inside_address" : "outside_address", relay->ip);
                return;
            }
        }
    }
}

/* True when c is an RFC 8866 token character (token-char). */
static bool token_char(unsigned char c)
{
    return c == '!' || (c >= '#' && c <= '\'') || c == '*' || c == '+' || c == '-' || c == '.' ||
           (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= '^' && c <= '~');
}

/* True when [p, end) is a token (with_slash: tokens joined by '/'). */
static bool token_span(const char *p, const char *end, bool with_slash)
{
    if (p >= end) {
        return false;
    }
    for (const char *q = p; q < end; q++) {
        bool slash = with_slash && *q == '/' && q > p && q + 1 < end && q[-1] != '/';
        if (!slash && (!token_char((unsigned char)*q) || *q == '/')) {
            return false;
        }
    }
    return true;
}

/* An allow entry: "<media> <proto>" or "<media> <proto> <fmt>" (RFC 8866
 * 5.14: media and fmt tokens, proto tokens joined by '/'), one space
 * between. */
static bool allow_entry_ok(mcsec_pol_ctx_t *ctx, yaml_node_t *item, const char *text,
                           const char *value, const char *what)
{
    (void)value;
    const char *end = text + strlen(text);
    const char *sp1 = strchr(text, ' ');
    const char *sp2 = sp1 != NULL ? strchr(sp1 + 1, ' ') : NULL;
    bool ok = sp1 != NULL && token_span(text, sp1, false) &&
              token_span(sp1 + 1, sp2 != NULL ? sp2 : end, true) &&
              (sp2 == NULL || token_span(sp2 + 1, end, false));
    if (!ok)
        mcsec_pol_problem(ctx, item, MCSEC_ERR_INVALID,
                          "invalid entry '%s' in '%s': expected '<media> <proto>' or '<media> "
                          "<proto> <fmt>', e.g. 'audio RTP/SAVP'",
                          text, what);
    return ok;
}

/* Fills allow with the default list; false when out of memory. */
static bool default_allow_list(mcsec_strlist_t *allow)
{
    for (size_t i = 0; i < COUNT(default_allow); i++)
        if (mcsec_strlist_push(allow, default_allow[i]) != MCSEC_OK)
            return false;
    return true;
}

/* Refuses a plain RTP entry in allow unless allow_insecure is on. */
static void check_insecure(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_media_rules_t *media)
{
    if (media->allow_insecure)
        return;
    for (size_t i = 0; i < media->allow.count; i++) {
        const char *proto = strchr(media->allow.items[i], ' ');
        const char *fmt = proto ? strchr(proto + 1, ' ') : NULL;
        size_t len = proto ? (fmt ? (size_t)(fmt - proto - 1) : strlen(proto + 1)) : 0;
        if (proto && mcsec_media_proto_insecure(proto + 1, len)) {
            mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID,
                              "'partner.media.allow' lists plain RTP '%s': set "
                              "partner.media.allow_insecure: true to allow it",
                              media->allow.items[i]);
            return;
        }
    }
}

void mcsec_pol_load_partner_media(mcsec_pol_ctx_t *ctx, yaml_node_t *node,
                                  yaml_node_t *partner_node, mcsec_partner_t *partner,
                                  const mcsec_system_t *sys)
{
    static const mcsec_pol_key_t keys[] = {{"relay_addresses", true}, {"port_min", true},
                                           {"port_max", true},        {"allow", false},
                                           {"allow_insecure", false}, {"max_streams", false}};
    mcsec_media_rules_t *media = &partner->media;
    media->max_streams = MCSEC_MEDIA_MAX_STREAMS_DEFAULT;
    if (!node) {
        if (sys->media.enabled)
            mcsec_pol_problem(ctx, partner_node, MCSEC_ERR_INVALID,
                              "'partner.media' is required when system.media is set (the "
                              "partner's media relay addresses and port range)");
        return;
    }
    if (!sys->media.enabled) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID,
                          "'partner.media' needs system.media (our media relay)");
        return;
    }
    yaml_node_t *v[COUNT(keys)];
    if (!mcsec_pol_map(ctx, node, "partner.media", keys, COUNT(keys), v))
        return;
    media->set = true;
    if (v[0]) {
        mcsec_pol_load_addr_list(ctx, v[0], "partner.media.relay_addresses",
                                 MCSEC_MEDIA_RELAY_ADDRESSES_MAX, &media->relay_addresses,
                                 &media->relay_address_count);
        for (size_t i = 0; i < media->relay_address_count; i++)
            if (media->relay_addresses[i].port != 0)
                mcsec_pol_problem(ctx, v[0], MCSEC_ERR_INVALID,
                                  "'partner.media.relay_addresses' takes addresses without a "
                                  "port (the range is port_min..port_max)");
        if (media->relay_address_count == 0)
            mcsec_pol_problem(ctx, v[0], MCSEC_ERR_INVALID,
                              "'partner.media.relay_addresses' must list at least one address");
    }
    if (v[1] && v[2])
        load_range(ctx, v[1], v[2], "partner.media.port_min", "partner.media.port_max",
                   &media->port_min, &media->port_max);
    if (v[4])
        mcsec_pol_boolean(ctx, v[4], "partner.media.allow_insecure", &media->allow_insecure);
    if (v[3]) {
        static const mcsec_pol_strlist_spec_t spec = {.what = "partner.media.allow",
                                                      .check = allow_entry_ok,
                                                      .lowercase = true,
                                                      .at_least_one = "media line",
                                                      .noun = "media line"};
        mcsec_pol_load_strlist(ctx, v[3], &spec, &media->allow);
        check_insecure(ctx, v[3], media);
    } else if (!default_allow_list(&media->allow)) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_NOMEM, "out of memory");
    }
    long long max;
    if (v[5] && mcsec_pol_integer(ctx, v[5], "partner.media.max_streams", 1,
                                  MCSEC_MEDIA_MAX_STREAMS_LIMIT, &max))
        media->max_streams = (uint32_t)max;
}

void mcsec_pol_free_partner_media(mcsec_media_rules_t *media)
{
    free(media->relay_addresses);
    media->relay_addresses = NULL;
    media->relay_address_count = 0;
    mcsec_strlist_clear(&media->allow);
}
