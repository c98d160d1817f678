/* The dispatcher list of mcsec.so and the partner failure counter: see
 * mcsec_egress_ds.h. List format (dispatcher README, "list_file"):
 *   <setid> <sip uri> <flags> <priority>
 * with the first is_proxy address given the highest priority, so that
 * ds_select_dst(set, "8") (by priority) uses it while it answers probes and
 * ds_next_dst() moves down the list. */
#include <stdio.h>
#include <sys/socket.h>
#include <string.h>
#include <unistd.h>

#include "core/dprint.h"
#include "core/rpc_lookup.h"

#include "mcsec_counters.h"
#include "mcsec_egress_ds.h"
#include "mcsec_log.h"
#include "mcsec_shm_policy.h"

char *mcsec_ds_list_param = NULL;

int mcsec_ds_write(const mcsec_policy_t *policy)
{
    if (mcsec_ds_list_param == NULL || mcsec_ds_list_param[0] == '\0' || policy == NULL) {
        return 0;
    }
    char tmp[1024];
    if (snprintf(tmp, sizeof(tmp), "%s.new", mcsec_ds_list_param) >= (int)sizeof(tmp)) {
        mcsec_logf(MCSEC_LOG_ERROR, "dispatcher", "dispatcher_list path too long");
        return -1;
    }
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        mcsec_logf(MCSEC_LOG_ERROR, "dispatcher", "cannot write %s", tmp);
        return -1;
    }
    const char *transport =
        policy->system.sip_transport == MCSEC_TRANSPORT_TCP ? ";transport=tcp" : "";
    fprintf(f, "# written by mcsec.so from %s: one set per partner (set = position + 1)\n",
            mcsec_shm_policy_path());
    for (size_t p = 0; p < policy->partner_count; p++) {
        const mcsec_partner_t *partner = &policy->partners[p];
        for (size_t a = 0; a < partner->is_proxy_count; a++) {
            const mcsec_addr_t *addr = &partner->is_proxy[a];
            const char *open = addr->family == AF_INET6 ? "[" : "";
            const char *close = addr->family == AF_INET6 ? "]" : "";
            fprintf(f, "%zu sip:%s%s%s:%u%s 0 %zu partner=%s\n", p + 1, open, addr->ip, close,
                    addr->port ? addr->port : 5060u, transport, partner->is_proxy_count - a,
                    partner->name);
        }
    }
    if (fclose(f) != 0 || rename(tmp, mcsec_ds_list_param) != 0) {
        mcsec_logf(MCSEC_LOG_ERROR, "dispatcher", "cannot write %s", mcsec_ds_list_param);
        unlink(tmp);
        return -1;
    }
    return 0;
}

void mcsec_ds_refresh(rpc_t *rpc, void *ctx)
{
    if (mcsec_ds_list_param == NULL || mcsec_ds_list_param[0] == '\0') {
        return;
    }
    if (mcsec_ds_write(mcsec_proc_policy()) != 0) {
        return;
    }
    rpc_export_t *reload = rpc_lookup("dispatcher.reload", strlen("dispatcher.reload"));
    if (reload == NULL || reload->function == NULL) {
        mcsec_logf(MCSEC_LOG_ERROR, "dispatcher",
                   "dispatcher_list is set but dispatcher.reload is missing");
        return;
    }
    reload->function(rpc, ctx);
}

int mcsec_ds_failure(struct sip_msg *msg, int set)
{
    const mcsec_policy_t *policy = mcsec_proc_policy();
    if (policy == NULL || set < 1 || (size_t)set > policy->partner_count) {
        mcsec_logf(MCSEC_LOG_ERROR, "dispatcher", "mcsec_egress_failure: set %d names no partner",
                   set);
        return -1;
    }
    const mcsec_partner_t *partner = &policy->partners[set - 1];
    int method = msg->first_line.type == SIP_REQUEST
                     ? mcsec_counters_method(msg->first_line.u.request.method.s,
                                             (size_t)msg->first_line.u.request.method.len)
                     : mcsec_counters_method("", 0);
    mcsec_counters_message(set - 1, true, false, method, MCSEC_REASON_EGRESS_PARTNER_FAILURE);
    mcsec_logline_t line;
    mcsec_log_begin(&line, "egress_failure");
    mcsec_logline_str(&line, "reason", mcsec_reason_code(MCSEC_REASON_EGRESS_PARTNER_FAILURE));
    mcsec_logline_str(&line, "partner", partner->name);
    mcsec_logline_str(&line, "msg", "a partner address timed out or answered 5xx");
    mcsec_log_emit(MCSEC_LOG_NOTICE, &line);
    return 1;
}
