/* A bounded cache of the signer-only values of ECCSI verification
 * (RFC 6507 5.2.2 steps 1, 2 and 4): for one (KPAK, ID, PVT) the hash HS
 * and the identity point Y = [HS]PVT + KPAK, which depend on nothing else.
 *
 * Contract: an entry is found only when the KPAK, ID and PVT octets are all
 * equal to those it was stored with (compared in full with CRYPTO_memcmp;
 * a 64-bit tag taken from the PVT only picks the candidates). The cache has
 * ECCSI_CACHE_SLOTS entries and replaces by the clock algorithm (a slot used
 * since the hand last passed gets a second chance). Callers store only
 * values of a signature that verified, so a stream of forged signatures
 * cannot evict the signers seen before. Safe to use from several threads
 * (one mutex, held for the lookup or the store, never during a point
 * multiplication). Owned by the object that keeps the KPAK
 * (mcsec_eccsi_pub_t); no process-wide state. IDs longer than
 * ECCSI_CACHE_ID_MAX octets are never cached. */
#ifndef MCSEC_ECCSI_CACHE_H
#define MCSEC_ECCSI_CACHE_H

#include <pthread.h>
#include <stdint.h>

#include "eccsi_internal.h"

#define ECCSI_CACHE_SLOTS 64
#define ECCSI_CACHE_ID_MAX 64

typedef struct {
    uint64_t tag; /* PVT octets 1..8: a prefilter, never the key */
    uint8_t used;
    uint8_t referenced; /* the clock bit */
    uint8_t kpak[ECCSI_POINT];
    uint8_t pvt[ECCSI_POINT];
    uint8_t id[ECCSI_CACHE_ID_MAX];
    size_t id_len;
    uint8_t hs[ECCSI_N];
    EC_POINT *y;
} eccsi_cache_slot_t;

typedef struct {
    pthread_mutex_t lock;
    size_t hand;
    uint64_t hits;
    uint64_t misses;
    eccsi_cache_slot_t slots[ECCSI_CACHE_SLOTS];
} eccsi_cache_t;

/* Allocates the slots' points on curve; MCSEC_ERR_NOMEM on failure (then
 * eccsi_cache_clear is still safe). */
mcsec_err_t eccsi_cache_init(eccsi_cache_t *cache, const eccsi_curve_t *curve);
void eccsi_cache_clear(eccsi_cache_t *cache);

/* 1 when (kpak, id, pvt) is cached: HS copied to hs, Y to y (a point of
 * the same curve); 0 otherwise (counted as a miss). */
int eccsi_cache_get(eccsi_cache_t *cache, const uint8_t kpak[ECCSI_POINT], const uint8_t *id,
                    size_t id_len, const uint8_t pvt[ECCSI_POINT], uint8_t hs[ECCSI_N],
                    EC_POINT *y);

/* Stores HS and Y for (kpak, id, pvt), replacing the clock's victim; does
 * nothing when id is too long or a copy fails. */
void eccsi_cache_put(eccsi_cache_t *cache, const uint8_t kpak[ECCSI_POINT], const uint8_t *id,
                     size_t id_len, const uint8_t pvt[ECCSI_POINT], const uint8_t hs[ECCSI_N],
                     const EC_POINT *y);

/* Hits and misses since init. */
void eccsi_cache_stats(eccsi_cache_t *cache, uint64_t *hits, uint64_t *misses);

#endif
