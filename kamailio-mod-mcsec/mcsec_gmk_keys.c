/* Per-process GMK keys: see mcsec_gmk_keys.h. */
#include <stdlib.h>
#include <string.h>

#include "core/dprint.h"

#include "mcsec_gmk_keys.h"
#include "mcsec_gmk_replay.h"
#include "mcsec_shm_policy.h"

/* Per-process cache and what it was built for. */
static mcsec_gmk_keys_t proc_keys;
static const mcsec_policy_t *proc_keys_policy;
static int proc_keys_generation = -1;

/* Frees one KMS entry and marks it unusable. */
static void kms_clear(mcsec_gmk_kms_t *entry)
{
    mcsec_eccsi_pub_free(entry->kpak);
    memset(entry, 0, sizeof(*entry));
}

/* Reads a KMS public file into entry; logs why not (what names the use). */
static void kms_load(mcsec_gmk_kms_t *entry, const char *path, const char *what)
{
    char why[256] = "";
    memset(entry, 0, sizeof(*entry));
    if (path == NULL || path[0] == '\0') {
        LM_ERR("mcsec: gmk: %s: no KMS public file in the policy\n", what);
        return;
    }
    if (mcsec_kms_pub_read(path, &entry->kms, why, sizeof(why)) != MCSEC_OK) {
        LM_ERR("mcsec: gmk: %s: cannot use KMS public file %s: %s\n", what, path, why);
        return;
    }
    if (mcsec_eccsi_pub_new(entry->kms.kpak, &entry->kpak) != MCSEC_OK) {
        LM_ERR("mcsec: gmk: %s: the KPAK in %s is not a valid P-256 point\n", what, path);
        return;
    }
    entry->usable = true;
}

/* Frees everything in proc_keys. */
static void keys_clear(void)
{
    for (size_t i = 0; i < proc_keys.partner_count; i++) {
        kms_clear(&proc_keys.partners[i]);
    }
    free(proc_keys.partners);
    kms_clear(&proc_keys.own);
    memset(&proc_keys, 0, sizeof(proc_keys));
}

/* Builds proc_keys for policy; entries that cannot load stay unusable. */
static void keys_build(const mcsec_policy_t *policy)
{
    bool any_check = false;
    proc_keys.partners = calloc(policy->partner_count, sizeof(*proc_keys.partners));
    if (proc_keys.partners == NULL && policy->partner_count > 0) {
        LM_ERR("mcsec: gmk: out of memory; refusing GKTP payloads\n");
        return;
    }
    proc_keys.partner_count = policy->partner_count;
    for (size_t i = 0; i < policy->partner_count; i++) {
        const mcsec_partner_t *partner = &policy->partners[i];
        if (partner->gmk.transfer != MCSEC_GMK_TRANSFER_CHECK) {
            continue;
        }
        any_check = true;
        kms_load(&proc_keys.partners[i], partner->keys.kms, partner->name);
    }
    if (any_check) {
        kms_load(&proc_keys.own, policy->system.gmk.kms, "our KMS (system.gmk.kms)");
    }
    (void)mcsec_gmk_replay_configure(policy->system.gmk.replay_entries);
}

/* The set for policy, rebuilt when needed (see the header). A new policy
 * object is always allocated before the old one is freed, so a pointer
 * change reliably marks a rebuilt policy. */
const mcsec_gmk_keys_t *mcsec_gmk_keys_get(const mcsec_policy_t *policy)
{
    if (policy == NULL) {
        return NULL;
    }
    int generation = mcsec_shm_policy_generation();
    if (policy != proc_keys_policy || generation != proc_keys_generation) {
        keys_clear();
        keys_build(policy);
        proc_keys_policy = policy;
        proc_keys_generation = generation;
    }
    return &proc_keys;
}

/* Frees this process's set. */
void mcsec_gmk_keys_free(void)
{
    keys_clear();
    proc_keys_policy = NULL;
    proc_keys_generation = -1;
}
