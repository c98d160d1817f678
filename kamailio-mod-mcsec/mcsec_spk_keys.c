/* Per-process SPK key objects: see mcsec_spk_keys.h. */
#include <stdlib.h>
#include <string.h>

#include "core/dprint.h"

#include "mcsec/spk/keystore.h"
#include "mcsec_log.h"
#include "mcsec_kms_keys.h"
#include "mcsec_spk_keys.h"

typedef struct {
    mcsec_xmlprot_t *egress;
    mcsec_xmlprot_t *ingress;
} spk_partner_keys_t;

/* This process's cache (Kamailio convention: per-process module state).
 * built: the policy object and generation it was built for (see
 * mcsec_proc_rebuild_needed); {NULL, 0} (zeroed) means never built. */
typedef struct {
    mcsec_proc_built_t built;
    spk_partner_keys_t *partners;
    size_t partner_count;
    mcsec_xmlprot_t *internal;
    bool internal_broken;
} spk_key_cache_t;

static spk_key_cache_t key_cache;

/* Loads the SPK file at path and builds one object over it with identity
 * as P0 and the given element and signed-type lists (empty element list =
 * the library's default list). Returns the object, or NULL after logging
 * why (file, line and the store's message; never key material). */
static mcsec_xmlprot_t *build_object(const char *what, const char *path, const char *identity,
                                     const mcsec_strlist_t *elements,
                                     const mcsec_strlist_t *signed_types)
{
    if (path == NULL || path[0] == '\0' || identity == NULL || identity[0] == '\0') {
        mcsec_logf(MCSEC_LOG_ERROR, "spk", "spk: %s: no key file or no identity in the policy",
                   what);
        return NULL;
    }
    char why[256] = "";
    mcsec_keystore_t *store = NULL;
    mcsec_err_t rc = mcsec_keystore_load_spk(path, &store, why, sizeof(why));
    if (rc != MCSEC_OK) {
        mcsec_logf(MCSEC_LOG_ERROR, "spk", "spk: %s: key file refused: %s", what,
                   why[0] ? why : mcsec_err_str(rc));
        return NULL;
    }
    mcsec_xmlprot_conf_t conf;
    memset(&conf, 0, sizeof(conf));
    conf.keys = store;
    conf.identity = identity;
    if (elements != NULL && elements->count > 0) {
        conf.elements = (const char *const *)elements->items;
        conf.element_count = elements->count;
    }
    if (signed_types != NULL && signed_types->count > 0) {
        conf.signed_types = (const char *const *)signed_types->items;
        conf.signed_type_count = signed_types->count;
    }
    mcsec_xmlprot_t *prot = NULL;
    rc = mcsec_xmlprot_create(&conf, &prot);
    mcsec_keystore_destroy(store);
    if (rc != MCSEC_OK) {
        mcsec_logf(MCSEC_LOG_ERROR, "spk", "spk: %s: cannot derive the keys: %s", what,
                   mcsec_err_str(rc));
        return NULL;
    }
    return prot;
}

/* Frees every object and forgets which policy they came from. */
void mcsec_spk_keys_free(void)
{
    for (size_t i = 0; i < key_cache.partner_count; i++) {
        mcsec_xmlprot_destroy(key_cache.partners[i].egress);
        mcsec_xmlprot_destroy(key_cache.partners[i].ingress);
    }
    free(key_cache.partners);
    mcsec_xmlprot_destroy(key_cache.internal);
    memset(&key_cache, 0, sizeof(key_cache));
}

/* Builds the objects of every partner whose SPK mode is not off, and the
 * internal one. Returns 0, or -1 when out of memory. */
static int build_all(const mcsec_policy_t *policy)
{
    mcsec_spk_keys_free();
    if (policy->partner_count > 0) {
        key_cache.partners = calloc(policy->partner_count, sizeof(*key_cache.partners));
        if (key_cache.partners == NULL) {
            return -1;
        }
        key_cache.partner_count = policy->partner_count;
    }
    for (size_t i = 0; i < policy->partner_count; i++) {
        const mcsec_partner_t *partner = &policy->partners[i];
        if (partner->spk.mode == MCSEC_SPK_OFF) {
            continue;
        }
        char what[96];
        snprintf(what, sizeof(what), "partner %s (egress)", partner->name);
        key_cache.partners[i].egress =
            build_object(what, partner->keys.spk, policy->system.identity, &partner->spk.elements,
                         &partner->spk.signed_types);
        snprintf(what, sizeof(what), "partner %s (ingress)", partner->name);
        key_cache.partners[i].ingress =
            build_object(what, partner->keys.spk, partner->identity, &partner->spk.elements,
                         &partner->spk.signed_types);
    }
    const char *internal_path = policy->system.keys.spk;
    if (internal_path != NULL && internal_path[0] != '\0') {
        /* Between our MC servers and the border every listed element is
         * protected: the default list, no further signed types. */
        key_cache.internal = build_object("internal SPK", internal_path,
                                          policy->system.spk_internal_identity, NULL, NULL);
        key_cache.internal_broken = key_cache.internal == NULL;
    }
    return 0;
}

/* Rebuilds when the policy object or the generation changed. The cache
 * records what it was built for only once the build succeeded, so a
 * failed build is tried again on the next request. */
int mcsec_spk_keys_sync(const mcsec_policy_t *policy)
{
    mcsec_proc_built_t built = key_cache.built;
    if (!mcsec_proc_rebuild_needed(&built, policy)) {
        return 0;
    }
    if (build_all(policy) != 0) {
        mcsec_logf(MCSEC_LOG_ERROR, "spk", "spk: out of memory building the SPK key objects");
        mcsec_spk_keys_free();
        return -1;
    }
    key_cache.built = built;
    return 0;
}

/* Object of one partner and direction, NULL when unusable. */
mcsec_xmlprot_t *mcsec_spk_keys_partner(int partner_index, bool egress)
{
    if (partner_index < 0 || (size_t)partner_index >= key_cache.partner_count) {
        return NULL;
    }
    const spk_partner_keys_t *keys = &key_cache.partners[partner_index];
    return egress ? keys->egress : keys->ingress;
}

/* The internal-SPK object; *broken when configured but not built. */
mcsec_xmlprot_t *mcsec_spk_keys_internal(bool *broken)
{
    *broken = key_cache.internal_broken;
    return key_cache.internal;
}
