/* The EAR stage (explicit authentication, TS 33.180 Annex J; our profile in
 * docs/profile.md section 3): see mcsec_stages.h for the stage contract and
 * docs/ear.md for the operator's view.
 *
 * Which requests need an EAR, when the partner's auth is explicit: every
 * request outside a dialog, which starts a transaction or a dialog
 * (INVITE, MESSAGE, SUBSCRIBE, REFER, OPTIONS, PUBLISH, ...); an in-dialog
 * request only when the partner's ear.in_dialog is on; ACK and CANCEL
 * never. "In a dialog" means proven by our own Record-Route token
 * (mcsec_dialog.h), never a To-tag alone. Retransmissions never reach the stage: the cfg runs
 * t_check_trans() first and tm absorbs them, so a retransmitted EAR is not
 * taken for a replay.
 *
 * Ingress: the EAR is verified under the partner's KMS (libmcsec,
 * mcsec_ear_check_header) against our identity and domains, target =
 * request-URI, source = the P-Asserted-Identity or the partner's border
 * (role 4, its identity), and recorded in the shared replay cache.
 * Egress: an EAR one of our servers attached is verified under our own KMS
 * (kms.pub of system.keys.signing): source in our domains with role MC
 * server or GMS and the P-Asserted-Identity (an MC client's EAR is
 * ear.client_role both ways), target the partner (its identity or domains)
 * and the request-URI, date within skew, expiry not passed; it is not
 * recorded (the partner's border enforces replay, and our own traffic must
 * not fill the cache that guards ingress). A request without one is refused
 * (ear.missing) unless the partner's ear.sign_on_behalf lets the border sign
 * it (mcsec_ear_sign.c). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/dprint.h"
#include "core/strutils.h"
#include "core/trim.h"

#include "mcsec/ear/ear.h"
#include "mcsec_log.h"
#include "mcsec_counters.h"
#include "mcsec_alarm.h"
#include "mcsec_dialog.h"
#include "mcsec_ear_keys.h"
#include "mcsec_ear_replay.h"
#include "mcsec_ear_sign.h"
#include "mcsec_stages.h"
#include "mcsec_topo.h"

#define EAR_DEFAULT_HEADER "MCX-EAR"

/* Source roles our own entities may sign as (egress): not 4, the border's,
 * nor 1 (an MC client's EAR is ear.client_role in libmcsec). */
static const uint8_t egress_source_roles[] = {MCSEC_EAR_ROLE_MC_SERVER, MCSEC_EAR_ROLE_GMS};

/* Sets up the shared replay cache (before the fork). */
int mcsec_ear_mod_init(void)
{
    return mcsec_ear_replay_init();
}

/* Frees this process's keys and the shared replay cache. */
void mcsec_ear_mod_destroy(void)
{
    mcsec_ear_keys_free();
    mcsec_ear_replay_destroy();
}

/* Sets a rejection on verdict and returns -1. */
static int ear_reject(mcsec_verdict_t *verdict, mcsec_reason_t reason, const char *detail)
{
    verdict->reason = reason;
    snprintf(verdict->detail, sizeof(verdict->detail), "%s", detail);
    return -1;
}

/* True when the partner's policy requires an EAR on msg (see the top). A
 * request is in a dialog only when our own Record-Route token proves it
 * (mcsec_dialog.h); a To-tag alone, which the sender writes, does not. */
static bool ear_required(struct sip_msg *msg, const mcsec_policy_t *policy,
                         const mcsec_partner_t *partner)
{
    int method = msg->first_line.u.request.method_value;
    if (method == METHOD_ACK || method == METHOD_CANCEL) {
        return false;
    }
    return partner->ear.in_dialog || !mcsec_dialog_proven(msg, policy, partner);
}

/* Finds the EAR header (name case-insensitive). Returns the number of such
 * headers (0, 1 or 2 meaning "more than one") and the trimmed body of the
 * first in *value. */
static int find_ear_header(struct sip_msg *msg, const char *name, str *value)
{
    int count = 0;
    size_t name_len = strlen(name);
    for (struct hdr_field *hf = msg->headers; hf != NULL && count < 2; hf = hf->next) {
        if ((size_t)hf->name.len != name_len ||
            cmp_hdrname_strzn(&hf->name, (char *)name, name_len) != 0) {
            continue;
        }
        if (count == 0) {
            *value = hf->body;
            trim(value);
        }
        count++;
    }
    return count;
}

/* The clock offset of a decoded EAR (date - now) into the histogram and,
 * beyond half the allowed skew, the partner's count and (at most once a
 * minute per partner) the ear.clock_skew alarm. */
