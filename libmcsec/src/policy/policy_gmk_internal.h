/* The GMK transfer sections of the policy (policy_load_gmk.c), called from
 * the system and partner loaders, the dumper and the model's free. */
#ifndef MCSEC_POLICY_GMK_INTERNAL_H
#define MCSEC_POLICY_GMK_INTERNAL_H

#include <stdbool.h>

#include <yaml.h>

#include "policy_internal.h"

/* Sets the defaults of system.gmk, then loads it (node may be NULL =
 * absent); call after system.keys (the KMS file defaults to the signing
 * directory's kms.pub). */
void mcsec_pol_load_system_gmk(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_system_t *sys);

/* Sets a partner's gmk defaults, then loads partners[].gmk (node may be
 * NULL) and checks what `transfer: check` needs; call after the partner's
 * keys and after the system. */
void mcsec_pol_load_partner_gmk(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_partner_t *partner,
                                const mcsec_system_t *sys);

/* Emit the `gmk` key and mapping (nothing when unset). Return false when
 * the emitter failed. */
bool mcsec_pol_dump_system_gmk(yaml_emitter_t *emitter, const mcsec_system_t *sys);
bool mcsec_pol_dump_partner_gmk(yaml_emitter_t *emitter, const mcsec_partner_t *partner);

/* Free the strings; NULL-safe. */
void mcsec_pol_free_system_gmk(mcsec_gmk_system_t *gmk);
void mcsec_pol_free_partner_gmk(mcsec_gmk_rules_t *gmk);

#endif
