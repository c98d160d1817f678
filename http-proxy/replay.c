/* The replay caches of mcsec-httpd (EAR IDs, GMK messages): libmcsec's
 * in-process table (mcsec_replay_mem) made thread-safe with one lock, and
 * owned by the proxy, not by a generation, so a SIGHUP reload keeps every
 * recorded ID. mcsec-httpd is one process: its worker threads all see
 * this one table, and lookup + insert is one step under the lock (the
 * same EAR sent on two connections at once passes at most once).
 *
 * A reload that changes the bound starts a new table of the new size and
 * keeps the old one for lookups until every ID it holds has expired (the
 * caller says when: now + the longest window), so no ID is forgotten early.
 * mcsec_replay_mem cannot list its entries, so they are not moved.
 *
 * With system.replay.store: redis the IDs go to Redis instead
 * (mcsec/util/replay_redis.h), over this process's one connection, used
 * under the same lock (a hiredis context is not thread-safe). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcsec/util/replay_redis.h"

#include "httpd.h"

/* A table replaced by a reload, still consulted until its IDs expired. */
typedef struct retired {
    struct retired *next;
    mcsec_replay_cache_t *cache;
    int64_t until;
} retired_t;

struct httpd_replay {
    mcsec_replay_cache_t iface; /* first: the checks get &iface */
    pthread_mutex_t lock;
    mcsec_replay_cache_t *current;
    retired_t *retired;
    size_t entries;
    mcsec_replay_cache_t *redis; /* NULL: the in-process tables */
    char redis_settings[512];
    int64_t alarm_at; /* the last replay.store_unavailable alarm */
};

static mcsec_replay_result_t locked_seen_or_insert_owned(mcsec_replay_cache_t *cache,
                                                         const mcsec_replay_owner_t *owner,
                                                         const uint8_t id[MCSEC_REPLAY_ID_LEN],
                                                         int64_t expiry, int64_t now)
{
    httpd_replay_t *replay = (httpd_replay_t *)cache;
    pthread_mutex_lock(&replay->lock);
    if (replay->redis != NULL) {
        mcsec_replay_result_t r =
            replay->redis->seen_or_insert_owned(replay->redis, owner, id, expiry, now);
        pthread_mutex_unlock(&replay->lock);
        return r;
    }
    mcsec_replay_result_t result = MCSEC_REPLAY_NEW;
    for (retired_t **link = &replay->retired; *link;) {
        retired_t *old = *link;
        if (now >= old->until) {
            *link = old->next;
            mcsec_replay_free(old->cache);
            free(old);
            continue;
        }
        /* An old table only answers "seen"; being full there does not
         * matter (the ID is recorded in the current one). */
        if (result == MCSEC_REPLAY_NEW &&
            old->cache->seen_or_insert(old->cache, id, expiry, now) == MCSEC_REPLAY_REPLAY)
            result = MCSEC_REPLAY_REPLAY;
        link = &old->next;
    }
    if (result == MCSEC_REPLAY_NEW)
        result = owner != NULL ? replay->current->seen_or_insert_owned(replay->current, owner, id,
                                                                       expiry, now)
                               : replay->current->seen_or_insert(replay->current, id, expiry, now);
    pthread_mutex_unlock(&replay->lock);
    return result;
}

static mcsec_replay_result_t locked_seen_or_insert(mcsec_replay_cache_t *cache,
                                                   const uint8_t id[MCSEC_REPLAY_ID_LEN],
                                                   int64_t expiry, int64_t now)
{
    return locked_seen_or_insert_owned(cache, NULL, id, expiry, now);
}

httpd_replay_t *httpd_replay_new(size_t entries)
{
    httpd_replay_t *replay = calloc(1, sizeof(*replay));
    if (!replay)
        return NULL;
    if (mcsec_replay_mem_new(entries, &replay->current) != MCSEC_OK) {
        free(replay);
        return NULL;
    }
    replay->iface.seen_or_insert = locked_seen_or_insert;
    replay->iface.destroy = NULL; /* freed with httpd_replay_free */
    replay->iface.seen_or_insert_owned = locked_seen_or_insert_owned;
    replay->entries = entries;
    pthread_mutex_init(&replay->lock, NULL);
    return replay;
}

