/* The /metrics page: see mcsec_metrics_page.h. */
#include <stdio.h>
#include <string.h>

#include "mcsec/util/reason.h"
#include "mcsec_ear_replay.h"
#include "mcsec_gmk_replay.h"
#include "mcsec_metrics_page.h"

#define DEFAULT_SKEW 30

static const char *const dirs[2] = {"in", "out"};
static const char *const kinds[2] = {"request", "reply"};
static const char *const results[2] = {"passed", "refused"};
static const char *const oks[2] = {"ok", "failed"};
static const char *const stages[MCSEC_STAGE_COUNT] = {"check", "ear", "spk", "topology"};

/* Rows with their partner label: "" for the unmatched row. */
typedef struct {
    const mcsec_cnt_row_t *row;
    const char *partner;
} row_ref_t;

static size_t rows_of(const mcsec_cnt_snapshot_t *c, row_ref_t *out, bool with_unmatched)
{
    size_t n = 0;
    if (with_unmatched) {
        out[n++] = (row_ref_t){&c->unmatched, ""};
    }
    for (size_t i = 0; i < c->partner_count; i++) {
        out[n++] = (row_ref_t){&c->partners[i], c->partners[i].name};
    }
    return n;
}

static void sip_counters(mcsec_prom_t *p, const mcsec_cnt_snapshot_t *c)
{
    row_ref_t rows[MCSEC_CNT_PARTNER_SLOTS + 1];
    size_t n = rows_of(c, rows, true);
    mcsec_prom_family(p, "mcsec_sip_messages_total", "counter",
                      "SIP messages judged by the border, per partner (\"\" = no partner), "
                      "direction, kind, method and result.");
    for (size_t r = 0; r < n; r++) {
        for (int d = 0; d < 2; d++) {
            for (int k = 0; k < 2; k++) {
                for (int m = 0; m < MCSEC_CNT_METHODS; m++) {
                    for (int x = 0; x < 2; x++) {
                        const char *labels[] = {
                            "partner", rows[r].partner, "direction", dirs[d],
                            "kind",    kinds[k],        "method",    mcsec_counters_method_name(m),
                            "result",  results[x],      NULL};
                        mcsec_prom_sample(p, "mcsec_sip_messages_total", labels,
                                          (double)rows[r].row->msgs[d][k][m][x]);
                    }
                }
            }
        }
    }
    mcsec_prom_family(p, "mcsec_sip_refusals_total", "counter",
                      "SIP messages refused, per partner, direction and reason code "
                      "(docs/reason-codes.md).");
    for (size_t r = 0; r < n; r++) {
        for (int d = 0; d < 2; d++) {
            for (int reason = 1; reason < (int)MCSEC_REASON_COUNT; reason++) {
                const char *labels[] = {"partner", rows[r].partner,           "direction", dirs[d],
                                        "reason",  mcsec_reason_code(reason), NULL};
                mcsec_prom_sample(p, "mcsec_sip_refusals_total", labels,
                                  (double)rows[r].row->refused[d][reason]);
            }
        }
    }
}

