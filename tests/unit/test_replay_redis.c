/* The replay cache in Redis (mcsec/util/replay_redis.h) against a real
 * redis-server started here on a unix socket in a temporary directory:
 * the key names and expiries it writes (read back with hiredis), replays
 * caught, per-partner quotas, lookups that record nothing, and the store
 * going away (UNAVAILABLE, counted) and coming back (reconnect). */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <hiredis/hiredis.h>

#include "mcsec/util/replay.h"
#include "mcsec/util/replay_redis.h"

typedef struct {
    char dir[64];
    char sock[128];
    pid_t pid;
} server_t;

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Starts redis-server on srv->sock and waits (up to 5 s) until it answers. */
static void server_start(server_t *srv)
{
    srv->pid = fork();
    assert_true(srv->pid >= 0);
    if (srv->pid == 0) {
        execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", srv->sock, "--dir",
               srv->dir, "--save", "", "--appendonly", "no", "--loglevel", "warning", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 500; i++) {
        redisContext *c = redisConnectUnix(srv->sock);
        bool up = c != NULL && c->err == 0;
        redisFree(c);
        if (up) {
            return;
        }
        nap_ms(10);
    }
    fail_msg("redis-server did not start on %s", srv->sock);
}

static void server_stop(server_t *srv)
{
    if (srv->pid > 0) {
        kill(srv->pid, SIGTERM);
        waitpid(srv->pid, NULL, 0);
        srv->pid = 0;
    }
    unlink(srv->sock);
}

static int setup(void **state)
{
    signal(SIGPIPE, SIG_IGN); /* as both proxies: a write to a closed socket is an error */
    server_t *srv = calloc(1, sizeof(*srv));
    if (srv == NULL) {
        return -1;
    }
    snprintf(srv->dir, sizeof(srv->dir), "/tmp/mcsec-redis-unit.XXXXXX");
    if (mkdtemp(srv->dir) == NULL) {
        free(srv);
        return -1;
    }
    snprintf(srv->sock, sizeof(srv->sock), "%s/redis.sock", srv->dir);
    server_start(srv);
    *state = srv;
    return 0;
}

static int teardown(void **state)
{
    server_t *srv = *state;
    server_stop(srv);
    rmdir(srv->dir);
    free(srv);
    return 0;
}

static mcsec_replay_cache_t *new_cache(const server_t *srv, const char *ns, unsigned wait)
{
    mcsec_replay_redis_config_t cfg = {
        .address = srv->sock, .timeout_ms = 200, .ns = ns, .cache = "ear", .wait_replicas = wait};
    mcsec_replay_cache_t *cache = NULL;
    assert_int_equal(mcsec_replay_redis_new(&cfg, &cache), MCSEC_OK);
    return cache;
}

static void id_of(uint32_t n, uint8_t id[16])
{
    memset(id, 0xA5, 16);
    id[12] = (uint8_t)(n >> 24);
    id[13] = (uint8_t)(n >> 16);
    id[14] = (uint8_t)(n >> 8);
    id[15] = (uint8_t)n;
}

/* One insert of ID n for partner with quota. */
static mcsec_replay_result_t seen(mcsec_replay_cache_t *cache, const char *partner, size_t quota,
                                  uint32_t n, int64_t expiry, int64_t now)
{
    const mcsec_replay_owner_t owner = {partner, quota, false};
    mcsec_replay_partner_t view;
    assert_int_equal(mcsec_replay_partner_init(&view, cache, &owner), MCSEC_OK);
    uint8_t id[16];
    id_of(n, id);
    return view.base.seen_or_insert(&view.base, id, expiry, now);
}

/* PTTL of key read straight from the server (-2 when absent). */
static long long pttl(const server_t *srv, const char *key)
{
    redisContext *c = redisConnectUnix(srv->sock);
    assert_non_null(c);
    assert_int_equal(c->err, 0);
    redisReply *r = redisCommand(c, "PTTL %s", key);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_INTEGER);
    long long ms = r->integer;
    freeReplyObject(r);
    redisFree(c);
    return ms;
}

static void test_key_name_and_replay(void **state)
{
    server_t *srv = *state;
    mcsec_replay_cache_t *cache = new_cache(srv, "sys-a", 0);
    int64_t now = time(NULL);
    assert_int_equal(seen(cache, "partner-b", 0, 1, now + 60, now), MCSEC_REPLAY_NEW);
    /* SET <ns>:<partner>:<cache>:<hex id> 1 NX PX <ms> */
    long long ms = pttl(srv, "sys-a:partner-b:ear:a5a5a5a5a5a5a5a5a5a5a5a500000001");
    assert_true(ms > 50000 && ms <= 60000);
    assert_int_equal(seen(cache, "partner-b", 0, 1, now + 60, now + 1), MCSEC_REPLAY_REPLAY);
    /* Another node (another connection, same namespace) sees it too. */
    mcsec_replay_cache_t *node2 = new_cache(srv, "sys-a", 0);
    assert_int_equal(seen(node2, "partner-b", 0, 1, now + 60, now + 2), MCSEC_REPLAY_REPLAY);
    /* Namespaces and partners are apart. */
    mcsec_replay_cache_t *other = new_cache(srv, "sys-z", 0);
    assert_int_equal(seen(other, "partner-b", 0, 1, now + 60, now), MCSEC_REPLAY_NEW);
    assert_int_equal(seen(cache, "partner-c", 0, 1, now + 60, now), MCSEC_REPLAY_NEW);
    /* A lookup (expiry <= now) records nothing. */
    assert_int_equal(seen(cache, "partner-b", 0, 2, now, now), MCSEC_REPLAY_NEW);
    assert_int_equal(pttl(srv, "sys-a:partner-b:ear:a5a5a5a5a5a5a5a5a5a5a5a500000002"), -2);
    assert_int_equal(seen(cache, "partner-b", 0, 1, now, now), MCSEC_REPLAY_REPLAY);
    /* The plain interface (no owner) works too. */
    uint8_t id[16];
    id_of(9, id);
    assert_int_equal(cache->seen_or_insert(cache, id, now + 5, now), MCSEC_REPLAY_NEW);
    assert_int_equal(cache->seen_or_insert(cache, id, now + 5, now), MCSEC_REPLAY_REPLAY);
    assert_int_equal(mcsec_replay_redis_stats(cache).connects, 1);
    assert_int_equal(mcsec_replay_redis_stats(cache).failures, 0);
    mcsec_replay_free(cache);
    mcsec_replay_free(node2);
    mcsec_replay_free(other);
}

