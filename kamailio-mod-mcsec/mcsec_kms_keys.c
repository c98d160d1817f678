/* Per-process KMS public keys: see mcsec_kms_keys.h. */
#include <string.h>

#include "core/dprint.h"

#include "mcsec_log.h"
#include "mcsec_kms_keys.h"
#include "mcsec_shm_policy.h"

void mcsec_kms_key_clear(mcsec_kms_key_t *entry)
{
    mcsec_eccsi_pub_free(entry->kpak);
    for (size_t i = 0; i < entry->more_count; i++) {
        mcsec_eccsi_pub_free(entry->more_kpak[i]);
    }
    memset(entry, 0, sizeof(*entry));
}

void mcsec_kms_key_load_list(mcsec_kms_key_t *entry, const mcsec_partner_keys_t *keys,
                             const char *feature, const char *what)
{
    mcsec_kms_key_load(entry, keys->kms, feature, what);
    for (size_t i = 0; entry->usable && i < keys->kms_more_count; i++) {
        mcsec_kms_key_t more;
        mcsec_kms_key_load(&more, keys->kms_more[i], feature, what);
        if (!more.usable) {
            mcsec_kms_key_clear(&more);
            mcsec_kms_key_clear(entry);
            return;
        }
        entry->more_kms[i] = more.kms;
        entry->more_kpak[i] = more.kpak;
        entry->more_count = i + 1;
    }
}

void mcsec_kms_key_load(mcsec_kms_key_t *entry, const char *path, const char *feature,
                        const char *what)
{
    char why[256] = "";
    memset(entry, 0, sizeof(*entry));
    if (path == NULL || path[0] == '\0') {
        mcsec_logf(MCSEC_LOG_ERROR, "ear", "%s: %s: no KMS public file in the policy", feature,
                   what);
        return;
    }
    if (mcsec_kms_pub_read(path, &entry->kms, why, sizeof(why)) != MCSEC_OK) {
        mcsec_logf(MCSEC_LOG_ERROR, "ear", "%s: %s: cannot use KMS public file %s: %s", feature,
                   what, path, why);
        return;
    }
    if (mcsec_eccsi_pub_new(entry->kms.kpak, &entry->kpak) != MCSEC_OK) {
        mcsec_logf(MCSEC_LOG_ERROR, "ear", "%s: %s: the KPAK in %s is not a valid P-256 point",
                   feature, what, path);
        return;
    }
    entry->usable = true;
}

bool mcsec_proc_rebuild_needed(mcsec_proc_built_t *built, const mcsec_policy_t *policy)
{
    int generation = mcsec_shm_policy_generation();
    if (policy == built->policy && generation == built->generation) {
        return false;
    }
    built->policy = policy;
    built->generation = generation;
    return true;
}

void mcsec_proc_refresh(mcsec_proc_built_t *built, const mcsec_policy_t *policy,
                        void (*clear)(void), void (*build)(const mcsec_policy_t *policy))
{
    if (mcsec_proc_rebuild_needed(built, policy)) {
        clear();
        build(policy);
    }
}

void mcsec_proc_forget(mcsec_proc_built_t *built, void (*clear)(void))
{
    clear();
    *built = (mcsec_proc_built_t){NULL, -1};
}
