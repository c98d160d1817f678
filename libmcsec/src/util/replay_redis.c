/* The replay cache in Redis over hiredis: see mcsec/util/replay_redis.h. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include "mcsec/util/replay_redis.h"

#define RECONNECT_INTERVAL_MS 250 /* at most one connection attempt per interval */
#define KEY_MAX 512

/* Insert-if-absent under the partner's quota, atomically (Redis runs a
 * script alone). KEYS[1] the ID's key, KEYS[2] the partner's live set;
 * ARGV: time to live (ms), now (ms), quota, member. 0 new, 1 seen, 2 full. */
static const char quota_script[] =
    "local ttl = tonumber(ARGV[1])\n"
    "local now = tonumber(ARGV[2])\n"
    "if redis.call('EXISTS', KEYS[1]) == 1 then return 1 end\n"
    "redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)\n"
    "if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then return 2 end\n"
    "redis.call('SET', KEYS[1], '1', 'NX', 'PX', ttl)\n"
    "redis.call('ZADD', KEYS[2], now + ttl, ARGV[4])\n"
    "if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end\n"
    "return 0\n";

typedef struct {
    mcsec_replay_cache_t iface; /* first: the interface pointer is the object */
    char *host;                 /* host name or address; NULL for a unix socket */
    int port;
    char *path; /* unix socket path, or NULL */
    char *ns;
    char *cache;
    struct timeval timeout;
    unsigned wait_replicas;
    unsigned timeout_ms;
    char script_sha[41];
    redisContext *conn; /* NULL when not connected */
    int64_t next_attempt_ms;
    char error[128];
    mcsec_replay_redis_stats_t stats;
} redis_cache_t;

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_error(redis_cache_t *c, const char *what, const char *detail)
{
    int n = snprintf(c->error, sizeof(c->error), "%s", what);
    if (detail[0] != '\0' && n > 0 && (size_t)n + 2 < sizeof(c->error)) {
        size_t used = (size_t)n;
        memcpy(c->error + used, ": ", 3);
        used += 2;
        size_t room = sizeof(c->error) - used - 1;
        size_t len = strnlen(detail, room);
        memcpy(c->error + used, detail, len);
        c->error[used + len] = '\0';
    }
}

static void disconnect(redis_cache_t *c)
{
    if (c->conn != NULL) {
        redisFree(c->conn);
        c->conn = NULL;
    }
}

/* Connects unless connected; false (and no connection) on failure or while
 * the reconnect interval since the last failed attempt runs. */
static bool ensure_connected(redis_cache_t *c)
{
    if (c->conn != NULL) {
        return true;
    }
    int64_t now = monotonic_ms();
    if (now < c->next_attempt_ms) {
        return false;
    }
    c->next_attempt_ms = now + RECONNECT_INTERVAL_MS;
    redisContext *conn = c->path != NULL ? redisConnectUnixWithTimeout(c->path, c->timeout)
                                         : redisConnectWithTimeout(c->host, c->port, c->timeout);
    if (conn == NULL) {
        set_error(c, "cannot connect", "out of memory");
        return false;
    }
    if (conn->err != 0 || redisSetTimeout(conn, c->timeout) != REDIS_OK) {
        set_error(c, "cannot connect", conn->errstr);
        redisFree(conn);
        return false;
    }
    c->conn = conn;
    c->stats.connects++;
    c->error[0] = '\0';
    return true;
}

/* Runs one command (hiredis format); NULL after closing the connection
 * when it failed or Redis answered an error. */
static redisReply *command(redis_cache_t *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *reply = redisvCommand(c->conn, fmt, ap);
    va_end(ap);
    if (reply == NULL) {
        set_error(c, "command failed", c->conn->errstr);
        disconnect(c);
        return NULL;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        set_error(c, "error reply", reply->str != NULL ? reply->str : "");
        freeReplyObject(reply);
        disconnect(c); /* e.g. READONLY after a failover: ask again on a new connection */
        return NULL;
    }
    return reply;
}

/* The quota script by its SHA-1, loading it when Redis does not have it.
 * Returns the script's answer (0, 1, 2) or -1. */
