/* The EAR and GMK stages of mcsec-httpd (docs/http-proxy.md, docs/ear.md,
 * docs/gmk.md): the same libmcsec checks mcsec.so runs on SIP-3, adapted
 * to HTTP-3.
 *
 * EAR target (docs/ear.md, "one EAR, one protocol"). On HTTP-3 the target
 * ID is an https origin, never a SIP URI: inbound "https://<Host>" with the
 * host ours (system.domains or system.http.public_host), outbound
 * "https://<partner http.peer_name>". The SIP side accepts only sip/sips
 * targets, so no EAR passes on both protocols and the two replay caches
 * (kamailio's shared memory, this process) need not be one.
 *
 * Which requests: every HTTP request to and from an explicit partner (there
 * are no dialogs, ACKs or retransmissions at this layer: a client that
 * retries sends a new request with a new EAR).
 *
 * Body identities (httpd_bodyid_check): the MC service IDs of a request
 * body, the rule and reasons of mcsec.so's body identity stage. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth.h"

#include "httpd.h"
#include "mcsec/ear/ear.h"
#include "mcsec/gmk/gmk_check.h"

#define EAR_DEFAULT_HEADER "MCX-EAR"

/* Source roles our own entities may sign as (outbound): not 4, the
 * border's own, nor 1 (an MC client's EAR is ear.client_role in libmcsec). */
static const uint8_t egress_source_roles[] = {MCSEC_EAR_ROLE_MC_SERVER, MCSEC_EAR_ROLE_GMS};

static mcsec_reason_t fail(mcsec_reason_t reason, char *detail, size_t detail_size,
                           const char *text)
{
    snprintf(detail, detail_size, "%s", text);
    return reason;
}

const char *httpd_ear_header_name(const mcsec_partner_t *partner)
{
    return partner->ear.header && partner->ear.header[0] ? partner->ear.header : EAR_DEFAULT_HEADER;
}

/* Outbound EARs of our servers are not recorded (the partner's border
 * enforces replay; our own traffic must not fill the cache that guards
 * inbound). */
static mcsec_replay_result_t not_recorded(mcsec_replay_cache_t *cache,
                                          const uint8_t id[MCSEC_REPLAY_ID_LEN], int64_t expiry,
                                          int64_t now)
{
    (void)cache;
    (void)id;
    (void)expiry;
    (void)now;
    return MCSEC_REPLAY_NEW;
}

/* "https://" + host into buf (the request target of the HTTP-3 profile). */
static mcsec_str_t origin(char *buf, size_t size, const char *host, size_t len)
{
    int n = snprintf(buf, size, "https://%.*s", (int)len, host ? host : "");
    return (mcsec_str_t){buf, n > 0 && (size_t)n < size ? (size_t)n : 0};
}

/* The offset of a decoded EAR's date from our clock (accepted or not):
 * the histogram, and past half the allowed skew the counter and the
 * ear.clock_skew alarm (at most once a minute per partner). */
static void clock_offset(httpd_ctx_t *ctx, const mcsec_partner_t *partner, double offset,
                         int64_t now)
{
    double allowed = partner->ear.skew ? partner->ear.skew : MCSEC_EAR_DEFAULT_SKEW;
    bool exceeded = offset > allowed / 2 || -offset > allowed / 2;
    if (!httpd_stats_ear_offset(&ctx->stats, partner->name, offset, exceeded, now))
        return;
    mcsec_logline_t line;
    httpd_alarm_start(ctx, &line, MCSEC_ALARM_EAR_CLOCK_SKEW);
    mcsec_logline_str(&line, "partner", partner->name);
    mcsec_logline_int(&line, "offset_seconds", (long long)offset);
    mcsec_logline_int(&line, "allowed_skew_seconds", (long long)allowed);
    mcsec_logline_str(&line, "msg",
                      "an EAR date is off our clock by more than half the allowed skew");
    httpd_alarm_emit(ctx, MCSEC_ALARM_EAR_CLOCK_SKEW, &line);
}

