/* Shared-memory replay caches: see mcsec_shm_replay.h. */
#include <stdbool.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/dprint.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"

#include "mcsec_shm_replay.h"

/* libmcsec's limit for the in-process cache; the policy loader keeps the
 * configured sizes below it. */
#define REPLAY_MAX_ENTRIES ((size_t)1 << 24)
#define REPLAY_KEY_LEN 16

typedef struct {
    uint8_t id[MCSEC_REPLAY_ID_LEN];
    int64_t expiry;
    uint64_t hash; /* kept so that a rebuild needs no rehashing */
    uint8_t used;
} replay_slot_t;

struct mcsec_shm_replay_table {
    gen_lock_t lock;                  /* guards everything below */
    uint8_t hash_key[REPLAY_KEY_LEN]; /* constant after mod_init */
    size_t max_entries;               /* bound on used slots; 0 = no table yet */
    size_t mask;                      /* capacity - 1, capacity >= 2 * bound */
    replay_slot_t *slots;             /* shm, capacity slots */
    replay_slot_t *spare;             /* shm, same size: target of rebuilds */
    size_t occupied;                  /* used slots, live or expired */
    int64_t min_expiry;               /* lower bound of the used slots' expiries */
};
typedef struct mcsec_shm_replay_table shm_replay_t;

/* SipHash-2-4 of id under the shared key into *hash. Returns false when
 * OpenSSL fails. Runs outside the lock. */
static bool keyed_hash(EVP_MAC_CTX *mac, const uint8_t id[MCSEC_REPLAY_ID_LEN], uint64_t *hash)
{
    uint8_t out[8];
    size_t out_len = 0;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(mac);
    bool ok = ctx != NULL && EVP_MAC_update(ctx, id, MCSEC_REPLAY_ID_LEN) == 1 &&
              EVP_MAC_final(ctx, out, &out_len, sizeof(out)) == 1 && out_len == sizeof(out);
    EVP_MAC_CTX_free(ctx);
    if (!ok) {
        return false;
    }
    uint64_t h = 0;
    for (size_t i = 0; i < sizeof(out); i++) {
        h = (h << 8) | out[i];
    }
    *hash = h;
    return true;
}

/* Copies the live entries of from (from_mask + 1 slots) into to (to_mask +
 * 1 slots, zeroed here). Returns the number copied and sets *min_expiry.
 * Caller holds the lock; to has room (capacity >= 2 x live). */
static size_t move_live(const replay_slot_t *from, size_t from_mask, replay_slot_t *to,
                        size_t to_mask, int64_t now, int64_t *min_expiry)
{
    memset(to, 0, (to_mask + 1) * sizeof(replay_slot_t));
    size_t live = 0;
    int64_t lowest = INT64_MAX;
    for (size_t i = 0; i <= from_mask; i++) {
        const replay_slot_t *slot = &from[i];
        if (!slot->used || slot->expiry <= now) {
            continue;
        }
        size_t idx = (size_t)slot->hash & to_mask;
        while (to[idx].used) {
            idx = (idx + 1) & to_mask;
        }
        to[idx] = *slot;
        live++;
        if (slot->expiry < lowest) {
            lowest = slot->expiry;
        }
    }
    *min_expiry = lowest;
    return live;
}

/* Drops expired entries by moving the live ones into the spare table.
 * Caller holds the lock. */
static void rebuild(shm_replay_t *cache, int64_t now)
{
    cache->occupied =
        move_live(cache->slots, cache->mask, cache->spare, cache->mask, now, &cache->min_expiry);
    replay_slot_t *old = cache->slots;
    cache->slots = cache->spare;
    cache->spare = old;
}

/* Records id in slot. Caller holds the lock. */
static void store(shm_replay_t *cache, replay_slot_t *slot, const uint8_t id[MCSEC_REPLAY_ID_LEN],
                  uint64_t hash, int64_t expiry)
{
    memcpy(slot->id, id, MCSEC_REPLAY_ID_LEN);
    slot->hash = hash;
    slot->expiry = expiry;
    slot->used = 1;
    if (expiry < cache->min_expiry) {
        cache->min_expiry = expiry;
    }
}

