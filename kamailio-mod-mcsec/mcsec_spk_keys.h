/* The SPK stage's per-process key objects (mcsec_xmlprot_t), built from the
 * policy this process uses.
 *
 * Per partner with spk.mode other than off, two objects over the partner's
 * keys.spk file: egress (P0 = our system.identity: we protect) and ingress
 * (P0 = the partner's identity: the partner protected). One more object
 * over system.keys.spk with P0 = system.spk_internal_identity for the
 * internal SPK between our MC servers and the border, when configured.
 *
 * Lifetime: the objects belong to this process (OpenSSL and libxml2 state
 * cannot live in Kamailio's shared memory) and are rebuilt from the key
 * files when the policy generation or the process's policy object changed,
 * so mcsec.reload is also how new key files take effect. Key files are
 * read only while building; the key store refuses loose permissions. A
 * partner whose keys cannot be built is marked unusable (its SPK traffic
 * fails closed) and the problem is logged once per build, never a key. */
#ifndef MCSEC_SPK_KEYS_H
#define MCSEC_SPK_KEYS_H

#include <stdbool.h>

#include "mcsec/policy/policy.h"
#include "mcsec/spk/xmlprot.h"

/* Makes the cache match policy (the object mcsec_proc_policy() returned
 * for this request): rebuilds every object when policy is another object
 * than last time or the shared generation moved. Returns 0, or -1 when
 * nothing could be allocated (callers fail closed). */
int mcsec_spk_keys_sync(const mcsec_policy_t *policy);

/* The object for partner_index (index in the synced policy) and direction;
 * NULL when that partner's keys could not be built (or its mode is off). */
mcsec_xmlprot_t *mcsec_spk_keys_partner(int partner_index, bool egress);

/* The internal-SPK object; NULL when system.keys.spk is not configured.
 * *broken is set when it is configured but could not be built. */
mcsec_xmlprot_t *mcsec_spk_keys_internal(bool *broken);

/* Frees every object of this process (mod_destroy). */
void mcsec_spk_keys_free(void);

#endif
