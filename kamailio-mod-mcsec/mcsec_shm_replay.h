/* Replay caches of mcsec.so (EAR IDs, GMK transport messages): libmcsec's
 * replay interface (replay.h) over a table in Kamailio shared memory, so that
 * every SIP worker of this node sees every recorded ID, and the IDs survive
 * a policy reload. Each user owns one instance (separate tables, so GKTP
 * pushes and EARs never compete for entries).
 *
 * Layout: libmcsec's replay table (mcsec/util/replay_table.h), as in its in-process cache
 * (linear probing, at most half full, SipHash-2-4 with a random key chosen
 * once per start), guarded by one Kamailio lock. The bound is set by the user
 * from the policy; when no entry can be freed the cache answers
 * FULL (the caller refuses with ear.replay_cache_full, 503). Expired entries
 * are reused in place and dropped by a rebuild when the bound is reached.
 *
 * Why not the htable module: its API has no atomic "insert unless present"
 * (get_clone + set races between two workers that receive the same EAR),
 * no bound on the number of entries, and one expiry per table fixed in the
 * cfg, while ours is 2 x skew per partner and changes with a reload. See
 * docs/ear.md for sharing the cache across border nodes. */
#ifndef MCSEC_SHM_REPLAY_H
#define MCSEC_SHM_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "mcsec/util/replay.h"

struct mcsec_shm_replay_table;

/* One cache: a per-process handle (the libmcsec interface first, so the
 * interface pointer is the handle) on a table in shared memory. Users keep
 * it in a static of their own, set up in mod_init before the fork. */
typedef struct {
    mcsec_replay_cache_t iface;            /* handed to libmcsec; must stay first */
    struct mcsec_shm_replay_table *shared; /* shm, set before the fork */
    EVP_MAC_CTX *mac;                      /* per process: keyed hash */
    const char *what;                      /* "EAR", "GMK": for log lines */
} mcsec_shm_replay_t;

/* mod_init (before the fork): allocates the shared control block, its lock
 * and the hash key. The table itself is allocated by the first
 * mcsec_shm_replay_configure(). what names the cache in logs (static
 * string). Returns 0 or -1. */
int mcsec_shm_replay_init(mcsec_shm_replay_t *r, const char *what);

/* mod_destroy: frees the table and the control block. */
void mcsec_shm_replay_destroy(mcsec_shm_replay_t *r);

/* Sets the bound to max_entries (> 0). Growing beyond the table's capacity
 * moves the live entries into a new, larger table; shrinking only lowers
 * the bound, so no recorded ID is ever forgotten early (the cache answers
 * FULL until enough entries expired). Idempotent; any process may call it.
 * Returns 0, or -1 when shared memory is short (the previous table and
 * bound stay) or max_entries is 0. */
int mcsec_shm_replay_configure(mcsec_shm_replay_t *r, size_t max_entries);

/* This process's interface for libmcsec; NULL when the shared cache is
 * missing or the hash cannot be set up in this process (callers refuse). */
mcsec_replay_cache_t *mcsec_shm_replay_cache(mcsec_shm_replay_t *r);

/* Live entries at now (for logs and stats). */
size_t mcsec_shm_replay_count(const mcsec_shm_replay_t *r, int64_t now);

/* The same, and per owner (partner) into out (mcsec_replay_owner_live()
 * reads a partner's count from it). */
size_t mcsec_shm_replay_count_owners(const mcsec_shm_replay_t *r, int64_t now,
                                     mcsec_replay_owner_count_t out[MCSEC_REPLAY_OWNERS]);

#endif
