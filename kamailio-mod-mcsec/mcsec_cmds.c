/* mcsec_ingress()/mcsec_egress(): see mcsec_cmds.h. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "core/dprint.h"
#include "core/mod_fix.h"
#include "core/pvar.h"
#include "core/route.h"

#include "mcsec/sip/check.h"
#include "mcsec/util/reason.h"
#include "mcsec_admit.h"
#include "mcsec_egress_ds.h"
#include "mcsec_cmds.h"
#include "mcsec_counters.h"
#include "mcsec_dialog.h"
#include "mcsec_log.h"
#include "mcsec_media.h"
#include "mcsec_pv.h"
#include "mcsec_refusal.h"
#include "mcsec_reply.h"
#include "mcsec_shm_policy.h"
#include "mcsec_stages.h"
#include "mcsec_sipview.h"
#include "mcsec_topo.h"

/* Formats "sip:HOST[:PORT][;transport=tcp]" for addr into out. */
static int format_hop(const mcsec_addr_t *addr, bool tcp, char *out, size_t out_size)
{
    const char *open = addr->family == AF_INET6 ? "[" : "";
    const char *close = addr->family == AF_INET6 ? "]" : "";
    int n;
    if (addr->port != 0) {
        n = snprintf(out, out_size, "sip:%s%s%s:%u%s", open, addr->ip, close, (unsigned)addr->port,
                     tcp ? ";transport=tcp" : "");
    } else {
        n = snprintf(out, out_size, "sip:%s%s%s%s", open, addr->ip, close,
                     tcp ? ";transport=tcp" : "");
    }
    return (n > 0 && (size_t)n < out_size) ? n : -1;
}

/* Sets $du to the policy's next hop after a pass: our SIP core for ingress,
 * the partner's first IS proxy for egress. Returns 0 or -1. */
static int set_next_hop(struct sip_msg *msg, const mcsec_policy_t *policy,
                        const mcsec_verdict_t *verdict, bool egress)
{
    const mcsec_addr_t *hop = NULL;
    bool tcp = false;
    if (!egress && policy->system.has_sip_core) {
        hop = &policy->system.sip_core;
        tcp = policy->system.sip_core_transport == MCSEC_TRANSPORT_TCP;
    } else if (egress && verdict->partner != NULL && verdict->partner->is_proxy_count > 0) {
        hop = &verdict->partner->is_proxy[0];
        tcp = policy->system.sip_transport == MCSEC_TRANSPORT_TCP;
    }
    if (hop == NULL) {
        return 0;
    }
    char uri_buf[128];
    int len = format_hop(hop, tcp, uri_buf, sizeof(uri_buf));
    if (len < 0) {
        return -1;
    }
    str uri = {uri_buf, len};
    return set_dst_uri(msg, &uri) == 0 ? 0 : -1;
}

/* The Call-ID of msg for a log line ({NULL, 0} when none). */
static str call_id_of(struct sip_msg *msg)
{
    str none = {NULL, 0};
    if (msg->callid == NULL && parse_headers(msg, HDR_CALLID_F, 0) < 0) {
        return none;
    }
    return msg->callid != NULL ? msg->callid->body : none;
}

/* Logs the verdict: rejections at NOTICE, passes at INFO when the policy
 * asks for it (mcsec_log.h: logfmt or JSON, values escaped, so the peer
 * cannot break or forge log fields). */
static void log_verdict(struct sip_msg *msg, const mcsec_policy_t *policy,
                        const mcsec_sipview_t *view, const mcsec_verdict_t *verdict, bool egress)
{
    bool passed = verdict->reason == MCSEC_REASON_NONE;
    if (passed && (policy == NULL || !policy->logging.log_passed)) {
        return;
    }
    char src[IP_ADDR_MAX_STR_SIZE + 8];
    snprintf(src, sizeof(src), "%s:%u", view->src_ip, (unsigned)view->req.src_port);
    str callid = call_id_of(msg);
    mcsec_verdict_log_t line = {
        .egress = egress,
        .partner = verdict->partner != NULL ? verdict->partner->name : "",
        .reason = (int)verdict->reason,
        .method = view->req.method.ptr,
        .method_len = view->req.method.len,
        .status = passed ? 0 : (unsigned)mcsec_reason_sip_status(verdict->reason),
        .src = src,
        .call_id = callid.s,
        .call_id_len = callid.len > 0 ? (size_t)callid.len : 0,
        .detail = verdict->detail,
    };
    mcsec_log_verdict(&line);
}