static long long run_quota_script(redis_cache_t *c, const char *key, const char *live,
                                  long long ttl_ms, long long now_ms, size_t quota,
                                  const char *member)
{
    redisReply *reply = redisCommand(c->conn, "EVALSHA %s 2 %s %s %lld %lld %lld %s", c->script_sha,
                                     key, live, ttl_ms, now_ms, (long long)quota, member);
    if (reply != NULL && reply->type == REDIS_REPLY_ERROR && reply->str != NULL &&
        strncmp(reply->str, "NOSCRIPT", 8) == 0) {
        freeReplyObject(reply);
        reply = redisCommand(c->conn, "EVAL %s 2 %s %s %lld %lld %lld %s", quota_script, key, live,
                             ttl_ms, now_ms, (long long)quota, member);
    }
    if (reply == NULL) {
        set_error(c, "command failed", c->conn->errstr);
        disconnect(c);
        return -1;
    }
    long long answer = reply->type == REDIS_REPLY_INTEGER ? reply->integer : -1;
    if (answer < 0) {
        set_error(c, "unexpected script reply",
                  reply->type == REDIS_REPLY_ERROR && reply->str != NULL ? reply->str : "");
        disconnect(c);
    }
    freeReplyObject(reply);
    return answer;
}

/* WAIT for the configured replicas; false (connection closed) when fewer
 * acknowledged within the timeout. */
static bool wait_replicas(redis_cache_t *c)
{
    redisReply *reply = command(c, "WAIT %u %u", c->wait_replicas, c->timeout_ms);
    if (reply == NULL) {
        return false;
    }
    bool ok = reply->type == REDIS_REPLY_INTEGER && reply->integer >= (long long)c->wait_replicas;
    freeReplyObject(reply);
    if (!ok) {
        set_error(c, "WAIT", "fewer replicas than system.replay.redis.wait_replicas acknowledged");
    }
    return ok;
}

static mcsec_replay_result_t unavailable(redis_cache_t *c)
{
    c->stats.failures++;
    return MCSEC_REPLAY_UNAVAILABLE;
}

static mcsec_replay_result_t redis_seen_or_insert_owned(mcsec_replay_cache_t *iface,
                                                        const mcsec_replay_owner_t *owner,
                                                        const uint8_t id[MCSEC_REPLAY_ID_LEN],
                                                        int64_t expiry, int64_t now)
{
    redis_cache_t *c = (redis_cache_t *)iface;
    char hex[2 * MCSEC_REPLAY_ID_LEN + 1];
    for (size_t i = 0; i < MCSEC_REPLAY_ID_LEN; i++) {
        snprintf(hex + 2 * i, 3, "%02x", id[i]);
    }
    const char *partner = owner != NULL && owner->partner != NULL ? owner->partner : "-";
    char key[KEY_MAX];
    char live[KEY_MAX];
    int n = snprintf(key, sizeof(key), "%s:%s:%s:%s", c->ns, partner, c->cache, hex);
    int m = snprintf(live, sizeof(live), "%s:%s:%s:#live", c->ns, partner, c->cache);
    if (n < 0 || (size_t)n >= sizeof(key) || m < 0 || (size_t)m >= sizeof(live)) {
        return MCSEC_REPLAY_FULL; /* cannot name it: refuse */
    }
    if (!ensure_connected(c)) {
        return unavailable(c);
    }
    if (expiry <= now) {
        /* A lookup that records nothing (replay.h: never live). */
        redisReply *reply = command(c, "EXISTS %s", key);
        if (reply == NULL) {
            return unavailable(c);
        }
        bool seen = reply->type == REDIS_REPLY_INTEGER && reply->integer == 1;
        freeReplyObject(reply);
        return seen ? MCSEC_REPLAY_REPLAY : MCSEC_REPLAY_NEW;
    }
    long long ttl_ms = (long long)(expiry - now) * 1000;
    if (owner != NULL && owner->quota > 0) {
        long long answer =
            run_quota_script(c, key, live, ttl_ms, (long long)now * 1000, owner->quota, hex);
        if (answer < 0) {
            return unavailable(c);
        }
        if (answer != 0) {
            return answer == 1 ? MCSEC_REPLAY_REPLAY : MCSEC_REPLAY_FULL;
        }
    } else {
        redisReply *reply = command(c, "SET %s 1 NX PX %lld", key, ttl_ms);
        if (reply == NULL) {
            return unavailable(c);
        }
        bool recorded = reply->type == REDIS_REPLY_STATUS;
        freeReplyObject(reply);
        if (!recorded) {
            return MCSEC_REPLAY_REPLAY; /* nil: the key exists */
        }
    }
    if (c->wait_replicas > 0 && !wait_replicas(c)) {
        return unavailable(c);
    }
    return MCSEC_REPLAY_NEW;
}

