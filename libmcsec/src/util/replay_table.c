/* The replay table: see replay_table.h. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "mcsec/util/replay_table.h"

size_t mcsec_replay_table_capacity(size_t max_entries)
{
    size_t capacity = 2;
    while (capacity < 2 * max_entries) {
        capacity <<= 1;
    }
    return capacity;
}

size_t mcsec_replay_table_move_live(const mcsec_replay_slot_t *from, size_t from_mask,
                                    mcsec_replay_slot_t *to, size_t to_mask, int64_t now,
                                    int64_t *min_expiry)
{
    memset(to, 0, (to_mask + 1) * sizeof(mcsec_replay_slot_t));
    size_t live = 0;
    int64_t lowest = INT64_MAX;
    for (size_t i = 0; i <= from_mask; i++) {
        const mcsec_replay_slot_t *slot = &from[i];
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

/* Drops expired entries by moving the live ones into the spare table. */
static void rebuild(mcsec_replay_table_t *table, int64_t now)
{
    table->occupied = mcsec_replay_table_move_live(table->slots, table->mask, table->spare,
                                                   table->mask, now, &table->min_expiry);
    mcsec_replay_slot_t *old = table->slots;
    table->slots = table->spare;
    table->spare = old;
}

static void store(mcsec_replay_table_t *table, mcsec_replay_slot_t *slot,
                  const uint8_t id[MCSEC_REPLAY_ID_LEN], uint64_t hash, int64_t expiry)
{
    memcpy(slot->id, id, MCSEC_REPLAY_ID_LEN);
    slot->hash = hash;
    slot->expiry = expiry;
    slot->used = 1;
    if (expiry < table->min_expiry) {
        table->min_expiry = expiry;
    }
}

mcsec_replay_result_t mcsec_replay_table_seen_or_insert(mcsec_replay_table_t *table,
                                                        const uint8_t id[MCSEC_REPLAY_ID_LEN],
                                                        uint64_t hash, int64_t expiry, int64_t now)
{
    for (int pass = 0; pass < 2; pass++) {
        size_t idx = (size_t)hash & table->mask;
        mcsec_replay_slot_t *reusable = NULL;
        for (; table->slots[idx].used; idx = (idx + 1) & table->mask) {
            mcsec_replay_slot_t *slot = &table->slots[idx];
            if (slot->hash == hash && memcmp(slot->id, id, MCSEC_REPLAY_ID_LEN) == 0) {
                if (slot->expiry > now) {
                    return MCSEC_REPLAY_REPLAY;
                }
                store(table, slot, id, hash, expiry);
                return MCSEC_REPLAY_NEW;
            }
            if (reusable == NULL && slot->expiry <= now) {
                reusable = slot;
            }
        }
        /* The ID is in no slot of its probe sequence. */
        if (reusable != NULL) {
            store(table, reusable, id, hash, expiry);
            return MCSEC_REPLAY_NEW;
        }
        if (table->occupied < table->max_entries) {
            store(table, &table->slots[idx], id, hash, expiry);
            table->occupied++;
            return MCSEC_REPLAY_NEW;
        }
        if (pass > 0 || now < table->min_expiry) {
            break; /* nothing can have expired: really full */
        }
        rebuild(table, now);
    }
    return MCSEC_REPLAY_FULL;
}

size_t mcsec_replay_table_count(const mcsec_replay_table_t *table, int64_t now)
{
    size_t live = 0;
    for (size_t i = 0; table->slots != NULL && i <= table->mask; i++) {
        live += table->slots[i].used && table->slots[i].expiry > now;
    }
    return live;
}

EVP_MAC_CTX *mcsec_replay_mac_new(const uint8_t key[MCSEC_REPLAY_KEY_LEN])
{
    size_t out_size = 8;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
    EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
    EVP_MAC_free(mac); /* the context holds its own reference */
    OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &out_size),
                           OSSL_PARAM_construct_end()};
    if (ctx == NULL || EVP_MAC_init(ctx, key, MCSEC_REPLAY_KEY_LEN, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

bool mcsec_replay_hash(const EVP_MAC_CTX *mac, const uint8_t id[MCSEC_REPLAY_ID_LEN],
                       uint64_t *hash)
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