mcsec_reason_t httpd_ear_check(httpd_ctx_t *ctx, const httpd_gen_t *gen, int partner_index,
                               bool outbound, mcsec_str_t host, const mcsec_str_t *asserted_ids,
                               size_t asserted_id_count, const char *value, size_t len,
                               size_t count, bool *sign, mcsec_bodyid_ear_t *seen, char *detail,
                               size_t detail_size)
{
    char target[300];
    const mcsec_policy_t *policy = gen->policy;
    const mcsec_partner_t *partner = &policy->partners[partner_index];
    *sign = false;
    detail[0] = '\0';
    if (partner->auth != MCSEC_AUTH_EXPLICIT)
        return MCSEC_REASON_NONE;
    if (count > 1)
        return fail(MCSEC_REASON_EAR_MALFORMED, detail, detail_size, "more than one EAR header");
    uint8_t all_types[256];
    mcsec_ear_kms_ref_t more[MCSEC_PARTNER_KMS_MAX - 1];
    mcsec_replay_cache_t unrecorded = {not_recorded, NULL};
    /* The source is the X-3GPP-Asserted-Identity, or the sending border
     * (the partner's identity inbound, our signing identity outbound). */
    mcsec_ear_sender_t sender = {.asserted_ids = asserted_ids,
                                 .asserted_id_count = asserted_id_count,
                                 .quoted = true,
                                 .border_identity =
                                     outbound ? gen->sign_identity : partner->identity};
    mcsec_ear_policy_t ear = {
        .now = (int64_t)time(NULL), .skew = partner->ear.skew, .http = true, .sender = &sender};
    if (!outbound) {
        const httpd_kms_t *kms = &gen->partner_kms[partner_index];
        if (!kms->usable)
            return fail(MCSEC_REASON_POLICY_UNAVAILABLE, detail, detail_size,
                        "no usable KMS public file (keys.kms) for this partner");
        ear.kms = &kms->kms;
        ear.kpak = kms->kpak;
        for (size_t i = 0; i < partner->keys.kms_more_count; i++)
            more[i] = (mcsec_ear_kms_ref_t){&gen->partner_kms_more[partner_index][i].kms,
                                            gen->partner_kms_more[partner_index][i].kpak};
        ear.more_kms = more;
        ear.more_kms_count = partner->keys.kms_more_count;
        ear.partner_domains = &partner->domains;
        ear.source_roles = partner->ear.source_roles;
        ear.source_role_count = partner->ear.source_role_count;
        ear.our_domains = &policy->system.domains;
        ear.our_http_host = policy->system.http.public_host;
        ear.request_uri = origin(target, sizeof(target), host.ptr, host.len);
        ear.request_types = partner->ear.request_types;
        ear.request_type_count = partner->ear.request_type_count;
        ear.replay = httpd_replay_cache(ctx->ear_replay);
    } else {
        if (count == 0 && partner->ear.sign_on_behalf) {
            *sign = true;
            return MCSEC_REASON_NONE;
        }
        if (count == 0)
            return fail(MCSEC_REASON_EAR_MISSING, detail, detail_size,
                        "no EAR from our server and sign_on_behalf is off");
        if (!gen->own_ear_kms.usable)
            return fail(MCSEC_REASON_POLICY_UNAVAILABLE, detail, detail_size,
                        "no usable KMS of ours (system.keys.signing/kms.pub) to check the EAR");
        for (size_t t = 0; t < sizeof(all_types); t++)
            all_types[t] = (uint8_t)t; /* the partner's border judges request types */
        ear.kms = &gen->own_ear_kms.kms;
        ear.kpak = gen->own_ear_kms.kpak;
        ear.partner_domains = &policy->system.domains; /* the signer is one of ours */
        ear.source_roles = egress_source_roles;
        ear.source_role_count = sizeof(egress_source_roles);
        ear.our_domains = &partner->domains; /* the target is the partner */
        ear.our_http_host = partner->http.peer_name;
        ear.request_uri = origin(target, sizeof(target), partner->http.peer_name,
                                 partner->http.peer_name ? strlen(partner->http.peer_name) : 0);
        ear.request_types = all_types;
        ear.request_type_count = sizeof(all_types);
        ear.replay = &unrecorded;
    }
    uint8_t buf[MCSEC_EAR_MAX_LEN];
    mcsec_ear_t checked;
    mcsec_reason_t reason = mcsec_ear_check_header(value, value ? len : 0, &ear, buf, sizeof(buf),
                                                   &checked, detail, detail_size);
    if (reason == MCSEC_REASON_NONE)
        *seen = (mcsec_bodyid_ear_t){true, checked.source_role, checked.has_request,
                                     checked.request_type};
    if (count > 0)
        httpd_stats_ear(&ctx->stats, partner->name, false, reason == MCSEC_REASON_NONE);
    if (checked.date != 0 && reason != MCSEC_REASON_EAR_MALFORMED)
        clock_offset(ctx, partner, (double)((int64_t)checked.date - ear.now), ear.now);
    return reason;
}

