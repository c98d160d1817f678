/* The EAR replay cache: remembers EAR IDs until they can no longer pass the
 * freshness check.
 *
 * Contract: an interface of function pointers, so each deployment plugs in
 * the store that every verifier sees (the in-process table below for tools
 * and tests; a Kamailio shared-memory/htable one in mcsec.so; a replicated
 * store across border nodes). seen_or_insert atomically looks the 16-octet
 * ID up and, when absent or expired, records it until `expiry` (Unix
 * seconds). It answers FULL when it cannot record a new ID (bounded store
 * full, the partner over its quota, or the hash failed) and UNAVAILABLE
 * when a shared store (Redis, replay_redis.h) cannot be asked: the caller
 * must refuse the request either way, never let it through.
 *
 * A store may also take the owner of an ID (seen_or_insert_owned: the
 * partner it came from, for key names and per-partner quotas); callers
 * reach it through a partner view (mcsec_replay_partner_init below). */
#ifndef MCSEC_REPLAY_H
#define MCSEC_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcsec/util/status.h"

#define MCSEC_REPLAY_ID_LEN 16

typedef enum {
    MCSEC_REPLAY_NEW = 0,         /* not seen: now recorded */
    MCSEC_REPLAY_REPLAY = 1,      /* seen and not yet expired */
    MCSEC_REPLAY_FULL = 2,        /* cannot record: refuse */
    MCSEC_REPLAY_UNAVAILABLE = 3, /* the shared store did not answer: refuse */
} mcsec_replay_result_t;

/* Who an ID is recorded for. */
typedef struct {
    const char *partner; /* the partner's name (policy partners[].name) */
    size_t quota;        /* live entries this partner may hold; 0 = no quota */
    /* Hook for overload control: a priority request may use a share kept
     * for it. Stores take it as given; no store keeps a reserved share yet. */
    bool reserved;
} mcsec_replay_owner_t;

typedef struct mcsec_replay_cache mcsec_replay_cache_t;

struct mcsec_replay_cache {
    mcsec_replay_result_t (*seen_or_insert)(mcsec_replay_cache_t *cache,
                                            const uint8_t id[MCSEC_REPLAY_ID_LEN], int64_t expiry,
                                            int64_t now);
    void (*destroy)(mcsec_replay_cache_t *cache); /* NULL-safe through mcsec_replay_free */
    /* Optional (NULL: no owners, no quotas): the same, for owner; FULL when
     * the ID is new and owner->quota live entries of owner are recorded. */
    mcsec_replay_result_t (*seen_or_insert_owned)(mcsec_replay_cache_t *cache,
                                                  const mcsec_replay_owner_t *owner,
                                                  const uint8_t id[MCSEC_REPLAY_ID_LEN],
                                                  int64_t expiry, int64_t now);
};

/* In-process implementation: at most max_entries live IDs (1..2^24), a
 * hash table keyed with a random SipHash key (so IDs chosen by a sender
 * cannot force collisions), expired entries reclaimed when room is needed.
 * Not thread-safe: one per process or behind the caller's lock. */
mcsec_err_t mcsec_replay_mem_new(size_t max_entries, mcsec_replay_cache_t **out);

/* Number of live (unexpired at `now`) entries, for stats and tests; only
 * for caches made by mcsec_replay_mem_new. */
size_t mcsec_replay_mem_count(const mcsec_replay_cache_t *cache, int64_t now);

/* Calls cache->destroy; NULL is a no-op. */
void mcsec_replay_free(mcsec_replay_cache_t *cache);

/* A view of a cache for the messages of one scope (a SIP transaction: its
 * retransmissions carry the same payload again): a payload first accepted
 * in this scope is not a replay when it comes again in the same scope; one
 * seen before in another scope (or first refused here) is. Two IDs go
 * into inner: the payload's own ID (shared with every other check) and a
 * scope mark SHA-256(scope || ID), recorded only when the payload is new.
 * A repeat in the scope finds the mark by looking it up with expiry = now,
 * which the contract above never keeps live. Lives on the caller's stack;
 * nothing to free. docs/gmk.md "Replies". */
typedef struct {
    mcsec_replay_cache_t base; /* pass &view.base as the cache */
    mcsec_replay_cache_t *inner;
    uint8_t scope[32]; /* SHA-256 of the scope text */
} mcsec_replay_scoped_t;

/* Sets up view over inner for the scope text (any octets, e.g. Call-ID,
 * CSeq and top Via branch of a reply). MCSEC_ERR_ARG on NULL arguments,
 * MCSEC_ERR_INVALID when hashing fails. */
mcsec_err_t mcsec_replay_scoped_init(mcsec_replay_scoped_t *view, mcsec_replay_cache_t *inner,
                                     const void *scope, size_t scope_len);

/* A view of a cache for the IDs of one partner: its seen_or_insert calls
 * inner's seen_or_insert_owned with owner (or plain seen_or_insert when
 * inner has none). owner (and its partner string) must outlive the view.
 * Lives on the caller's stack; nothing to free. */
typedef struct {
    mcsec_replay_cache_t base; /* pass &view.base as the cache */
    mcsec_replay_cache_t *inner;
    const mcsec_replay_owner_t *owner;
} mcsec_replay_partner_t;

/* MCSEC_ERR_ARG on NULL arguments. */
mcsec_err_t mcsec_replay_partner_init(mcsec_replay_partner_t *view, mcsec_replay_cache_t *inner,
                                      const mcsec_replay_owner_t *owner);

/* The equal share of capacity among partner_count partners (at least 1);
 * the default quota when partners[].replay_quota is 0. */
size_t mcsec_replay_default_quota(size_t capacity, size_t partner_count);

#endif
