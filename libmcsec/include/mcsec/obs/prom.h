/* Prometheus text exposition format 0.0.4 writer: HELP and TYPE lines,
 * samples with escaped label values, histograms with cumulative buckets.
 * The proxies own the numbers (shared memory, mutexes); this only writes
 * them. Names must match [a-zA-Z_:][a-zA-Z0-9_:]*, label names
 * [a-zA-Z_][a-zA-Z0-9_]*: a bad name, or memory running out, marks the
 * writer failed and mcsec_prom_text() then returns NULL, so a scrape gets an
 * error rather than a half page. The format:
 * https://prometheus.io/docs/instrumenting/exposition_formats/ */
#ifndef MCSEC_OBS_PROM_H
#define MCSEC_OBS_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *buf;
    size_t len, cap;
    bool failed;
} mcsec_prom_t;

/* The content type a scrape answer carries. */
#define MCSEC_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

void mcsec_prom_init(mcsec_prom_t *p);
void mcsec_prom_free(mcsec_prom_t *p);

/* "# HELP name help" and "# TYPE name type"; type is "counter", "gauge" or
 * "histogram". Write each family once, before its samples. */
void mcsec_prom_family(mcsec_prom_t *p, const char *name, const char *type, const char *help);

/* name{k1="v1",k2="v2"} value. labels: NULL, or key/value pointers ending
 * with a NULL key: (const char *[]){"partner", "b", "reason", "x", NULL}.
 * Values are escaped (backslash, double quote, line feed). */
void mcsec_prom_sample(mcsec_prom_t *p, const char *name, const char *const *labels, double value);

/* A histogram's samples: name_bucket{labels,le="bound"} (cumulative),
 * le="+Inf", name_sum and name_count. counts[i] (not cumulative) holds the
 * observations <= bounds[i] and > bounds[i-1]; counts[nbounds] those above
 * the last bound. bounds ascend. */
void mcsec_prom_histogram(mcsec_prom_t *p, const char *name, const char *const *labels,
                          const double *bounds, const uint64_t *counts, size_t nbounds, double sum);

/* The running policy's gauges, the same on every proxy:
 * mcsec_policy_generation, mcsec_policy_info{hash} 1,
 * mcsec_policy_last_reload_timestamp_seconds (when the policy was last
 * loaded or a reload refused) and mcsec_policy_last_reload_success. */
void mcsec_prom_policy_state(mcsec_prom_t *p, uint64_t generation, const char *hash,
                             int64_t last_reload, bool last_ok);

/* The page so far (NUL-terminated), or NULL when the writer failed. The
 * text stays owned by p. */
const char *mcsec_prom_text(const mcsec_prom_t *p, size_t *len);

/* True when name is a valid metric name. */
bool mcsec_prom_name_ok(const char *name);

#endif