static void feature_counters(mcsec_prom_t *p, const mcsec_cnt_snapshot_t *c)
{
    row_ref_t rows[MCSEC_CNT_PARTNER_SLOTS + 1];
    size_t n = rows_of(c, rows, false);
    mcsec_prom_family(p, "mcsec_spk_operations_total", "counter",
                      "Shared-SPK protect/unprotect operations per partner and key ID "
                      "(key_id=\"other\": IDs beyond the tracked ones, or none read).");
    for (size_t r = 0; r < n; r++) {
        for (int k = 0; k <= MCSEC_CNT_SPK_KEYS; k++) {
            char key_id[24] = "other";
            if (k < MCSEC_CNT_SPK_KEYS) {
                if (rows[r].row->spk_id[k] == 0) {
                    continue;
                }
                snprintf(key_id, sizeof(key_id), "%08lx",
                         (unsigned long)(rows[r].row->spk_id[k] - 1));
            }
            for (int op = 0; op < 2; op++) {
                for (int x = 0; x < 2; x++) {
                    const char *labels[] = {"partner", rows[r].partner,
                                            "key_id",  key_id,
                                            "op",      op ? "unprotect" : "protect",
                                            "result",  oks[x],
                                            NULL};
                    mcsec_prom_sample(p, "mcsec_spk_operations_total", labels,
                                      (double)rows[r].row->spk[k][op][x]);
                }
            }
        }
    }
    mcsec_prom_family(p, "mcsec_ear_operations_total", "counter",
                      "EARs verified and signed by the border, per partner and result.");
    for (size_t r = 0; r < n; r++) {
        for (int op = 0; op < 2; op++) {
            for (int x = 0; x < 2; x++) {
                const char *labels[] = {"partner", rows[r].partner, "op", op ? "sign" : "verify",
                                        "result",  oks[x],          NULL};
                mcsec_prom_sample(p, "mcsec_ear_operations_total", labels,
                                  (double)rows[r].row->ear[op][x]);
            }
        }
    }
    mcsec_prom_family(p, "mcsec_gktp_checks_total", "counter",
                      "GKTP payloads checked, per partner and result.");
    for (size_t r = 0; r < n; r++) {
        for (int x = 0; x < 2; x++) {
            const char *labels[] = {"partner", rows[r].partner, "result", oks[x], NULL};
            mcsec_prom_sample(p, "mcsec_gktp_checks_total", labels, (double)rows[r].row->gktp[x]);
        }
    }
    mcsec_prom_family(p, "mcsec_ear_clock_skew_exceeded_total", "counter",
                      "EARs whose date was off by more than half the allowed skew.");
    for (size_t r = 0; r < n; r++) {
        const char *labels[] = {"partner", rows[r].partner, NULL};
        mcsec_prom_sample(p, "mcsec_ear_clock_skew_exceeded_total", labels,
                          (double)rows[r].row->skew_exceeded);
    }
}

static void histograms(mcsec_prom_t *p, const mcsec_cnt_snapshot_t *c)
{
    mcsec_prom_family(p, "mcsec_sip_stage_seconds", "histogram",
                      "Time each stage adds to one SIP message.");
    for (int s = 0; s < MCSEC_STAGE_COUNT; s++) {
        const char *labels[] = {"stage", stages[s], NULL};
        mcsec_prom_histogram(p, "mcsec_sip_stage_seconds", labels, mcsec_stage_bounds, c->stage[s],
                             MCSEC_STAGE_BUCKETS, c->stage_sum[s]);
    }
    mcsec_prom_family(p, "mcsec_ear_clock_offset_seconds", "histogram",
                      "EAR date minus the border's clock.");
    mcsec_prom_histogram(p, "mcsec_ear_clock_offset_seconds", NULL, mcsec_offset_bounds, c->offset,
                         MCSEC_OFFSET_BUCKETS, c->offset_sum);
}

static void reload_metrics(mcsec_prom_t *p, const mcsec_metrics_input_t *in)
{
    static const char *const triggers[MCSEC_TRIGGER_COUNT] = {"start", "rpc", "signal"};
    const mcsec_cnt_snapshot_t *c = in->counters;
    mcsec_prom_family(p, "mcsec_policy_reloads_total", "counter",
                      "Policy loads (start) and reloads, per result and trigger.");
    for (int f = 0; f < 2; f++) {
        for (int t = 0; t < MCSEC_TRIGGER_COUNT; t++) {
            const char *labels[] = {"result", oks[f], "trigger", triggers[t], NULL};
            mcsec_prom_sample(p, "mcsec_policy_reloads_total", labels, (double)c->reloads[f][t]);
        }
    }
    mcsec_prom_family(p, "mcsec_policy_generation", "gauge",
                      "Generation of the running policy (grows across restarts).");
    mcsec_prom_sample(p, "mcsec_policy_generation", NULL, (double)in->generation);
    mcsec_prom_family(p, "mcsec_policy_info", "gauge",
                      "The running policy: hash = SHA-256 of its file.");
    const char *hash_labels[] = {"hash", in->hash != NULL ? in->hash : "", NULL};
    mcsec_prom_sample(p, "mcsec_policy_info", hash_labels, 1);
    mcsec_prom_family(p, "mcsec_policy_last_reload_timestamp_seconds", "gauge",
                      "When the policy was last loaded or a reload refused.");
    mcsec_prom_sample(p, "mcsec_policy_last_reload_timestamp_seconds", NULL,
                      (double)c->last_reload_time);
    mcsec_prom_family(p, "mcsec_policy_last_reload_success", "gauge",
                      "1 when the last load or reload succeeded, 0 when it was refused.");
    mcsec_prom_sample(p, "mcsec_policy_last_reload_success", NULL, c->last_reload_ok ? 1 : 0);
}

