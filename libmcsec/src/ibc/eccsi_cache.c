/* The signer cache of ECCSI verification (eccsi_cache.h): HS and
 * Y = [HS]PVT + KPAK per exact (KPAK, ID, PVT), bounded, clock replacement. */
#include <string.h>

#include <openssl/crypto.h>

#include "eccsi_cache.h"

mcsec_err_t eccsi_cache_init(eccsi_cache_t *cache, const eccsi_curve_t *curve)
{
    memset(cache, 0, sizeof(*cache));
    if (pthread_mutex_init(&cache->lock, NULL) != 0) {
        return MCSEC_ERR_NOMEM;
    }
    for (size_t i = 0; i < ECCSI_CACHE_SLOTS; i++) {
        cache->slots[i].y = EC_POINT_new(curve->group);
        if (cache->slots[i].y == NULL) {
            return MCSEC_ERR_NOMEM;
        }
    }
    return MCSEC_OK;
}

void eccsi_cache_clear(eccsi_cache_t *cache)
{
    for (size_t i = 0; i < ECCSI_CACHE_SLOTS; i++) {
        EC_POINT_free(cache->slots[i].y);
    }
    pthread_mutex_destroy(&cache->lock);
    memset(cache, 0, sizeof(*cache));
}

static uint64_t pvt_tag(const uint8_t pvt[ECCSI_POINT])
{
    uint64_t tag;
    memcpy(&tag, pvt + 1, sizeof(tag));
    return tag;
}

/* The slot holding exactly (kpak, id, pvt), or NULL. Called locked. */
static eccsi_cache_slot_t *find(eccsi_cache_t *cache, const uint8_t kpak[ECCSI_POINT],
                                const uint8_t *id, size_t id_len, const uint8_t pvt[ECCSI_POINT])
{
    uint64_t tag = pvt_tag(pvt);
    for (size_t i = 0; i < ECCSI_CACHE_SLOTS; i++) {
        eccsi_cache_slot_t *slot = &cache->slots[i];
        if (!slot->used || slot->tag != tag || slot->id_len != id_len) {
            continue;
        }
        if (CRYPTO_memcmp(slot->pvt, pvt, ECCSI_POINT) == 0 &&
            CRYPTO_memcmp(slot->kpak, kpak, ECCSI_POINT) == 0 &&
            (id_len == 0 || CRYPTO_memcmp(slot->id, id, id_len) == 0)) {
            return slot;
        }
    }
    return NULL;
}

int eccsi_cache_get(eccsi_cache_t *cache, const uint8_t kpak[ECCSI_POINT], const uint8_t *id,
                    size_t id_len, const uint8_t pvt[ECCSI_POINT], uint8_t hs[ECCSI_N], EC_POINT *y)
{
    int hit = 0;
    if (id_len > ECCSI_CACHE_ID_MAX || pthread_mutex_lock(&cache->lock) != 0) {
        return 0;
    }
    eccsi_cache_slot_t *slot = find(cache, kpak, id, id_len, pvt);
    if (slot != NULL && EC_POINT_copy(y, slot->y) == 1) {
        memcpy(hs, slot->hs, ECCSI_N);
        slot->referenced = 1;
        hit = 1;
    }
    if (hit) {
        cache->hits++;
    } else {
        cache->misses++;
    }
    pthread_mutex_unlock(&cache->lock);
    return hit;
}

/* The clock's victim: the first free slot or the first not referenced
 * since the hand last passed it. Called locked. */
static eccsi_cache_slot_t *victim(eccsi_cache_t *cache)
{
    for (;;) {
        eccsi_cache_slot_t *slot = &cache->slots[cache->hand];
        cache->hand = (cache->hand + 1) % ECCSI_CACHE_SLOTS;
        if (!slot->used || !slot->referenced) {
            return slot;
        }
        slot->referenced = 0;
    }
}

void eccsi_cache_put(eccsi_cache_t *cache, const uint8_t kpak[ECCSI_POINT], const uint8_t *id,
                     size_t id_len, const uint8_t pvt[ECCSI_POINT], const uint8_t hs[ECCSI_N],
                     const EC_POINT *y)
{
    if (id_len > ECCSI_CACHE_ID_MAX || pthread_mutex_lock(&cache->lock) != 0) {
        return;
    }
    /* Another thread may have stored the same signer meanwhile. */
    if (find(cache, kpak, id, id_len, pvt) == NULL) {
        eccsi_cache_slot_t *slot = victim(cache);
        slot->used = 0;
        if (EC_POINT_copy(slot->y, y) == 1) {
            memcpy(slot->kpak, kpak, ECCSI_POINT);
            memcpy(slot->pvt, pvt, ECCSI_POINT);
            if (id_len > 0) {
                memcpy(slot->id, id, id_len);
            }
            slot->id_len = id_len;
            memcpy(slot->hs, hs, ECCSI_N);
            slot->tag = pvt_tag(pvt);
            slot->referenced = 0;
            slot->used = 1;
        }
    }
    pthread_mutex_unlock(&cache->lock);
}

void eccsi_cache_stats(eccsi_cache_t *cache, uint64_t *hits, uint64_t *misses)
{
    if (pthread_mutex_lock(&cache->lock) != 0) {
        *hits = *misses = 0;
        return;
    }
    *hits = cache->hits;
    *misses = cache->misses;
    pthread_mutex_unlock(&cache->lock);
}
