/* The media sections of the policy (policy_load_media.c, docs/media.md),
 * called from the system and partner loaders and the model's free. */
#ifndef MCSEC_POLICY_MEDIA_INTERNAL_H
#define MCSEC_POLICY_MEDIA_INTERNAL_H

#include <yaml.h>

#include "policy_internal.h"

/* Loads system.media (node NULL = absent: media anchoring off). */
void mcsec_pol_load_system_media(mcsec_pol_ctx_t *ctx, yaml_node_t *node, mcsec_system_t *sys);

/* Loads partners[].media (node NULL = absent) after the system: required
 * when system.media is set (reported at partner_node), refused without
 * it. Sets the defaults (allow list, max_streams). */
void mcsec_pol_load_partner_media(mcsec_pol_ctx_t *ctx, yaml_node_t *node,
                                  yaml_node_t *partner_node, mcsec_partner_t *partner,
                                  const mcsec_system_t *sys);

/* Frees what the rules own; NULL-safe members. */
void mcsec_pol_free_partner_media(mcsec_media_rules_t *media);

#endif