/* The per-partner samples of one family: for every partner that uses a
 * cache (EAR: auth explicit; GMK: gmk.transfer check), its live entries
 * (capacity false) or its quota, partners[].replay_quota or its share
 * (capacity true). With the Redis store the shm caches are unused and the
 * entries stay 0 (docs/observability.md). */
static void replay_partner_samples(mcsec_prom_t *p, const mcsec_metrics_input_t *in,
                                   const char *family, bool capacity, size_t ear_cap,
                                   size_t gmk_cap)
{
    for (size_t i = 0; in->policy != NULL && i < in->policy->partner_count; i++) {
        const mcsec_partner_t *partner = &in->policy->partners[i];
        for (int g = 0; g < 2; g++) {
            bool uses = g ? partner->gmk.transfer == MCSEC_GMK_TRANSFER_CHECK
                          : partner->auth == MCSEC_AUTH_EXPLICIT;
            if (!uses) {
                continue;
            }
            const mcsec_replay_owner_count_t *owners = g ? in->gmk_owners : in->ear_owners;
            const char *labels[] = {"cache", g ? "gmk" : "ear", "partner", partner->name, NULL};
            double value = 0;
            if (capacity) {
                value = (double)mcsec_policy_replay_quota(in->policy, partner, g != 0,
                                                          g ? gmk_cap : ear_cap);
            } else if (owners != NULL) {
                value = (double)mcsec_replay_owner_live(owners, partner->name);
            }
            mcsec_prom_sample(p, family, labels, value);
        }
    }
}

static void replay_gauges(mcsec_prom_t *p, const mcsec_metrics_input_t *in)
{
    size_t ear_cap = MCSEC_EAR_REPLAY_DEFAULT_ENTRIES, gmk_cap = MCSEC_GMK_REPLAY_DEFAULT_ENTRIES;
    if (in->policy != NULL && in->policy->system.ear_replay_entries > 0) {
        ear_cap = in->policy->system.ear_replay_entries;
    }
    if (in->policy != NULL && in->policy->system.gmk.replay_entries > 0) {
        gmk_cap = in->policy->system.gmk.replay_entries;
    }
    const char *ear[] = {"cache", "ear", "partner", "", NULL};
    const char *gmk[] = {"cache", "gmk", "partner", "", NULL};
    mcsec_prom_family(p, "mcsec_replay_cache_entries", "gauge",
                      "Live entries of a replay cache (partner \"\": the whole cache; a "
                      "partner: the entries it recorded).");
    mcsec_prom_sample(p, "mcsec_replay_cache_entries", ear, (double)in->ear_entries);
    mcsec_prom_sample(p, "mcsec_replay_cache_entries", gmk, (double)in->gmk_entries);
    replay_partner_samples(p, in, "mcsec_replay_cache_entries", false, ear_cap, gmk_cap);
    mcsec_prom_family(p, "mcsec_replay_cache_capacity", "gauge",
                      "Entries a replay cache may hold before it refuses (a partner: its "
                      "quota).");
    mcsec_prom_sample(p, "mcsec_replay_cache_capacity", ear, (double)ear_cap);
    mcsec_prom_sample(p, "mcsec_replay_cache_capacity", gmk, (double)gmk_cap);
    replay_partner_samples(p, in, "mcsec_replay_cache_capacity", true, ear_cap, gmk_cap);
}

/* See mcsec_metrics_page.h. */
void mcsec_metrics_expiry_labels(const mcsec_expiry_item_t *item, char *partner,
                                 size_t partner_size, char *name, size_t name_size)
{
    partner[0] = '\0';
    const char *p = strncmp(item->what, "partner '", 9) == 0 ? item->what + 9 : NULL;
    const char *end = p != NULL ? strchr(p, '\'') : NULL;
    if (end != NULL) {
        snprintf(partner, partner_size, "%.*s", (int)(end - p), p);
    }
    const char *cn = strstr(item->what, " CN=");
    const char *period = strstr(item->what, "key period ");
    const char *tail = cn != NULL ? cn : period != NULL ? period - 1 : ""; /* " key period N" */
    snprintf(name, name_size, "%s%s", item->path, tail);
}

