/* Per-process EAR keys: see mcsec_ear_keys.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dprint.h"

#include "mcsec/ibc/uid.h"
#include "mcsec_log.h"
#include "mcsec_ear_keys.h"
#include "mcsec_ear_replay.h"
#include "mcsec_shm_policy.h"

/* Per-process cache and what it was built for. */
static mcsec_ear_keys_t proc_keys;
static mcsec_proc_built_t proc_keys_built = {NULL, -1};

/* Frees everything in proc_keys (wiping the signer). */
static void keys_clear(void)
{
    for (size_t i = 0; i < proc_keys.partner_count; i++) {
        mcsec_kms_key_clear(&proc_keys.partners[i]);
    }
    free(proc_keys.partners);
    mcsec_kms_key_clear(&proc_keys.own);
    mcsec_eccsi_keyset_free(&proc_keys.signing);
    memset(&proc_keys, 0, sizeof(proc_keys));
}

/* Builds the border's signing keys (every key period, ibc/keyset.h) from
 * the signing directory for the identity the policy names; logs and leaves
 * the set empty on any problem. */
static void signer_load(const mcsec_policy_t *policy)
{
    const char *dir = policy->system.keys.signing;
    const char *identity =
        policy->system.ear_sign_identity != NULL && policy->system.ear_sign_identity[0] != '\0'
            ? policy->system.ear_sign_identity
            : policy->system.identity;
    proc_keys.sign_identity = identity;
    if (dir == NULL || dir[0] == '\0') {
        mcsec_logf(MCSEC_LOG_ERROR, "ear",
                   "ear: sign_on_behalf needs system.keys.signing; refusing such requests");
        return;
    }
    char why[512] = "";
    if (identity == NULL ||
        mcsec_eccsi_keyset_load(dir, identity, &proc_keys.signing, why, sizeof(why)) != MCSEC_OK) {
        mcsec_logf(MCSEC_LOG_ERROR, "ear", "ear: signing keys %s unusable: %s", dir,
                   identity != NULL ? why : "no identity to sign as");
    }
}

/* Builds proc_keys for policy. */
static void keys_build(const mcsec_policy_t *policy)
{
    bool any_explicit = false;
    bool any_sign = false;
    proc_keys.partners = calloc(policy->partner_count, sizeof(*proc_keys.partners));
    if (proc_keys.partners == NULL && policy->partner_count > 0) {
        mcsec_logf(MCSEC_LOG_ERROR, "ear",
                   "ear: out of memory; refusing requests that need an EAR");
        return;
    }
    proc_keys.partner_count = policy->partner_count;
    for (size_t i = 0; i < policy->partner_count; i++) {
        const mcsec_partner_t *partner = &policy->partners[i];
        if (partner->auth != MCSEC_AUTH_EXPLICIT) {
            continue;
        }
        any_explicit = true;
        any_sign = any_sign || partner->ear.sign_on_behalf;
        if (partner->keys.kms == NULL || partner->keys.kms[0] == '\0') {
            mcsec_logf(MCSEC_LOG_ERROR, "ear", "ear: partner %s is explicit but has no keys.kms",
                       partner->name);
            continue;
        }
        mcsec_kms_key_load_list(&proc_keys.partners[i], &partner->keys, "ear", partner->name);
    }
    const char *signing = policy->system.keys.signing;
    if (any_explicit && signing != NULL && signing[0] != '\0') {
        char path[4096];
        int n = snprintf(path, sizeof(path), "%s/kms.pub", signing);
        if (n > 0 && (size_t)n < sizeof(path)) {
            mcsec_kms_key_load(&proc_keys.own, path, "ear", "our KMS");
        }
    }
    if (any_sign) {
        signer_load(policy);
    }
    (void)mcsec_ear_replay_configure(policy->system.ear_replay_entries);
}

/* The set for policy, rebuilt when mcsec_proc_rebuild_needed() says so
 * (mcsec_kms_keys.h). */
const mcsec_ear_keys_t *mcsec_ear_keys_get(const mcsec_policy_t *policy)
{
    if (policy == NULL) {
        return NULL;
    }
    mcsec_proc_refresh(&proc_keys_built, policy, keys_clear, keys_build);
    return &proc_keys;
}

/* Frees this process's set. */
void mcsec_ear_keys_free(void)
{
    mcsec_proc_forget(&proc_keys_built, keys_clear);
}
