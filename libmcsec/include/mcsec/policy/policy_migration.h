/* The migration part of the policy model (policy.h includes it): users of
 * ours a partner serves and partner users we serve (TS 23.280 migration),
 * each until an expiry. The body identity check (mcsec/bodyid/bodyid.h)
 * lets their originating identities cross only with a verified migration
 * EAR. Loaded by policy_load_migration.c; default none. */
#ifndef MCSEC_POLICY_MIGRATION_H
#define MCSEC_POLICY_MIGRATION_H

#include <stddef.h>
#include <stdint.h>

/* One migrated user: a sip:/sips: MC service ID and when the entry ends. */
typedef struct {
    char *id;        /* the MC service ID URI */
    int64_t expires; /* Unix seconds (UTC); the entry applies while now < expires */
} mcsec_migration_entry_t;

typedef struct {
    mcsec_migration_entry_t *items;
    size_t count;
} mcsec_migration_list_t;

/* partners[].migration */
typedef struct {
    /* Our users (IDs in system.domains) this partner currently serves:
     * their requests arrive from the partner (ingress). */
    mcsec_migration_list_t our_users_served_there;
    /* This partner's users (IDs in its domains) we currently serve: their
     * requests leave towards the partner (egress). */
    mcsec_migration_list_t their_users_served_here;
} mcsec_migration_rules_t;

#endif