/* The lookup-and-record of replay.h under the lock. */
static mcsec_replay_result_t seen_or_insert_locked(shm_replay_t *cache,
                                                   const uint8_t id[MCSEC_REPLAY_ID_LEN],
                                                   uint64_t hash, int64_t expiry, int64_t now)
{
    if (cache->slots == NULL || cache->max_entries == 0) {
        return MCSEC_REPLAY_FULL;
    }
    for (int pass = 0; pass < 2; pass++) {
        size_t idx = (size_t)hash & cache->mask;
        replay_slot_t *reusable = NULL;
        for (; cache->slots[idx].used; idx = (idx + 1) & cache->mask) {
            replay_slot_t *slot = &cache->slots[idx];
            if (slot->hash == hash && memcmp(slot->id, id, MCSEC_REPLAY_ID_LEN) == 0) {
                if (slot->expiry > now) {
                    return MCSEC_REPLAY_REPLAY;
                }
                store(cache, slot, id, hash, expiry);
                return MCSEC_REPLAY_NEW;
            }
            if (reusable == NULL && slot->expiry <= now) {
                reusable = slot;
            }
        }
        /* The ID is in no slot of its probe sequence. */
        if (reusable != NULL) {
            store(cache, reusable, id, hash, expiry);
            return MCSEC_REPLAY_NEW;
        }
        if (cache->occupied < cache->max_entries) {
            store(cache, &cache->slots[idx], id, hash, expiry);
            cache->occupied++;
            return MCSEC_REPLAY_NEW;
        }
        if (pass > 0 || now < cache->min_expiry) {
            break; /* nothing can have expired: really full */
        }
        rebuild(cache, now);
    }
    return MCSEC_REPLAY_FULL;
}

/* replay.h seen_or_insert over the shared table; FULL whenever the answer
 * cannot be trusted (no table, hash failure). The signature is the
 * interface's, hence the non-const iface. */
// cppcheck-suppress constParameter
static mcsec_replay_result_t shm_seen_or_insert(mcsec_replay_cache_t *iface,
                                                const uint8_t id[MCSEC_REPLAY_ID_LEN],
                                                int64_t expiry, int64_t now)
{
    mcsec_shm_replay_t *r = (mcsec_shm_replay_t *)iface; /* iface is r's first member */
    shm_replay_t *shm_replay = r->shared;
    uint64_t hash;
    if (shm_replay == NULL || r->mac == NULL || id == NULL || !keyed_hash(r->mac, id, &hash)) {
        return MCSEC_REPLAY_FULL;
    }
    lock_get(&shm_replay->lock);
    mcsec_replay_result_t result = seen_or_insert_locked(shm_replay, id, hash, expiry, now);
    lock_release(&shm_replay->lock);
    return result;
}

/* The interface object is static per process: nothing to free. */
static void shm_destroy(mcsec_replay_cache_t *iface)
{
    (void)iface;
}

/* Allocates the control block, its lock and the random hash key. */
int mcsec_shm_replay_init(mcsec_shm_replay_t *r, const char *what)
{
    memset(r, 0, sizeof(*r));
    r->what = what;
    shm_replay_t *shm_replay = shm_malloc(sizeof(*shm_replay));
    if (shm_replay == NULL) {
        SHM_MEM_ERROR;
        return -1;
    }
    memset(shm_replay, 0, sizeof(*shm_replay));
    shm_replay->min_expiry = INT64_MAX;
    if (lock_init(&shm_replay->lock) == NULL) {
        LM_ERR("mcsec: cannot initialise the %s replay cache lock\n", what);
        shm_free(shm_replay);
        return -1;
    }
    r->shared = shm_replay;
    if (RAND_priv_bytes(shm_replay->hash_key, sizeof(shm_replay->hash_key)) != 1) {
        LM_ERR("mcsec: no random key for the %s replay cache\n", what);
        mcsec_shm_replay_destroy(r);
        return -1;
    }
    return 0;
}

/* Frees the shared table and this process's hash context. */
void mcsec_shm_replay_destroy(mcsec_shm_replay_t *r)
{
    EVP_MAC_CTX_free(r->mac);
    r->mac = NULL;
    shm_replay_t *shm_replay = r->shared;
    if (shm_replay == NULL) {
        return;
    }
    if (shm_replay->slots != NULL) {
        shm_free(shm_replay->slots);
    }
    if (shm_replay->spare != NULL) {
        shm_free(shm_replay->spare);
    }
    OPENSSL_cleanse(shm_replay->hash_key, sizeof(shm_replay->hash_key));
    lock_destroy(&shm_replay->lock);
    shm_free(shm_replay);
    r->shared = NULL;
}

