/* Media through the border, the module's part: see mcsec_media.h. The
 * rules and the checks are libmcsec's (mcsec/media/media.h); this file
 * finds the bodies, keeps the record of the passed message and applies the
 * result through the body access of mcsec_spk_body.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dprint.h"
#include "core/lvalue.h"
#include "core/parser/parse_cseq.h"

#include "mcsec/media/media.h"
#include "mcsec/media/sdes_hold.h"
#include "mcsec_cmds.h"
#include "mcsec_counters.h"
#include "mcsec_log.h"
#include "mcsec_media.h"
#include "mcsec_outside.h"
#include "mcsec_pv.h"
#include "mcsec_reply.h"
#include "mcsec_shm_policy.h"
#include "mcsec_spk_body.h"
#include "mcsec_topo_msg.h"

/* The message the stage passed last in this process. */
static struct {
    bool set;
    unsigned int msg_id;
    int msg_pid;
    bool egress;
    bool reply;
    int partner_index; /* -1: no partner (media off, or a message for none) */
    int generation;    /* of the policy the stage judged with */
    bool held;         /* sdes: mcsec_sdp_get() of this message held its a=crypto lines */
    mcsec_sdes_hold_t sdes;
} proc_media;

/* Drops the record (and the a=crypto lines held for it). */
static void unrecord(void)
{
    proc_media.set = false;
    proc_media.held = false;
    mcsec_sdes_hold_clear(&proc_media.sdes);
}

static bool recorded(const struct sip_msg *msg)
{
    return msg != NULL && proc_media.set && proc_media.msg_id == msg->id &&
           proc_media.msg_pid == msg->pid;
}

void mcsec_media_forget(const struct sip_msg *msg)
{
    if (recorded(msg)) {
        unrecord();
    }
}

static void record(const struct sip_msg *msg, const mcsec_verdict_t *verdict, bool egress,
                   bool reply)
{
    unrecord();
    proc_media.set = true;
    proc_media.msg_id = msg->id;
    proc_media.msg_pid = msg->pid;
    proc_media.egress = egress;
    proc_media.reply = reply;
    proc_media.partner_index = verdict->partner != NULL ? verdict->partner_index : -1;
    proc_media.generation = mcsec_shm_policy_generation();
}

static int reject(mcsec_verdict_t *verdict, mcsec_reason_t reason, const char *why)
{
    verdict->reason = reason;
    snprintf(verdict->detail, sizeof(verdict->detail), "%s", why);
    return -1;
}

/* Finds the SDP of a body; 1 with the view, 0 none, -1 (fault) broken. */
static int body_sdp(const mcsec_spk_sip_body_t *body, size_t *offset, size_t *len,
                    const char **fault)
{
    return mcsec_media_sdp_find(body->content_type, strlen(body->content_type), body->data,
                                body->len, offset, len, fault);
}

int mcsec_media_stage(struct sip_msg *msg, const mcsec_policy_t *policy, mcsec_verdict_t *verdict,
                      bool egress, bool reply)
{
    const mcsec_partner_t *partner = verdict->partner;
    unrecord();
    if (policy == NULL || !policy->system.media.enabled || partner == NULL || !partner->media.set) {
        record(msg, verdict, egress, reply);
        return 0;
    }
    mcsec_spk_sip_body_t body;
    int has_body = mcsec_spk_clear_body_get(msg, &body);
    if (has_body < 0) {
        return reject(verdict, MCSEC_REASON_MEDIA_MALFORMED, "body cannot be read");
    }
    size_t offset = 0, len = 0;
    const char *fault = NULL;
    int found = has_body == 1 ? body_sdp(&body, &offset, &len, &fault) : 0;
    if (found < 0) {
        char why[128];
        snprintf(why, sizeof(why), "body: %s", fault);
        return reject(verdict, MCSEC_REASON_MEDIA_MALFORMED, why);
    }
    if (found == 1) {
        mcsec_reason_t reason = mcsec_media_check_rules(partner, body.data + offset, len, !egress,
                                                        verdict->detail, sizeof(verdict->detail));
        if (reason != MCSEC_REASON_NONE) {
            verdict->reason = reason;
            return -1;
        }
    }
    record(msg, verdict, egress, reply);
    return 0;
}

bool mcsec_media_enabled(void)
{
    const mcsec_policy_t *policy = mcsec_proc_policy();
    return policy != NULL && policy->system.media.enabled;
}

