/* Shared-memory replay caches: see mcsec_shm_replay.h. */
#include <stdbool.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/dprint.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"

#include "mcsec/util/replay_table.h"

#include "mcsec_log.h"
#include "mcsec_shm_replay.h"

struct mcsec_shm_replay_table {
    gen_lock_t lock;                        /* guards everything below */
    uint8_t hash_key[MCSEC_REPLAY_KEY_LEN]; /* constant after mod_init */
    /* Slots and spare in shm; none, and a bound of 0, before configure. */
    mcsec_replay_table_t table;
};
typedef struct mcsec_shm_replay_table shm_replay_t;

/* The lookup-and-record of replay.h under the lock, for the owner (tag 0:
 * none) under its quota. */
static mcsec_replay_result_t seen_or_insert_locked(shm_replay_t *cache, uint64_t tag, size_t quota,
                                                   const uint8_t id[MCSEC_REPLAY_ID_LEN],
                                                   uint64_t hash, int64_t expiry, int64_t now)
{
    if (cache->table.slots == NULL || cache->table.max_entries == 0) {
        return MCSEC_REPLAY_FULL;
    }
    return mcsec_replay_table_seen_or_insert_owned(&cache->table, tag, quota, id, hash, expiry,
                                                   now);
}

/* replay.h seen_or_insert_owned over the shared table; FULL whenever the
 * answer cannot be trusted (no table, hash failure). The signature is the
 * interface's, hence the non-const iface. */
// cppcheck-suppress constParameter
static mcsec_replay_result_t shm_seen_or_insert_owned(mcsec_replay_cache_t *iface,
                                                      const mcsec_replay_owner_t *owner,
                                                      const uint8_t id[MCSEC_REPLAY_ID_LEN],
                                                      int64_t expiry, int64_t now)
{
    mcsec_shm_replay_t *r = (mcsec_shm_replay_t *)iface; /* iface is r's first member */
    shm_replay_t *shm_replay = r->shared;
    uint64_t hash;
    if (shm_replay == NULL || r->mac == NULL || id == NULL ||
        !mcsec_replay_hash(r->mac, id, &hash)) {
        return MCSEC_REPLAY_FULL;
    }
    uint64_t tag = owner != NULL ? mcsec_replay_owner_tag(owner->partner) : 0;
    size_t quota = owner != NULL ? owner->quota : 0;
    lock_get(&shm_replay->lock);
    mcsec_replay_result_t result =
        seen_or_insert_locked(shm_replay, tag, quota, id, hash, expiry, now);
    lock_release(&shm_replay->lock);
    return result;
}

// cppcheck-suppress constParameter
static mcsec_replay_result_t shm_seen_or_insert(mcsec_replay_cache_t *iface,
                                                const uint8_t id[MCSEC_REPLAY_ID_LEN],
                                                int64_t expiry, int64_t now)
{
    return shm_seen_or_insert_owned(iface, NULL, id, expiry, now);
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
        mcsec_logf(MCSEC_LOG_ERROR, "memory", "out of shared memory");
        return -1;
    }
    memset(shm_replay, 0, sizeof(*shm_replay));
    shm_replay->table.min_expiry = INT64_MAX;
    if (lock_init(&shm_replay->lock) == NULL) {
        mcsec_logf(MCSEC_LOG_ERROR, "replay", "cannot initialise the %s replay cache lock", what);
        shm_free(shm_replay);
        return -1;
    }
    r->shared = shm_replay;
    if (RAND_priv_bytes(shm_replay->hash_key, sizeof(shm_replay->hash_key)) != 1) {
        mcsec_logf(MCSEC_LOG_ERROR, "replay", "no random key for the %s replay cache", what);
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
    if (shm_replay->table.slots != NULL) {
        shm_free(shm_replay->table.slots);
    }
    if (shm_replay->table.spare != NULL) {
        shm_free(shm_replay->table.spare);
    }
    OPENSSL_cleanse(shm_replay->hash_key, sizeof(shm_replay->hash_key));
    lock_destroy(&shm_replay->lock);
    shm_free(shm_replay);
    r->shared = NULL;
}

/* Allocates two zeroed tables of capacity slots; false when shm is short. */
static bool alloc_tables(size_t capacity, mcsec_replay_slot_t **slots, mcsec_replay_slot_t **spare)
{
    size_t bytes = capacity * sizeof(mcsec_replay_slot_t);
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
    if (max_entries > MCSEC_REPLAY_MAX_ENTRIES) {
        max_entries = MCSEC_REPLAY_MAX_ENTRIES;
    }
    size_t capacity = mcsec_replay_table_capacity(max_entries);
    int rc = 0;
    lock_get(&shm_replay->lock);
    mcsec_replay_table_t *table = &shm_replay->table;
    if (table->slots == NULL || capacity > table->mask + 1) {
        mcsec_replay_slot_t *slots = NULL;
        mcsec_replay_slot_t *spare = NULL;
        if (!alloc_tables(capacity, &slots, &spare)) {
            rc = -1;
        } else {
            if (table->slots != NULL) {
                /* Expired entries may go; live ones move (now = 0 keeps
                 * every used slot, the next rebuild drops the stale ones). */
                table->occupied = mcsec_replay_table_move_live(table->slots, table->mask, slots,
                                                               capacity - 1, 0, &table->min_expiry);
                shm_free(table->slots);
                shm_free(table->spare);
            }
            table->slots = slots;
            table->spare = spare;
            table->mask = capacity - 1;
            table->max_entries = max_entries;
            mcsec_replay_table_recount(table);
        }
    } else {
        table->max_entries = max_entries;
    }
    lock_release(&shm_replay->lock);
    if (rc != 0) {
        mcsec_logf(
            MCSEC_LOG_ERROR, "replay",
            "no shared memory for a %s replay cache of %zu entries; keeping the previous one",
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
        EVP_MAC_CTX *ctx = mcsec_replay_mac_new(shm_replay->hash_key);
        if (ctx == NULL) {
            mcsec_logf(MCSEC_LOG_ERROR, "replay", "cannot set up SipHash for the %s replay cache",
                       r->what);
            return NULL;
        }
        r->mac = ctx;
        r->iface.seen_or_insert = shm_seen_or_insert;
        r->iface.destroy = shm_destroy;
        r->iface.seen_or_insert_owned = shm_seen_or_insert_owned;
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
    lock_get(&shm_replay->lock);
    size_t live = mcsec_replay_table_count(&shm_replay->table, now);
    lock_release(&shm_replay->lock);
    return live;
}

size_t mcsec_shm_replay_count_owners(const mcsec_shm_replay_t *r, int64_t now,
                                     mcsec_replay_owner_count_t out[MCSEC_REPLAY_OWNERS])
{
    shm_replay_t *shm_replay = r->shared;
    if (shm_replay == NULL) {
        memset(out, 0, sizeof(mcsec_replay_owner_count_t) * MCSEC_REPLAY_OWNERS);
        return 0;
    }
    lock_get(&shm_replay->lock);
    size_t live = mcsec_replay_table_count_owners(&shm_replay->table, now, out);
    lock_release(&shm_replay->lock);
    return live;
}
