/* The in-process EAR replay cache: replays caught, entries expire, a full
 * cache refuses and never forgets a live entry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mcsec/replay.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_detects_second_use),
        cmocka_unit_test(test_replay_entries_expire),
        cmocka_unit_test(test_replay_full_refuses_until_entries_expire),
        cmocka_unit_test(test_replay_bounded_under_steady_traffic),
        cmocka_unit_test(test_replay_rejects_bad_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
