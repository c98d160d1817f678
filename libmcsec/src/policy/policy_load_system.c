/* The `system` section: who we are. */
#include <stdlib.h>
#include <string.h>

#include "policy_gmk_internal.h"
#include "policy_internal.h"
#include "policy_media_internal.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void load_addresses(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_system_t *sys)
{
    static const mcsec_pol_key_t keys[] = {
        {"is_proxy", false}, {"http_proxy", false}, {"gateway", false}};
    yaml_node_t *v[COUNT(keys)];
    if (!mcsec_pol_map(ctx, node, "system.addresses", keys, COUNT(keys), v))
        return;
    if (v[0])
        sys->has_is_proxy = mcsec_pol_load_addr(ctx, v[0], "system.addresses.is_proxy",
                                                MCSEC_ADDR_PORT_REQUIRED, &sys->is_proxy);
    if (v[1])
        sys->has_http_proxy = mcsec_pol_load_addr(ctx, v[1], "system.addresses.http_proxy",
                                                  MCSEC_ADDR_PORT_REQUIRED, &sys->http_proxy);
    if (v[2])
        sys->has_gateway = mcsec_pol_load_addr(ctx, v[2], "system.addresses.gateway",
                                               MCSEC_ADDR_NO_PORT, &sys->gateway);
}

/* Reads a transport scalar (udp or tcp) into *out; a problem otherwise. */
static void load_transport(mcsec_pol_ctx_t *ctx, yaml_node_t *node, const char *where,
                           mcsec_transport_t *out)
{
    const char *transport = mcsec_pol_scalar(ctx, node, where);
    if (!transport)
        return;
    if (strcmp(transport, "udp") == 0)
        *out = MCSEC_TRANSPORT_UDP;
    else if (strcmp(transport, "tcp") == 0)
        *out = MCSEC_TRANSPORT_TCP;
    else
        mcsec_pol_problem(ctx, node, MCSEC_ERR_INVALID,
                          "invalid value '%s' for '%s': expected udp or tcp", transport, where);
}

/* Most entries in system.sip.inside_peers. */
#define INSIDE_PEERS_MAX 64

/* Who may use the inside SIP socket: the listed peers, else the SIP core's
 * address on any port, else nobody (default deny). */
static void default_inside_peers(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_system_t *sys)
{
    if (sys->sip_inside_peers || !sys->has_sip_core)
        return;
    sys->sip_inside_peers = calloc(1, sizeof(*sys->sip_inside_peers));
    if (!sys->sip_inside_peers) {
        mcsec_pol_problem(ctx, node, MCSEC_ERR_NOMEM, "out of memory");
        return;
    }
    sys->sip_inside_peers[0] = sys->sip_core;
    sys->sip_inside_peers[0].port = 0;
    sys->sip_inside_peer_count = 1;
}

static void load_sip(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_system_t *sys)
{
    static const mcsec_pol_key_t keys[] = {
        {"core", false}, {"transport", false}, {"core_transport", false}, {"inside_peers", false}};
    yaml_node_t *v[COUNT(keys)];
    if (!mcsec_pol_map(ctx, node, "system.sip", keys, COUNT(keys), v))
        return;
    if (v[0])
        sys->has_sip_core = mcsec_pol_load_addr(ctx, v[0], "system.sip.core",
                                                MCSEC_ADDR_PORT_REQUIRED, &sys->sip_core);
    if (v[1])
        load_transport(ctx, v[1], "system.sip.transport", &sys->sip_transport);
    if (v[2])
        load_transport(ctx, v[2], "system.sip.core_transport", &sys->sip_core_transport);
    if (v[3])
        mcsec_pol_load_addr_list(ctx, v[3], "system.sip.inside_peers", INSIDE_PEERS_MAX,
                                 &sys->sip_inside_peers, &sys->sip_inside_peer_count);
    default_inside_peers(ctx, node, sys);
}

