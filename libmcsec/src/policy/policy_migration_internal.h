/* The migration section of a partner (policy_load_migration.c), called
 * from the partner loader, the dumper and the model's free. */
#ifndef MCSEC_POLICY_MIGRATION_INTERNAL_H
#define MCSEC_POLICY_MIGRATION_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <yaml.h>

#include "policy_internal.h"

/* Loads partners[].migration (node may be NULL = absent: no migrated
 * users); call after the partner's domains and the system's. */
void mcsec_pol_load_partner_migration(mcsec_pol_ctx_t *ctx, yaml_node_t *node,
                                      mcsec_partner_t *partner, const mcsec_system_t *sys);

/* "2027-01-01T00:00:00Z" (RFC 3339, UTC, seconds, no fraction) to Unix
 * seconds; false for anything else. */
bool mcsec_pol_utc_time(const char *text, int64_t *out);

/* Emits the `migration` key and mapping (nothing when both lists are
 * empty). Returns false when the emitter failed. */
bool mcsec_pol_dump_partner_migration(yaml_emitter_t *emitter, const mcsec_partner_t *partner);

/* Frees the lists; NULL-safe. */
void mcsec_pol_free_partner_migration(mcsec_migration_rules_t *migration);

#endif
