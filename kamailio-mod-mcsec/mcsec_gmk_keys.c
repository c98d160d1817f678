/* Per-process GMK keys: see mcsec_gmk_keys.h. */
#include <stdlib.h>
#include <string.h>

#include "core/dprint.h"

#include "mcsec_log.h"
#include "mcsec_gmk_keys.h"
#include "mcsec_gmk_replay.h"
#include "mcsec_shm_policy.h"

/* Per-process cache and what it was built for. */
static mcsec_gmk_keys_t proc_keys;
static mcsec_proc_built_t proc_keys_built = {NULL, -1};

/* Frees everything in proc_keys. */
static void keys_clear(void)
{
    for (size_t i = 0; i < proc_keys.partner_count; i++) {
        mcsec_kms_key_clear(&proc_keys.partners[i]);
    }
    free(proc_keys.partners);
    mcsec_kms_key_clear(&proc_keys.own);
    memset(&proc_keys, 0, sizeof(proc_keys));
}

/* Builds proc_keys for policy; entries that cannot load stay unusable. */
static void keys_build(const mcsec_policy_t *policy)
{
    bool any_check = false;
    proc_keys.partners = calloc(policy->partner_count, sizeof(*proc_keys.partners));
    if (proc_keys.partners == NULL && policy->partner_count > 0) {
        mcsec_logf(MCSEC_LOG_ERROR, "gmk", "gmk: out of memory; refusing GKTP payloads");
        return;
    }
    proc_keys.partner_count = policy->partner_count;
    for (size_t i = 0; i < policy->partner_count; i++) {
        const mcsec_partner_t *partner = &policy->partners[i];
        if (partner->gmk.transfer != MCSEC_GMK_TRANSFER_CHECK) {
            continue;
        }
        any_check = true;
        mcsec_kms_key_load(&proc_keys.partners[i], partner->keys.kms, "gmk", partner->name);
    }
    if (any_check) {
        mcsec_kms_key_load(&proc_keys.own, policy->system.gmk.kms, "gmk",
                           "our KMS (system.gmk.kms)");
    }
    (void)mcsec_gmk_replay_configure(policy->system.gmk.replay_entries);
}

/* The set for policy, rebuilt when mcsec_proc_rebuild_needed() says so
 * (mcsec_kms_keys.h). */
const mcsec_gmk_keys_t *mcsec_gmk_keys_get(const mcsec_policy_t *policy)
{
    if (policy == NULL) {
        return NULL;
    }
    mcsec_proc_refresh(&proc_keys_built, policy, keys_clear, keys_build);
    return &proc_keys;
}

/* Frees this process's set. */
void mcsec_gmk_keys_free(void)
{
    mcsec_proc_forget(&proc_keys_built, keys_clear);
}
