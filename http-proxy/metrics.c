/* The /metrics page of mcsec-httpd's admin listener: Prometheus text
 * exposition format 0.0.4 (mcsec/obs/prom.h) with the names of
 * docs/metrics-http-and-ipsec.md. Counters are written for every partner
 * of the running policy with an http section (zeros included, so rates
 * exist from the first scrape), and for any other name the counters hold
 * (a partner removed by a reload, "" for an unknown source). Expiry gauges
 * are computed per scrape from the running policy (mcsec_config_expiry). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "httpd.h"
#include "mcsec/config/config_expiry.h"
#include "mcsec/ear/ear.h"
#include "mcsec/obs/prom.h"

static const char *const dirs[2] = {"in", "out"};
static const char *const classes[HTTPD_METHOD_N] = {"read", "write", "other"};
static const char *const results[2] = {"passed", "refused"};
static const char *const oks[2] = {"ok", "failed"};

/* The partners a page lists: the running policy's http partners, then the
 * other names the counters hold. slots[i] is the counters' slot of
 * names[i] (-1: none yet, zeros). */
typedef struct {
    const char *names[HTTPD_STATS_SLOTS + HTTPD_MAX_PARTNERS];
    int slots[HTTPD_STATS_SLOTS + HTTPD_MAX_PARTNERS];
    size_t count;
} partner_set_t;

static int slot_named(const httpd_stats_t *s, const char *name)
{
    for (size_t i = 1; i < HTTPD_STATS_SLOTS; i++)
        if (s->names[i][0] && strcmp(s->names[i], name) == 0)
            return (int)i;
    return -1;
}

static void partners_of(const httpd_stats_t *s, const mcsec_policy_t *policy, partner_set_t *set)
{
    set->count = 0;
    bool listed[HTTPD_STATS_SLOTS] = {false};
    for (size_t p = 0; p < policy->partner_count; p++) {
        if (!policy->partners[p].http.enabled)
            continue;
        int slot = slot_named(s, policy->partners[p].name);
        if (slot > 0)
            listed[slot] = true;
        set->names[set->count] = policy->partners[p].name;
        set->slots[set->count++] = slot;
    }
    for (size_t i = 0; i < HTTPD_STATS_SLOTS; i++) {
        if (!s->names[i][0] || listed[i])
            continue;
        set->names[set->count] = i == 0 ? "" : s->names[i]; /* 0: unknown source */
        set->slots[set->count++] = (int)i;
    }
}

static void requests(mcsec_prom_t *p, const httpd_stats_t *s, const partner_set_t *set)
{
    mcsec_prom_family(p, "mcsec_http_requests_total", "counter",
                      "HTTP requests per partner, direction, method class and verdict");
    for (size_t i = 0; i < set->count; i++)
        for (size_t d = 0; d < 2; d++)
            for (size_t c = 0; c < HTTPD_METHOD_N; c++)
                for (size_t r = 0; r < 2; r++) {
                    const char *labels[] = {"partner", set->names[i],  "direction",
                                            dirs[d],   "method_class", classes[c],
                                            "result",  results[r],     NULL};
                    int slot = set->slots[i];
                    mcsec_prom_sample(p, "mcsec_http_requests_total", labels,
                                      slot < 0 ? 0 : (double)s->requests[slot][d][c][r]);
                }
    mcsec_prom_family(p, "mcsec_http_refusals_total", "counter",
                      "HTTP requests refused per partner, direction and reason code");
    for (size_t i = 0; i < set->count; i++)
        for (size_t d = 0; d < 2; d++)
            for (int r = 1; r < MCSEC_REASON_COUNT; r++) {
                const char *labels[] = {"partner",   set->names[i],
                                        "direction", dirs[d],
                                        "reason",    mcsec_reason_code((mcsec_reason_t)r),
                                        NULL};
                int slot = set->slots[i];
                mcsec_prom_sample(p, "mcsec_http_refusals_total", labels,
                                  slot < 0 ? 0 : (double)s->refusals[slot][d][r]);
            }
}

