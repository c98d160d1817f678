/* The in-process EAR replay cache: replays caught, entries expire, a full
 * cache refuses and never forgets a live entry. The replay table under it
 * (also mcsec.so's shared one) tested directly: colliding hashes, rebuild,
 * growth, keyed hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "mcsec/util/replay.h"
#include "mcsec/util/replay_table.h"

static void id_of(uint32_t n, uint8_t id[16])
{
    memset(id, 0xA5, 16);
    id[0] = (uint8_t)(n >> 24);
    id[1] = (uint8_t)(n >> 16);
    id[2] = (uint8_t)(n >> 8);
    id[3] = (uint8_t)n;
}

#define SEEN(c, n, expiry, now) ((c)->seen_or_insert((c), id_of_tmp((n)), (expiry), (now)))
static uint8_t tmp_id[16];
static const uint8_t *id_of_tmp(uint32_t n)
{
    id_of(n, tmp_id);
    return tmp_id;
}

static void test_replay_detects_second_use(void **state)
{
    (void)state;
    mcsec_replay_cache_t *cache = NULL;
    assert_int_equal(mcsec_replay_mem_new(16, &cache), MCSEC_OK);
    assert_int_equal(SEEN(cache, 1, 160, 100), MCSEC_REPLAY_NEW);
    assert_int_equal(SEEN(cache, 1, 160, 100), MCSEC_REPLAY_REPLAY);
    assert_int_equal(SEEN(cache, 1, 170, 159), MCSEC_REPLAY_REPLAY);
    assert_int_equal(SEEN(cache, 2, 160, 100), MCSEC_REPLAY_NEW);
    assert_int_equal(mcsec_replay_mem_count(cache, 100), 2);
    mcsec_replay_free(cache);
}

static void test_replay_entries_expire(void **state)
{
    (void)state;
    mcsec_replay_cache_t *cache = NULL;
    assert_int_equal(mcsec_replay_mem_new(16, &cache), MCSEC_OK);
    assert_int_equal(SEEN(cache, 7, 160, 100), MCSEC_REPLAY_NEW);
    /* At the expiry instant the entry is gone: the ID is new again. */
    assert_int_equal(SEEN(cache, 7, 220, 160), MCSEC_REPLAY_NEW);
    assert_int_equal(SEEN(cache, 7, 220, 200), MCSEC_REPLAY_REPLAY);
    assert_int_equal(mcsec_replay_mem_count(cache, 219), 1);
    assert_int_equal(mcsec_replay_mem_count(cache, 220), 0);
    mcsec_replay_free(cache);
}

static void test_replay_full_refuses_until_entries_expire(void **state)
{
    (void)state;
    mcsec_replay_cache_t *cache = NULL;
    assert_int_equal(mcsec_replay_mem_new(100, &cache), MCSEC_OK);
    for (uint32_t i = 0; i < 100; i++) {
        assert_int_equal(SEEN(cache, i, 160 + i, 100), MCSEC_REPLAY_NEW);
    }
    assert_int_equal(SEEN(cache, 1000, 200, 100), MCSEC_REPLAY_FULL);
    assert_int_equal(SEEN(cache, 1001, 200, 150), MCSEC_REPLAY_FULL);
    /* A full cache still recognises every live entry. */
    for (uint32_t i = 0; i < 100; i++) {
        assert_int_equal(SEEN(cache, i, 300, 150), MCSEC_REPLAY_REPLAY);
    }
    /* At 165 entries 0..5 have expired: exactly six new IDs fit. */
    for (uint32_t i = 0; i < 6; i++) {
        assert_int_equal(SEEN(cache, 2000 + i, 400, 165), MCSEC_REPLAY_NEW);
    }
    assert_int_equal(SEEN(cache, 3000, 400, 165), MCSEC_REPLAY_FULL);
    assert_int_equal(mcsec_replay_mem_count(cache, 165), 100);
    for (uint32_t i = 6; i < 100; i++) {
        assert_int_equal(SEEN(cache, i, 400, 165), MCSEC_REPLAY_REPLAY);
    }
    mcsec_replay_free(cache);
}