static void ear_clock(const mcsec_verdict_t *verdict, const mcsec_ear_policy_t *ear_policy,
                      const mcsec_ear_t *ear)
{
    if (ear->date == 0) {
        return; /* not decoded */
    }
    int64_t offset = (int64_t)ear->date - ear_policy->now;
    if (mcsec_counters_ear_offset(verdict->partner_index, offset, ear_policy->skew,
                                  ear_policy->now)) {
        mcsec_logline_t line;
        mcsec_alarm_begin(&line, MCSEC_ALARM_EAR_CLOCK_SKEW);
        mcsec_logline_str(&line, "partner", verdict->partner != NULL ? verdict->partner->name : "");
        mcsec_logline_int(&line, "offset_seconds", (long long)offset);
        mcsec_logline_int(&line, "allowed_seconds", (long long)ear_policy->skew);
        mcsec_alarm_emit(MCSEC_ALARM_EAR_CLOCK_SKEW, &line);
    }
}

/* The EAR in value checked under ear_policy; verdict gets the reason, seen
 * what was verified. Counted (verify ok/failed) and its clock offset seen. */
static int ear_check_value(const mcsec_ear_policy_t *ear_policy, str value,
                           mcsec_verdict_t *verdict, mcsec_bodyid_ear_t *seen)
{
    uint8_t buf[MCSEC_EAR_MAX_LEN];
    mcsec_ear_t ear;
    memset(&ear, 0, sizeof(ear));
    mcsec_reason_t reason =
        mcsec_ear_check_header(value.s, (size_t)value.len, ear_policy, buf, sizeof(buf), &ear,
                               verdict->detail, sizeof(verdict->detail));
    mcsec_counters_ear(verdict->partner_index, false, reason == MCSEC_REASON_NONE);
    ear_clock(verdict, ear_policy, &ear);
    if (reason != MCSEC_REASON_NONE) {
        verdict->reason = reason;
        return -1;
    }
    *seen = (mcsec_bodyid_ear_t){true, ear.source_role, ear.has_request, ear.request_type};
    return 0;
}

/* Ingress: verifies the partner's EAR and records its ID. */
static int ear_ingress(const mcsec_policy_t *policy, const mcsec_partner_t *partner,
                       const mcsec_ear_kms_t *kms, mcsec_str_t ruri, const mcsec_sip_request_t *req,
                       str value, mcsec_verdict_t *verdict, mcsec_bodyid_ear_t *seen)
{
    if (!kms->usable) {
        return ear_reject(verdict, MCSEC_REASON_POLICY_UNAVAILABLE,
                          "no usable KMS public file (keys.kms) for this partner");
    }
    mcsec_replay_cache_t *replay = mcsec_ear_replay_cache();
    if (replay == NULL) {
        return ear_reject(verdict, MCSEC_REASON_EAR_REPLAY_CACHE_FULL,
                          "replay cache unavailable: refused");
    }
    /* The partner's border signs on its servers' behalf as its identity. */
    const mcsec_ear_sender_t sender = {.asserted_ids = req->asserted_ids,
                                       .asserted_id_count = req->asserted_id_count,
                                       .border_identity = partner->identity};
    mcsec_ear_policy_t ear_policy = {
        .kms = &kms->kms,
        .kpak = kms->kpak,
        .partner_domains = &partner->domains,
        .source_roles = partner->ear.source_roles,
        .source_role_count = partner->ear.source_role_count,
        .our_identity = policy->system.identity,
        .our_domains = &policy->system.domains,
        .request_uri = ruri,
        .now = (int64_t)time(NULL),
        .skew = partner->ear.skew,
        .request_types = partner->ear.request_types,
        .request_type_count = partner->ear.request_type_count,
        .replay = replay,
        .sender = &sender,
    };
    mcsec_ear_kms_ref_t more[MCSEC_PARTNER_KMS_MAX - 1];
    for (size_t i = 0; i < kms->more_count && i < MCSEC_PARTNER_KMS_MAX - 1; i++) {
        more[i] = (mcsec_ear_kms_ref_t){&kms->more_kms[i], kms->more_kpak[i]};
    }
    ear_policy.more_kms = more;
    ear_policy.more_kms_count = kms->more_count;
    return ear_check_value(&ear_policy, value, verdict, seen);
}

/* Egress: no replay record for our own servers' EARs (see the top). */
static mcsec_replay_result_t egress_not_recorded(mcsec_replay_cache_t *cache,
                                                 const uint8_t id[MCSEC_REPLAY_ID_LEN],
                                                 int64_t expiry, int64_t now)
{
    (void)cache;
    (void)id;
    (void)expiry;
    (void)now;
    return MCSEC_REPLAY_NEW;
}

