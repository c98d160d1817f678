/* The /metrics page of the IS proxy (Prometheus text format 0.0.4, written
 * with mcsec/obs/prom.h; names in docs/metrics-is-proxy.md): the shared
 * counters and histograms (mcsec_counters.h), the replay caches, the
 * policy generation, hash and last reload, and the seconds left of every
 * expiring item of the running policy. Zeros are written for every label
 * set of every partner that has a counter row, so rates exist. */
#ifndef MCSEC_METRICS_PAGE_H
#define MCSEC_METRICS_PAGE_H

#include <stdint.h>

#include "mcsec/config/config_expiry.h"
#include "mcsec/obs/prom.h"
#include "mcsec/util/replay_table.h"
#include "mcsec/policy/policy.h"
#include "mcsec_counters.h"

typedef struct {
    const mcsec_cnt_snapshot_t *counters;
    const mcsec_policy_t *policy;      /* this process's copy; NULL = none usable */
    const mcsec_expiry_list_t *expiry; /* of policy; NULL = none */
    int generation;
    const char *hash; /* SHA-256 hex of the policy file */
    size_t ear_entries, gmk_entries;
    /* per partner (owner) of the shm caches; NULL = not counted */
    const mcsec_replay_owner_count_t *ear_owners, *gmk_owners;
    int64_t now;
} mcsec_metrics_input_t;

/* Writes the page into p (initialised by the caller). */
void mcsec_metrics_page(mcsec_prom_t *p, const mcsec_metrics_input_t *in);

/* Items of the expiry list as the gauge labels them: partner (from
 * "partner 'X' ..." in what, else ""), and name (the file, with the
 * certificate CN or key period when one file holds several). */
void mcsec_metrics_expiry_labels(const mcsec_expiry_item_t *item, char *partner,
                                 size_t partner_size, char *name, size_t name_size);

/* The EAR ones: the allowed skew the gauge shows (the smallest of the
 * partners with explicit authentication, else of all partners, else 30). */
uint32_t mcsec_metrics_skew_allowed(const mcsec_policy_t *policy);

#endif