/* Counts the verdict of a request. */
static void count_verdict(const mcsec_sipview_t *view, const mcsec_verdict_t *verdict, bool egress)
{
    int method = mcsec_counters_method(view->req.method.ptr, view->req.method.len);
    mcsec_counters_message(verdict->partner_index, egress, false, method, verdict->reason);
}

/* Sets verdict to a rejection the module itself decides (no policy, or a
 * request Kamailio cannot parse). */
static void set_local_verdict(mcsec_verdict_t *verdict, mcsec_reason_t reason,
                              const mcsec_policy_t *policy, int partner_index, const char *detail)
{
    verdict->reason = reason;
    verdict->partner_index = partner_index;
    verdict->partner = partner_index >= 0 ? &policy->partners[partner_index] : NULL;
    snprintf(verdict->detail, sizeof(verdict->detail), "%s", detail);
}

/* Runs the ingress or egress check on msg; returns 1 (pass) or -1. */
static int run_check(struct sip_msg *msg, bool egress)
{
    const mcsec_policy_t *policy = mcsec_proc_policy();
    mcsec_sipview_t view;
    mcsec_verdict_t verdict;
    memset(&verdict, 0, sizeof(verdict));
    verdict.partner_index = -1;

    uint64_t t0 = mcsec_counters_clock();
    int view_rc = mcsec_sipview_fill(msg, egress, &view);
    if (policy == NULL) {
        set_local_verdict(&verdict, MCSEC_REASON_POLICY_UNAVAILABLE, NULL, -1,
                          "no usable policy in this process");
    } else if (view_rc != 0) {
        /* Attribute the malformed request to the partner it came from, so
         * its counters and Warning switch apply. */
        int partner_index =
            egress ? -1 : mcsec_partner_by_source(policy, view.req.src_ip, view.req.src_port);
        if (egress && !mcsec_inside_peer_by_source(policy, view.req.src_ip, view.req.src_port)) {
            /* The source rule first, as mcsec_check_sip_egress() has it: a
             * stranger on the inside socket learns nothing about parsing. */
            set_local_verdict(&verdict, MCSEC_REASON_SRC_NOT_INTERNAL_PEER, policy, -1,
                              "source is no SIP core the policy names");
        } else {
            set_local_verdict(&verdict, MCSEC_REASON_SIP_MALFORMED, policy, partner_index,
                              "Kamailio cannot parse the request");
        }
    } else if (egress) {
        mcsec_check_sip_egress(policy, &view.req, &verdict);
    } else {
        mcsec_check_sip_ingress(policy, &view.req, &verdict);
    }

    uint64_t t1 = mcsec_counters_clock();
    mcsec_counters_stage(MCSEC_STAGE_CHECK, t1 - t0);

    /* The feature stages run only on requests the policy check passed. */
    if (verdict.reason == MCSEC_REASON_NONE) {
        mcsec_bodyid_ear_t ear_seen = {false, 0, false, 0};
        /* Topology first: a request with a bad token is refused before
         * anything reads its restored headers. Body identities after SPK:
         * they read the clear body. Each stage timed (mcsec_counters.h). */
        int rc = mcsec_topo_stage(msg, policy, &verdict, egress);
        uint64_t t2 = mcsec_counters_clock();
        mcsec_counters_stage(MCSEC_STAGE_TOPOLOGY, t2 - t1);
        if (rc == 0) {
            rc = mcsec_ear_stage(msg, policy, &view, &verdict, egress, &ear_seen);
            t1 = mcsec_counters_clock();
            mcsec_counters_stage(MCSEC_STAGE_EAR, t1 - t2);
        }
        if (rc == 0) {
            rc = mcsec_spk_stage(msg, policy, &view, &verdict, egress);
            t2 = mcsec_counters_clock();
            mcsec_counters_stage(MCSEC_STAGE_SPK, t2 - t1);
        }
        if (rc == 0) {
            (void)mcsec_bodyid_stage(msg, policy, &view, &verdict, egress, &ear_seen, false);
        }
        /* GMK after SPK: it checks the clear body. */
        if (verdict.reason == MCSEC_REASON_NONE) {
            (void)mcsec_gmk_stage(msg, policy, &view, &verdict, egress);
        }
        /* The SDP rules last, before the cfg hands the SDP to the relay. */
        if (verdict.reason == MCSEC_REASON_NONE) {
            (void)mcsec_media_stage(msg, policy, &verdict, egress, false);
        }
    }
    if (verdict.reason == MCSEC_REASON_NONE) {
        mcsec_dialog_stage(msg, policy, &verdict); /* ;mcsec-dlg= on our Record-Route */
    }
    if (verdict.reason == MCSEC_REASON_NONE && set_next_hop(msg, policy, &verdict, egress) != 0) {
        mcsec_logf(MCSEC_LOG_ERROR, "route", "cannot set the destination URI");
        set_local_verdict(&verdict, MCSEC_REASON_POLICY_UNAVAILABLE, policy, verdict.partner_index,
                          "cannot set the destination URI");
    }
    count_verdict(&view, &verdict, egress);
    log_verdict(msg, policy, &view, &verdict, egress);
    mcsec_pv_set_verdict(msg, &verdict);
    if (verdict.reason != MCSEC_REASON_NONE) {
        mcsec_media_forget(msg);
        mcsec_refusal_record(msg); /* the cfg answers it next */
    }
    return verdict.reason == MCSEC_REASON_NONE ? 1 : -1;
}

