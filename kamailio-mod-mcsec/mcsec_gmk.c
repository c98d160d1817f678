/* The GMK transfer stage (TS 33.180 11.1.2.2; docs/profile.md section 7;
 * docs/gmk.md): see mcsec_stages.h for the stage contract.
 *
 * Every request to or from a partner whose gmk transfer is not off has its
 * body scanned for Group Key Transport payloads (libmcsec,
 * mcsec_gmk_check_body: MIME multipart, XML, every GKTP element). The body
 * is the clear one: after the SPK stage rewrote the message it exists only
 * in lumps, so it comes from mcsec_spk_clear_body(); otherwise from the
 * message itself.
 *
 *   check  every payload is checked: ingress, the initiator is the
 *          partner's GMS (partners[].gmk.gms) under the partner's KMS
 *          (partners[].keys.kms) and the responder our GMS (system.gmk.gms)
 *          under our KMS (system.gmk.kms); egress, the roles are swapped.
 *          A SIP request that carries a GKTP pushes keys (a notification
 *          or a message; SIP has no "GET of a stored document"), so
 *          freshness (partners[].gmk.max_age) and replay always apply, in
 *          the node's shared GMK replay cache (mcsec_gmk_replay.h).
 *   deny   a body holding any GKTP is refused with gmk.wrong_sender (no
 *          GMS of this partner may send or receive keys across the border).
 *   off    the body is not looked at.
 *
 * One failing payload rejects the whole request with its gmk.* reason and
 * the library's detail; run_check counts, logs and answers it. A body that
 * cannot be read is gmk.malformed, missing keys policy.unavailable, an
 * unusable replay cache ear.replay_cache_full (the library's code for a
 * full cache, 503). Retransmissions never reach the stage (the cfg's
 * t_check_trans()), so a retransmitted push is not taken for a replay.
 *
 * Replies (mcsec_gmk_reply, from mcsec_reply_check() in the cfg's
 * onreply_route; docs/gmk.md "Replies"): the same check on the reply's own
 * clear body (after the SPK stage of replies, docs/replies.md) in the roles of the direction,
 * with the replay cache seen through the transaction (Call-ID, CSeq, top
 * Via branch), so the callee's retransmissions of one 2xx pass and the
 * payload anywhere else is a replay. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/dprint.h"

#include "mcsec/gmk/gmk_check.h"
#include "mcsec_counters.h"
#include "mcsec_log.h"
#include "mcsec_gmk_keys.h"
#include "mcsec_gmk_replay.h"
#include "mcsec_spk_body.h"
#include "mcsec_stages.h"

/* Sets up the shared replay cache (before the fork). */
int mcsec_gmk_mod_init(void)
{
    return mcsec_gmk_replay_init();
}

/* Frees this process's keys and the shared replay cache. */
void mcsec_gmk_mod_destroy(void)
{
    mcsec_gmk_keys_free();
    mcsec_gmk_replay_destroy();
}

/* Sets a rejection on verdict and returns -1. */
static int gmk_reject(mcsec_verdict_t *verdict, mcsec_reason_t reason, const char *detail)
{
    verdict->reason = reason;
    snprintf(verdict->detail, sizeof(verdict->detail), "%s", detail);
    return -1;
}

/* deny: any GKTP payload refuses the request. */
static int gmk_deny(const mcsec_spk_sip_body_t *body, mcsec_verdict_t *verdict)
{
    size_t count = 0;
    mcsec_reason_t reason = mcsec_gmk_count_body(body->content_type, body->data, body->len, &count,
                                                 verdict->detail, sizeof(verdict->detail));
    if (reason != MCSEC_REASON_NONE) {
        verdict->reason = reason;
        return -1;
    }
    if (count > 0) {
        return gmk_reject(verdict, MCSEC_REASON_GMK_WRONG_SENDER,
                          "GMK transfer with this partner is deny");
    }
    return 0;
}

