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
 * mcsec_replay_mem cannot list its entries, so they are not moved. */
#include <pthread.h>
#include <stdlib.h>

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
};

static mcsec_replay_result_t locked_seen_or_insert(mcsec_replay_cache_t *cache,
                                                   const uint8_t id[MCSEC_REPLAY_ID_LEN],
                                                   int64_t expiry, int64_t now)
{
    httpd_replay_t *replay = (httpd_replay_t *)cache;
    pthread_mutex_lock(&replay->lock);
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
        result = replay->current->seen_or_insert(replay->current, id, expiry, now);
    pthread_mutex_unlock(&replay->lock);
    return result;
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
    pthread_mutex_destroy(&replay->lock);
    free(replay);
}