static void checks(mcsec_prom_t *p, const httpd_stats_t *s, const partner_set_t *set)
{
    static const char *const ops[2] = {"verify", "sign"};
    mcsec_prom_family(p, "mcsec_ear_operations_total", "counter",
                      "EARs verified and signed per partner");
    for (size_t i = 0; i < set->count; i++)
        for (size_t o = 0; o < 2; o++)
            for (size_t r = 0; r < 2; r++) {
                const char *labels[] = {"partner", set->names[i], "op", ops[o],
                                        "result",  oks[r],        NULL};
                int slot = set->slots[i];
                mcsec_prom_sample(p, "mcsec_ear_operations_total", labels,
                                  slot < 0 ? 0 : (double)s->ear[slot][o][r]);
            }
    mcsec_prom_family(p, "mcsec_gktp_checks_total", "counter",
                      "Bodies with GKTP payloads checked per partner");
    for (size_t i = 0; i < set->count; i++)
        for (size_t r = 0; r < 2; r++) {
            const char *labels[] = {"partner", set->names[i], "result", oks[r], NULL};
            int slot = set->slots[i];
            mcsec_prom_sample(p, "mcsec_gktp_checks_total", labels,
                              slot < 0 ? 0 : (double)s->gktp[slot][r]);
        }
    mcsec_prom_family(p, "mcsec_ear_clock_skew_exceeded_total", "counter",
                      "EARs whose date was off our clock by more than half the allowed skew");
    for (size_t i = 0; i < set->count; i++) {
        const char *labels[] = {"partner", set->names[i], NULL};
        int slot = set->slots[i];
        mcsec_prom_sample(p, "mcsec_ear_clock_skew_exceeded_total", labels,
                          slot < 0 ? 0 : (double)s->skew_exceeded[slot]);
    }
}

static void histograms(mcsec_prom_t *p, const httpd_stats_t *s)
{
    mcsec_prom_family(p, "mcsec_http_request_seconds", "histogram",
                      "Time from the request line to the verdict, per direction");
    for (size_t d = 0; d < 2; d++) {
        const char *labels[] = {"direction", dirs[d], NULL};
        mcsec_prom_histogram(p, "mcsec_http_request_seconds", labels, httpd_latency_bounds,
                             s->latency[d], HTTPD_LATENCY_BOUNDS, s->latency_sum[d]);
    }
    mcsec_prom_family(p, "mcsec_ear_clock_offset_seconds", "histogram",
                      "EAR date minus our clock, for every EAR decoded");
    mcsec_prom_histogram(p, "mcsec_ear_clock_offset_seconds", NULL, httpd_offset_bounds, s->offset,
                         HTTPD_OFFSET_BOUNDS, s->offset_sum);
}

static void reloads(mcsec_prom_t *p, const httpd_stats_t *s, const httpd_reload_info_t *info)
{
    static const char *const triggers[HTTPD_TRIGGER_N] = {"start", "signal"};
    mcsec_prom_family(p, "mcsec_policy_reloads_total", "counter",
                      "Policy loads per trigger and result");
    for (size_t t = 0; t < HTTPD_TRIGGER_N; t++)
        for (size_t r = 0; r < 2; r++) {
            const char *labels[] = {"result", oks[r], "trigger", triggers[t], NULL};
            mcsec_prom_sample(p, "mcsec_policy_reloads_total", labels, (double)s->reloads[t][r]);
        }
    mcsec_prom_family(p, "mcsec_policy_generation", "gauge",
                      "Generation of the running policy (grows across restarts)");
    mcsec_prom_sample(p, "mcsec_policy_generation", NULL, (double)info->generation);
    mcsec_prom_family(p, "mcsec_policy_info", "gauge", "SHA-256 of the running policy file");
    const char *labels[] = {"hash", info->hash, NULL};
    mcsec_prom_sample(p, "mcsec_policy_info", labels, 1);
    mcsec_prom_family(p, "mcsec_policy_last_reload_timestamp_seconds", "gauge",
                      "Unix time of the last policy load or reload");
    mcsec_prom_sample(p, "mcsec_policy_last_reload_timestamp_seconds", NULL,
                      (double)info->last_reload);
    mcsec_prom_family(p, "mcsec_policy_last_reload_success", "gauge",
                      "1 when the last policy load or reload succeeded");
    mcsec_prom_sample(p, "mcsec_policy_last_reload_success", NULL, info->last_ok ? 1 : 0);
}