/* Allocates two zeroed tables of capacity slots; false when shm is short. */
static bool alloc_tables(size_t capacity, replay_slot_t **slots, replay_slot_t **spare)
{
    size_t bytes = capacity * sizeof(replay_slot_t);
    *slots = shm_malloc(bytes);
    *spare = shm_malloc(bytes);
    if (*slots == NULL || *spare == NULL) {
        if (*slots != NULL) {
            shm_free(*slots);
        }
        if (*spare != NULL) {
            shm_free(*spare);
        }
        return false;
    }
    memset(*slots, 0, bytes);
    memset(*spare, 0, bytes);
    return true;
}

/* Sets the bound; grows the table when needed (see the header). */
int mcsec_shm_replay_configure(mcsec_shm_replay_t *r, size_t max_entries)
{
    shm_replay_t *shm_replay = r->shared;
    if (shm_replay == NULL || max_entries == 0) {
        return -1;
    }
    if (max_entries > REPLAY_MAX_ENTRIES) {
        max_entries = REPLAY_MAX_ENTRIES;
    }
    size_t capacity = 2;
    while (capacity < 2 * max_entries) {
        capacity <<= 1;
    }
    int rc = 0;
    lock_get(&shm_replay->lock);
    if (shm_replay->slots == NULL || capacity > shm_replay->mask + 1) {
        replay_slot_t *slots = NULL;
        replay_slot_t *spare = NULL;
        if (!alloc_tables(capacity, &slots, &spare)) {
            rc = -1;
        } else {
            if (shm_replay->slots != NULL) {
                /* Expired entries may go; live ones move (now = 0 keeps
                 * every used slot, the next rebuild drops the stale ones). */
                shm_replay->occupied = move_live(shm_replay->slots, shm_replay->mask, slots,
                                                 capacity - 1, 0, &shm_replay->min_expiry);
                shm_free(shm_replay->slots);
                shm_free(shm_replay->spare);
            }
            shm_replay->slots = slots;
            shm_replay->spare = spare;
            shm_replay->mask = capacity - 1;
            shm_replay->max_entries = max_entries;
        }
    } else {
        shm_replay->max_entries = max_entries;
    }
    lock_release(&shm_replay->lock);
    if (rc != 0) {
        LM_ERR("mcsec: no shared memory for a %s replay cache of %zu entries; keeping "
               "the previous one\n",
               r->what, max_entries);
    }
    return rc;
}

/* This process's interface; sets up the keyed hash on first use. */
mcsec_replay_cache_t *mcsec_shm_replay_cache(mcsec_shm_replay_t *r)
{
    shm_replay_t *shm_replay = r->shared;
    if (shm_replay == NULL) {
        return NULL;
    }
    if (r->mac == NULL) {
        size_t out_size = 8;
        EVP_MAC *mac = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
        EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
        EVP_MAC_free(mac); /* the context holds its own reference */
        OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &out_size),
                               OSSL_PARAM_construct_end()};
        if (ctx == NULL ||
            EVP_MAC_init(ctx, shm_replay->hash_key, sizeof(shm_replay->hash_key), params) != 1) {
            EVP_MAC_CTX_free(ctx);
            LM_ERR("mcsec: cannot set up SipHash for the %s replay cache\n", r->what);
            return NULL;
        }
        r->mac = ctx;
        r->iface.seen_or_insert = shm_seen_or_insert;
        r->iface.destroy = shm_destroy;
    }
    return &r->iface;
}

/* Counts live entries under the lock. */
size_t mcsec_shm_replay_count(const mcsec_shm_replay_t *r, int64_t now)
{
    shm_replay_t *shm_replay = r->shared;
    if (shm_replay == NULL) {
        return 0;
    }
    size_t live = 0;
    lock_get(&shm_replay->lock);
    for (size_t i = 0; shm_replay->slots != NULL && i <= shm_replay->mask; i++) {
        live += shm_replay->slots[i].used && shm_replay->slots[i].expiry > now;
    }
    lock_release(&shm_replay->lock);
    return live;
}