/* See mcsec_cmds.h. */
void mcsec_cmds_refuse(struct sip_msg *msg, const mcsec_verdict_t *verdict, bool egress)
{
    const mcsec_policy_t *policy = mcsec_proc_policy();
    mcsec_sipview_t view;
    (void)mcsec_sipview_fill(msg, egress, &view); /* source and method are always set */
    count_verdict(&view, verdict, egress);
    log_verdict(msg, policy, &view, verdict, egress);
    mcsec_pv_set_verdict(msg, verdict);
    mcsec_refusal_record(msg);
}

/* Counts, logs and exposes a rejection the cfg decided (for example a
 * failed sanity_check), so every rejection has a reason code. dir is "in"
 * (attributed to the partner the source address belongs to) or "out".
 * Returns 1, or -1 when dir or code is not valid. */
static int reject_from_cfg(struct sip_msg *msg, const str *dir, const str *code)
{
    char code_text[64];
    bool egress;
    if (dir->len == 2 && strncmp(dir->s, "in", 2) == 0) {
        egress = false;
    } else if (dir->len == 3 && strncmp(dir->s, "out", 3) == 0) {
        egress = true;
    } else {
        mcsec_logf(MCSEC_LOG_ERROR, "cfg", "mcsec_reject: direction must be \"in\" or \"out\"");
        return -1;
    }
    if (code->len <= 0 || (size_t)code->len >= sizeof(code_text)) {
        mcsec_logf(MCSEC_LOG_ERROR, "cfg", "mcsec_reject: bad reason code");
        return -1;
    }
    memcpy(code_text, code->s, (size_t)code->len);
    code_text[code->len] = '\0';
    mcsec_reason_t reason = mcsec_reason_from_code(code_text);
    if (reason == MCSEC_REASON_COUNT || reason == MCSEC_REASON_NONE) {
        mcsec_logf(MCSEC_LOG_ERROR, "cfg", "mcsec_reject: unknown reason code %.*s", code->len,
                   code->s);
        return -1;
    }
    if (msg->first_line.type == SIP_REPLY) {
        /* onreply_route: the refused-reply path (docs/replies.md) */
        return mcsec_media_reply_reject(msg, reason);
    }
    const mcsec_policy_t *policy = mcsec_proc_policy();
    mcsec_sipview_t view;
    mcsec_verdict_t verdict;
    (void)mcsec_sipview_fill(msg, egress, &view); /* source and method are always set */
    int partner_index = -1;
    if (!egress && policy != NULL) {
        partner_index = mcsec_partner_by_source(policy, view.req.src_ip, view.req.src_port);
    }
    set_local_verdict(&verdict, reason, policy, partner_index, "rejected by the cfg");
    count_verdict(&view, &verdict, egress);
    log_verdict(msg, policy, &view, &verdict, egress);
    mcsec_pv_set_verdict(msg, &verdict);
    mcsec_refusal_record(msg);
    return 1;
}

