/* The replay table behind the replay caches (replay.h): open addressing with
 * linear probing over a power-of-two table at most half full, keyed by a
 * 64-bit SipHash-2-4 of the ID under a random key (the ID is chosen by the
 * sender). Expired entries are reused in place while probing and dropped by
 * a rebuild when the live limit is reached, so the table never grows on its
 * own and a full table answers FULL instead of forgetting.
 *
 * Owners (partners, replay.h mcsec_replay_owner_t): each slot names the
 * owner that recorded it, the table counts the used slots of each, and an
 * owner at its quota gets FULL for a new ID (after a rebuild, when one may
 * have expired) while the others still record theirs.
 *
 * Functions over caller-provided memory: no allocation and no locking here.
 * libmcsec's in-process cache keeps the slots on the heap; mcsec.so keeps
 * them in Kamailio shared memory behind its lock. */
#ifndef MCSEC_REPLAY_TABLE_H
#define MCSEC_REPLAY_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "mcsec/util/replay.h"

/* The largest bound on live entries. */
#define MCSEC_REPLAY_MAX_ENTRIES ((size_t)1 << 24)

/* Owners the table tells apart at once (the partners of a policy); index 0
 * is "no owner", never limited. */
#define MCSEC_REPLAY_OWNERS 64

/* Length of the SipHash key. */
#define MCSEC_REPLAY_KEY_LEN 16

typedef struct {
    uint8_t id[MCSEC_REPLAY_ID_LEN];
    int64_t expiry;
    uint64_t hash; /* kept so that a rebuild needs no rehashing */
    uint8_t used;
    uint16_t owner; /* index into the table's owners */
} mcsec_replay_slot_t;

typedef struct {
    uint64_t tag;  /* mcsec_replay_owner_tag of the partner's name */
    uint32_t used; /* used slots (live or expired) it recorded */
} mcsec_replay_owner_slot_t;

typedef struct {
    mcsec_replay_slot_t *slots; /* mask + 1 slots */
    mcsec_replay_slot_t *spare; /* same size: target of rebuilds */
    size_t mask;                /* capacity - 1 */
    size_t max_entries;         /* bound on used slots; capacity >= 2 x bound */
    size_t occupied;            /* used slots, live or expired */
    int64_t min_expiry;         /* lower bound of the used slots' expiries */
    mcsec_replay_owner_slot_t owners[MCSEC_REPLAY_OWNERS];
} mcsec_replay_table_t;

/* The capacity for a bound: the smallest power of two, at least 2, that is
 * at least 2 x max_entries (max_entries <= MCSEC_REPLAY_MAX_ENTRIES). */
size_t mcsec_replay_table_capacity(size_t max_entries);

/* Copies the live (expiry > now) entries of from (from_mask + 1 slots) into
 * to (to_mask + 1 slots, zeroed here). Returns the number copied and sets
 * *min_expiry (INT64_MAX when none). to must have room. */
size_t mcsec_replay_table_move_live(const mcsec_replay_slot_t *from, size_t from_mask,
                                    mcsec_replay_slot_t *to, size_t to_mask, int64_t now,
                                    int64_t *min_expiry);

/* Looks id (with its keyed hash) up and, when absent or expired, records it
 * until expiry; rebuilds into the spare table (and swaps) when the bound is
 * reached and something may have expired. The table must have slots. */
mcsec_replay_result_t mcsec_replay_table_seen_or_insert(mcsec_replay_table_t *table,
                                                        const uint8_t id[MCSEC_REPLAY_ID_LEN],
                                                        uint64_t hash, int64_t expiry, int64_t now);

/* The same for owner (NULL: none) under its quota (0: none); FULL when
 * the ID is new, expiry > now and the owner holds quota live entries, or
 * when MCSEC_REPLAY_OWNERS owners already hold entries. owner_tag is
 * mcsec_replay_owner_tag(owner's name). */
mcsec_replay_result_t mcsec_replay_table_seen_or_insert_owned(mcsec_replay_table_t *table,
                                                              uint64_t owner_tag, size_t quota,
                                                              const uint8_t id[MCSEC_REPLAY_ID_LEN],
                                                              uint64_t hash, int64_t expiry,
                                                              int64_t now);

/* A non-zero tag for an owner's name (FNV-1a: names come from the policy,
 * not from senders). */
uint64_t mcsec_replay_owner_tag(const char *name);

/* Counts the used slots of each owner again (after slots were moved). */
void mcsec_replay_table_recount(mcsec_replay_table_t *table);

/* Live entries at now; 0 when the table has no slots. */
size_t mcsec_replay_table_count(const mcsec_replay_table_t *table, int64_t now);

/* The live entries of each owner at now (one pass over the slots):
 * out[i] for the owner tagged out[i].tag (table->owners[i]); owners never
 * seen have tag 0. Returns the live entries in all. */
typedef struct {
    uint64_t tag;
    size_t live;
} mcsec_replay_owner_count_t;
size_t mcsec_replay_table_count_owners(const mcsec_replay_table_t *table, int64_t now,
                                       mcsec_replay_owner_count_t out[MCSEC_REPLAY_OWNERS]);

/* The same for an in-process cache of mcsec_replay_mem_new (replay.h); 0
 * and every count 0 for any other cache. */
size_t mcsec_replay_mem_count_owners(const mcsec_replay_cache_t *cache, int64_t now,
                                     mcsec_replay_owner_count_t out[MCSEC_REPLAY_OWNERS]);

/* The live entries out (of a count above) holds for the owner named name
 * (mcsec_replay_owner_tag). */
size_t mcsec_replay_owner_live(const mcsec_replay_owner_count_t out[MCSEC_REPLAY_OWNERS],
                               const char *name);

/* A SipHash-2-4 context under key with 8-octet output, to duplicate per
 * hash; NULL when OpenSSL fails. */
EVP_MAC_CTX *mcsec_replay_mac_new(const uint8_t key[MCSEC_REPLAY_KEY_LEN]);

/* The hash of id under mac (a context of mcsec_replay_mac_new, not
 * changed) into *hash. Returns false when OpenSSL fails. */
bool mcsec_replay_hash(const EVP_MAC_CTX *mac, const uint8_t id[MCSEC_REPLAY_ID_LEN],
                       uint64_t *hash);

#endif
