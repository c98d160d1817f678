/* The replay store per policy: see mcsec_replay_store.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/dprint.h"

#include "mcsec/obs/alarm.h"
#include "mcsec/obs/logline.h"
#include "mcsec/util/replay_redis.h"

#include "mcsec_alarm.h"
#include "mcsec_ear_replay.h"
#include "mcsec_gmk_replay.h"
#include "mcsec_log.h"
#include "mcsec_replay_store.h"

#define ALARM_INTERVAL 10 /* seconds between two alarm lines of one process and cache */

/* This process's Redis caches (made after the fork, never shared) and the
 * settings each was made from. */
static struct {
    mcsec_replay_cache_t *cache;
    char settings[512];
    time_t last_alarm;
} redis_caches[2];

static const char *const cache_names[2] = {"ear", "gmk"};

/* The settings text that decides whether a reload needs a new connection. */
static void settings_of(const mcsec_replay_system_t *r, char *out, size_t size)
{
    snprintf(out, size, "%s|%u|%s|%u", r->redis_address ? r->redis_address : "",
             r->redis_timeout_ms, r->redis_namespace ? r->redis_namespace : "",
             r->redis_wait_replicas);
}

static mcsec_replay_cache_t *redis_cache(const mcsec_replay_system_t *r, mcsec_store_cache_t which)
{
    char settings[sizeof(redis_caches[0].settings)];
    settings_of(r, settings, sizeof(settings));
    if (redis_caches[which].cache != NULL && strcmp(settings, redis_caches[which].settings) == 0) {
        return redis_caches[which].cache;
    }
    mcsec_replay_free(redis_caches[which].cache);
    redis_caches[which].cache = NULL;
    const mcsec_replay_redis_config_t config = {.address = r->redis_address,
                                                .timeout_ms = r->redis_timeout_ms,
                                                .ns = r->redis_namespace,
                                                .cache = cache_names[which],
                                                .wait_replicas = r->redis_wait_replicas};
    if (mcsec_replay_redis_new(&config, &redis_caches[which].cache) != MCSEC_OK) {
        mcsec_logf(MCSEC_LOG_ERROR, "replay", "cannot set up the Redis replay store (%s)",
                   settings);
        return NULL;
    }
    memcpy(redis_caches[which].settings, settings, sizeof(settings));
    return redis_caches[which].cache;
}

mcsec_replay_cache_t *mcsec_replay_store_for(const mcsec_policy_t *policy,
                                             const mcsec_partner_t *partner,
                                             mcsec_store_cache_t which, mcsec_store_view_t *out)
{
    mcsec_replay_cache_t *inner;
    size_t capacity;
    if (which == MCSEC_STORE_EAR) {
        capacity = policy->system.ear_replay_entries != 0 ? policy->system.ear_replay_entries
                                                          : MCSEC_EAR_REPLAY_DEFAULT_ENTRIES;
    } else {
        capacity = policy->system.gmk.replay_entries != 0 ? policy->system.gmk.replay_entries
                                                          : MCSEC_GMK_REPLAY_DEFAULT_ENTRIES;
    }
    if (policy->system.replay.store == MCSEC_REPLAY_STORE_REDIS) {
        inner = redis_cache(&policy->system.replay, which);
    } else {
        inner = which == MCSEC_STORE_EAR ? mcsec_ear_replay_cache() : mcsec_gmk_replay_cache();
    }
    if (inner == NULL) {
        return NULL;
    }
    size_t quota = mcsec_policy_replay_quota(policy, partner, which == MCSEC_STORE_GMK, capacity);
    out->owner = (mcsec_replay_owner_t){partner->name, quota, false};
    if (mcsec_replay_partner_init(&out->view, inner, &out->owner) != MCSEC_OK) {
        return NULL;
    }
    return &out->view.base;
}

void mcsec_replay_store_unavailable(mcsec_store_cache_t which)
{
    time_t now = time(NULL);
    if (now - redis_caches[which].last_alarm < ALARM_INTERVAL) {
        return;
    }
    redis_caches[which].last_alarm = now;
    const mcsec_replay_cache_t *cache = redis_caches[which].cache;
    mcsec_replay_redis_stats_t stats = mcsec_replay_redis_stats(cache);
    mcsec_logline_t line;
    mcsec_alarm_begin(&line, MCSEC_ALARM_REPLAY_STORE_UNAVAILABLE);
    mcsec_logline_str(&line, "cache", cache_names[which]);
    mcsec_logline_str(&line, "store", "redis");
    mcsec_logline_int(&line, "failures", (long long)stats.failures);
    mcsec_logline_str(&line, "error", mcsec_replay_redis_error(cache));
    mcsec_alarm_emit(MCSEC_ALARM_REPLAY_STORE_UNAVAILABLE, &line);
}

void mcsec_replay_store_close(void)
{
    for (size_t i = 0; i < 2; i++) {
        mcsec_replay_free(redis_caches[i].cache);
        redis_caches[i].cache = NULL;
    }
}
