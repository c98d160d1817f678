/* In-process EAR replay cache: the replay table (replay_table.h) on the
 * heap, keyed by SipHash-2-4 with a random key (the EAR ID is chosen by the
 * sender). The table never grows and a full cache answers FULL instead of
 * forgetting. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "mcsec/util/replay.h"
#include "mcsec/util/replay_table.h"

typedef struct {
    mcsec_replay_cache_t iface; /* first: the interface pointer is the object */
    mcsec_replay_table_t table; /* slots and spare on the heap */
    EVP_MAC_CTX *mac;           /* keyed template, duplicated per hash */
} mem_cache_t;

static mcsec_replay_result_t mem_seen_or_insert_owned(mcsec_replay_cache_t *iface,
                                                      const mcsec_replay_owner_t *owner,
                                                      const uint8_t id[MCSEC_REPLAY_ID_LEN],
                                                      int64_t expiry, int64_t now)
{
    mem_cache_t *cache = (mem_cache_t *)iface;
    uint64_t hash;
    if (cache == NULL || id == NULL || !mcsec_replay_hash(cache->mac, id, &hash)) {
        return MCSEC_REPLAY_FULL; /* cannot tell: fail closed */
    }
    uint64_t tag = owner != NULL ? mcsec_replay_owner_tag(owner->partner) : 0;
    size_t quota = owner != NULL ? owner->quota : 0;
    return mcsec_replay_table_seen_or_insert_owned(&cache->table, tag, quota, id, hash, expiry,
                                                   now);
}

static mcsec_replay_result_t mem_seen_or_insert(mcsec_replay_cache_t *iface,
                                                const uint8_t id[MCSEC_REPLAY_ID_LEN],
                                                int64_t expiry, int64_t now)
{
    return mem_seen_or_insert_owned(iface, NULL, id, expiry, now);
}

static void mem_destroy(mcsec_replay_cache_t *iface)
{
    mem_cache_t *cache = (mem_cache_t *)iface;
    if (cache == NULL) {
        return;
    }
    EVP_MAC_CTX_free(cache->mac);
    free(cache->table.slots);
    free(cache->table.spare);
    free(cache);
}

/* A SipHash-2-4 context with a fresh random key. */
static EVP_MAC_CTX *new_keyed_mac(void)
{
    uint8_t key[MCSEC_REPLAY_KEY_LEN];
    EVP_MAC_CTX *ctx = NULL;
    if (RAND_priv_bytes(key, sizeof(key)) == 1) {
        ctx = mcsec_replay_mac_new(key);
    }
    OPENSSL_cleanse(key, sizeof(key));
    return ctx;
}

mcsec_err_t mcsec_replay_mem_new(size_t max_entries, mcsec_replay_cache_t **out)
{
    if (out == NULL || max_entries == 0 || max_entries > MCSEC_REPLAY_MAX_ENTRIES) {
        return MCSEC_ERR_ARG;
    }
    *out = NULL;
    size_t capacity = mcsec_replay_table_capacity(max_entries);
    mem_cache_t *cache = calloc(1, sizeof(*cache));
    if (cache == NULL) {
        return MCSEC_ERR_NOMEM;
    }
    cache->iface.seen_or_insert = mem_seen_or_insert;
    cache->iface.destroy = mem_destroy;
    cache->iface.seen_or_insert_owned = mem_seen_or_insert_owned;
    cache->table.max_entries = max_entries;
    cache->table.mask = capacity - 1;
    cache->table.min_expiry = INT64_MAX;
    cache->table.slots = calloc(capacity, sizeof(mcsec_replay_slot_t));
    cache->table.spare = calloc(capacity, sizeof(mcsec_replay_slot_t));
    cache->mac = new_keyed_mac();
    if (cache->table.slots == NULL || cache->table.spare == NULL || cache->mac == NULL) {
        mem_destroy(&cache->iface);
        return MCSEC_ERR_NOMEM;
    }
    *out = &cache->iface;
    return MCSEC_OK;
}

size_t mcsec_replay_mem_count(const mcsec_replay_cache_t *iface, int64_t now)
{
    if (iface == NULL || iface->seen_or_insert != mem_seen_or_insert) {
        return 0;
    }
    const mem_cache_t *cache = (const mem_cache_t *)iface;
    return mcsec_replay_table_count(&cache->table, now);
}

size_t mcsec_replay_mem_count_owners(const mcsec_replay_cache_t *iface, int64_t now,
                                     mcsec_replay_owner_count_t out[MCSEC_REPLAY_OWNERS])
{
    if (iface == NULL || iface->seen_or_insert != mem_seen_or_insert) {
        memset(out, 0, sizeof(mcsec_replay_owner_count_t) * MCSEC_REPLAY_OWNERS);
        return 0;
    }
    const mem_cache_t *cache = (const mem_cache_t *)iface;
    return mcsec_replay_table_count_owners(&cache->table, now, out);
}

void mcsec_replay_free(mcsec_replay_cache_t *cache)
{
    if (cache != NULL && cache->destroy != NULL) {
        cache->destroy(cache);
    }
}