int mcsec_media_sdp_get(struct sip_msg *msg, pv_spec_t *dst)
{
    if (!recorded(msg)) {
        mcsec_logf(MCSEC_LOG_DEBUG, "media", "mcsec_sdp_get: the message was not passed by mcsec");
        return -1;
    }
    mcsec_spk_sip_body_t body;
    if (mcsec_body_out_get(msg, &body) != 1) {
        return -1;
    }
    size_t offset = 0, len = 0;
    const char *fault = NULL;
    if (body_sdp(&body, &offset, &len, &fault) != 1) {
        return -1;
    }
    /* The relay gets the SDP without its SDES a=crypto lines: rtpengine
     * would consume them and re-key the SRTP; held, they go back into the
     * relay's SDP in mcsec_sdp_set() (mcsec/media/sdes_hold.h). */
    proc_media.held = false;
    uint8_t *stripped = NULL;
    size_t stripped_len = 0;
    if (mcsec_sdes_hold_strip(body.data + offset, len, &proc_media.sdes, &stripped,
                              &stripped_len) != MCSEC_OK) {
        mcsec_logf(MCSEC_LOG_ERROR, "media", "mcsec_sdp_get: cannot hold the a=crypto lines");
        return -1;
    }
    pv_value_t value;
    memset(&value, 0, sizeof(value));
    value.flags = PV_VAL_STR;
    value.rs.s = (char *)stripped;
    value.rs.len = (int)stripped_len;
    int rc = 1;
    if (dst == NULL || dst->setf == NULL || dst->setf(msg, &dst->pvp, (int)EQ_T, &value) < 0) {
        mcsec_logf(MCSEC_LOG_ERROR, "media", "mcsec_sdp_get: cannot set the variable");
        mcsec_sdes_hold_clear(&proc_media.sdes);
        rc = -1;
    } else {
        proc_media.held = true;
    }
    free(stripped);
    return rc;
}

/* The refusal of msg with verdict: requests by mcsec_ingress()'s path,
 * replies by mcsec_reply_check()'s; $mcsec(...) set for both. */
static int refuse(struct sip_msg *msg, mcsec_verdict_t *verdict, bool egress, bool reply)
{
    unrecord();
    if (!reply) {
        mcsec_cmds_refuse(msg, verdict, egress);
        return -1;
    }
    mcsec_pv_set_verdict(msg, verdict);
    return mcsec_reply_refuse(msg, verdict, egress);
}

/* Puts sdp into the SDP part of the body msg will be sent with. */
static int replace_sdp(struct sip_msg *msg, const str *sdp, mcsec_verdict_t *verdict)
{
    mcsec_spk_sip_body_t body;
    size_t offset = 0, len = 0;
    const char *fault = NULL;
    if (mcsec_body_out_get(msg, &body) != 1 || body_sdp(&body, &offset, &len, &fault) != 1) {
        return reject(verdict, MCSEC_REASON_MEDIA_NOT_ANCHORED,
                      "the message has no SDP part to replace");
    }
    /* The relay must leave the end-to-end key lines as they came. */
    verdict->reason =
        mcsec_media_check_keys(body.data + offset, len, (const uint8_t *)sdp->s, (size_t)sdp->len,
                               verdict->detail, sizeof(verdict->detail));
    if (verdict->reason != MCSEC_REASON_NONE) {
        return -1;
    }
    uint8_t *out = NULL;
    size_t out_len = 0;
    if (mcsec_media_sdp_splice(body.data, body.len, offset, len, (const uint8_t *)sdp->s,
                               (size_t)sdp->len, &out, &out_len) != MCSEC_OK) {
        return reject(verdict, MCSEC_REASON_POLICY_UNAVAILABLE, "out of memory");
    }
    char content_type[sizeof(body.content_type)];
    memcpy(content_type, body.content_type, sizeof(content_type));
    int rc = mcsec_body_out_set(msg, content_type, out, out_len);
    free(out);
    if (rc != 0) {
        return reject(verdict, MCSEC_REASON_POLICY_UNAVAILABLE,
                      "cannot replace the body in the message");
    }
    return 0;
}