/* check: every payload under the direction's roles (see the top). */
static int gmk_check(const mcsec_policy_t *policy, const mcsec_partner_t *partner,
                     const mcsec_gmk_keys_t *keys, size_t index, const mcsec_spk_sip_body_t *body,
                     mcsec_verdict_t *verdict, bool egress, const mcsec_str_t *reply_scope)
{
    const mcsec_gmk_kms_t *theirs = &keys->partners[index];
    const mcsec_gmk_kms_t *ours = &keys->own;
    if (!theirs->usable || !ours->usable) {
        return gmk_reject(verdict, MCSEC_REASON_POLICY_UNAVAILABLE,
                          "no usable KMS public file for the GMK check (see the log)");
    }
    mcsec_replay_cache_t *replay = mcsec_gmk_replay_cache();
    if (replay == NULL) {
        return gmk_reject(verdict, MCSEC_REASON_EAR_REPLAY_CACHE_FULL,
                          "GMK replay cache unavailable: refused");
    }
    /* Replies: a retransmission of the reply that brought a payload is not
     * a replay of it (mcsec_replay_scoped_t, scope = the transaction). */
    mcsec_replay_scoped_t scoped;
    if (reply_scope != NULL) {
        if (mcsec_replay_scoped_init(&scoped, replay, reply_scope->ptr, reply_scope->len) !=
            MCSEC_OK) {
            return gmk_reject(verdict, MCSEC_REASON_EAR_REPLAY_CACHE_FULL,
                              "GMK replay scope unavailable: refused");
        }
        replay = &scoped.base;
    }
    const mcsec_gmk_kms_t *signer = egress ? ours : theirs;
    const mcsec_gmk_kms_t *receiver = egress ? theirs : ours;
    mcsec_gmk_policy_t gmk_policy = {
        .signer_kms = &signer->kms,
        .signer_kpak = signer->kpak,
        .receiver_kms = &receiver->kms,
        .initiator = egress ? policy->system.gmk.gms : partner->gmk.gms,
        .responder = egress ? partner->gmk.gms : policy->system.gmk.gms,
        .push = true,
        .now = (int64_t)time(NULL),
        .max_age = partner->gmk.max_age,
        .replay = replay,
    };
    size_t checked = 0;
    mcsec_reason_t reason =
        mcsec_gmk_check_body(body->content_type, body->data, body->len, &gmk_policy, &checked,
                             verdict->detail, sizeof(verdict->detail));
    for (size_t i = 0; i < checked; i++) {
        mcsec_counters_gktp((int)index, true);
    }
    if (reason != MCSEC_REASON_NONE) {
        mcsec_counters_gktp((int)index, false);
        verdict->reason = reason;
        return -1;
    }
    if (checked > 0) {
        mcsec_logf(MCSEC_LOG_DEBUG, "gmk", "gmk: %zu GKTP payload%s passed (%s, partner %s)",
                   checked, checked == 1 ? "" : "s", egress ? "out" : "in", partner->name);
    }
    return 0;
}

/* The check of one body (request or reply) for verdict's partner. */
static int gmk_body(struct sip_msg *msg, const mcsec_policy_t *policy, mcsec_verdict_t *verdict,
                    bool egress, const mcsec_str_t *reply_scope)
{
    const mcsec_partner_t *partner = verdict->partner;
    if (policy == NULL || partner == NULL || verdict->partner_index < 0 ||
        partner->gmk.transfer == MCSEC_GMK_TRANSFER_OFF) {
        return 0;
    }
    mcsec_spk_sip_body_t body;
    /* Requests and replies alike: the SPK stage ran on both (docs/replies.md). */
    int has_body = mcsec_spk_clear_body_get(msg, &body);
    if (has_body == 0) {
        return 0;
    }
    if (has_body < 0) {
        return gmk_reject(verdict, MCSEC_REASON_GMK_MALFORMED,
                          "body or Content-Type cannot be read");
    }
    if (partner->gmk.transfer == MCSEC_GMK_TRANSFER_DENY) {
        return gmk_deny(&body, verdict);
    }
    const mcsec_gmk_keys_t *keys = mcsec_gmk_keys_get(policy);
    if (keys == NULL || (size_t)verdict->partner_index >= keys->partner_count) {
        return gmk_reject(verdict, MCSEC_REASON_POLICY_UNAVAILABLE, "GMK keys not loaded");
    }
    return gmk_check(policy, partner, keys, (size_t)verdict->partner_index, &body, verdict, egress,
                     reply_scope);
}

/* The stage; see mcsec_stages.h and the top of this file. */
int mcsec_gmk_stage(struct sip_msg *msg, const mcsec_policy_t *policy, const mcsec_sipview_t *view,
                    mcsec_verdict_t *verdict, bool egress)
{
    (void)view;
    return gmk_body(msg, policy, verdict, egress, NULL);
}

/* See mcsec_stages.h. */
int mcsec_gmk_reply(struct sip_msg *msg, const mcsec_policy_t *policy, mcsec_verdict_t *verdict,
                    bool egress, mcsec_str_t scope)
{
    return gmk_body(msg, policy, verdict, egress, &scope);
}
