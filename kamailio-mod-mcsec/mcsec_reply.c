/* mcsec_reply_check(): the check of replies (docs/replies.md). See
 * mcsec_reply.h. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "core/dprint.h"
#include "core/parser/parse_cseq.h"
#include "core/parser/parse_via.h"
#include "core/resolve.h"

#include "mcsec/sip/check.h"
#include "mcsec/util/reason.h"
#include "mcsec_counters.h"
#include "mcsec_log.h"
#include "mcsec_outside.h"
#include "mcsec_reply.h"
#include "mcsec_reply_502.h"
#include "mcsec_reply_bye.h"
#include "mcsec_sipview.h"
#include "mcsec_shm_policy.h"
#include "mcsec_stages.h"
#include "mcsec_topo_msg.h"

/* The partner a reply received on an inside socket goes to: the one whose
 * IS proxy wrote the Via below ours (its received= address when we added
 * one, as force_rport makes tm answer the source), by IP. -1 when none. */
static int partner_of_via2(struct sip_msg *msg, const mcsec_policy_t *policy)
{
    if (parse_headers(msg, HDR_VIA2_F, 0) < 0 || msg->via2 == NULL) {
        return -1;
    }
    struct via_body *via = msg->via2;
    str host =
        via->received != NULL && via->received->value.len > 0 ? via->received->value : via->host;
    ip_addr_t ip;
    if (host.len <= 0 || str2ipxbuf(&host, &ip) != 0) {
        return -1;
    }
    int family = ip.af == AF_INET6 ? AF_INET6 : AF_INET;
    int index = mcsec_partner_by_dest(policy, family, ip.u.addr, (uint16_t)via->port);
    return index >= 0 ? index : -1;
}

/* The transaction of a reply as its replay scope: Call-ID, CSeq and the
 * top Via's branch (the border's own, one per branch of a transaction). */
static int reply_scope(struct sip_msg *msg, char *buf, size_t size, mcsec_str_t *scope)
{
    str callid = mcsec_topo_callid(msg);
    str cseq = msg->cseq != NULL ? msg->cseq->body : (str){NULL, 0};
    str branch =
        msg->via1 != NULL && msg->via1->branch != NULL ? msg->via1->branch->value : (str){NULL, 0};
    int n = snprintf(buf, size, "%.*s\n%.*s\n%.*s", callid.len, callid.s ? callid.s : "", cseq.len,
                     cseq.s ? cseq.s : "", branch.len, branch.s ? branch.s : "");
    if (n <= 0 || (size_t)n >= size) {
        return -1;
    }
    *scope = (mcsec_str_t){buf, (size_t)n};
    return 0;
}

/* The counter index of the method in the reply's CSeq ("other" when it
 * cannot be read). */
static int reply_method(struct sip_msg *msg)
{
    if ((msg->cseq == NULL && parse_headers(msg, HDR_CSEQ_F, 0) < 0) || msg->cseq == NULL ||
        msg->cseq->parsed == NULL) {
        return mcsec_counters_method(NULL, 0);
    }
    str m = get_cseq(msg)->method;
    return mcsec_counters_method(m.s, m.len > 0 ? (size_t)m.len : 0);
}

/* Counts and logs a refused reply; a final one from or to a known partner
 * goes on as a 502 (mcsec_reply_502.h), anything else is dropped. Returns
 * what mcsec_reply_check() returns. */
static int refuse(struct sip_msg *msg, const mcsec_verdict_t *verdict, bool egress)
{
    unsigned status = msg->first_line.u.reply.statuscode;
    if (verdict->partner != NULL && status < 300 && status >= 200 && msg->cseq != NULL &&
        get_cseq(msg)->method_id == METHOD_INVITE) {
        /* The dialog the 2xx confirmed on its sender's side ends there. */
        (void)mcsec_reply_bye(msg, mcsec_proc_policy(), verdict->partner, egress);
    }
    /* Method, Call-ID and source before the 502 rewrite. */
    int method = reply_method(msg);
    str callid = msg->callid != NULL ? msg->callid->body : (str){NULL, 0};
    char callid_copy[256];
    size_t callid_len = callid.len > 0 ? (size_t)callid.len : 0;
    if (callid_len > sizeof(callid_copy)) {
        callid_len = sizeof(callid_copy);
    }
    if (callid_len > 0) {
        memcpy(callid_copy, callid.s, callid_len);
    }
    bool as_502 = verdict->partner != NULL && status >= 200 && mcsec_reply_502(msg) == 0;
    char ip[IP_ADDR_MAX_STR_SIZE] = "?";
    int ip_len = ip_addr2sbuf(&msg->rcv.src_ip, ip, sizeof(ip) - 1);
    ip[ip_len > 0 ? ip_len : 0] = '\0';
    char src[IP_ADDR_MAX_STR_SIZE + 8];
    snprintf(src, sizeof(src), "%s:%u", ip, (unsigned)msg->rcv.src_port);
    const char *method_name = mcsec_counters_method_name(method);
    mcsec_verdict_log_t line = {
        .egress = egress,
        .reply = true,
        .partner = verdict->partner != NULL ? verdict->partner->name : "",
        .reason = (int)verdict->reason,
        .method = method_name,
        .method_len = strlen(method_name),
        .status = status,
        .src = src,
        .call_id = callid_copy,
        .call_id_len = callid_len,
        .detail = verdict->detail,
        .outcome = as_502 ? "replaced by 502" : "dropped",
    };
    mcsec_log_verdict(&line);
    mcsec_counters_message(verdict->partner_index, egress, true, method, verdict->reason);
    return as_502 ? 1 : -1;
}