static mcsec_replay_result_t redis_seen_or_insert(mcsec_replay_cache_t *iface,
                                                  const uint8_t id[MCSEC_REPLAY_ID_LEN],
                                                  int64_t expiry, int64_t now)
{
    return redis_seen_or_insert_owned(iface, NULL, id, expiry, now);
}

static void redis_destroy(mcsec_replay_cache_t *iface)
{
    redis_cache_t *c = (redis_cache_t *)iface;
    if (c == NULL) {
        return;
    }
    disconnect(c);
    free(c->host);
    free(c->path);
    free(c->ns);
    free(c->cache);
    free(c);
}

/* "host:port" or "[v6]:port" into host and port. */
static bool split_address(const char *address, char **host, int *port)
{
    const char *colon = strrchr(address, ':');
    if (colon == NULL || colon == address || colon[1] == '\0') {
        return false;
    }
    char *end = NULL;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (errno != 0 || *end != '\0' || p < 1 || p > 65535) {
        return false;
    }
    const char *start = address;
    size_t len = (size_t)(colon - address);
    if (address[0] == '[') {
        if (len < 3 || address[len - 1] != ']') {
            return false;
        }
        start++;
        len -= 2;
    }
    *host = strndup(start, len);
    *port = (int)p;
    return *host != NULL;
}

/* Lower-case hex SHA-1 of the quota script, as EVALSHA names it. */
static bool script_sha1(char out[41])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(quota_script, sizeof(quota_script) - 1, md, &len, EVP_sha1(), NULL) != 1 ||
        len != 20) {
        return false;
    }
    for (unsigned int i = 0; i < len; i++) {
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    }
    return true;
}

mcsec_err_t mcsec_replay_redis_new(const mcsec_replay_redis_config_t *config,
                                   mcsec_replay_cache_t **out)
{
    if (out == NULL) {
        return MCSEC_ERR_ARG;
    }
    *out = NULL;
    if (config == NULL || config->address == NULL || config->address[0] == '\0' ||
        config->ns == NULL || config->ns[0] == '\0' || config->cache == NULL ||
        config->cache[0] == '\0' || config->timeout_ms == 0) {
        return MCSEC_ERR_ARG;
    }
    redis_cache_t *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return MCSEC_ERR_NOMEM;
    }
    c->iface.seen_or_insert = redis_seen_or_insert;
    c->iface.seen_or_insert_owned = redis_seen_or_insert_owned;
    c->iface.destroy = redis_destroy;
    c->timeout.tv_sec = (time_t)(config->timeout_ms / 1000);
    c->timeout.tv_usec = (suseconds_t)(config->timeout_ms % 1000) * 1000;
    c->timeout_ms = config->timeout_ms;
    c->wait_replicas = config->wait_replicas;
    c->ns = strdup(config->ns);
    c->cache = strdup(config->cache);
    mcsec_err_t err = MCSEC_OK;
    if (config->address[0] == '/') {
        c->path = strdup(config->address);
        if (c->path == NULL) {
            err = MCSEC_ERR_NOMEM;
        }
    } else if (!split_address(config->address, &c->host, &c->port)) {
        err = MCSEC_ERR_ARG;
    }
    if (err == MCSEC_OK && (c->ns == NULL || c->cache == NULL)) {
        err = MCSEC_ERR_NOMEM;
    }
    if (err == MCSEC_OK && !script_sha1(c->script_sha)) {
        err = MCSEC_ERR_INVALID;
    }
    if (err != MCSEC_OK) {
        redis_destroy(&c->iface);
        return err;
    }
    *out = &c->iface;
    return MCSEC_OK;
}

mcsec_replay_redis_stats_t mcsec_replay_redis_stats(const mcsec_replay_cache_t *cache)
{
    mcsec_replay_redis_stats_t none = {0, 0};
    if (cache == NULL || cache->seen_or_insert != redis_seen_or_insert) {
        return none;
    }
    return ((const redis_cache_t *)cache)->stats;
}

const char *mcsec_replay_redis_error(const mcsec_replay_cache_t *cache)
{
    if (cache == NULL || cache->seen_or_insert != redis_seen_or_insert) {
        return "";
    }
    return ((const redis_cache_t *)cache)->error;
}