/* Egress with an EAR from one of our servers: verified under our KMS. */
static int ear_egress_check(const mcsec_policy_t *policy, const mcsec_partner_t *partner,
                            const mcsec_ear_keys_t *keys, const mcsec_sip_request_t *req, str value,
                            mcsec_verdict_t *verdict, mcsec_bodyid_ear_t *seen)
{
    if (!keys->own.usable) {
        return ear_reject(verdict, MCSEC_REASON_POLICY_UNAVAILABLE,
                          "no usable KMS of ours (system.keys.signing/kms.pub) to check the EAR");
    }
    uint8_t all_types[256];
    for (size_t t = 0; t < sizeof(all_types); t++) {
        all_types[t] = (uint8_t)t; /* the partner's border judges request types */
    }
    mcsec_replay_cache_t not_recorded = {egress_not_recorded, NULL};
    /* Role 4 is not among egress_source_roles, so the border identity only
     * keeps the rule the same both ways. */
    const mcsec_ear_sender_t sender = {.asserted_ids = req->asserted_ids,
                                       .asserted_id_count = req->asserted_id_count,
                                       .border_identity = policy->system.ear_sign_identity};
    mcsec_ear_policy_t ear_policy = {
        .kms = &keys->own.kms,
        .kpak = keys->own.kpak,
        .partner_domains = &policy->system.domains, /* the signer is one of ours */
        .source_roles = egress_source_roles,
        .source_role_count = sizeof(egress_source_roles),
        .our_identity = partner->identity, /* the target is the partner */
        .our_domains = &partner->domains,
        .request_uri = req->ruri,
        .now = (int64_t)time(NULL),
        .skew = partner->ear.skew,
        .request_types = all_types,
        .request_type_count = sizeof(all_types),
        .replay = &not_recorded,
        .sender = &sender,
    };
    return ear_check_value(&ear_policy, value, verdict, seen);
}

/* Checks or adds the EAR on requests to and from explicit partners. */
int mcsec_ear_stage(struct sip_msg *msg, const mcsec_policy_t *policy, const mcsec_sipview_t *view,
                    mcsec_verdict_t *verdict, bool egress, mcsec_bodyid_ear_t *seen)
{
    const mcsec_partner_t *partner = verdict->partner;
    if (policy == NULL || partner == NULL || partner->auth != MCSEC_AUTH_EXPLICIT ||
        verdict->partner_index < 0 || !ear_required(msg, policy, partner)) {
        return 0;
    }
    const mcsec_ear_keys_t *keys = mcsec_ear_keys_get(policy);
    if (keys == NULL || (size_t)verdict->partner_index >= keys->partner_count) {
        return ear_reject(verdict, MCSEC_REASON_POLICY_UNAVAILABLE, "EAR keys not loaded");
    }
    const char *name = partner->ear.header != NULL && partner->ear.header[0] != '\0'
                           ? partner->ear.header
                           : EAR_DEFAULT_HEADER;
    str value = STR_NULL;
    int count = find_ear_header(msg, name, &value);
    if (count > 1) {
        return ear_reject(verdict, MCSEC_REASON_EAR_MALFORMED, "more than one EAR header");
    }
    if (!egress) {
        /* With topology hiding the request-URI was restored on arrival:
         * the target is checked against the token URI the partner signed. */
        mcsec_str_t ruri = view->req.ruri;
        str received = STR_NULL;
        if (mcsec_topo_received_ruri(msg, partner, &received)) {
            ruri = (mcsec_str_t){received.s, (size_t)received.len};
        }
        return ear_ingress(policy, partner, &keys->partners[verdict->partner_index], ruri,
                           &view->req, value, verdict, seen);
    }
    if (count == 1) {
        return ear_egress_check(policy, partner, keys, &view->req, value, verdict, seen);
    }
    if (!partner->ear.sign_on_behalf) {
        return ear_reject(verdict, MCSEC_REASON_EAR_MISSING,
                          "no EAR from our server and sign_on_behalf is off");
    }
    mcsec_reason_t reason =
        mcsec_ear_sign_on_behalf(msg, partner, keys, view->req.ruri, (int64_t)time(NULL),
                                 verdict->detail, sizeof(verdict->detail));
    mcsec_counters_ear(verdict->partner_index, true, reason == MCSEC_REASON_NONE);
    if (reason != MCSEC_REASON_NONE) {
        verdict->reason = reason;
        return -1;
    }
    return 0;
}
