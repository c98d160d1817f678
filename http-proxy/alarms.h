/* mcsec-httpd: the alarms it raises as log lines on a state change
 * (alarms.c): expiry.warning, expiry.critical, crl.stale, replay.high.
 * main keeps the state and calls these from its thread. Below: httpd.h. */
#ifndef MCSEC_HTTPD_ALARMS_H
#define MCSEC_HTTPD_ALARMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "httpd.h"

typedef struct {
    char key[1600]; /* kind|partner|name */
    int state;
} httpd_alarm_slot_t;

typedef struct {
    httpd_alarm_slot_t *slots; /* the expiry items at the last look */
    size_t count;
    bool replay_high[2]; /* ear, gmk */
} httpd_alarms_t;

/* The expiry items of gen at now against their state at the last look:
 * one line per change. */
void httpd_alarms_expiry(const httpd_ctx_t *ctx, httpd_alarms_t *alarms, const httpd_gen_t *gen,
                         int64_t now);
/* The replay caches (ear, gmk) against 80 % of their bound. */
void httpd_alarms_replay(const httpd_ctx_t *ctx, httpd_alarms_t *alarms,
                         httpd_replay_t *const caches[2], int64_t now);
void httpd_alarms_free(httpd_alarms_t *alarms);

#endif