/* The source rule of mcsec_ingress() alone, for a request the cfg relays
 * without the full check: a CANCEL, which tm matches to a transaction by
 * its Via branch (RFC 3261 9.2), a value a stranger can copy. Returns 1
 * when msg comes from a partner IS proxy (egress: one of our SIP cores the
 * policy names); else counts, logs and exposes src.not_partner
 * (src.not_internal_peer; policy.unavailable without a policy), records the
 * refusal the cfg answers next, and returns -1. */
static int source_check(struct sip_msg *msg, bool egress)
{
    const mcsec_policy_t *policy = mcsec_proc_policy();
    mcsec_sipview_t view;
    mcsec_verdict_t verdict;
    (void)mcsec_sipview_fill(msg, egress, &view); /* source and method are always set */
    if (policy != NULL &&
        (egress ? mcsec_inside_peer_by_source(policy, view.req.src_ip, view.req.src_port)
                : mcsec_partner_by_source(policy, view.req.src_ip, view.req.src_port) >= 0)) {
        return 1;
    }
    if (policy == NULL) {
        set_local_verdict(&verdict, MCSEC_REASON_POLICY_UNAVAILABLE, NULL, -1,
                          "no usable policy in this process");
    } else if (egress) {
        set_local_verdict(&verdict, MCSEC_REASON_SRC_NOT_INTERNAL_PEER, policy, -1,
                          "source is no SIP core the policy names");
    } else {
        set_local_verdict(&verdict, MCSEC_REASON_SRC_NOT_PARTNER, policy, -1,
                          "source is no partner IS proxy");
    }
    count_verdict(&view, &verdict, egress);
    log_verdict(msg, policy, &view, &verdict, egress);
    mcsec_pv_set_verdict(msg, &verdict);
    mcsec_refusal_record(msg);
    return -1;
}

/* cfg: mcsec_egress_failure(set) */
static int w_mcsec_egress_failure(struct sip_msg *msg, char *set, char *unused)
{
    int n = 0;
    (void)unused;
    if (fixup_get_ivalue(msg, (gparam_t *)set, &n) != 0) {
        mcsec_logf(MCSEC_LOG_ERROR, "cfg", "mcsec_egress_failure: no set");
        return -1;
    }
    return mcsec_ds_failure(msg, n);
}

/* cfg: mcsec_admit() */
static int w_mcsec_admit(struct sip_msg *msg, char *unused1, char *unused2)
{
    (void)unused1;
    (void)unused2;
    return mcsec_admit_request(msg);
}

/* cfg: mcsec_from_partner() */
static int w_mcsec_from_partner(struct sip_msg *msg, char *unused1, char *unused2)
{
    (void)unused1;
    (void)unused2;
    return source_check(msg, false);
}

/* KEMI: KSR.mcsec.from_partner() */
static int ki_mcsec_from_partner(sip_msg_t *msg)
{
    return source_check(msg, false);
}

/* cfg: mcsec_from_inside_peer() */
static int w_mcsec_from_inside_peer(struct sip_msg *msg, char *unused1, char *unused2)
{
    (void)unused1;
    (void)unused2;
    return source_check(msg, true);
}

/* KEMI: KSR.mcsec.from_inside_peer() */
static int ki_mcsec_from_inside_peer(sip_msg_t *msg)
{
    return source_check(msg, true);
}

