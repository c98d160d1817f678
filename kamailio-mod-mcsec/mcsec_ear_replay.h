/* The EAR replay cache of mcsec.so: one instance of the shared-memory
 * replay cache (mcsec_shm_replay.h, which says how it works and why not the
 * htable module), bounded by the policy's system.ear_replay_entries; when
 * full, callers refuse with ear.replay_cache_full (503). See docs/ear.md
 * for sharing the cache across border nodes. */
#ifndef MCSEC_EAR_REPLAY_H
#define MCSEC_EAR_REPLAY_H

#include "mcsec/util/replay_table.h"

#include <stddef.h>
#include <stdint.h>

#include "mcsec/util/replay.h"

/* Default for system.ear_replay_entries when the policy leaves it 0. */
#define MCSEC_EAR_REPLAY_DEFAULT_ENTRIES 65536

/* mod_init (before the fork): allocates the shared control block, its lock
 * and the hash key. The table itself is allocated by the first
 * mcsec_ear_replay_configure(). Returns 0 or -1. */
int mcsec_ear_replay_init(void);

/* mod_destroy: frees the table and the control block. */
void mcsec_ear_replay_destroy(void);

/* Sets the bound to max_entries (0 = default). Growing beyond the table's
 * capacity moves the live entries into a new, larger table; shrinking only
 * lowers the bound, so no recorded ID is ever forgotten early (the cache
 * answers FULL until enough entries expired). Idempotent; any process may
 * call it (each does after building a new policy generation). Returns 0, or
 * -1 when shared memory is short (the previous table and bound stay). */
int mcsec_ear_replay_configure(size_t max_entries);

/* This process's handle on the shared cache, for mcsec_ear_policy_t.replay.
 * NULL when the shared cache is missing or the hash cannot be set up in
 * this process (the caller refuses: ear.replay_cache_full). */
mcsec_replay_cache_t *mcsec_ear_replay_cache(void);

/* Live entries at now (for logs and tests). */
size_t mcsec_ear_replay_count(int64_t now);

/* The same, and per partner (mcsec_shm_replay_count_owners()). */
size_t mcsec_ear_replay_count_owners(int64_t now,
                                     mcsec_replay_owner_count_t out[MCSEC_REPLAY_OWNERS]);

#endif