static void test_quota_per_partner(void **state)
{
    server_t *srv = *state;
    mcsec_replay_cache_t *cache = new_cache(srv, "sys-q", 0);
    int64_t now = time(NULL);
    for (uint32_t n = 0; n < 3; n++) {
        assert_int_equal(seen(cache, "greedy", 3, 100 + n, now + 60, now), MCSEC_REPLAY_NEW);
    }
    /* Over its quota: refused, and the ID not recorded. */
    assert_int_equal(seen(cache, "greedy", 3, 103, now + 60, now), MCSEC_REPLAY_FULL);
    assert_int_equal(pttl(srv, "sys-q:greedy:ear:a5a5a5a5a5a5a5a5a5a5a5a500000067"), -2);
    /* A replay is still a replay; the other partner still passes. */
    assert_int_equal(seen(cache, "greedy", 3, 100, now + 60, now), MCSEC_REPLAY_REPLAY);
    assert_int_equal(seen(cache, "modest", 3, 103, now + 60, now), MCSEC_REPLAY_NEW);
    /* Once its entries expired (by the caller's clock), room again. */
    assert_int_equal(seen(cache, "greedy", 3, 104, now + 120, now + 61), MCSEC_REPLAY_NEW);
    mcsec_replay_free(cache);
}

static void test_unreachable_then_back(void **state)
{
    server_t *srv = *state;
    mcsec_replay_cache_t *cache = new_cache(srv, "sys-u", 0);
    int64_t now = time(NULL);
    assert_int_equal(seen(cache, "p", 0, 1, now + 60, now), MCSEC_REPLAY_NEW);
    server_stop(srv);
    assert_int_equal(seen(cache, "p", 0, 2, now + 60, now), MCSEC_REPLAY_UNAVAILABLE);
    assert_int_equal(seen(cache, "p", 0, 3, now + 60, now), MCSEC_REPLAY_UNAVAILABLE);
    assert_int_equal(seen(cache, "p", 5, 3, now + 60, now), MCSEC_REPLAY_UNAVAILABLE);
    assert_true(mcsec_replay_redis_stats(cache).failures >= 3);
    assert_true(strlen(mcsec_replay_redis_error(cache)) > 0);
    server_start(srv);
    mcsec_replay_result_t r = MCSEC_REPLAY_UNAVAILABLE;
    for (int i = 0; i < 100 && r == MCSEC_REPLAY_UNAVAILABLE; i++) {
        nap_ms(50); /* the reconnect interval */
        r = seen(cache, "p", 0, 4, now + 60, now);
    }
    assert_int_equal(r, MCSEC_REPLAY_NEW);
    assert_int_equal(seen(cache, "p", 0, 4, now + 60, now), MCSEC_REPLAY_REPLAY);
    assert_int_equal(mcsec_replay_redis_stats(cache).connects, 2);
    mcsec_replay_free(cache);
}

static void test_wait_without_replicas_refuses(void **state)
{
    server_t *srv = *state;
    mcsec_replay_cache_t *cache = new_cache(srv, "sys-w", 1);
    int64_t now = time(NULL);
    assert_int_equal(seen(cache, "p", 0, 1, now + 60, now), MCSEC_REPLAY_UNAVAILABLE);
    mcsec_replay_free(cache);
}

static void test_bad_config(void **state)
{
    (void)state;
    mcsec_replay_cache_t *cache = NULL;
    mcsec_replay_redis_config_t cfg = {"127.0.0.1", 50, "ns", "ear", 0};
    assert_int_equal(mcsec_replay_redis_new(&cfg, &cache), MCSEC_ERR_ARG); /* no port */
    cfg.address = "127.0.0.1:99999";
    assert_int_equal(mcsec_replay_redis_new(&cfg, &cache), MCSEC_ERR_ARG);
    cfg.address = "[::1]:6379";
    assert_int_equal(mcsec_replay_redis_new(&cfg, &cache), MCSEC_OK);
    mcsec_replay_free(cache);
    cfg.timeout_ms = 0;
    assert_int_equal(mcsec_replay_redis_new(&cfg, &cache), MCSEC_ERR_ARG);
    assert_null(cache);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_name_and_replay),
        cmocka_unit_test(test_quota_per_partner),
        cmocka_unit_test(test_unreachable_then_back),
        cmocka_unit_test(test_wait_without_replicas_refuses),
        cmocka_unit_test(test_bad_config),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