static void test_replay_bounded_under_steady_traffic(void **state)
{
    (void)state;
    mcsec_replay_cache_t *cache = NULL;
    assert_int_equal(mcsec_replay_mem_new(1000, &cache), MCSEC_OK);
    /* 20 new IDs per second for an hour with a 60 s window: at most 1200
     * live at once would exceed 1000, so use 15 per second (900 live). */
    uint32_t n = 0;
    for (int64_t now = 0; now < 3600; now++) {
        for (int k = 0; k < 15; k++, n++) {
            assert_int_equal(SEEN(cache, n, now + 60, now), MCSEC_REPLAY_NEW);
        }
        if (now % 600 == 0 && n > 15) {
            assert_int_equal(SEEN(cache, n - 15, now + 60, now), MCSEC_REPLAY_REPLAY);
        }
    }
    assert_true(mcsec_replay_mem_count(cache, 3599) <= 1000);
    mcsec_replay_free(cache);
}

static void test_replay_rejects_bad_sizes(void **state)
{
    (void)state;
    mcsec_replay_cache_t *cache = NULL;
    assert_int_equal(mcsec_replay_mem_new(0, &cache), MCSEC_ERR_ARG);
    assert_int_equal(mcsec_replay_mem_new((size_t)1 << 30, &cache), MCSEC_ERR_ARG);
    assert_null(cache);
    mcsec_replay_free(NULL);
    assert_int_equal(mcsec_replay_mem_count(NULL, 0), 0);
}

static void test_table_capacity(void **state)
{
    (void)state;
    assert_int_equal(mcsec_replay_table_capacity(1), 2);
    assert_int_equal(mcsec_replay_table_capacity(2), 4);
    assert_int_equal(mcsec_replay_table_capacity(3), 8);
    assert_int_equal(mcsec_replay_table_capacity(4), 8);
    assert_int_equal(mcsec_replay_table_capacity(MCSEC_REPLAY_MAX_ENTRIES),
                     2 * MCSEC_REPLAY_MAX_ENTRIES);
}

/* Every ID with the same hash: found by probing, refused when full, an
 * expired one reused, a rebuild frees the room of the expired ones. */
static void test_table_colliding_hashes(void **state)
{
    (void)state;
    mcsec_replay_slot_t slots[8];
    mcsec_replay_slot_t spare[8];
    memset(slots, 0, sizeof(slots));
    mcsec_replay_table_t t = {
        .slots = slots, .spare = spare, .mask = 7, .max_entries = 4, .min_expiry = INT64_MAX};
    uint8_t id[16];
    for (uint32_t n = 0; n < 4; n++) {
        id_of(n, id);
        assert_int_equal(mcsec_replay_table_seen_or_insert(&t, id, 5, 100 + n, 10),
                         MCSEC_REPLAY_NEW);
    }
    assert_int_equal(t.occupied, 4);
    assert_int_equal(t.min_expiry, 100);
    for (uint32_t n = 0; n < 4; n++) {
        id_of(n, id);
        assert_int_equal(mcsec_replay_table_seen_or_insert(&t, id, 5, 200, 10),
                         MCSEC_REPLAY_REPLAY);
    }
    id_of(9, id);
    assert_int_equal(mcsec_replay_table_seen_or_insert(&t, id, 5, 200, 10), MCSEC_REPLAY_FULL);
    /* At 101, IDs 0 and 1 expired: 9 takes the first one's slot in place. */
    assert_int_equal(mcsec_replay_table_seen_or_insert(&t, id, 5, 200, 101), MCSEC_REPLAY_NEW);
    assert_int_equal(t.occupied, 4);
    assert_int_equal(mcsec_replay_table_count(&t, 101), 3);
    /* Another hash: no expired slot on its path, bound reached, a rebuild
     * drops ID 1 and makes room. */
    id_of(10, id);
    assert_int_equal(mcsec_replay_table_seen_or_insert(&t, id, 2, 200, 101), MCSEC_REPLAY_NEW);
    assert_int_equal(t.occupied, 4);
    assert_ptr_equal(t.slots, spare);
    assert_int_equal(mcsec_replay_table_count(&t, 101), 4);
    for (uint32_t n = 2; n < 4; n++) {
        id_of(n, id);
        assert_int_equal(mcsec_replay_table_seen_or_insert(&t, id, 5, 300, 101),
                         MCSEC_REPLAY_REPLAY);
    }
}