/* See mcsec_reply.h. */
int mcsec_reply_check(struct sip_msg *msg)
{
    if (msg->first_line.type != SIP_REPLY) {
        return 1;
    }
    bool egress = !mcsec_outside_is(msg->rcv.bind_address);
    mcsec_verdict_t verdict;
    memset(&verdict, 0, sizeof(verdict));
    verdict.partner_index = -1;
    const mcsec_policy_t *policy = mcsec_proc_policy();
    if (policy == NULL) {
        verdict.reason = MCSEC_REASON_POLICY_UNAVAILABLE;
        snprintf(verdict.detail, sizeof(verdict.detail), "no usable policy in this process");
        return refuse(msg, &verdict, egress);
    }
    if (parse_headers(msg, HDR_EOH_F, 0) < 0) {
        verdict.reason = MCSEC_REASON_SIP_MALFORMED;
        snprintf(verdict.detail, sizeof(verdict.detail), "Kamailio cannot parse the reply");
        return refuse(msg, &verdict, egress);
    }
    int index;
    if (!egress) {
        int family = msg->rcv.src_ip.af == AF_INET6 ? AF_INET6 : AF_INET;
        index = mcsec_partner_by_addr(policy, family, msg->rcv.src_ip.u.addr, msg->rcv.src_port);
        if (index < 0) {
            /* Only partners' IS proxies answer what we send outside. */
            verdict.reason = MCSEC_REASON_SRC_NOT_PARTNER;
            snprintf(verdict.detail, sizeof(verdict.detail),
                     "reply on the outside socket from no partner");
            return refuse(msg, &verdict, egress);
        }
    } else {
        index = partner_of_via2(msg, policy);
        if (index < 0) {
            return 1; /* not for a partner (mcsec_topo_out.c drops it outside) */
        }
    }
    verdict.partner_index = index;
    verdict.partner = &policy->partners[index];
    /* The request rules after the method, then the request stages that
     * apply to replies: shared SPK (which also restores or hides listed
     * elements of the clear body), the identities of the clear body (the
     * reply rule: ours or the partner's), GMK on the clear body. */
    mcsec_sipview_t view;
    if (mcsec_sipview_fill(msg, egress, &view) != 0) {
        verdict.reason = MCSEC_REASON_SIP_MALFORMED;
        snprintf(verdict.detail, sizeof(verdict.detail), "Kamailio cannot parse the reply");
        return refuse(msg, &verdict, egress);
    }
    uint64_t t0 = mcsec_counters_clock();
    mcsec_check_sip_reply(policy, index, !egress, &view.req, &verdict);
    uint64_t t1 = mcsec_counters_clock();
    mcsec_counters_stage(MCSEC_STAGE_CHECK, t1 - t0);
    if (verdict.reason != MCSEC_REASON_NONE) {
        return refuse(msg, &verdict, egress);
    }
    int spk_rc = mcsec_spk_stage(msg, policy, &view, &verdict, egress);
    mcsec_counters_stage(MCSEC_STAGE_SPK, mcsec_counters_clock() - t1);
    if (spk_rc != 0 || mcsec_bodyid_stage(msg, policy, &view, &verdict, egress, NULL, true) != 0) {
        return refuse(msg, &verdict, egress);
    }
    char buf[1024];
    mcsec_str_t scope;
    if (reply_scope(msg, buf, sizeof(buf), &scope) != 0) {
        verdict.reason = MCSEC_REASON_SIP_MALFORMED;
        snprintf(verdict.detail, sizeof(verdict.detail), "Call-ID, CSeq or branch too long");
        return refuse(msg, &verdict, egress);
    }
    if (mcsec_gmk_reply(msg, policy, &verdict, egress, scope) != 0) {
        return refuse(msg, &verdict, egress);
    }
    mcsec_counters_message(index, egress, true, reply_method(msg), MCSEC_REASON_NONE);
    return 1;
}