static void expiry_gauges(mcsec_prom_t *p, const mcsec_metrics_input_t *in)
{
    mcsec_prom_family(p, "mcsec_expiry_seconds", "gauge",
                      "Seconds left before a certificate, CRL nextUpdate or key period ends "
                      "(negative once past).");
    size_t count = in->expiry != NULL ? in->expiry->count : 0;
    for (size_t i = 0; i < count; i++) {
        const mcsec_expiry_item_t *item = &in->expiry->items[i];
        char partner[MCSEC_CNT_NAME_MAX], name[1400];
        mcsec_metrics_expiry_labels(item, partner, sizeof(partner), name, sizeof(name));
        bool duplicate = false;
        for (size_t j = 0; j < i && !duplicate; j++) {
            char partner2[MCSEC_CNT_NAME_MAX], name2[1400];
            mcsec_metrics_expiry_labels(&in->expiry->items[j], partner2, sizeof(partner2), name2,
                                        sizeof(name2));
            duplicate = in->expiry->items[j].kind == item->kind && strcmp(partner, partner2) == 0 &&
                        strcmp(name, name2) == 0;
        }
        if (duplicate) {
            continue; /* the same file named twice: one series */
        }
        const char *labels[] = {"partner", partner, "kind", mcsec_expiry_kind_str(item->kind),
                                "name",    name,    NULL};
        mcsec_prom_sample(p, "mcsec_expiry_seconds", labels, (double)(item->expires - in->now));
    }
    double warning_days = in->policy != NULL ? in->policy->system.expiry_warning_days
                                             : MCSEC_EXPIRY_WARNING_DAYS_DEFAULT;
    mcsec_prom_family(p, "mcsec_expiry_warning_seconds", "gauge",
                      "system.expiry_warning_days in seconds: warn below it, critical below a "
                      "quarter of it.");
    mcsec_prom_sample(p, "mcsec_expiry_warning_seconds", NULL, warning_days * 86400.0);
    if (in->policy != NULL) {
        mcsec_prom_family(p, "mcsec_crl_warning_seconds", "gauge",
                          "system.revocation.warn_before: a CRL is due this long before its "
                          "nextUpdate.");
        mcsec_prom_sample(p, "mcsec_crl_warning_seconds", NULL,
                          (double)in->policy->system.revocation.warn_before);
    }
    mcsec_prom_family(p, "mcsec_ear_skew_allowed_seconds", "gauge",
                      "Allowed EAR clock skew (the smallest of the partners').");
    mcsec_prom_sample(p, "mcsec_ear_skew_allowed_seconds", NULL,
                      (double)mcsec_metrics_skew_allowed(in->policy));
}

/* See mcsec_metrics_page.h. */
uint32_t mcsec_metrics_skew_allowed(const mcsec_policy_t *policy)
{
    uint32_t best = 0, any = 0;
    for (size_t i = 0; policy != NULL && i < policy->partner_count; i++) {
        uint32_t skew = policy->partners[i].ear.skew;
        if (skew == 0) {
            continue;
        }
        if (any == 0 || skew < any) {
            any = skew;
        }
        if (policy->partners[i].auth == MCSEC_AUTH_EXPLICIT && (best == 0 || skew < best)) {
            best = skew;
        }
    }
    return best != 0 ? best : any != 0 ? any : DEFAULT_SKEW;
}

/* See mcsec_metrics_page.h. */
void mcsec_metrics_page(mcsec_prom_t *p, const mcsec_metrics_input_t *in)
{
    sip_counters(p, in->counters);
    feature_counters(p, in->counters);
    histograms(p, in->counters);
    reload_metrics(p, in);
    replay_gauges(p, in);
    expiry_gauges(p, in);
    mcsec_prom_family(p, "mcsec_build_info", "gauge", "The mcsec version of this mcsec.so.");
    const char *labels[] = {"version", MCSEC_VERSION, NULL};
    mcsec_prom_sample(p, "mcsec_build_info", labels, 1);
}
