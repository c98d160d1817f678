/* The GMK replay cache of mcsec.so: libmcsec's replay interface (replay.h)
 * over a table in Kamailio shared memory, so that every SIP worker of this
 * node sees every GKTP payload recorded by the GMK stage (mcsec_gmk.c), and
 * the IDs survive a policy reload. docs/gmk.md: the ID is SHA-256 of the
 * signed octets, kept until T + max_age.
 *
 * One instance of the shared-memory replay cache (mcsec_shm_replay.h: open
 * addressing, SipHash-2-4 with a random key per start, one Kamailio lock,
 * FULL when no entry can be freed, which the check turns into a refusal),
 * but a separate instance bounded by system.gmk.replay_entries: key pushes
 * cannot evict EAR IDs and EAR traffic cannot fill the GMK cache. */
#ifndef MCSEC_GMK_REPLAY_H
#define MCSEC_GMK_REPLAY_H

#include "mcsec/util/replay_table.h"

#include <stddef.h>
#include <stdint.h>

#include "mcsec/util/replay.h"

/* Default for system.gmk.replay_entries when the policy leaves it 0. */
#define MCSEC_GMK_REPLAY_DEFAULT_ENTRIES 4096

/* mod_init (before the fork): allocates the shared control block, its lock
 * and the hash key. The table itself is allocated by the first
 * mcsec_gmk_replay_configure(). Returns 0 or -1. */
int mcsec_gmk_replay_init(void);

/* mod_destroy: frees the table and the control block. */
void mcsec_gmk_replay_destroy(void);

/* Sets the bound to max_entries (0 = default). Growing moves the live
 * entries into a larger table; shrinking only lowers the bound (no recorded
 * ID is forgotten early). Idempotent; any process may call it. Returns 0,
 * or -1 when shared memory is short (the previous table and bound stay). */
int mcsec_gmk_replay_configure(size_t max_entries);

/* This process's handle on the shared cache, for mcsec_gmk_policy_t.replay.
 * NULL when the shared cache is missing or the hash cannot be set up in
 * this process (the caller refuses). */
mcsec_replay_cache_t *mcsec_gmk_replay_cache(void);

/* Live entries at now (for stats). */
size_t mcsec_gmk_replay_count(int64_t now);

/* The same, and per partner (mcsec_shm_replay_count_owners()). */
size_t mcsec_gmk_replay_count_owners(int64_t now,
                                     mcsec_replay_owner_count_t out[MCSEC_REPLAY_OWNERS]);

#endif