static void load_keys(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_system_keys_t *keys_out)
{
    static const mcsec_pol_key_t keys[] = {
        {"topology", false}, {"spk", false}, {"signing", false},      {"cert", false},
        {"key", false},      {"ca", false},  {"key_pin_file", false}, {"pkcs11_module", false}};
    yaml_node_t *v[COUNT(keys)];
    keys_out->line = mcsec_pol_line(node);
    keys_out->col = mcsec_pol_col(node);
    if (!mcsec_pol_map(ctx, node, "system.keys", keys, COUNT(keys), v))
        return;
    if (v[0])
        mcsec_pol_load_keyfile(ctx, v[0], "system.keys.topology", true, &keys_out->topology);
    if (v[1])
        mcsec_pol_load_keyfile(ctx, v[1], "system.keys.spk", true, &keys_out->spk);
    if (v[2])
        mcsec_pol_load_keydir(ctx, v[2], "system.keys.signing", &keys_out->signing);
    if (v[3])
        mcsec_pol_load_keyfile(ctx, v[3], "system.keys.cert", false, &keys_out->cert);
    if (v[4])
        mcsec_pol_load_keyref(ctx, v[4], "system.keys.key", &keys_out->key);
    if (v[5])
        mcsec_pol_load_keyfile(ctx, v[5], "system.keys.ca", false, &keys_out->ca);
    if (v[6])
        mcsec_pol_load_keyfile(ctx, v[6], "system.keys.key_pin_file", true,
                               &keys_out->key_pin_file);
    if (v[7])
        mcsec_pol_load_keyfile(ctx, v[7], "system.keys.pkcs11_module", false,
                               &keys_out->pkcs11_module);
    bool uri = mcsec_key_is_pkcs11(keys_out->key);
    if (uri && !keys_out->key_pin_file)
        mcsec_pol_problem(ctx, v[4], MCSEC_ERR_INVALID,
                          "'system.keys.key' is a PKCS#11 URI: set system.keys.key_pin_file "
                          "(0600 file with the token PIN)");
    else if (!uri && v[6])
        mcsec_pol_problem(ctx, v[6], MCSEC_ERR_INVALID,
                          "'system.keys.key_pin_file' is set but system.keys.key is not a "
                          "PKCS#11 URI");
    else if (!uri && v[7])
        mcsec_pol_problem(ctx, v[7], MCSEC_ERR_INVALID,
                          "'system.keys.pkcs11_module' is set but system.keys.key is not a "
                          "PKCS#11 URI");
}

void mcsec_pol_load_system(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_system_t *sys,
                           mcsec_pol_domain_refs_t *refs)
{
    static const mcsec_pol_key_t keys[] = {{"name", true},
                                           {"identity", true},
                                           {"domains", true},
                                           {"addresses", false},
                                           {"sip", false},
                                           {"keys", false},
                                           {"spk", false},
                                           {"ear", false},
                                           {"topology", false},
                                           {"http", false},
                                           {"gmk", false},
                                           {"revocation", false},
                                           {"expiry_warning_days", false},
                                           {"media", false},
                                           {"replay", false}};
    yaml_node_t *v[COUNT(keys)];
    sys->sip_transport = MCSEC_TRANSPORT_UDP;
    sys->sip_core_transport = MCSEC_TRANSPORT_UDP;
    mcsec_pol_system_defaults(sys);
    mcsec_pol_system_http_defaults(sys);
    mcsec_pol_system_revocation_defaults(sys);
    if (!mcsec_pol_map(ctx, node, "system", keys, COUNT(keys), v))
        return;
    if (v[0] && mcsec_pol_string(ctx, v[0], "system.name", &sys->name) &&
        !mcsec_pol_name_valid(sys->name))
        mcsec_pol_problem(ctx, v[0], MCSEC_ERR_INVALID,
                          "invalid name '%s' for 'system.name': use only a-z, 0-9 and '-'",
                          sys->name);
    if (v[1])
        mcsec_pol_load_uri(ctx, v[1], "system.identity", &sys->identity);
    if (v[2])
        mcsec_pol_load_domains(ctx, v[2], "system.domains", -1, &sys->domains, refs);
    if (v[1] && sys->identity)
        mcsec_pol_check_identity_domain(ctx, v[1], sys->identity, &sys->domains, "our own");
    if (v[3])
        load_addresses(ctx, v[3], sys);
    if (v[4])
        load_sip(ctx, v[4], sys);
    if (v[5])
        load_keys(ctx, v[5], &sys->keys);
    mcsec_pol_load_system_features(ctx, sys, v[1], v[6], v[7], v[8]);
    mcsec_pol_load_system_http(ctx, v[9], sys);
    mcsec_pol_load_system_gmk(ctx, v[10], sys);
    mcsec_pol_load_system_revocation(ctx, v[11], sys);
    long long days;
    if (v[12] && mcsec_pol_integer(ctx, v[12], "system.expiry_warning_days", 0, 3650, &days))
        sys->expiry_warning_days = (uint32_t)days;
    mcsec_pol_load_system_media(ctx, v[13], sys);
    mcsec_pol_load_system_replay(ctx, v[14], sys);
}
