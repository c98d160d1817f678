/* Admission control of mcsec-httpd: a partner's requests above its
 * partners[].limits.rate are refused with load.partner_limit (503 with
 * Retry-After), priority ones (a Resource-Priority field in the MC
 * namespaces, RFC 8101, from a partner trusted to mark them) drawn from the
 * reserved share first; the same core as mcsec.so (mcsec/util/admit.h).
 * The cells live in the generation, so a reload (SIGHUP) refills the
 * buckets. HTTP has no INVITE: limits.invites does not apply here. */
#include <strings.h>
#include <time.h>

#include "httpd.h"
#include "mcsec/sip/priority.h"
#include "mcsec/util/admit.h"

static bool marked(const mcsec_http_header_t *fields, size_t count)
{
    bool any = false;
    for (size_t i = 0; i < count; i++) {
        if (fields[i].name.len != 17 || strncasecmp(fields[i].name.ptr, "Resource-Priority", 17))
            continue;
        mcsec_prio_mark_t m =
            mcsec_resource_priority_mark(fields[i].value.ptr, fields[i].value.len);
        if (m == MCSEC_PRIO_MALFORMED)
            return false;
        any = any || m == MCSEC_PRIO_MARKED;
    }
    return any;
}

bool httpd_admit(const httpd_ctx_t *ctx, httpd_gen_t *gen, int partner_index,
                 const mcsec_http_header_t *fields, size_t count)
{
    if (partner_index < 0 || partner_index >= HTTPD_MAX_PARTNERS ||
        (size_t)partner_index >= gen->policy->partner_count)
        return true;
    const mcsec_limits_rules_t *rules = &gen->policy->partners[partner_index].limits;
    if (!rules->set || rules->rate == 0)
        return true;
    const mcsec_admit_limits_t limits = {rules->rate, rules->burst, 0, rules->reserved_percent,
                                         rules->ceiling};
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    bool priority = rules->priority_trusted && marked(fields, count);
    mcsec_admit_cell_t *cell = &gen->admit[partner_index];
    if (mcsec_admit(cell, &limits, now, priority, false).admitted)
        return true;
    if (mcsec_admit_alarm_due(cell, now, 10000)) { /* at most every 10 s per partner */
        mcsec_logline_t line;
        httpd_alarm_start(ctx, &line, MCSEC_ALARM_LOAD_SHEDDING);
        mcsec_logline_str(&line, "partner", gen->policy->partners[partner_index].name);
        mcsec_logline_str(&line, "msg", "requests above partners[].limits are shed");
        httpd_alarm_emit(ctx, MCSEC_ALARM_LOAD_SHEDDING, &line);
    }
    return false;
}
