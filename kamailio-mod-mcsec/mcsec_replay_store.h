/* Which replay store the EAR and GMK checks of mcsec.so use, per policy
 * (system.replay.store): this node's shared-memory caches
 * (mcsec_ear_replay.h, mcsec_gmk_replay.h) or Redis, shared by the border
 * nodes (mcsec/util/replay_redis.h). The Redis connection is this
 * process's own, made on first use after the fork and remade when a reload
 * changes system.replay.redis; it is never shared across processes.
 *
 * Either store is handed to libmcsec through a partner view
 * (mcsec_replay_partner_t): the partner's name names its Redis keys, and
 * partners[].replay_quota (default: an equal share of the cache's
 * capacity) bounds the live IDs it may hold, so one partner cannot fill the
 * cache for the others (docs/high-availability.md). */
#ifndef MCSEC_REPLAY_STORE_H
#define MCSEC_REPLAY_STORE_H

#include "mcsec/policy/policy.h"
#include "mcsec/util/replay.h"

typedef enum { MCSEC_STORE_EAR = 0, MCSEC_STORE_GMK = 1 } mcsec_store_cache_t;

/* The view's storage, on the caller's stack. */
typedef struct {
    mcsec_replay_owner_t owner;
    mcsec_replay_partner_t view;
} mcsec_store_view_t;

/* The cache for partner's IDs of kind which under policy, as &out->view.base;
 * NULL when the store cannot be set up in this process (the caller
 * refuses). */
mcsec_replay_cache_t *mcsec_replay_store_for(const mcsec_policy_t *policy,
                                             const mcsec_partner_t *partner,
                                             mcsec_store_cache_t which, mcsec_store_view_t *out);

/* Logs alarm=replay.store_unavailable with the store's last error, at most
 * once every 10 s per process and cache; the rejection itself is counted
 * and logged by the caller under replay.store_unavailable. */
void mcsec_replay_store_unavailable(mcsec_store_cache_t which);

/* mod_destroy / process exit: closes this process's connections. */
void mcsec_replay_store_close(void);

#endif