mcsec_replay_cache_t *httpd_replay_cache(httpd_replay_t *replay)
{
    return replay ? &replay->iface : NULL;
}

int httpd_replay_resize(httpd_replay_t *replay, size_t entries, int64_t keep_until)
{
    if (!replay || entries == replay->entries)
        return 0;
    mcsec_replay_cache_t *fresh = NULL;
    retired_t *old = calloc(1, sizeof(*old));
    if (!old || mcsec_replay_mem_new(entries, &fresh) != MCSEC_OK) {
        free(old);
        return -1;
    }
    pthread_mutex_lock(&replay->lock);
    old->cache = replay->current;
    old->until = keep_until;
    old->next = replay->retired;
    replay->retired = old;
    replay->current = fresh;
    replay->entries = entries;
    pthread_mutex_unlock(&replay->lock);
    return 0;
}

int httpd_replay_use_store(httpd_replay_t *replay, const mcsec_replay_system_t *store,
                           const char *cache_name)
{
    if (!replay)
        return -1;
    char settings[sizeof(replay->redis_settings)];
    snprintf(settings, sizeof(settings), "%s|%u|%s|%u",
             store->redis_address ? store->redis_address : "", store->redis_timeout_ms,
             store->redis_namespace ? store->redis_namespace : "", store->redis_wait_replicas);
    mcsec_replay_cache_t *fresh = NULL;
    if (store->store == MCSEC_REPLAY_STORE_REDIS) {
        if (replay->redis && strcmp(settings, replay->redis_settings) == 0)
            return 0;
        const mcsec_replay_redis_config_t config = {.address = store->redis_address,
                                                    .timeout_ms = store->redis_timeout_ms,
                                                    .ns = store->redis_namespace,
                                                    .cache = cache_name,
                                                    .wait_replicas = store->redis_wait_replicas};
        if (mcsec_replay_redis_new(&config, &fresh) != MCSEC_OK)
            return -1;
    }
    pthread_mutex_lock(&replay->lock);
    mcsec_replay_cache_t *old = replay->redis;
    replay->redis = fresh;
    memcpy(replay->redis_settings, settings, sizeof(settings));
    pthread_mutex_unlock(&replay->lock);
    mcsec_replay_free(old);
    return 0;
}

const char *httpd_replay_store_error(httpd_replay_t *replay)
{
    return replay ? mcsec_replay_redis_error(replay->redis) : "";
}

bool httpd_replay_alarm_due(httpd_replay_t *replay, int64_t now)
{
    if (!replay)
        return false;
    pthread_mutex_lock(&replay->lock);
    bool due = now - replay->alarm_at >= 10;
    if (due)
        replay->alarm_at = now;
    pthread_mutex_unlock(&replay->lock);
    return due;
}

void httpd_replay_usage(httpd_replay_t *replay, int64_t now, size_t *entries, size_t *capacity)
{
    *entries = *capacity = 0;
    if (!replay)
        return;
    pthread_mutex_lock(&replay->lock);
    *entries = mcsec_replay_mem_count(replay->current, now);
    *capacity = replay->entries;
    pthread_mutex_unlock(&replay->lock);
}

void httpd_replay_usage_owners(httpd_replay_t *replay, int64_t now, size_t *entries,
                               size_t *capacity,
                               mcsec_replay_owner_count_t owners[MCSEC_REPLAY_OWNERS])
{
    *entries = *capacity = 0;
    memset(owners, 0, sizeof(mcsec_replay_owner_count_t) * MCSEC_REPLAY_OWNERS);
    if (!replay)
        return;
    pthread_mutex_lock(&replay->lock);
    *entries = mcsec_replay_mem_count_owners(replay->current, now, owners);
    *capacity = replay->entries;
    pthread_mutex_unlock(&replay->lock);
}

void httpd_replay_free(httpd_replay_t *replay)
{
    if (!replay)
        return;
    while (replay->retired) {
        retired_t *old = replay->retired;
        replay->retired = old->next;
        mcsec_replay_free(old->cache);
        free(old);
    }
    mcsec_replay_free(replay->current);
    mcsec_replay_free(replay->redis);
    pthread_mutex_destroy(&replay->lock);
    free(replay);
}
