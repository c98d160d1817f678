/* swanctl.conf for our border: one IKEv2 connection per partner, pinned to
 * the partner's CA and identity, NDS/IP proposals only. docs/ipsec.md says
 * why each setting is what it is. */
#include <stdlib.h>
#include <string.h>

#include "ipsec_render_internal.h"

/* Comma-separated IP/prefix list of one side's service addresses. */
static void write_ts(ipsec_text_t *t, const ipsec_addrs_t *addrs)
{
    for (size_t i = 0; i < addrs->count; i++)
        ipsec_text_printf(t, "%s%s/%u", i ? "," : "", addrs->items[i]->ip,
                          ipsec_host_prefix(addrs->items[i]));
}

/* Reauthentication interval of every IKE_SA (docs/ipsec.md, "Revocation"). */
#define MCSEC_IPSEC_REAUTH_TIME "1h"

/* The CHILD_SA settings after the traffic selectors, the same for every
 * child of a partner. */
static void write_child_tail(ipsec_text_t *t, bool libipsec)
{
    ipsec_text_printf(t, "                esp_proposals = %s\n", MCSEC_IPSEC_ESP_PROPOSALS);
    ipsec_text_printf(t, "                rekey_time = 1h\n");
    ipsec_text_printf(t, "                life_time = 66m\n");
    ipsec_text_printf(t, "                replay_window = 128\n");
    if (libipsec) {
        /* kernel-libipsec installs no trap policy that would hold packets
         * until the SA exists, so the tunnel is kept up instead. */
        ipsec_text_printf(t, "                start_action = start\n");
        ipsec_text_printf(t, "                dpd_action = restart\n");
        ipsec_text_printf(t, "                close_action = start\n");
    } else {
        ipsec_text_printf(t, "                start_action = trap\n");
        ipsec_text_printf(t, "                dpd_action = trap\n");
        ipsec_text_printf(t, "                close_action = trap\n");
    }
    ipsec_text_printf(t, "            }\n");
}

/* The media CHILD_SA (docs/media.md): our relay's outside address and the
 * partner's relay addresses, UDP. The port ranges are not in the
 * selectors: strongSwan negotiates them but no kernel back end installs a
 * port range (swanctl.conf(5), local_ts), so the nftables rules (--nft)
 * hold each side to its range. */
static void write_media_child(ipsec_text_t *t, const mcsec_policy_t *policy,
                              const mcsec_partner_t *p, const mcsec_addr_t *local,
                              const ipsec_addrs_t *remote, bool libipsec)
{
    const mcsec_media_system_t *ours = &policy->system.media;
    ipsec_text_printf(t, "            %s-media {\n", p->name);
    ipsec_text_printf(t, "                # media relays: ours udp %u-%u, theirs udp %u-%u\n",
                      (unsigned)ours->port_min, (unsigned)ours->port_max,
                      (unsigned)p->media.port_min, (unsigned)p->media.port_max);
    ipsec_text_printf(t, "                mode = tunnel\n");
    ipsec_text_printf(t, "                local_ts = %s/%u[udp]\n", local->ip,
                      ipsec_host_prefix(local));
    ipsec_text_printf(t, "                remote_ts = ");
    for (size_t i = 0; i < remote->count; i++)
        ipsec_text_printf(t, "%s%s/%u[udp]", i ? "," : "", remote->items[i]->ip,
                          ipsec_host_prefix(remote->items[i]));
    ipsec_text_printf(t, "\n");
    write_child_tail(t, libipsec);
}