void httpd_expiry_labels(const char *what, const char *path, char *partner, size_t partner_size,
                         char *name, size_t name_size)
{
    partner[0] = '\0';
    if (strncmp(what, "partner '", 9) == 0) {
        const char *end = strchr(what + 9, '\'');
        if (end)
            snprintf(partner, partner_size, "%.*s", (int)(end - what - 9), what + 9);
    }
    /* Several certificates of one file, several key periods of one
     * directory: the CN or the period tells them apart. */
    const char *tail = strstr(what, " CN=");
    if (!tail)
        tail = strstr(what, " key period ");
    snprintf(name, name_size, "%s%s", path, tail ? tail : "");
}

static void expiry(mcsec_prom_t *p, const mcsec_policy_t *policy, int64_t now)
{
    mcsec_prom_family(p, "mcsec_expiry_seconds", "gauge",
                      "Seconds left (negative once past) for every certificate, CRL and key "
                      "with an expiry");
    mcsec_expiry_list_t list = {NULL, 0};
    if (mcsec_config_expiry(policy, now, &list) == MCSEC_OK) {
        for (size_t i = 0; i < list.count; i++) {
            const mcsec_expiry_item_t *item = &list.items[i];
            char partner[128], name[1400];
            httpd_expiry_labels(item->what, item->path, partner, sizeof(partner), name,
                                sizeof(name));
            bool dup = false; /* one sample per label set (the earliest wins) */
            for (size_t j = 0; j < i && !dup; j++) {
                char other_partner[128], other[1400];
                httpd_expiry_labels(list.items[j].what, list.items[j].path, other_partner,
                                    sizeof(other_partner), other, sizeof(other));
                dup = list.items[j].kind == item->kind && strcmp(other, name) == 0 &&
                      strcmp(other_partner, partner) == 0;
            }
            if (dup)
                continue;
            const char *labels[] = {"partner", partner, "kind", mcsec_expiry_kind_str(item->kind),
                                    "name",    name,    NULL};
            mcsec_prom_sample(p, "mcsec_expiry_seconds", labels, (double)(item->expires - now));
        }
    }
    mcsec_expiry_list_free(&list);
    mcsec_prom_family(p, "mcsec_expiry_warning_seconds", "gauge",
                      "system.expiry_warning_days in seconds: warning below it, critical below "
                      "a quarter of it");
    mcsec_prom_sample(p, "mcsec_expiry_warning_seconds", NULL,
                      (double)policy->system.expiry_warning_days * 86400.0);
    mcsec_prom_family(p, "mcsec_crl_warning_seconds", "gauge",
                      "system.revocation.warn_before: a CRL is due this long before its "
                      "nextUpdate");
    mcsec_prom_sample(p, "mcsec_crl_warning_seconds", NULL,
                      (double)policy->system.revocation.warn_before);
    /* The strictest allowed skew of the explicit partners (the default
     * when none is explicit). */
    double skew = 0;
    for (size_t i = 0; i < policy->partner_count; i++) {
        const mcsec_partner_t *partner = &policy->partners[i];
        double one = partner->ear.skew ? partner->ear.skew : MCSEC_EAR_DEFAULT_SKEW;
        if (partner->auth == MCSEC_AUTH_EXPLICIT && partner->http.enabled &&
            (skew == 0 || one < skew))
            skew = one;
    }
    mcsec_prom_family(p, "mcsec_ear_skew_allowed_seconds", "gauge",
                      "Allowed EAR clock skew (the strictest of the explicit partners)");
    mcsec_prom_sample(p, "mcsec_ear_skew_allowed_seconds", NULL,
                      skew ? skew : MCSEC_EAR_DEFAULT_SKEW);
}

/* Per partner that uses cache c (EAR: auth explicit; GMK: gmk.transfer
 * check): its live entries (capacity false) or its quota. With the Redis
 * store the in-process tables are unused and the entries stay 0
 * (docs/observability.md). */
