/* Lifetime of the policy model and lookups on it. */
#include <stdlib.h>
#include <string.h>

#include "policy_gmk_internal.h"
#include "policy_migration_internal.h"
#include "policy_internal.h"
#include "policy_media_internal.h"

/* Frees what one partner entry owns (not the entry itself). */
static void free_partner(mcsec_partner_t *partner)
{
    free(partner->name);
    free(partner->identity);
    mcsec_strlist_clear(&partner->domains);
    free(partner->is_proxy);
    mcsec_strlist_clear(&partner->sip.methods);
    mcsec_strlist_clear(&partner->sip.content_types);
    mcsec_strlist_clear(&partner->spk.elements);
    mcsec_strlist_clear(&partner->spk.signed_types);
    free(partner->ear.header);
    mcsec_strlist_clear(&partner->topology.strip_headers);
    mcsec_strlist_clear(&partner->topology.hide_elements);
    mcsec_strlist_clear(&partner->topology.rewrite_headers);
    mcsec_strlist_clear(&partner->http.methods);
    mcsec_strlist_clear(&partner->http.path_prefixes);
    mcsec_strlist_clear(&partner->http.content_types);
    free(partner->http.peer_name);
    for (size_t i = 0; i < partner->http.upstream_count; i++) {
        free(partner->http.upstreams[i].prefix);
        free(partner->http.upstreams[i].url);
    }
    free(partner->http.upstreams);
    free(partner->keys.spk);
    free(partner->keys.kms);
    for (size_t i = 0; i < partner->keys.kms_more_count; i++)
        free(partner->keys.kms_more[i]);
    free(partner->keys.ca);
    mcsec_strlist_clear(&partner->keys.crls);
    mcsec_pol_free_partner_gmk(&partner->gmk);
    mcsec_pol_free_partner_migration(&partner->migration);
    mcsec_pol_free_partner_media(&partner->media);
}

void mcsec_policy_free(mcsec_policy_t *policy)
{
    if (!policy)
        return;
    free(policy->source_path);
    mcsec_system_t *sys = &policy->system;
    free(sys->name);
    free(sys->identity);
    mcsec_strlist_clear(&sys->domains);
    free(sys->spk_internal_identity);
    free(sys->ear_sign_identity);
    free(sys->topology_host);
    free(sys->http.public_host);
    mcsec_strlist_clear(&sys->http.internal_hosts);
    free(sys->http.inside_clients);
    free(sys->http.inside_cert);
    free(sys->http.inside_key);
    free(sys->http.inside_ca);
    mcsec_strlist_clear(&sys->http.inside_crls);
    free(sys->sip_inside_peers);
    free(sys->keys.topology);
    free(sys->keys.spk);
    free(sys->keys.signing);
    free(sys->keys.cert);
    free(sys->keys.key);
    free(sys->keys.key_pin_file);
    free(sys->keys.pkcs11_module);
    free(sys->keys.ca);
    mcsec_pol_free_system_gmk(&sys->gmk);
    free(sys->replay.redis_address);
    free(sys->replay.redis_namespace);
    for (size_t i = 0; i < policy->partner_count; i++)
        free_partner(&policy->partners[i]);
    free(policy->partners);
    free(policy);
}

const mcsec_partner_t *mcsec_policy_partner_by_name(const mcsec_policy_t *policy, const char *name)
{
    if (!policy || !name)
        return NULL;
    for (size_t i = 0; i < policy->partner_count; i++)
        if (policy->partners[i].name && strcmp(policy->partners[i].name, name) == 0)
            return &policy->partners[i];
    return NULL;
}

/* Sets *path to "" when it is NULL. */
static bool fill(char **path)
{
    if (!*path)
        *path = strdup("");
    return *path != NULL;
}

mcsec_err_t mcsec_pol_fill_empty_paths(mcsec_policy_t *policy)
{
    mcsec_system_keys_t *keys = &policy->system.keys;
    bool ok = fill(&keys->topology) && fill(&keys->spk) && fill(&keys->signing) &&
              fill(&keys->cert) && fill(&keys->key) && fill(&policy->system.spk_internal_identity);
    for (size_t i = 0; ok && i < policy->partner_count; i++) {
        mcsec_partner_keys_t *pk = &policy->partners[i].keys;
        ok = fill(&pk->spk) && fill(&pk->kms) && fill(&pk->ca);
    }
    return ok ? MCSEC_OK : MCSEC_ERR_NOMEM;
}
