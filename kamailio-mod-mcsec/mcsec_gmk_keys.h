/* The key material the GMK stage (mcsec_gmk.c) needs, per Kamailio
 * process: for each partner whose gmk transfer is check, its KMS public
 * parameters and parsed KPAK (partners[].keys.kms), and our own KMS
 * (system.gmk.kms, default kms.pub of system.keys.signing). Inbound the
 * partner KMS verifies the signature and ours names the receiver; outbound
 * the reverse. Only public keys: nothing secret is held here.
 *
 * OpenSSL objects cannot live in shared memory, so every process builds its
 * own set from its parsed policy and rebuilds it when the policy object or
 * the shared generation changes (as mcsec_ear_keys.h does). Each rebuild
 * also applies system.gmk.replay_entries to the shared replay cache. */
#ifndef MCSEC_GMK_KEYS_H
#define MCSEC_GMK_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "mcsec/ibc/eccsi.h"
#include "mcsec/policy/policy.h"
#include "mcsec_kms_keys.h"

/* A KMS entry (mcsec_kms_keys.h). */
typedef mcsec_kms_key_t mcsec_gmk_kms_t;

typedef struct {
    mcsec_gmk_kms_t *partners; /* indexed like policy->partners; loaded for
                                  transfer check only */
    size_t partner_count;
    mcsec_gmk_kms_t own; /* our KMS; loaded when some partner checks */
} mcsec_gmk_keys_t;

/* The set for policy (this process's parsed policy), rebuilt first when it
 * was built for another policy object or generation. Problems with key
 * files are logged once per rebuild (paths and reasons). NULL only when
 * policy is NULL; valid until the next call. */
const mcsec_gmk_keys_t *mcsec_gmk_keys_get(const mcsec_policy_t *policy);

/* Frees this process's set (mod_destroy). */
void mcsec_gmk_keys_free(void);

#endif