static void test_table_move_live_grows(void **state)
{
    (void)state;
    mcsec_replay_slot_t small[4];
    mcsec_replay_slot_t small_spare[4];
    memset(small, 0, sizeof(small));
    mcsec_replay_table_t t = {
        .slots = small, .spare = small_spare, .mask = 3, .max_entries = 2, .min_expiry = INT64_MAX};
    uint8_t id[16];
    for (uint32_t n = 0; n < 2; n++) {
        id_of(n, id);
        assert_int_equal(mcsec_replay_table_seen_or_insert(&t, id, n * 3, 50 + n, 10),
                         MCSEC_REPLAY_NEW);
    }
    mcsec_replay_slot_t big[16];
    mcsec_replay_slot_t big_spare[16];
    int64_t min_expiry = 0;
    assert_int_equal(mcsec_replay_table_move_live(small, 3, big, 15, 50, &min_expiry), 1);
    assert_int_equal(min_expiry, 51);
    mcsec_replay_table_t grown = {.slots = big,
                                  .spare = big_spare,
                                  .mask = 15,
                                  .max_entries = 8,
                                  .occupied = 1,
                                  .min_expiry = min_expiry};
    id_of(1, id);
    assert_int_equal(mcsec_replay_table_seen_or_insert(&grown, id, 3, 99, 50), MCSEC_REPLAY_REPLAY);
    id_of(0, id);
    assert_int_equal(mcsec_replay_table_seen_or_insert(&grown, id, 0, 99, 50), MCSEC_REPLAY_NEW);
    assert_int_equal(mcsec_replay_table_count(&grown, 50), 2);
    assert_int_equal(mcsec_replay_table_move_live(big, 15, small, 3, 1000, &min_expiry), 0);
    assert_int_equal(min_expiry, INT64_MAX);
    mcsec_replay_table_t none = {.min_expiry = INT64_MAX};
    assert_int_equal(mcsec_replay_table_count(&none, 0), 0);
}

static void test_table_keyed_hash(void **state)
{
    (void)state;
    uint8_t key1[MCSEC_REPLAY_KEY_LEN] = {1};
    uint8_t key2[MCSEC_REPLAY_KEY_LEN] = {2};
    EVP_MAC_CTX *mac1 = mcsec_replay_mac_new(key1);
    EVP_MAC_CTX *mac2 = mcsec_replay_mac_new(key2);
    assert_non_null(mac1);
    assert_non_null(mac2);
    uint8_t id[16];
    id_of(7, id);
    uint64_t a = 0, b = 0, c = 0;
    assert_true(mcsec_replay_hash(mac1, id, &a));
    assert_true(mcsec_replay_hash(mac1, id, &b));
    assert_true(mcsec_replay_hash(mac2, id, &c));
    assert_true(a == b);
    assert_true(a != c);
    EVP_MAC_CTX_free(mac1);
    EVP_MAC_CTX_free(mac2);
}

/* The scoped view (issue 14, GKTP in SIP replies): a payload repeats in the
 * transaction that accepted it (retransmissions), but one seen anywhere
 * else, or refused in this transaction, is a replay. */