/* cfg: mcsec_reject(dir, code) */
static int w_mcsec_reject(struct sip_msg *msg, char *dir_param, char *code_param)
{
    str dir = STR_NULL;
    str code = STR_NULL;
    if (fixup_get_svalue(msg, (gparam_t *)dir_param, &dir) != 0 ||
        fixup_get_svalue(msg, (gparam_t *)code_param, &code) != 0) {
        mcsec_logf(MCSEC_LOG_ERROR, "cfg", "mcsec_reject: cannot get the parameters");
        return -1;
    }
    return reject_from_cfg(msg, &dir, &code);
}

/* KEMI: KSR.mcsec.reject(dir, code) */
static int ki_mcsec_reject(sip_msg_t *msg, str *dir, str *code)
{
    return reject_from_cfg(msg, dir, code);
}

/* cfg: mcsec_ingress() */
static int w_mcsec_ingress(struct sip_msg *msg, char *unused1, char *unused2)
{
    (void)unused1;
    (void)unused2;
    return run_check(msg, false);
}

/* cfg: mcsec_egress() */
static int w_mcsec_egress(struct sip_msg *msg, char *unused1, char *unused2)
{
    (void)unused1;
    (void)unused2;
    return run_check(msg, true);
}

/* KEMI: KSR.mcsec.ingress() */
static int ki_mcsec_ingress(sip_msg_t *msg)
{
    return run_check(msg, false);
}

/* KEMI: KSR.mcsec.egress() */
static int ki_mcsec_egress(sip_msg_t *msg)
{
    return run_check(msg, true);
}

/* cfg: mcsec_reply_check() (core onreply_route; see mcsec_reply.h) */
static int w_mcsec_reply_check(struct sip_msg *msg, char *unused1, char *unused2)
{
    (void)unused1;
    (void)unused2;
    return mcsec_reply_check(msg);
}

/* KEMI: KSR.mcsec.reply_check() */
static int ki_mcsec_reply_check(sip_msg_t *msg)
{
    return mcsec_reply_check(msg);
}

/* cfg: mcsec_sdp_get("$var(x)") */
static int w_mcsec_sdp_get(struct sip_msg *msg, char *dst, char *unused)
{
    (void)unused;
    return mcsec_media_sdp_get(msg, (pv_spec_t *)dst);
}

/* KEMI: KSR.mcsec.sdp_get("$var(x)") */
static int ki_mcsec_sdp_get(sip_msg_t *msg, str *pvname)
{
    pv_spec_t *dst = pv_cache_get(pvname);
    if (dst == NULL) {
        mcsec_logf(MCSEC_LOG_ERROR, "cfg", "sdp_get: bad variable name %.*s", pvname->len,
                   pvname->s);
        return -1;
    }
    return mcsec_media_sdp_get(msg, dst);
}

/* cfg: mcsec_sdp_set("$var(y)") */
static int w_mcsec_sdp_set(struct sip_msg *msg, char *sdp_param, char *unused)
{
    (void)unused;
    str sdp = STR_NULL;
    if (fixup_get_svalue(msg, (gparam_t *)sdp_param, &sdp) != 0) {
        mcsec_logf(MCSEC_LOG_ERROR, "cfg", "mcsec_sdp_set: cannot get the parameter");
        sdp = (str)STR_NULL;
    }
    return mcsec_media_sdp_set(msg, &sdp);
}

/* KEMI: KSR.mcsec.sdp_set(sdp) */
static int ki_mcsec_sdp_set(sip_msg_t *msg, str *sdp)
{
    return mcsec_media_sdp_set(msg, sdp);
}

/* KEMI: KSR.mcsec.reason(): reason code of the last check of this message,
 * "" when none. The returned value is static per process, as KEMI expects. */
static sr_kemi_xval_t *ki_mcsec_reason(sip_msg_t *msg)
{
    static sr_kemi_xval_t reason_xval;
    const char *code = mcsec_pv_last_reason(msg);
    memset(&reason_xval, 0, sizeof(reason_xval));
    reason_xval.vtype = SR_KEMIP_STR;
    reason_xval.v.s.s = (char *)code;
    reason_xval.v.s.len = (int)strlen(code);
    return &reason_xval;
}

