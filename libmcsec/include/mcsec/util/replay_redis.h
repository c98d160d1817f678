/* A replay cache (replay.h) in Redis, shared by the border nodes of one
 * system: every ID is a key `<namespace>:<partner>:<cache>:<hex ID>`
 * recorded with `SET key 1 NX PX <ms>` (atomic insert-if-absent with
 * expiry). With a quota (mcsec_replay_owner_t.quota) the insert runs as
 * one Lua script that also keeps the partner's live IDs in a sorted set
 * `<namespace>:<partner>:<cache>:#live` (score = expiry in ms) and answers
 * FULL when the partner holds quota live IDs; a recorded ID is never
 * dropped early (docs/high-availability.md "Shared replay store").
 *
 * One connection per cache object, made on first use in the process that
 * uses it (so after the fork: never share an object across processes),
 * with connect and command timeouts of timeout_ms. A failed or erroring
 * connection is closed; the next call reconnects, at most once per
 * second, and every call until then answers UNAVAILABLE (the caller
 * refuses with replay.store_unavailable, 503). With wait_replicas N > 0 a
 * new ID is only NEW once `WAIT N timeout_ms` counted N replicas.
 *
 * hiredis 0.14 has no TLS: the address is a unix socket path or host:port
 * on the node or inside the IPsec/host network. */
#ifndef MCSEC_REPLAY_REDIS_H
#define MCSEC_REPLAY_REDIS_H

#include <stddef.h>
#include <stdint.h>

#include "mcsec/util/replay.h"
#include "mcsec/util/status.h"

typedef struct {
    const char *address;    /* "/path/to/socket" or "host:port" ("[v6]:port") */
    unsigned timeout_ms;    /* connect and command timeout, > 0 */
    const char *ns;         /* key namespace: our system's name */
    const char *cache;      /* "ear", "gmk": the cache's part of the key */
    unsigned wait_replicas; /* 0 = off */
} mcsec_replay_redis_config_t;

/* Copies config (no connection yet). MCSEC_ERR_ARG when a field is missing
 * or the address is not a path or host:port; MCSEC_ERR_NOMEM. */
mcsec_err_t mcsec_replay_redis_new(const mcsec_replay_redis_config_t *config,
                                   mcsec_replay_cache_t **out);

/* Counters of this object since it was made, for logs, stats and tests. */
typedef struct {
    uint64_t connects; /* successful connections */
    uint64_t failures; /* calls answered UNAVAILABLE */
} mcsec_replay_redis_stats_t;

/* Zeroes when cache was not made by mcsec_replay_redis_new. */
mcsec_replay_redis_stats_t mcsec_replay_redis_stats(const mcsec_replay_cache_t *cache);

/* The last error text of the connection ("" when none): for log lines. */
const char *mcsec_replay_redis_error(const mcsec_replay_cache_t *cache);

#endif
