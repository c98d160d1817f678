/* The alarms mcsec-httpd logs itself (mcsec/obs/alarm.h), one line per
 * state change so the journal of a site without Prometheus shows each
 * condition once when it starts and once when it clears:
 *   expiry.warning / expiry.critical  a certificate or key (mcsec_config_expiry)
 *       has fewer than system.expiry_warning_days (a quarter of them, or it
 *       has expired) left; a CRL's nextUpdate is within
 *       system.revocation.warn_before (warning);
 *   crl.stale        a CRL is past its nextUpdate (with what the policy does);
 *   replay.high      a replay cache holds more than 80 % of its bound.
 * Looked at when the proxy starts, after each reload and every hour
 * (expiry), every ten seconds (replay). ear.clock_skew is auth.c's,
 * reload.failed main.c's. The state lives in the caller's httpd_alarms_t. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alarms.h"
#include "mcsec/config/config_expiry.h"

enum { ST_OK = 0, ST_WARNING, ST_CRITICAL, ST_STALE };

static int state_of(const mcsec_policy_t *policy, const mcsec_expiry_item_t *item, int64_t now)
{
    int64_t left = item->expires - now;
    int64_t warn = (int64_t)policy->system.expiry_warning_days * 86400;
    /* The same boundaries as deploy/prometheus/alerts.yml: a CRL is stale
     * at its nextUpdate; a signing key counts only in the latest key
     * period held. */
    if (item->kind == MCSEC_EXPIRY_CRL)
        return left <= 0 ? ST_STALE : item->due ? ST_WARNING : ST_OK;
    if (item->kind == MCSEC_EXPIRY_SIGNING && !item->due)
        return ST_OK;
    if (left < warn / 4)
        return ST_CRITICAL;
    return left < warn ? ST_WARNING : ST_OK;
}

static mcsec_alarm_t alarm_of(int state)
{
    return state == ST_STALE      ? MCSEC_ALARM_CRL_STALE
           : state == ST_CRITICAL ? MCSEC_ALARM_EXPIRY_CRITICAL
                                  : MCSEC_ALARM_EXPIRY_WARNING;
}

static void log_change(const httpd_ctx_t *ctx, const mcsec_policy_t *policy,
                       const mcsec_expiry_item_t *item, const char *partner, const char *name,
                       int before, int state, int64_t now)
{
    mcsec_logline_t line;
    char msg[600];
    long long left = (long long)(item->expires - now);
    if (state == ST_OK) {
        httpd_line_start(ctx, &line, "alarm_cleared");
        mcsec_logline_str(&line, "alarm", mcsec_alarm_code(alarm_of(before)));
        snprintf(msg, sizeof(msg), "%s: no longer due", item->what);
    } else {
        httpd_alarm_start(ctx, &line, alarm_of(state));
        if (state == ST_STALE)
            snprintf(msg, sizeof(msg), "crl partner=%s stale: nextUpdate passed %lld s ago; %s",
                     partner[0] ? partner : "(inside clients)", -left,
                     policy->system.revocation.stale == MCSEC_CRL_STALE_REFUSE
                         ? "its certificates are refused (system.revocation.stale refuse)"
                         : "still used (system.revocation.stale keep): fetch a new CRL");
        else
            snprintf(msg, sizeof(msg), "%s %s in %lld s (%lld days)", item->what,
                     item->kind == MCSEC_EXPIRY_CRL ? "is due for renewal (nextUpdate)" : "expires",
                     left, (long long)item->days_left);
    }
    mcsec_logline_str(&line, "partner", partner);
    mcsec_logline_str(&line, "kind", mcsec_expiry_kind_str(item->kind));
    mcsec_logline_str(&line, "name", name);
    mcsec_logline_int(&line, "seconds_left", left);
    mcsec_logline_str(&line, "msg", msg);
    if (state == ST_OK)
        httpd_line_emit(ctx, MCSEC_LOG_NOTICE, &line);
    else
        httpd_alarm_emit(ctx, alarm_of(state), &line);
}

void httpd_alarms_expiry(const httpd_ctx_t *ctx, httpd_alarms_t *alarms, const httpd_gen_t *gen,
                         int64_t now)
{
    const mcsec_policy_t *policy = gen->policy;
    mcsec_expiry_list_t list = {NULL, 0};
    if (mcsec_config_expiry(policy, now, &list) != MCSEC_OK) {
        httpd_log(ctx, MCSEC_LOG_ERROR, "out of memory listing expiries: no expiry alarm");
        return;
    }
    httpd_alarm_slot_t *fresh = calloc(list.count ? list.count : 1, sizeof(*fresh));
    if (!fresh) {
        mcsec_expiry_list_free(&list);
        return;
    }
    for (size_t i = 0; i < list.count; i++) {
        const mcsec_expiry_item_t *item = &list.items[i];
        char partner[128], name[1400];
        httpd_expiry_labels(item->what, item->path, partner, sizeof(partner), name, sizeof(name));
        snprintf(fresh[i].key, sizeof(fresh[i].key), "%d|%s|%s", (int)item->kind, partner, name);
        fresh[i].state = state_of(policy, item, now);
        int before = ST_OK;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(fresh[j].key, fresh[i].key) == 0; /* one line per label set */
        for (size_t j = 0; j < alarms->count && !seen; j++)
            if (strcmp(alarms->slots[j].key, fresh[i].key) == 0)
                before = alarms->slots[j].state;
        if (!seen && before != fresh[i].state)
            log_change(ctx, policy, item, partner, name, before, fresh[i].state, now);
    }
    free(alarms->slots);
    alarms->slots = fresh;
    alarms->count = list.count;
    mcsec_expiry_list_free(&list);
}

void httpd_alarms_replay(const httpd_ctx_t *ctx, httpd_alarms_t *alarms,
                         httpd_replay_t *const caches[2], int64_t now)
{
    static const char *const names[2] = {"ear", "gmk"};
    for (size_t c = 0; c < 2; c++) {
        size_t entries, capacity;
        httpd_replay_usage(caches[c], now, &entries, &capacity);
        bool high = capacity > 0 && entries * 5 > capacity * 4; /* above 80 %, as the rule */
        if (high == alarms->replay_high[c])
            continue;
        alarms->replay_high[c] = high;
        mcsec_logline_t line;
        if (high)
            httpd_alarm_start(ctx, &line, MCSEC_ALARM_REPLAY_HIGH);
        else
            httpd_line_start(ctx, &line, "alarm_cleared");
        if (!high)
            mcsec_logline_str(&line, "alarm", mcsec_alarm_code(MCSEC_ALARM_REPLAY_HIGH));
        mcsec_logline_str(&line, "cache", names[c]);
        mcsec_logline_str(&line, "partner", "");
        mcsec_logline_int(&line, "entries", (long long)entries);
        mcsec_logline_int(&line, "capacity", (long long)capacity);
        if (high)
            httpd_alarm_emit(ctx, MCSEC_ALARM_REPLAY_HIGH, &line);
        else
            httpd_line_emit(ctx, MCSEC_LOG_NOTICE, &line);
    }
}

void httpd_alarms_free(httpd_alarms_t *alarms)
{
    free(alarms->slots);
    alarms->slots = NULL;
    alarms->count = 0;
}
