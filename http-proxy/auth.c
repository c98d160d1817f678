/* The EAR and GMK stages of mcsec-httpd (docs/http-proxy.md, docs/ear.md,
 * docs/gmk.md): the same libmcsec checks mcsec.so runs on SIP-3, adapted
 * to HTTP-3.
 *
 * EAR target. mcsec_ear_verify accepts a target ID that is our border
 * identity or a sip/sips URI in our domains, and then requires it to equal
 * the request's target (scheme, user, host). An HTTP request has no SIP
 * request-URI, and its effective URI (https://<public_host>/...) could
 * never pass the first rule. The border identity therefore stands for the
 * request target: inbound the EAR's target ID must be our border identity
 * (system.identity), outbound the partner's (partners[].identity), exactly
 * what the SIP side accepts for a request addressed to a border.
 *
 * Which requests: every HTTP request to and from an explicit partner (there
 * are no dialogs, ACKs or retransmissions at this layer: a client that
 * retries sends a new request with a new EAR). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "httpd.h"
#include "mcsec/ear.h"
#include "mcsec/gmk_check.h"

#define EAR_DEFAULT_HEADER "MCX-EAR"

/* Source roles our own entities may sign as (outbound): not 4, the
 * border's own. */
static const uint8_t egress_source_roles[] = {MCSEC_EAR_ROLE_MC_CLIENT, MCSEC_EAR_ROLE_MC_SERVER,
                                              MCSEC_EAR_ROLE_GMS};

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

mcsec_reason_t httpd_ear_check(httpd_t *httpd, const httpd_gen_t *gen, int partner_index,
                               bool outbound, const char *value, size_t len, size_t count,
                               bool *sign, char *detail, size_t detail_size)
{
    const mcsec_policy_t *policy = gen->policy;
    const mcsec_partner_t *partner = &policy->partners[partner_index];
    *sign = false;
    detail[0] = '\0';
    if (partner->auth != MCSEC_AUTH_EXPLICIT)
        return MCSEC_REASON_NONE;
    if (count > 1)
        return fail(MCSEC_REASON_EAR_MALFORMED, detail, detail_size, "more than one EAR header");
    uint8_t all_types[256];
    mcsec_replay_cache_t unrecorded = {not_recorded, NULL};
    mcsec_ear_policy_t ear = {.now = (int64_t)time(NULL), .skew = partner->ear.skew};
    if (!outbound) {
        const httpd_kms_t *kms = &gen->partner_kms[partner_index];
        if (!kms->usable)
            return fail(MCSEC_REASON_POLICY_UNAVAILABLE, detail, detail_size,
                        "no usable KMS public file (keys.kms) for this partner");
        ear.kms = &kms->kms;
        ear.kpak = kms->kpak;
        ear.partner_domains = &partner->domains;
        ear.source_roles = partner->ear.source_roles;
        ear.source_role_count = partner->ear.source_role_count;
        ear.our_identity = policy->system.identity;
        ear.our_domains = &policy->system.domains;
        ear.request_uri = (mcsec_str_t){policy->system.identity, strlen(policy->system.identity)};
        ear.request_types = partner->ear.request_types;
        ear.request_type_count = partner->ear.request_type_count;
        ear.replay = httpd_replay_cache(httpd->ear_replay);
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
        ear.our_identity = partner->identity; /* the target is the partner */
        ear.our_domains = &partner->domains;
        ear.request_uri = (mcsec_str_t){partner->identity, strlen(partner->identity)};
        ear.request_types = all_types;
        ear.request_type_count = sizeof(all_types);
        ear.replay = &unrecorded;
    }
    uint8_t buf[MCSEC_EAR_MAX_LEN];
    return mcsec_ear_check_header(value, value ? len : 0, &ear, buf, sizeof(buf), NULL, detail,
                                  detail_size);
}

mcsec_reason_t httpd_ear_sign(const httpd_gen_t *gen, int partner_index, char *out, size_t out_size,
                              char *detail, size_t detail_size)
{
    const mcsec_partner_t *partner = &gen->policy->partners[partner_index];
    const mcsec_ear_border_keys_t keys = {.signer = gen->signer,
                                          .identity = gen->sign_identity,
                                          .kms = &gen->own_ear_kms.kms,
                                          .period = gen->signer_period};
    /* The target is the partner's border (see the top). */
    return mcsec_ear_sign_as_border(
        &keys, (mcsec_str_t){partner->identity, strlen(partner->identity)},
        MCSEC_EAR_ROLE_BORDER_PROXY, (int64_t)time(NULL), out, out_size, detail, detail_size);
}

mcsec_reason_t httpd_gmk_check(httpd_t *httpd, const httpd_gen_t *gen, int partner_index,
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
        .replay = httpd_replay_cache(httpd->gmk_replay),
    };
    return mcsec_gmk_check_body(content_type, (const uint8_t *)body, len, &gmk, &count, detail,
                                detail_size);
}