#define MCSEC_ROUTES (REQUEST_ROUTE | FAILURE_ROUTE | BRANCH_ROUTE)

/* clang-format off */
cmd_export_t mcsec_cmd_exports[] = {
    {"mcsec_ingress", (cmd_function)w_mcsec_ingress, 0, 0, 0, MCSEC_ROUTES},
    {"mcsec_egress", (cmd_function)w_mcsec_egress, 0, 0, 0, MCSEC_ROUTES},
    {"mcsec_reject", (cmd_function)w_mcsec_reject, 2, fixup_spve_spve, fixup_free_spve_spve,
        MCSEC_ROUTES | ONREPLY_ROUTE},
    {"mcsec_sdp_get", (cmd_function)w_mcsec_sdp_get, 1, fixup_pvar_null, fixup_free_pvar_null,
        MCSEC_ROUTES | ONREPLY_ROUTE},
    {"mcsec_sdp_set", (cmd_function)w_mcsec_sdp_set, 1, fixup_spve_null, fixup_free_spve_null,
        MCSEC_ROUTES | ONREPLY_ROUTE},
    {"mcsec_reply_check", (cmd_function)w_mcsec_reply_check, 0, 0, 0, ONREPLY_ROUTE},
    {"mcsec_from_partner", (cmd_function)w_mcsec_from_partner, 0, 0, 0, REQUEST_ROUTE},
    {"mcsec_admit", (cmd_function)w_mcsec_admit, 0, 0, 0, REQUEST_ROUTE},
    {"mcsec_egress_failure", (cmd_function)w_mcsec_egress_failure, 1, fixup_igp_null,
        fixup_free_igp_null, FAILURE_ROUTE | ONREPLY_ROUTE},
    {"mcsec_from_inside_peer", (cmd_function)w_mcsec_from_inside_peer, 0, 0, 0, REQUEST_ROUTE},
    {0, 0, 0, 0, 0, 0}
};

sr_kemi_t mcsec_kemi_exports[] = {
    {str_init("mcsec"), str_init("ingress"), SR_KEMIP_INT, ki_mcsec_ingress,
        {SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
         SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE}},
    {str_init("mcsec"), str_init("egress"), SR_KEMIP_INT, ki_mcsec_egress,
        {SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
         SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE}},
    {str_init("mcsec"), str_init("reject"), SR_KEMIP_INT, ki_mcsec_reject,
        {SR_KEMIP_STR, SR_KEMIP_STR, SR_KEMIP_NONE,
         SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE}},
    {str_init("mcsec"), str_init("reply_check"), SR_KEMIP_INT, ki_mcsec_reply_check,
        {SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
         SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE}},
    {str_init("mcsec"), str_init("from_partner"), SR_KEMIP_INT, ki_mcsec_from_partner,
        {SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
         SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE}},
    {str_init("mcsec"), str_init("admit"), SR_KEMIP_INT, mcsec_admit_request,
        {SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
         SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE}},
    {str_init("mcsec"), str_init("from_inside_peer"), SR_KEMIP_INT, ki_mcsec_from_inside_peer,
        {SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
         SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE}},
    {str_init("mcsec"), str_init("sdp_get"), SR_KEMIP_INT, ki_mcsec_sdp_get,
        {SR_KEMIP_STR, SR_KEMIP_NONE, SR_KEMIP_NONE,
         SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE}},
    {str_init("mcsec"), str_init("sdp_set"), SR_KEMIP_INT, ki_mcsec_sdp_set,
        {SR_KEMIP_STR, SR_KEMIP_NONE, SR_KEMIP_NONE,
         SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE}},
    {str_init("mcsec"), str_init("reason"), SR_KEMIP_XVAL, ki_mcsec_reason,
        {SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
         SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE}},
    {{0, 0}, {0, 0}, 0, NULL, {0, 0, 0, 0, 0, 0}}
};
/* clang-format on */
