/* The key material the EAR stage needs, per Kamailio process: each explicit
 * partner's KMS public parameters and parsed KPAK (partner keys.kms), our
 * own KMS (kms.pub in system.keys.signing) to check the EARs our servers
 * attach, and the border's ECCSI signer (system.keys.signing) when a partner
 * has ear.sign_on_behalf. OpenSSL objects cannot live in shared memory, so
 * every process builds its own set from its parsed policy and rebuilds it
 * when the policy object or the shared generation changes. Secrets (the SSK)
 * stay inside the signer, are wiped when it is freed, and are never logged.
 * Key files with loose permissions are refused by the libmcsec readers. */
#ifndef MCSEC_EAR_KEYS_H
#define MCSEC_EAR_KEYS_H

#include <stdbool.h>
#include <stdint.h>

#include "mcsec/ibc/eccsi.h"
#include "mcsec/ibc/keyset.h"
#include "mcsec/policy/policy.h"
#include "mcsec_kms_keys.h"

/* A KMS entry (mcsec_kms_keys.h). */
typedef mcsec_kms_key_t mcsec_ear_kms_t;

typedef struct {
    mcsec_ear_kms_t *partners; /* indexed like policy->partners */
    size_t partner_count;
    mcsec_ear_kms_t own;          /* our KMS, from the signing directory */
    mcsec_eccsi_keyset_t signing; /* empty unless some partner signs on behalf */
    const char *sign_identity;    /* source ID the border signs as (in policy) */
} mcsec_ear_keys_t;

/* The set for policy (this process's parsed policy), rebuilt first when it
 * was built for another policy object or generation; also applies the
 * policy's replay cache bound. Problems with key files are logged once per
 * rebuild (paths and reasons, never key material). Never NULL when policy
 * is not NULL; valid until the next call. */
const mcsec_ear_keys_t *mcsec_ear_keys_get(const mcsec_policy_t *policy);

/* Frees this process's set (mod_destroy). */
void mcsec_ear_keys_free(void);

#endif