static void write_connection(ipsec_text_t *t, const mcsec_policy_t *policy,
                             const mcsec_partner_t *p, const ipsec_addrs_t *local,
                             const ipsec_addrs_t *remote, const mcsec_addr_t *media_local,
                             const ipsec_addrs_t *media_remote, mcsec_ipsec_backend_t backend)
{
    char local_id[256], remote_id[256];
    /* ipsec_plan checked both identities already. */
    mcsec_ipsec_identity(policy->system.identity, local_id, sizeof(local_id));
    mcsec_ipsec_identity(p->identity, remote_id, sizeof(remote_id));
    bool libipsec = backend == MCSEC_IPSEC_LIBIPSEC;

    ipsec_text_printf(t, "    %s {\n", p->name);
    ipsec_text_printf(t, "        version = 2\n");
    ipsec_text_printf(t, "        local_addrs = %s\n", policy->system.gateway.ip);
    ipsec_text_printf(t, "        remote_addrs = %s\n", p->gateway.ip);
    ipsec_text_printf(t, "        proposals = %s\n", MCSEC_IPSEC_IKE_PROPOSALS);
    if (libipsec)
        ipsec_text_printf(t, "        encap = yes\n");
    ipsec_text_printf(t, "        mobike = no\n");
    ipsec_text_printf(t, "        fragmentation = yes\n");
    ipsec_text_printf(t, "        send_cert = always\n");
    ipsec_text_printf(t, "        dpd_delay = 10s\n");
    ipsec_text_printf(t, "        rekey_time = 4h\n");
    /* Reauthentication (make-before-break, ipsec/border-up.sh) checks the
     * peer's certificate against the CRLs loaded by then: the bound for a
     * revocation that reached charon without ipsec/load-crls.sh, which
     * reauthenticates at once (docs/ipsec.md, "Revocation"). */
    ipsec_text_printf(t, "        reauth_time = %s\n", MCSEC_IPSEC_REAUTH_TIME);
    ipsec_text_printf(t, "        keyingtries = 0\n");
    ipsec_text_printf(t, "        local {\n");
    ipsec_text_printf(t, "            auth = pubkey\n");
    ipsec_text_printf(t, "            certs = \"%s\"\n", policy->system.keys.cert);
    ipsec_text_printf(t, "            id = %s\n", local_id);
    ipsec_text_printf(t, "        }\n");
    ipsec_text_printf(t, "        remote {\n");
    ipsec_text_printf(t, "            auth = pubkey\n");
    ipsec_text_printf(t, "            cacerts = \"%s\"\n", p->keys.ca);
    ipsec_text_printf(t, "            id = %s\n", remote_id);
    /* With CRLs and system.revocation.stale refuse: strict (no valid CRL,
     * no SA); otherwise relaxed: a certificate a loaded CRL lists, stale
     * or not, is refused either way. */
    bool strict =
        p->keys.crls.count > 0 && policy->system.revocation.stale == MCSEC_CRL_STALE_REFUSE;
    ipsec_text_printf(t, "            revocation = %s\n", strict ? "strict" : "relaxed");
    ipsec_text_printf(t, "        }\n");
    ipsec_text_printf(t, "        children {\n");
    ipsec_text_printf(t, "            %s {\n", p->name);
    ipsec_text_printf(t, "                mode = tunnel\n");
    ipsec_text_printf(t, "                local_ts = ");
    write_ts(t, local);
    ipsec_text_printf(t, "\n                remote_ts = ");
    write_ts(t, remote);
    ipsec_text_printf(t, "\n");
    write_child_tail(t, libipsec);
    if (media_local != NULL && media_remote->count > 0)
        write_media_child(t, policy, p, media_local, media_remote, libipsec);
    ipsec_text_printf(t, "        }\n");
    ipsec_text_printf(t, "    }\n");
}

mcsec_err_t mcsec_ipsec_render_swanctl(const mcsec_policy_t *policy,
                                       const mcsec_ipsec_options_t *opts, char **out,
                                       mcsec_diag_list_t *diags)
{
    mcsec_err_t rc;
    ipsec_plan_t *plan = ipsec_render_start(policy, opts, true, out, diags, &rc);
    if (!plan)
        return rc;
    bool libipsec = opts->backend == MCSEC_IPSEC_LIBIPSEC;
    ipsec_text_t t = {NULL, 0, 0, false};
    ipsec_text_printf(&t,
                      "# swanctl.conf of border %s, rendered by `mcsecctl ipsec render` from\n"
                      "# %s (back end: %s). Do not edit; change the policy and render again.\n"
                      "# IKEv2, certificates pinned to each partner's CA, NDS/IP proposals only.\n",
                      policy->system.name, policy->source_path ? policy->source_path : "<memory>",
                      libipsec ? "libipsec" : "kernel");
    if (libipsec)
        ipsec_text_printf(&t, "# kernel-libipsec: tunnel mode, ESP in UDP 4500, no kernel "
                              "policy; load the nftables\n# rules (--nft) so that nothing "
                              "crosses in clear while the SA is down.\n");
    ipsec_text_printf(&t, "connections {\n");
    for (size_t i = 0; i < plan->partner_count; i++)
        write_connection(&t, policy, plan->partners[i], &plan->local, &plan->remote[i],
                         plan->media_local, &plan->media_remote[i], opts->backend);
    ipsec_text_printf(&t, "}\n");
    const mcsec_system_keys_t *keys = &policy->system.keys;
    if (plan->in_token) {
        /* Key in a PKCS#11 token: charon's pkcs11 plugin loads the module
         * named here (ipsec/border-up.sh writes strongswan.conf). */
        ipsec_token_write(&t, &plan->token);
        ipsec_text_printf(&t, "# %s %s\n", MCSEC_IPSEC_MODULE_COMMENT,
                          keys->pkcs11_module ? keys->pkcs11_module : MCSEC_IPSEC_PKCS11_DEFAULT);
        ipsec_text_printf(&t, "# %s %s\n", MCSEC_IPSEC_PIN_COMMENT, keys->key_pin_file);
    } else {
        /* swanctl loads private keys only from the private/ folder next to
         * swanctl.conf; ipsec/border-up.sh links the key named here into it. */
        ipsec_text_printf(&t, "# %s %s\n", MCSEC_IPSEC_KEY_COMMENT, keys->key);
    }
    for (size_t i = 0; i < plan->partner_count; i++)
        for (size_t c = 0; c < plan->partners[i]->keys.crls.count; c++)
            ipsec_text_printf(&t, "# %s %s %s\n", MCSEC_IPSEC_CRL_COMMENT, plan->partners[i]->name,
                              plan->partners[i]->keys.crls.items[c]);
    free(plan);
    return ipsec_text_finish(&t, out);
}
