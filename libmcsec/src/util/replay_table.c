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

void mcsec_replay_table_recount(mcsec_replay_table_t *table)
{
    for (size_t o = 0; o < MCSEC_REPLAY_OWNERS; o++) {
        table->owners[o].used = 0;
    }
    for (size_t i = 0; table->slots != NULL && i <= table->mask; i++) {
        if (table->slots[i].used && table->slots[i].owner < MCSEC_REPLAY_OWNERS) {
            table->owners[table->slots[i].owner].used++;
        }
    }
}

/* Drops expired entries by moving the live ones into the spare table. */
static void rebuild(mcsec_replay_table_t *table, int64_t now)
{
    table->occupied = mcsec_replay_table_move_live(table->slots, table->mask, table->spare,
                                                   table->mask, now, &table->min_expiry);
    mcsec_replay_slot_t *old = table->slots;
    table->slots = table->spare;
    table->spare = old;
    mcsec_replay_table_recount(table);
}

static void store(mcsec_replay_table_t *table, mcsec_replay_slot_t *slot,
                  const uint8_t id[MCSEC_REPLAY_ID_LEN], uint64_t hash, int64_t expiry,
                  uint16_t owner)
{
    if (slot->used && slot->owner < MCSEC_REPLAY_OWNERS && table->owners[slot->owner].used > 0) {
        table->owners[slot->owner].used--; /* an expired slot reused */
    }
    memcpy(slot->id, id, MCSEC_REPLAY_ID_LEN);
    slot->hash = hash;
    slot->expiry = expiry;
    slot->used = 1;
    slot->owner = owner;
    table->owners[owner].used++;
    if (expiry < table->min_expiry) {
        table->min_expiry = expiry;
    }
}

uint64_t mcsec_replay_owner_tag(const char *name)
{
    uint64_t h = 14695981039346656037ULL;
    for (const char *p = name; p != NULL && *p != '\0'; p++) {
        h = (h ^ (uint8_t)*p) * 1099511628211ULL;
    }
    return h | 1; /* never 0: 0 is "no owner" */
}

/* The owners index for tag: its entry, or a free one taken for it; -1 when
 * every entry holds slots of other owners. */
static int owner_index(mcsec_replay_table_t *table, uint64_t tag)
{
    if (tag == 0) {
        return 0;
    }
    int free_index = -1;
    for (int o = 1; o < MCSEC_REPLAY_OWNERS; o++) {
        if (table->owners[o].tag == tag) {
            return o;
        }
        if (free_index < 0 && table->owners[o].used == 0) {
            free_index = o;
        }
    }
    if (free_index > 0) {
        table->owners[free_index].tag = tag;
    }
    return free_index;
}

mcsec_replay_result_t mcsec_replay_table_seen_or_insert_owned(mcsec_replay_table_t *table,
                                                              uint64_t owner_tag, size_t quota,
                                                              const uint8_t id[MCSEC_REPLAY_ID_LEN],
                                                              uint64_t hash, int64_t expiry,
                                                              int64_t now)
{
    int owner = owner_index(table, owner_tag);
    for (int pass = 0; pass < 2; pass++) {
        size_t idx = (size_t)hash & table->mask;
        mcsec_replay_slot_t *reusable = NULL;
        mcsec_replay_slot_t *same = NULL;
        for (; table->slots[idx].used; idx = (idx + 1) & table->mask) {
            mcsec_replay_slot_t *slot = &table->slots[idx];
            if (slot->hash == hash && memcmp(slot->id, id, MCSEC_REPLAY_ID_LEN) == 0) {
                if (slot->expiry > now) {
                    return MCSEC_REPLAY_REPLAY;
                }
                same = slot;
                break;
            }
            if (reusable == NULL && slot->expiry <= now) {
                reusable = slot;
            }
        }
        /* A new ID: within the owner's quota (a lookup, expiry <= now,
         * never holds an entry and is not limited). */
        if (owner < 0) {
            return MCSEC_REPLAY_FULL;
        }
        if (owner > 0 && quota > 0 && expiry > now && table->owners[owner].used >= quota) {
            if (pass > 0 || now < table->min_expiry) {
                return MCSEC_REPLAY_FULL; /* its entries are all live */
            }
            rebuild(table, now);
            continue;
        }
        mcsec_replay_slot_t *target = same != NULL ? same : reusable;
        if (target == NULL && table->occupied < table->max_entries) {
            target = &table->slots[idx];
            table->occupied++;
        }
        if (target != NULL) {
            store(table, target, id, hash, expiry, (uint16_t)owner);
            return MCSEC_REPLAY_NEW;
        }
        if (pass > 0 || now < table->min_expiry) {
            break; /* nothing can have expired: really full */
        }
        rebuild(table, now);
    }
    return MCSEC_REPLAY_FULL;
}

mcsec_replay_result_t mcsec_replay_table_seen_or_insert(mcsec_replay_table_t *table,
                                                        const uint8_t id[MCSEC_REPLAY_ID_LEN],
                                                        uint64_t hash, int64_t expiry, int64_t now)
{
    return mcsec_replay_table_seen_or_insert_owned(table, 0, 0, id, hash, expiry, now);
}

size_t mcsec_replay_table_count(const mcsec_replay_table_t *table, int64_t now)
{
    size_t live = 0;
    for (size_t i = 0; table->slots != NULL && i <= table->mask; i++) {
        live += table->slots[i].used && table->slots[i].expiry > now;
    }
    return live;
}

size_t mcsec_replay_table_count_owners(const mcsec_replay_table_t *table, int64_t now,
                                       mcsec_replay_owner_count_t out[MCSEC_REPLAY_OWNERS])
{
    for (size_t o = 0; o < MCSEC_REPLAY_OWNERS; o++) {
        out[o].tag = table->owners[o].tag;
        out[o].live = 0;
    }
    size_t live = 0;
    for (size_t i = 0; table->slots != NULL && i <= table->mask; i++) {
        const mcsec_replay_slot_t *slot = &table->slots[i];
        if (slot->used && slot->expiry > now) {
            live++;
            if (slot->owner < MCSEC_REPLAY_OWNERS) {
                out[slot->owner].live++;
            }
        }
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

size_t mcsec_replay_owner_live(const mcsec_replay_owner_count_t out[MCSEC_REPLAY_OWNERS],
                               const char *name)
{
    uint64_t tag = mcsec_replay_owner_tag(name);
    size_t live = 0;
    for (size_t o = 1; o < MCSEC_REPLAY_OWNERS; o++) {
        if (out[o].tag == tag) {
            live += out[o].live;
        }
    }
    return live;
}
