/* In-process EAR replay cache: open addressing with linear probing over a
 * table at most half full, keyed by SipHash-2-4 with a random key (the EAR
 * ID is chosen by the sender). Expired entries are reused in place while
 * probing and dropped by a rebuild when the live limit is reached, so the
 * table never grows and a full cache answers FULL instead of forgetting. */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "mcsec/replay.h"

#define MAX_ENTRIES_LIMIT ((size_t)1 << 24)

typedef struct {
    uint8_t id[MCSEC_REPLAY_ID_LEN];
    int64_t expiry;
    uint64_t hash; /* kept so a rebuild needs no rehashing */
    uint8_t used;
} slot_t;

typedef struct {
    mcsec_replay_cache_t iface; /* first: the interface pointer is the object */
    size_t max_entries;
    size_t mask; /* capacity - 1, capacity a power of two >= 2 * max_entries */
    slot_t *slots;
    slot_t *spare;      /* same size, target of rebuilds */
    size_t occupied;    /* used slots, live or expired */
    int64_t min_expiry; /* lower bound of the expiries of used slots */
    EVP_MAC_CTX *mac;   /* keyed template, duplicated per hash */
} mem_cache_t;

static int keyed_hash(const mem_cache_t *cache, const uint8_t id[MCSEC_REPLAY_ID_LEN],
                      uint64_t *hash)
{
    uint8_t out[8];
    size_t out_len = 0;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(cache->mac);
    int ok = ctx != NULL && EVP_MAC_update(ctx, id, MCSEC_REPLAY_ID_LEN) == 1 &&
             EVP_MAC_final(ctx, out, &out_len, sizeof(out)) == 1 && out_len == sizeof(out);
    EVP_MAC_CTX_free(ctx);
    if (!ok) {
        return 0;
    }
    uint64_t h = 0;
    for (size_t i = 0; i < sizeof(out); i++) {
        h = (h << 8) | out[i];
    }
    *hash = h;
    return 1;
}

/* Moves the live entries into the spare table and swaps. */
static void rebuild(mem_cache_t *cache, int64_t now)
{
    size_t capacity = cache->mask + 1;
    memset(cache->spare, 0, capacity * sizeof(slot_t));
    size_t live = 0;
    int64_t min_expiry = INT64_MAX;
    for (size_t i = 0; i < capacity; i++) {
        const slot_t *slot = &cache->slots[i];
        if (!slot->used || slot->expiry <= now) {
            continue;
        }
        size_t idx = (size_t)slot->hash & cache->mask;
        while (cache->spare[idx].used) {
            idx = (idx + 1) & cache->mask;
        }
        cache->spare[idx] = *slot;
        live++;
        if (slot->expiry < min_expiry) {
            min_expiry = slot->expiry;
        }
    }
    slot_t *old = cache->slots;
    cache->slots = cache->spare;
    cache->spare = old;
    cache->occupied = live;
    cache->min_expiry = min_expiry;
}

static void store(mem_cache_t *cache, slot_t *slot, const uint8_t id[MCSEC_REPLAY_ID_LEN],
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

static mcsec_replay_result_t mem_seen_or_insert(mcsec_replay_cache_t *iface,
                                                const uint8_t id[MCSEC_REPLAY_ID_LEN],
                                                int64_t expiry, int64_t now)
{
    mem_cache_t *cache = (mem_cache_t *)iface;
    uint64_t hash;
    if (cache == NULL || id == NULL || !keyed_hash(cache, id, &hash)) {
        return MCSEC_REPLAY_FULL; /* cannot tell: fail closed */
    }
    for (int pass = 0; pass < 2; pass++) {
        size_t idx = (size_t)hash & cache->mask;
        slot_t *reusable = NULL;
        for (; cache->slots[idx].used; idx = (idx + 1) & cache->mask) {
            slot_t *slot = &cache->slots[idx];
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

static void mem_destroy(mcsec_replay_cache_t *iface)
{
    mem_cache_t *cache = (mem_cache_t *)iface;
    if (cache == NULL) {
        return;
    }
    EVP_MAC_CTX_free(cache->mac);
    free(cache->slots);
    free(cache->spare);
    free(cache);
}

/* A SipHash-2-4 context with a fresh random key and 8-octet output. */
static EVP_MAC_CTX *new_keyed_mac(void)
{
    uint8_t key[16];
    size_t out_size = 8;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
    EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
    EVP_MAC_free(mac); /* the context holds its own reference */
    OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &out_size),
                           OSSL_PARAM_construct_end()};
    if (ctx == NULL || RAND_priv_bytes(key, sizeof(key)) != 1 ||
        EVP_MAC_init(ctx, key, sizeof(key), params) != 1) {
        EVP_MAC_CTX_free(ctx);
        ctx = NULL;
    }
    OPENSSL_cleanse(key, sizeof(key));
    return ctx;
}

mcsec_err_t mcsec_replay_mem_new(size_t max_entries, mcsec_replay_cache_t **out)
{
    if (out == NULL || max_entries == 0 || max_entries > MAX_ENTRIES_LIMIT) {
        return MCSEC_ERR_ARG;
    }
    *out = NULL;
    size_t capacity = 2;
    while (capacity < 2 * max_entries) {
        capacity <<= 1;
    }
    mem_cache_t *cache = calloc(1, sizeof(*cache));
    if (cache == NULL) {
        return MCSEC_ERR_NOMEM;
    }
    cache->iface.seen_or_insert = mem_seen_or_insert;
    cache->iface.destroy = mem_destroy;
    cache->max_entries = max_entries;
    cache->mask = capacity - 1;
    cache->min_expiry = INT64_MAX;
    cache->slots = calloc(capacity, sizeof(slot_t));
    cache->spare = calloc(capacity, sizeof(slot_t));
    cache->mac = new_keyed_mac();
    if (cache->slots == NULL || cache->spare == NULL || cache->mac == NULL) {
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
    size_t live = 0;
    for (size_t i = 0; i <= cache->mask; i++) {
        live += cache->slots[i].used && cache->slots[i].expiry > now;
    }
    return live;
}

void mcsec_replay_free(mcsec_replay_cache_t *cache)
{
    if (cache != NULL && cache->destroy != NULL) {
        cache->destroy(cache);
    }
}