int mcsec_media_sdp_set(struct sip_msg *msg, const str *sdp)
{
    mcsec_verdict_t verdict;
    memset(&verdict, 0, sizeof(verdict));
    verdict.partner_index = -1;
    bool reply = msg->first_line.type == SIP_REPLY;
    if (!recorded(msg)) {
        mcsec_logf(MCSEC_LOG_ERROR, "media",
                   "mcsec_sdp_set: the message was not passed by mcsec_ingress(), "
                   "mcsec_egress() or mcsec_reply_check()");
        reject(&verdict, MCSEC_REASON_POLICY_UNAVAILABLE, "mcsec_sdp_set before the mcsec check");
        return refuse(msg, &verdict, !mcsec_outside_is(msg->rcv.bind_address), reply);
    }
    bool egress = proc_media.egress;
    const mcsec_policy_t *policy = mcsec_proc_policy();
    if (policy == NULL || proc_media.generation != mcsec_shm_policy_generation() ||
        proc_media.partner_index < 0 || (size_t)proc_media.partner_index >= policy->partner_count) {
        reject(&verdict, MCSEC_REASON_POLICY_UNAVAILABLE,
               "no partner or policy reloaded since the check");
        return refuse(msg, &verdict, egress, reply);
    }
    verdict.partner_index = proc_media.partner_index;
    verdict.partner = &policy->partners[proc_media.partner_index];
    if (sdp == NULL || sdp->s == NULL || sdp->len <= 0) {
        reject(&verdict, MCSEC_REASON_MEDIA_NOT_ANCHORED, "empty SDP from the relay");
        return refuse(msg, &verdict, egress, reply);
    }
    /* The a=crypto lines mcsec_sdp_get() held back go back first; the
     * anchoring and key-line checks then judge the SDP that will be sent. */
    uint8_t *full = NULL;
    size_t full_len = 0;
    verdict.reason = mcsec_sdes_hold_restore(proc_media.held ? &proc_media.sdes : NULL,
                                             (const uint8_t *)sdp->s, (size_t)sdp->len, &full,
                                             &full_len, verdict.detail, sizeof(verdict.detail));
    if (verdict.reason == MCSEC_REASON_NONE) {
        verdict.reason = mcsec_media_check_anchored(policy, verdict.partner, full, full_len, egress,
                                                    verdict.detail, sizeof(verdict.detail));
    }
    if (verdict.reason == MCSEC_REASON_MEDIA_MALFORMED) {
        /* The relay wrote it: its fault, not the partner's. */
        verdict.reason = MCSEC_REASON_MEDIA_NOT_ANCHORED;
    }
    str out = {(char *)full, (int)full_len};
    if (verdict.reason != MCSEC_REASON_NONE || replace_sdp(msg, &out, &verdict) != 0) {
        free(full);
        return refuse(msg, &verdict, egress, reply);
    }
    free(full);
    if (reply) {
        mcsec_pv_set_verdict(msg, &verdict); /* "ok" */
    }
    return 1;
}

int mcsec_media_reply_reject(struct sip_msg *msg, mcsec_reason_t reason)
{
    mcsec_verdict_t verdict;
    memset(&verdict, 0, sizeof(verdict));
    verdict.partner_index = -1;
    bool egress = !mcsec_outside_is(msg->rcv.bind_address);
    const mcsec_policy_t *policy = mcsec_proc_policy();
    if (recorded(msg) && policy != NULL && proc_media.partner_index >= 0 &&
        proc_media.generation == mcsec_shm_policy_generation() &&
        (size_t)proc_media.partner_index < policy->partner_count) {
        verdict.partner_index = proc_media.partner_index;
        verdict.partner = &policy->partners[proc_media.partner_index];
    }
    reject(&verdict, reason, "rejected by the cfg");
    return refuse(msg, &verdict, egress, true);
}

int mcsec_media_net_out_check(const mcsec_policy_t *policy, int partner_index, str *obuf)
{
    if (policy == NULL || !policy->system.media.enabled || partner_index < 0 ||
        (size_t)partner_index >= policy->partner_count) {
        return 0;
    }
    const mcsec_partner_t *partner = &policy->partners[partner_index];
    struct sip_msg msg;
    if (mcsec_topo_parse(&msg, obuf->s, obuf->len) != 0) {
        mcsec_topo_unparse(&msg);
        return 0; /* not SIP we can read: the topology rules decide */
    }
    mcsec_spk_sip_body_t body;
    size_t offset = 0, len = 0;
    const char *fault = NULL;
    char detail[160] = "";
    mcsec_reason_t reason = MCSEC_REASON_NONE;
    int has_body = mcsec_spk_body_get(&msg, &body);
    int found = has_body == 1 ? body_sdp(&body, &offset, &len, &fault) : 0;
    if (has_body < 0 || found < 0) {
        reason = MCSEC_REASON_MEDIA_NOT_ANCHORED;
        snprintf(detail, sizeof(detail), "body: %s", fault != NULL ? fault : "unreadable");
    } else if (found == 1) {
        reason = mcsec_media_check_anchored(policy, partner, body.data + offset, len, true, detail,
                                            sizeof(detail));
        if (reason != MCSEC_REASON_NONE) {
            reason = MCSEC_REASON_MEDIA_NOT_ANCHORED;
        }
    }
    if (reason != MCSEC_REASON_NONE) {
        bool reply = msg.first_line.type == SIP_REPLY;
        str method = {NULL, 0};
        if (reply) {
            if (parse_headers(&msg, HDR_CSEQ_F, 0) == 0 && msg.cseq != NULL) {
                method = get_cseq(&msg)->method;
            }
        } else {
            method = msg.first_line.u.request.method;
        }
        int index = mcsec_counters_method(method.s, method.len > 0 ? (size_t)method.len : 0);
        const char *name = mcsec_counters_method_name(index);
        char full[200];
        snprintf(full, sizeof(full), "%s: not anchored at the outside socket", detail);
        mcsec_verdict_log_t line = {
            .egress = true,
            .reply = reply,
            .partner = partner->name,
            .reason = (int)reason,
            .method = name,
            .method_len = strlen(name),
            .detail = full,
            .outcome = "dropped",
        };
        mcsec_log_verdict(&line);
        mcsec_counters_message(partner_index, true, reply, index, reason);
    }
    mcsec_topo_unparse(&msg);
    return reason == MCSEC_REASON_NONE ? 0 : -1;
}