static void test_scoped_view_repeats_and_replays(void **state)
{
    (void)state;
    mcsec_replay_cache_t *cache = NULL;
    assert_int_equal(mcsec_replay_mem_new(64, &cache), MCSEC_OK);
    mcsec_replay_scoped_t txn1, txn2;
    assert_int_equal(mcsec_replay_scoped_init(&txn1, cache, "call-1 1 INVITE z9hG4bKa", 24),
                     MCSEC_OK);
    assert_int_equal(mcsec_replay_scoped_init(&txn2, cache, "call-2 1 INVITE z9hG4bKb", 24),
                     MCSEC_OK);
    uint8_t x[16], y[16];
    id_of(1, x);
    id_of(2, y);
    assert_int_equal(txn1.base.seen_or_insert(&txn1.base, x, 1000, 100), MCSEC_REPLAY_NEW);
    assert_int_equal(txn1.base.seen_or_insert(&txn1.base, x, 1000, 101), MCSEC_REPLAY_NEW);
    assert_int_equal(txn2.base.seen_or_insert(&txn2.base, x, 1000, 102), MCSEC_REPLAY_REPLAY);
    assert_int_equal(cache->seen_or_insert(cache, x, 1000, 103), MCSEC_REPLAY_REPLAY);
    assert_int_equal(txn1.base.seen_or_insert(&txn1.base, x, 1000, 104), MCSEC_REPLAY_NEW);
    /* seen first outside the scope (a request): refused, and again */
    assert_int_equal(cache->seen_or_insert(cache, y, 1000, 105), MCSEC_REPLAY_NEW);
    assert_int_equal(txn1.base.seen_or_insert(&txn1.base, y, 1000, 106), MCSEC_REPLAY_REPLAY);
    assert_int_equal(txn1.base.seen_or_insert(&txn1.base, y, 1000, 107), MCSEC_REPLAY_REPLAY);
    /* the look-ups recorded nothing live: two IDs and one mark */
    assert_int_equal(mcsec_replay_mem_count(cache, 108), 3);
    /* once expired, the payload is new again */
    assert_int_equal(txn2.base.seen_or_insert(&txn2.base, x, 3000, 1000), MCSEC_REPLAY_NEW);
    mcsec_replay_free(cache);
    /* a store with no room for the mark refuses */
    assert_int_equal(mcsec_replay_mem_new(1, &cache), MCSEC_OK);
    assert_int_equal(mcsec_replay_scoped_init(&txn1, cache, "s", 1), MCSEC_OK);
    assert_int_equal(txn1.base.seen_or_insert(&txn1.base, x, 1000, 100), MCSEC_REPLAY_FULL);
    assert_int_equal(mcsec_replay_scoped_init(NULL, cache, "s", 1), MCSEC_ERR_ARG);
    mcsec_replay_free(cache);
}

/* One partner's IDs through a partner view (as the proxies hand caches to
 * the checks). */
static mcsec_replay_result_t owned(mcsec_replay_cache_t *cache, const char *partner, size_t quota,
                                   uint32_t n, int64_t expiry, int64_t now)
{
    const mcsec_replay_owner_t owner = {partner, quota, false};
    mcsec_replay_partner_t view;
    assert_int_equal(mcsec_replay_partner_init(&view, cache, &owner), MCSEC_OK);
    return view.base.seen_or_insert(&view.base, id_of_tmp(n), expiry, now);
}

/* A partner at its quota is refused, the others still record; its own
 * entries expiring make room again; a full cache still never forgets. */
static void test_quota_per_partner(void **state)
{
    (void)state;
    mcsec_replay_cache_t *cache = NULL;
    assert_int_equal(mcsec_replay_mem_new(16, &cache), MCSEC_OK);
    for (uint32_t n = 0; n < 4; n++) {
        assert_int_equal(owned(cache, "greedy", 4, n, 200, 100), MCSEC_REPLAY_NEW);
    }
    assert_int_equal(owned(cache, "greedy", 4, 4, 200, 100), MCSEC_REPLAY_FULL);
    assert_int_equal(owned(cache, "greedy", 4, 0, 200, 100), MCSEC_REPLAY_REPLAY);
    /* A lookup (expiry = now, the scoped view's) is not limited. */
    assert_int_equal(owned(cache, "greedy", 4, 5, 100, 100), MCSEC_REPLAY_NEW);
    for (uint32_t n = 100; n < 104; n++) {
        assert_int_equal(owned(cache, "modest", 4, n, 300, 100), MCSEC_REPLAY_NEW);
    }
    assert_int_equal(owned(cache, "modest", 4, 104, 300, 100), MCSEC_REPLAY_FULL);
    /* greedy's entries expire at 200: room again, modest's still held. */
    assert_int_equal(owned(cache, "greedy", 4, 6, 400, 200), MCSEC_REPLAY_NEW);
    assert_int_equal(owned(cache, "modest", 4, 104, 300, 200), MCSEC_REPLAY_FULL);
    /* Quotas above the capacity: the cache bound still holds, and a full
     * cache refuses instead of dropping a live ID. */
    for (uint32_t n = 200; n < 211; n++) {
        assert_int_equal(owned(cache, "third", 100, n, 500, 200), MCSEC_REPLAY_NEW);
    }
    assert_int_equal(mcsec_replay_mem_count(cache, 200), 16);
    assert_int_equal(owned(cache, "fourth", 100, 300, 500, 200), MCSEC_REPLAY_FULL);
    for (uint32_t n = 100; n < 104; n++) {
        assert_int_equal(owned(cache, "modest", 4, n, 300, 200), MCSEC_REPLAY_REPLAY);
    }
    assert_int_equal(mcsec_replay_default_quota(65536, 3), 21845);
    assert_int_equal(mcsec_replay_default_quota(2, 3), 1);
    mcsec_replay_free(cache);
}