mcsec_reason_t httpd_ear_sign(const httpd_gen_t *gen, int partner_index, char *out, size_t out_size,
                              char *detail, size_t detail_size)
{
    const mcsec_partner_t *partner = &gen->policy->partners[partner_index];
    const mcsec_ear_border_keys_t keys = {.keys = &gen->signing, .identity = gen->sign_identity};
    /* The target is the partner's HTTP-3 border (see the top). */
    char target[300];
    return mcsec_ear_sign_as_border(
        &keys,
        origin(target, sizeof(target), partner->http.peer_name,
               partner->http.peer_name ? strlen(partner->http.peer_name) : 0),
        MCSEC_EAR_ROLE_BORDER_PROXY, (int64_t)time(NULL), out, out_size, detail, detail_size);
}

mcsec_reason_t httpd_gmk_check(httpd_ctx_t *ctx, const httpd_gen_t *gen, int partner_index,
                               bool from_partner, bool push, const char *content_type,
                               const char *body, size_t len, char *detail, size_t detail_size)
{
    const mcsec_policy_t *policy = gen->policy;
    const mcsec_partner_t *partner = &policy->partners[partner_index];
    detail[0] = '\0';
    if (partner->gmk.transfer == MCSEC_GMK_TRANSFER_OFF || len == 0)
        return MCSEC_REASON_NONE;
    size_t count = 0;
    if (partner->gmk.transfer == MCSEC_GMK_TRANSFER_DENY) {
        mcsec_reason_t reason = mcsec_gmk_count_body(content_type, (const uint8_t *)body, len,
                                                     &count, detail, detail_size);
        if (reason != MCSEC_REASON_NONE || count == 0)
            return reason;
        httpd_stats_gktp(&ctx->stats, partner->name, false);
        snprintf(detail, detail_size, "%zu GKTP payload(s): gmk transfer is deny for %s", count,
                 partner->name);
        return MCSEC_REASON_GMK_WRONG_SENDER;
    }
    const httpd_kms_t *theirs = &gen->partner_kms[partner_index];
    const httpd_kms_t *ours = &gen->own_gmk_kms;
    if (!theirs->usable || !ours->usable)
        return fail(MCSEC_REASON_POLICY_UNAVAILABLE, detail, detail_size,
                    "no usable KMS public files for the GMK check");
    mcsec_gmk_policy_t gmk = {
        .signer_kms = from_partner ? &theirs->kms : &ours->kms,
        .signer_kpak = from_partner ? theirs->kpak : ours->kpak,
        .receiver_kms = from_partner ? &ours->kms : &theirs->kms,
        .initiator = from_partner ? partner->gmk.gms : policy->system.gmk.gms,
        .responder = from_partner ? policy->system.gmk.gms : partner->gmk.gms,
        .push = push,
        .now = (int64_t)time(NULL),
        .max_age = partner->gmk.max_age,
        .replay = httpd_replay_cache(ctx->gmk_replay),
    };
    mcsec_reason_t reason = mcsec_gmk_check_body(content_type, (const uint8_t *)body, len, &gmk,
                                                 &count, detail, detail_size);
    if (count > 0 || reason != MCSEC_REASON_NONE)
        httpd_stats_gktp(&ctx->stats, partner->name, reason == MCSEC_REASON_NONE);
    return reason;
}

mcsec_reason_t httpd_bodyid_check(const httpd_gen_t *gen, int partner_index, bool outbound,
                                  bool answer, const mcsec_bodyid_ear_t *ear,
                                  const char *content_type, const char *body, size_t len,
                                  char *detail, size_t detail_size)
{
    const mcsec_policy_t *policy = gen->policy;
    const mcsec_bodyid_ctx_t ctx = {.policy = policy,
                                    .partner = &policy->partners[partner_index],
                                    .egress = outbound,
                                    .group = {"", 0},
                                    .ear = ear,
                                    .now = (int64_t)time(NULL),
                                    .reply = answer};
    detail[0] = '\0';
    if (len == 0)
        return MCSEC_REASON_NONE;
    return mcsec_bodyid_check(&ctx, content_type ? content_type : "",
                              content_type ? strlen(content_type) : 0, (const uint8_t *)body, len,
                              detail, detail_size);
}
