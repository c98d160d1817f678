/* Expiry and replay-cache alarms of the metrics process: see mcsec_watch.h. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcsec/ibc/kms_cert.h"
#include "mcsec_alarm.h"
#include "mcsec_ear_replay.h"
#include "mcsec_gmk_replay.h"
#include "mcsec_log.h"
#include "mcsec_metrics_page.h"
#include "mcsec_shm_policy.h"
#include "mcsec_watch.h"

#define EXPIRY_PERIOD 3600 /* seconds between expiry checks without a reload */
#define REPLAY_PERIOD 5    /* seconds between replay cache checks */
#define REPLAY_HIGH_PERCENT 80

typedef enum { ST_OK = 0, ST_WARNING, ST_CRITICAL, ST_STALE } item_state_t;

typedef struct {
    char key[1500]; /* kind|partner|name */
    item_state_t state;
} item_seen_t;

/* This process's state (the metrics process only). */
static struct {
    int generation;
    int64_t expiry_at, replay_at;
    mcsec_expiry_list_t list;
    bool have_list;
    item_seen_t *seen;
    size_t seen_count;
    bool replay_high[2]; /* ear, gmk */
} watch;

static const mcsec_alarm_t state_alarm[] = {MCSEC_ALARM_COUNT, MCSEC_ALARM_EXPIRY_WARNING,
                                            MCSEC_ALARM_EXPIRY_CRITICAL, MCSEC_ALARM_CRL_STALE};

static item_state_t state_of(const mcsec_expiry_item_t *item, int64_t left, int64_t warning)
{
    /* The same boundaries as deploy/prometheus/alerts.yml: a CRL is stale
     * at its nextUpdate and due within system.revocation.warn_before; a
     * signing key counts only in the latest key period held. */
    if (item->kind == MCSEC_EXPIRY_CRL) {
        return left <= 0 ? ST_STALE : item->due ? ST_WARNING : ST_OK;
    }
    if (item->kind == MCSEC_EXPIRY_SIGNING && !item->due) {
        return ST_OK;
    }
    if (left < warning / 4) {
        return ST_CRITICAL;
    }
    return left < warning ? ST_WARNING : ST_OK;
}

static item_state_t previous_state(const char *key)
{
    for (size_t i = 0; i < watch.seen_count; i++) {
        if (strcmp(watch.seen[i].key, key) == 0) {
            return watch.seen[i].state;
        }
    }
    return ST_OK;
}

/* Logs the change of one item's state. */
static void log_change(const mcsec_expiry_item_t *item, const char *partner, const char *name,
                       item_state_t was, item_state_t now_state, int64_t left)
{
    char date[32] = "?";
    (void)mcsec_kms_time_format(item->expires, date, sizeof(date));
    mcsec_logline_t line;
    if (now_state == ST_OK) {
        mcsec_log_begin(&line, "alarm_cleared");
        mcsec_logline_str(&line, "alarm", mcsec_alarm_code(state_alarm[was]));
    } else {
        mcsec_alarm_begin(&line, state_alarm[now_state]);
    }
    mcsec_logline_str(&line, "partner", partner);
    mcsec_logline_str(&line, "kind", mcsec_expiry_kind_str(item->kind));
    mcsec_logline_str(&line, "name", name);
    mcsec_logline_str(&line, "expires", date);
    mcsec_logline_int(&line, "seconds_left", (long long)left);
    if (now_state == ST_OK) {
        mcsec_log_emit(MCSEC_LOG_NOTICE, &line);
    } else {
        mcsec_alarm_emit(state_alarm[now_state], &line);
    }
}