/* The table's per-owner counts follow reuse of expired slots and
 * rebuilds; more owners than it tells apart are refused. */
static void test_table_owner_counts(void **state)
{
    (void)state;
    mcsec_replay_slot_t slots[8];
    mcsec_replay_slot_t spare[8];
    memset(slots, 0, sizeof(slots));
    mcsec_replay_table_t t = {
        .slots = slots, .spare = spare, .mask = 7, .max_entries = 4, .min_expiry = INT64_MAX};
    uint64_t a = mcsec_replay_owner_tag("a");
    uint64_t b = mcsec_replay_owner_tag("b");
    assert_int_not_equal(a, b);
    uint8_t id[16];
    id_of(1, id);
    assert_int_equal(mcsec_replay_table_seen_or_insert_owned(&t, a, 2, id, 5, 100, 10),
                     MCSEC_REPLAY_NEW);
    id_of(2, id);
    assert_int_equal(mcsec_replay_table_seen_or_insert_owned(&t, a, 2, id, 5, 100, 10),
                     MCSEC_REPLAY_NEW);
    assert_int_equal(t.owners[1].used, 2);
    /* At 100 both expired: b takes the first slot in place, a keeps one. */
    id_of(3, id);
    assert_int_equal(mcsec_replay_table_seen_or_insert_owned(&t, b, 2, id, 5, 200, 100),
                     MCSEC_REPLAY_NEW);
    assert_int_equal(t.owners[1].used, 1);
    assert_int_equal(t.owners[2].used, 1);
    /* a at quota with an expired entry: a rebuild counts it out. */
    id_of(4, id);
    assert_int_equal(mcsec_replay_table_seen_or_insert_owned(&t, a, 1, id, 7, 200, 100),
                     MCSEC_REPLAY_NEW);
    assert_int_equal(t.owners[1].used, 1);
    mcsec_replay_table_recount(&t);
    assert_int_equal(t.owners[1].used, 1);
    assert_int_equal(t.owners[2].used, 1);
    /* Every owner entry taken by live slots: a new owner is refused. */
    for (int o = 3; o < MCSEC_REPLAY_OWNERS; o++) {
        t.owners[o].tag = (uint64_t)o;
        t.owners[o].used = 1;
    }
    id_of(5, id);
    assert_int_equal(mcsec_replay_table_seen_or_insert_owned(&t, mcsec_replay_owner_tag("c"), 1, id,
                                                             6, 200, 100),
                     MCSEC_REPLAY_FULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_detects_second_use),
        cmocka_unit_test(test_replay_entries_expire),
        cmocka_unit_test(test_replay_full_refuses_until_entries_expire),
        cmocka_unit_test(test_replay_bounded_under_steady_traffic),
        cmocka_unit_test(test_replay_rejects_bad_sizes),
        cmocka_unit_test(test_table_capacity),
        cmocka_unit_test(test_table_colliding_hashes),
        cmocka_unit_test(test_table_move_live_grows),
        cmocka_unit_test(test_table_keyed_hash),
        cmocka_unit_test(test_scoped_view_repeats_and_replays),
        cmocka_unit_test(test_quota_per_partner),
        cmocka_unit_test(test_table_owner_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
