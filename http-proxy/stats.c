/* Counters per partner and reason code (kept across reloads, keyed by the
 * partner's name). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"

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

/* Slot of name, claiming a free one; 0 (unknown) when full. */
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

void httpd_stats_count(httpd_stats_t *stats, const char *name, mcsec_reason_t reason, bool outbound)
{
    pthread_mutex_lock(&stats->lock);
    size_t slot = slot_of(stats, name);
    if (reason == MCSEC_REASON_NONE) {
        if (outbound)
            stats->passed_out[slot]++;
        else
            stats->passed_in[slot]++;
    } else if ((int)reason > 0 && reason < MCSEC_REASON_COUNT) {
        stats->counts[slot][reason]++;
    }
    pthread_mutex_unlock(&stats->lock);
}

char *httpd_stats_text(httpd_stats_t *stats)
{
    size_t cap = 8192, len = 0;
    char *text = malloc(cap);
    if (!text)
        return NULL;
    text[0] = '\0';
    pthread_mutex_lock(&stats->lock);
    for (size_t s = 0; s < HTTPD_STATS_SLOTS; s++) {
        if (!stats->names[s][0])
            continue;
        for (int r = 0; r <= MCSEC_REASON_COUNT + 1; r++) {
            unsigned long count;
            const char *code;
            if (r == MCSEC_REASON_COUNT) {
                count = stats->passed_in[s];
                code = "passed_in";
            } else if (r == MCSEC_REASON_COUNT + 1) {
                count = stats->passed_out[s];
                code = "passed_out";
            } else {
                count = r == 0 ? 0 : stats->counts[s][r];
                code = mcsec_reason_code((mcsec_reason_t)r);
            }
            if (count == 0)
                continue;
            if (len + 160 > cap) {
                char *grown = realloc(text, cap * 2);
                if (!grown)
                    break;
                text = grown;
                cap *= 2;
            }
            len += (size_t)snprintf(text + len, cap - len, "%s %s %lu\n", stats->names[s], code,
                                    count);
        }
    }
    pthread_mutex_unlock(&stats->lock);
    return text;
}