static void replay_partners(mcsec_prom_t *p, const mcsec_policy_t *policy, const char *family,
                            size_t c, bool capacity, size_t bound,
                            const mcsec_replay_owner_count_t *owners)
{
    for (size_t i = 0; i < policy->partner_count; i++) {
        const mcsec_partner_t *partner = &policy->partners[i];
        bool uses = c ? partner->gmk.transfer == MCSEC_GMK_TRANSFER_CHECK
                      : partner->auth == MCSEC_AUTH_EXPLICIT;
        if (!uses)
            continue;
        const char *labels[] = {"cache", c ? "gmk" : "ear", "partner", partner->name, NULL};
        double value = capacity ? (double)mcsec_policy_replay_quota(policy, partner, c != 0, bound)
                                : (double)mcsec_replay_owner_live(owners, partner->name);
        mcsec_prom_sample(p, family, labels, value);
    }
}

static void replay(mcsec_prom_t *p, httpd_ctx_t *ctx, const mcsec_policy_t *policy, int64_t now)
{
    static const char *const caches[2] = {"ear", "gmk"};
    httpd_replay_t *tables[2] = {ctx->ear_replay, ctx->gmk_replay};
    size_t entries[2], capacity[2];
    mcsec_replay_owner_count_t owners[2][MCSEC_REPLAY_OWNERS];
    for (size_t c = 0; c < 2; c++)
        httpd_replay_usage_owners(tables[c], now, &entries[c], &capacity[c], owners[c]);
    mcsec_prom_family(p, "mcsec_replay_cache_entries", "gauge",
                      "Live entries of a replay cache (partner \"\": the whole cache; a partner: "
                      "the entries it recorded)");
    for (size_t c = 0; c < 2; c++) {
        const char *labels[] = {"cache", caches[c], "partner", "", NULL};
        mcsec_prom_sample(p, "mcsec_replay_cache_entries", labels, (double)entries[c]);
        replay_partners(p, policy, "mcsec_replay_cache_entries", c, false, capacity[c], owners[c]);
    }
    mcsec_prom_family(p, "mcsec_replay_cache_capacity", "gauge",
                      "Bound of a replay cache (a partner: its quota)");
    for (size_t c = 0; c < 2; c++) {
        const char *labels[] = {"cache", caches[c], "partner", "", NULL};
        mcsec_prom_sample(p, "mcsec_replay_cache_capacity", labels, (double)capacity[c]);
        replay_partners(p, policy, "mcsec_replay_cache_capacity", c, true, capacity[c], owners[c]);
    }
}

char *httpd_metrics_text(httpd_ctx_t *ctx)
{
    httpd_stats_t *snap = malloc(sizeof(*snap));
    if (!snap)
        return NULL;
    pthread_mutex_lock(&ctx->stats.lock);
    memcpy(snap, &ctx->stats, sizeof(*snap));
    pthread_mutex_unlock(&ctx->stats.lock);
    pthread_mutex_lock(&ctx->gen_lock);
    httpd_gen_t *gen = httpd_gen_ref(ctx->gen);
    httpd_reload_info_t info = ctx->reload;
    pthread_mutex_unlock(&ctx->gen_lock);
    int64_t now = (int64_t)time(NULL);
    partner_set_t *set = malloc(sizeof(*set));
    mcsec_prom_t p;
    mcsec_prom_init(&p);
    if (set && gen) {
        partners_of(snap, gen->policy, set);
        mcsec_prom_family(&p, "mcsec_build_info", "gauge", "The running mcsec-httpd's version");
        const char *labels[] = {"version", MCSEC_VERSION, NULL};
        mcsec_prom_sample(&p, "mcsec_build_info", labels, 1);
        requests(&p, snap, set);
        checks(&p, snap, set);
        histograms(&p, snap);
        reloads(&p, snap, &info);
        expiry(&p, gen->policy, now);
        replay(&p, ctx, gen->policy, now);
    }
    size_t len = 0;
    const char *text = set && gen ? mcsec_prom_text(&p, &len) : NULL;
    char *out = text ? strdup(text) : NULL;
    mcsec_prom_free(&p);
    free(set);
    free(snap);
    httpd_gen_unref(gen);
    return out;
}