/* Rebuilds the expiry list and logs every item whose state changed. */
static void check_expiry(const mcsec_policy_t *policy, int64_t now)
{
    mcsec_expiry_list_t list = {NULL, 0};
    if (policy == NULL || mcsec_config_expiry(policy, now, &list) != MCSEC_OK) {
        return;
    }
    int64_t warning = (int64_t)policy->system.expiry_warning_days * 86400;
    item_seen_t *seen = calloc(list.count > 0 ? list.count : 1, sizeof(*seen));
    if (seen == NULL) {
        mcsec_expiry_list_free(&list);
        return;
    }
    for (size_t i = 0; i < list.count; i++) {
        const mcsec_expiry_item_t *item = &list.items[i];
        char partner[64], name[1400];
        mcsec_metrics_expiry_labels(item, partner, sizeof(partner), name, sizeof(name));
        snprintf(seen[i].key, sizeof(seen[i].key), "%d|%s|%s", (int)item->kind, partner, name);
        int64_t left = item->expires - now;
        seen[i].state = state_of(item, left, warning);
        item_state_t was = previous_state(seen[i].key);
        if (seen[i].state != was) {
            log_change(item, partner, name, was, seen[i].state, left);
        }
    }
    free(watch.seen);
    watch.seen = seen;
    watch.seen_count = list.count;
    if (watch.have_list) {
        mcsec_expiry_list_free(&watch.list);
    }
    watch.list = list;
    watch.have_list = true;
}

/* replay.high once per crossing of 80 % (cleared below it). */
static void check_replay(const mcsec_policy_t *policy, int64_t now)
{
    size_t entries[2] = {mcsec_ear_replay_count(now), mcsec_gmk_replay_count(now)};
    size_t capacity[2] = {MCSEC_EAR_REPLAY_DEFAULT_ENTRIES, MCSEC_GMK_REPLAY_DEFAULT_ENTRIES};
    if (policy != NULL && policy->system.ear_replay_entries > 0) {
        capacity[0] = policy->system.ear_replay_entries;
    }
    if (policy != NULL && policy->system.gmk.replay_entries > 0) {
        capacity[1] = policy->system.gmk.replay_entries;
    }
    static const char *const names[2] = {"ear", "gmk"};
    for (int c = 0; c < 2; c++) {
        bool high = entries[c] * 100 > capacity[c] * REPLAY_HIGH_PERCENT;
        if (high == watch.replay_high[c]) {
            continue;
        }
        watch.replay_high[c] = high;
        mcsec_logline_t line;
        if (high) {
            mcsec_alarm_begin(&line, MCSEC_ALARM_REPLAY_HIGH);
        } else {
            mcsec_log_begin(&line, "alarm_cleared");
            mcsec_logline_str(&line, "alarm", mcsec_alarm_code(MCSEC_ALARM_REPLAY_HIGH));
        }
        mcsec_logline_str(&line, "cache", names[c]);
        mcsec_logline_str(&line, "partner", "");
        mcsec_logline_int(&line, "entries", (long long)entries[c]);
        mcsec_logline_int(&line, "capacity", (long long)capacity[c]);
        if (high) {
            mcsec_alarm_emit(MCSEC_ALARM_REPLAY_HIGH, &line);
        } else {
            mcsec_log_emit(MCSEC_LOG_NOTICE, &line);
        }
    }
}

/* See mcsec_watch.h. */
void mcsec_watch_tick(int64_t now)
{
    const mcsec_policy_t *policy = mcsec_proc_policy();
    int generation = mcsec_shm_policy_generation();
    if (policy != NULL && (generation != watch.generation ||
                           now - watch.expiry_at >= EXPIRY_PERIOD || now < watch.expiry_at)) {
        watch.generation = generation;
        watch.expiry_at = now;
        check_expiry(policy, now);
    }
    if (now - watch.replay_at >= REPLAY_PERIOD || now < watch.replay_at) {
        watch.replay_at = now;
        check_replay(policy, now);
    }
}

/* See mcsec_watch.h. */
const mcsec_expiry_list_t *mcsec_watch_expiry(void)
{
    return watch.have_list ? &watch.list : NULL;
}

/* See mcsec_watch.h. */
void mcsec_watch_free(void)
{
    if (watch.have_list) {
        mcsec_expiry_list_free(&watch.list);
    }
    free(watch.seen);
    memset(&watch, 0, sizeof(watch));
}
