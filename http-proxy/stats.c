/* Counters per partner (kept across reloads, keyed by the partner's name):
 * request verdicts per direction and method class, refusals per reason
 * code, EAR and GKTP checks, the request time and EAR clock offset
 * histograms, reloads. One lock; metrics.c and /stats read under it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"

const double httpd_latency_bounds[HTTPD_LATENCY_BOUNDS] = {0.00005, 0.0001, 0.00025, 0.0005, 0.001,
                                                           0.0025,  0.005,  0.01,    0.025,  0.05,
                                                           0.1,     0.25,   0.5,     1,      2.5};
const double httpd_offset_bounds[HTTPD_OFFSET_BOUNDS] = {-60, -30, -10, -5, -1, 0,
                                                         1,   5,   10,  30, 60};

void httpd_stats_init(httpd_stats_t *stats)
{
    memset(stats, 0, sizeof(*stats));
    pthread_mutex_init(&stats->lock, NULL);
    snprintf(stats->names[0], sizeof(stats->names[0]), "-"); /* unknown sources */
}

void httpd_stats_destroy(httpd_stats_t *stats)
{
    pthread_mutex_destroy(&stats->lock);
}

httpd_method_class_t httpd_method_class(const char *method)
{
    static const char *const reads[] = {"GET", "HEAD"};
    static const char *const writes[] = {"POST", "PUT", "PATCH", "DELETE"};
    for (size_t i = 0; method && i < 2; i++)
        if (strcmp(method, reads[i]) == 0)
            return HTTPD_METHOD_READ;
    for (size_t i = 0; method && i < 4; i++)
        if (strcmp(method, writes[i]) == 0)
            return HTTPD_METHOD_WRITE;
    return HTTPD_METHOD_OTHER;
}

/* Slot of name, claiming a free one; 0 (unknown) when full. Lock held. */
static size_t slot_of(httpd_stats_t *stats, const char *name)
{
    if (!name || !name[0])
        return 0;
    for (size_t i = 1; i < HTTPD_STATS_SLOTS; i++) {
        if (strcmp(stats->names[i], name) == 0)
            return i;
        if (!stats->names[i][0]) {
            snprintf(stats->names[i], sizeof(stats->names[i]), "%s", name);
            return i;
        }
    }
    return 0;
}

/* Index of the bucket of value among ascending bounds (n: above all). */
static size_t bucket(const double *bounds, size_t n, double value)
{
    size_t i = 0;
    while (i < n && value > bounds[i])
        i++;
    return i;
}

void httpd_stats_count(httpd_stats_t *stats, const char *name, mcsec_reason_t reason, bool outbound,
                       const char *method, double seconds)
{
    size_t dir = outbound ? 1 : 0;
    pthread_mutex_lock(&stats->lock);
    size_t slot = slot_of(stats, name);
    bool refused = reason != MCSEC_REASON_NONE;
    stats->requests[slot][dir][httpd_method_class(method)][refused]++;
    if (refused && (int)reason > 0 && reason < MCSEC_REASON_COUNT)
        stats->refusals[slot][dir][reason]++;
    if (seconds >= 0 && isfinite(seconds)) {
        stats->latency[dir][bucket(httpd_latency_bounds, HTTPD_LATENCY_BOUNDS, seconds)]++;
        stats->latency_sum[dir] += seconds;
    }
    pthread_mutex_unlock(&stats->lock);
}

void httpd_stats_ear(httpd_stats_t *stats, const char *name, bool sign, bool ok)
{
    pthread_mutex_lock(&stats->lock);
    stats->ear[slot_of(stats, name)][sign ? 1 : 0][ok ? 0 : 1]++;
    pthread_mutex_unlock(&stats->lock);
}

void httpd_stats_gktp(httpd_stats_t *stats, const char *name, bool ok)
{
    pthread_mutex_lock(&stats->lock);
    stats->gktp[slot_of(stats, name)][ok ? 0 : 1]++;
    pthread_mutex_unlock(&stats->lock);
}

bool httpd_stats_ear_offset(httpd_stats_t *stats, const char *name, double offset, bool exceeded,
                            int64_t now)
{
    bool alarm = false;
    pthread_mutex_lock(&stats->lock);
    size_t slot = slot_of(stats, name);
    stats->offset[bucket(httpd_offset_bounds, HTTPD_OFFSET_BOUNDS, offset)]++;
    stats->offset_sum += offset;
    if (exceeded) {
        stats->skew_exceeded[slot]++;
        if (stats->skew_alarm_at[slot] == 0 || now - stats->skew_alarm_at[slot] >= 60) {
            stats->skew_alarm_at[slot] = now;
            alarm = true;
        }
    }
    pthread_mutex_unlock(&stats->lock);
    return alarm;
}

void httpd_stats_reload(httpd_stats_t *stats, httpd_trigger_t trigger, bool ok)
{
    pthread_mutex_lock(&stats->lock);
    stats->reloads[trigger][ok ? 0 : 1]++;
    pthread_mutex_unlock(&stats->lock);
}

/* Appends "partner code count\n" to the growing text; false when out of
 * memory. */
static bool add_line(char **text, size_t *len, size_t *cap, const char *partner, const char *code,
                     unsigned long count)
{
    if (*len + 160 > *cap) {
        char *grown = realloc(*text, *cap * 2);
        if (!grown)
            return false;
        *text = grown;
        *cap *= 2;
    }
    *len += (size_t)snprintf(*text + *len, *cap - *len, "%s %s %lu\n", partner, code, count);
    return true;
}

char *httpd_stats_text(httpd_stats_t *stats)
{
    size_t cap = 8192, len = 0;
    char *text = malloc(cap);
    if (!text)
        return NULL;
    text[0] = '\0';
    pthread_mutex_lock(&stats->lock);
    bool ok = true;
    for (size_t s = 0; ok && s < HTTPD_STATS_SLOTS; s++) {
        if (!stats->names[s][0])
            continue;
        for (int r = 1; ok && r < MCSEC_REASON_COUNT; r++) {
            unsigned long count = stats->refusals[s][0][r] + stats->refusals[s][1][r];
            if (count)
                ok = add_line(&text, &len, &cap, stats->names[s],
                              mcsec_reason_code((mcsec_reason_t)r), count);
        }
        for (size_t dir = 0; ok && dir < 2; dir++) {
            unsigned long count = 0;
            for (size_t c = 0; c < HTTPD_METHOD_N; c++)
                count += stats->requests[s][dir][c][0];
            if (count)
                ok = add_line(&text, &len, &cap, stats->names[s], dir ? "passed_out" : "passed_in",
                              count);
        }
    }
    pthread_mutex_unlock(&stats->lock);
    return text;
}
