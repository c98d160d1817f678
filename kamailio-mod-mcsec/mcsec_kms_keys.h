/* Per-process KMS public keys and the "rebuild when the policy changed" test
 * shared by the EAR and GMK stages (mcsec_ear_keys.c, mcsec_gmk_keys.c). */
#ifndef MCSEC_KMS_KEYS_H
#define MCSEC_KMS_KEYS_H

#include <stdbool.h>

#include "mcsec/ibc/eccsi.h"
#include "mcsec/policy/policy.h"

/* A KMS as a verifier needs it; usable is false when the file was not set,
 * missing, unreadable or invalid (requests that need it are refused). */
typedef struct {
    bool usable;
    mcsec_kms_pub_t kms;
    mcsec_eccsi_pub_t *kpak;
    /* keys.kms as a list (EAR): the files after the first, parsed. */
    size_t more_count;
    mcsec_kms_pub_t more_kms[MCSEC_PARTNER_KMS_MAX - 1];
    mcsec_eccsi_pub_t *more_kpak[MCSEC_PARTNER_KMS_MAX - 1];
} mcsec_kms_key_t;

/* Reads the KMS public file at path into entry (zeroed first). On failure
 * logs "mcsec: <feature>: <what>: ..." and leaves entry unusable. */
void mcsec_kms_key_load(mcsec_kms_key_t *entry, const char *path, const char *feature,
                        const char *what);

/* mcsec_kms_key_load of keys->kms, then every file of keys->kms_more into
 * the more_ fields; any file that fails leaves the whole entry unusable
 * (fail closed, as the deep check refuses it). */
void mcsec_kms_key_load_list(mcsec_kms_key_t *entry, const mcsec_partner_keys_t *keys,
                             const char *feature, const char *what);

/* Frees entry's KPAKs and marks it unusable. */
void mcsec_kms_key_clear(mcsec_kms_key_t *entry);

/* What a per-process cache was built for. A new policy object is always
 * allocated before the old one is freed, so a pointer change reliably marks
 * a rebuilt policy even when the generation moved in between. */
typedef struct {
    const mcsec_policy_t *policy;
    int generation; /* -1: never built */
} mcsec_proc_built_t;

/* True when a cache built for *built must be rebuilt for policy; then
 * records policy and the current shm generation in *built. */
bool mcsec_proc_rebuild_needed(mcsec_proc_built_t *built, const mcsec_policy_t *policy);

/* A per-process key set kept in a file's statics: clear() frees it,
 * build() fills it from a policy. mcsec_proc_refresh() clears and rebuilds
 * it when mcsec_proc_rebuild_needed() says so; mcsec_proc_forget() clears
 * it and marks it never built. */
void mcsec_proc_refresh(mcsec_proc_built_t *built, const mcsec_policy_t *policy,
                        void (*clear)(void), void (*build)(const mcsec_policy_t *policy));
void mcsec_proc_forget(mcsec_proc_built_t *built, void (*clear)(void));

#endif
