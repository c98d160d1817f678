/* EAR verification against one partner's policy (order and reasons in
 * mcsec/ear/ear.h), and the header-to-verdict shortcut the adapters call. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mcsec/ear/ear.h"
#include "mcsec/ibc/uid.h"

typedef struct {
    mcsec_str_t scheme;
    mcsec_str_t user; /* empty when the URI has no userinfo */
    mcsec_str_t host; /* for URIs without '@' after the scheme: the rest */
} uri_parts_t;

/* End of the host starting at host (before stop): past the ']' of an IPv6
 * literal, else at the first octet of delims; NULL for a '[' never closed. */
static const char *host_end_of(const char *host, const char *stop, const char *delims)
{
    if (host < stop && *host == '[') {
        const char *close = memchr(host, ']', (size_t)(stop - host));
        return close != NULL ? close + 1 : NULL;
    }
    while (host < stop && memchr(delims, *host, strlen(delims)) == NULL) {
        host++;
    }
    return host;
}

/* host without the brackets of an IPv6 literal. */
static mcsec_str_t unbracketed(mcsec_str_t host)
{
    if (host.len >= 2 && host.ptr[0] == '[') {
        host.ptr++;
        host.len -= 2;
    }
    return host;
}

/* Splits scheme ":" [user "@"] host [":" port] [";" params] ["?" headers].
 * Returns false when there is no scheme or no host. */
static bool uri_split(mcsec_str_t uri, uri_parts_t *parts)
{
    const char *colon = uri.ptr != NULL ? memchr(uri.ptr, ':', uri.len) : NULL;
    if (colon == NULL || colon == uri.ptr) {
        return false;
    }
    parts->scheme = (mcsec_str_t){uri.ptr, (size_t)(colon - uri.ptr)};
    const char *rest = colon + 1;
    const char *end = uri.ptr + uri.len;
    /* The userinfo ends at the first '@' before any parameter or header. */
    const char *stop = rest;
    while (stop < end && *stop != ';' && *stop != '?') {
        stop++;
    }
    const char *at = memchr(rest, '@', (size_t)(stop - rest));
    parts->user = (mcsec_str_t){rest, at != NULL ? (size_t)(at - rest) : 0};
    const char *host = at != NULL ? at + 1 : rest;
    const char *host_end = host_end_of(host, stop, ":");
    if (host_end == NULL) {
        return false;
    }
    parts->host = (mcsec_str_t){host, (size_t)(host_end - host)};
    return parts->host.len > 0;
}

static bool str_eq(mcsec_str_t a, mcsec_str_t b)
{
    return a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0;
}

static bool str_eq_ci(mcsec_str_t a, mcsec_str_t b)
{
    return a.len == b.len && strncasecmp(a.ptr, b.ptr, a.len) == 0;
}

bool mcsec_ear_uri_equal(mcsec_str_t a, mcsec_str_t b)
{
    uri_parts_t pa;
    uri_parts_t pb;
    if (!uri_split(a, &pa) || !uri_split(b, &pb)) {
        return false;
    }
    return str_eq_ci(pa.scheme, pb.scheme) && str_eq(pa.user, pb.user) &&
           str_eq_ci(pa.host, pb.host);
}

/* Host of a sip/sips URI (brackets of an IPv6 literal removed). */
static bool sip_host(mcsec_str_t uri, mcsec_str_t *host)
{
    uri_parts_t parts;
    if (!uri_split(uri, &parts) || (!str_eq_ci(parts.scheme, (mcsec_str_t){"sip", 3}) &&
                                    !str_eq_ci(parts.scheme, (mcsec_str_t){"sips", 4}))) {
        return false;
    }
    *host = unbracketed(parts.host);
    return host->len > 0;
}

static mcsec_reason_t reject(mcsec_reason_t reason, char *detail, size_t detail_size,
                             const char *text)
{
    if (detail != NULL && detail_size > 0) {
        snprintf(detail, detail_size, "%s", text);
    }
    return reason;
}

/* Host of an HTTP origin "https://HOST[:port][/]" (RFC 9110 4.2.2 without
 * userinfo, path or query): false for anything else. */
static bool https_origin_host(mcsec_str_t uri, mcsec_str_t *host)
{
    if (uri.ptr == NULL || uri.len < 9 || strncasecmp(uri.ptr, "https://", 8) != 0) {
        return false;
    }
    const char *p = uri.ptr + 8;
    const char *end = uri.ptr + uri.len;
    if (end[-1] == '/') {
        end--;
    }
    const char *host_end = host_end_of(p, end, ":/@?#");
    if (host_end == NULL || host_end == p) {
        return false;
    }
    if (host_end < end) {
        if (*host_end != ':' || host_end + 1 == end) {
            return false;
        }
        for (const char *d = host_end + 1; d < end; d++) {
            if (*d < '0' || *d > '9') {
                return false;
            }
        }
    }
    *host = unbracketed((mcsec_str_t){p, (size_t)(host_end - p)});
    return host->len > 0;
}

/* The SIP-3 target rule: a sip/sips URI that is our identity or in our
 * domains, and the request-URI (an https origin never is). */
static mcsec_reason_t check_sip_target(const mcsec_ear_t *ear, const mcsec_ear_policy_t *policy,
                                       char *detail, size_t detail_size)
{
    mcsec_str_t target_host;
    bool ours = policy->our_identity != NULL &&
                mcsec_ear_uri_equal(ear->target_id, (mcsec_str_t){policy->our_identity,
                                                                  strlen(policy->our_identity)});
    if (!ours && policy->our_domains != NULL && sip_host(ear->target_id, &target_host)) {
        ours = mcsec_domain_list_match(policy->our_domains, target_host);
    }
    if (!ours) {
        return reject(MCSEC_REASON_EAR_WRONG_TARGET, detail, detail_size,
                      "target ID is neither our border nor in our domains");
    }
    if (!mcsec_ear_uri_equal(ear->target_id, policy->request_uri)) {
        return reject(MCSEC_REASON_EAR_WRONG_TARGET, detail, detail_size,
                      "target ID is not the request-URI");
    }
    return MCSEC_REASON_NONE;
}

/* The HTTP-3 target rule (mcsec_ear_policy_t.http). */
static mcsec_reason_t check_http_target(const mcsec_ear_t *ear, const mcsec_ear_policy_t *policy,
                                        char *detail, size_t detail_size)
{
    mcsec_str_t target_host;
    mcsec_str_t request_host;
    if (!https_origin_host(ear->target_id, &target_host)) {
        return reject(MCSEC_REASON_EAR_WRONG_TARGET, detail, detail_size,
                      "target ID is not an https origin (HTTP-3 profile)");
    }
    bool ours =
        policy->our_domains != NULL && mcsec_domain_list_match(policy->our_domains, target_host);
    if (!ours && policy->our_http_host != NULL) {
        mcsec_str_t name = {policy->our_http_host, strlen(policy->our_http_host)};
        const char *colon = memchr(name.ptr, ':', name.len);
        if (colon != NULL && name.ptr[0] != '[') {
            name.len = (size_t)(colon - name.ptr);
        }
        ours = str_eq_ci(name, target_host);
    }
    if (!ours) {
        return reject(MCSEC_REASON_EAR_WRONG_TARGET, detail, detail_size,
                      "target ID is neither our border's HTTP name nor in our domains");
    }
    if (!https_origin_host(policy->request_uri, &request_host) ||
        !str_eq_ci(target_host, request_host)) {
        return reject(MCSEC_REASON_EAR_WRONG_TARGET, detail, detail_size,
                      "target ID is not the request's host");
    }
    return MCSEC_REASON_NONE;
}

static bool byte_in(uint8_t value, const uint8_t *list, size_t count)
{
    for (size_t i = 0; list != NULL && i < count; i++) {
        if (list[i] == value) {
            return true;
        }
    }
    return false;
}

/* The signature under UID(source ID, KMS, key period of the EAR's date)
 * and that KMS's KPAK: MCSEC_OK, MCSEC_ERR_INVALID (the date outside the
 * KMS certificate's validity or in no key period, or no valid signature)
 * or another error. */
static mcsec_err_t verify_under(const mcsec_ear_t *ear, const mcsec_kms_pub_t *kms,
                                const mcsec_eccsi_pub_t *kpak)
{
    uint8_t uid[MCSEC_UID_LEN];
    /* A KMS with a certificate (kms import) signs only inside its
     * validity (TS 33.180 Annex D: ValidFrom, ValidTo). */
    if (kms != NULL && kms->has_validity &&
        ((int64_t)ear->date < kms->valid_from || (int64_t)ear->date >= kms->valid_to)) {
        return MCSEC_ERR_INVALID;
    }
    if (kms == NULL || kpak == NULL ||
        mcsec_uid_at(ear->source_id.ptr, ear->source_id.len, kms->kms_uri, strlen(kms->kms_uri),
                     kms->key_period, kms->key_offset, (int64_t)ear->date, uid) != MCSEC_OK) {
        return MCSEC_ERR_INVALID;
    }
    return mcsec_eccsi_verify(kpak, uid, sizeof(uid), ear->signed_part, ear->signed_len,
                              ear->signature, MCSEC_ECCSI_SIG_LEN);
}

/* The signature under the partner's KMS, or under one of its other KMSs
 * (mcsec_ear_policy_t.more_kms), tried in turn. */
static mcsec_reason_t check_signature(const mcsec_ear_t *ear, const mcsec_ear_policy_t *policy,
                                      char *detail, size_t detail_size)
{
    mcsec_err_t err = verify_under(ear, policy->kms, policy->kpak);
    size_t more = policy->more_kms != NULL ? policy->more_kms_count : 0;
    if (more > MCSEC_EAR_KMS_MORE_MAX) {
        more = MCSEC_EAR_KMS_MORE_MAX;
    }
    for (size_t i = 0; err == MCSEC_ERR_INVALID && i < more; i++) {
        err = verify_under(ear, policy->more_kms[i].kms, policy->more_kms[i].kpak);
    }
    if (err == MCSEC_ERR_INVALID) {
        return reject(MCSEC_REASON_EAR_BAD_SIGNATURE, detail, detail_size,
                      "ECCSI signature does not verify for the source ID");
    }
    if (err != MCSEC_OK) {
        /* Out of memory is not the sender's fault, but still no pass. */
        return reject(MCSEC_REASON_POLICY_UNAVAILABLE, detail, detail_size,
                      "signature check could not run");
    }
    return MCSEC_REASON_NONE;
}

mcsec_reason_t mcsec_ear_verify(const mcsec_ear_t *ear, const mcsec_ear_policy_t *policy,
                                char *detail, size_t detail_size)
{
    char text[160];
    if (detail != NULL && detail_size > 0) {
        detail[0] = '\0';
    }
    if (policy == NULL || policy->kms == NULL || policy->kpak == NULL || policy->replay == NULL ||
        policy->replay->seen_or_insert == NULL) {
        return reject(MCSEC_REASON_POLICY_UNAVAILABLE, detail, detail_size,
                      "no KMS parameters or replay cache for this partner");
    }
    if (ear == NULL || ear->signed_part == NULL || ear->signature == NULL ||
        ear->source_id.ptr == NULL || ear->target_id.ptr == NULL) {
        return reject(MCSEC_REASON_EAR_MALFORMED, detail, detail_size, "EAR not decoded");
    }
    /* An MC client's EAR never crosses a border (TS 33.180 11.1.1): a
     * property of the EAR alone, so it is judged before anything else. */
    if (ear->source_role == MCSEC_EAR_ROLE_MC_CLIENT) {
        return reject(MCSEC_REASON_EAR_CLIENT_ROLE, detail, detail_size,
                      "source role MC client: refused at the border");
    }
    int64_t skew = policy->skew != 0 ? policy->skew : MCSEC_EAR_DEFAULT_SKEW;
    int64_t date = (int64_t)ear->date; /* < 2^40: no overflow */
    if (date > policy->now + skew || date < policy->now - skew) {
        snprintf(text, sizeof(text),
                 "EAR date %" PRId64 " is %" PRId64 " s from now (skew %" PRId64 ")", date,
                 date - policy->now, skew);
        return reject(MCSEC_REASON_EAR_STALE, detail, detail_size, text);
    }
    mcsec_str_t source_host;
    if (!sip_host(ear->source_id, &source_host) || policy->partner_domains == NULL ||
        !mcsec_domain_list_match(policy->partner_domains, source_host)) {
        return reject(MCSEC_REASON_EAR_UNKNOWN_SIGNER, detail, detail_size,
                      "source ID is not in the partner's domains");
    }
    if (!byte_in(ear->source_role, policy->source_roles, policy->source_role_count)) {
        snprintf(text, sizeof(text), "source role %u not allowed for this partner",
                 ear->source_role);
        return reject(MCSEC_REASON_EAR_UNKNOWN_SIGNER, detail, detail_size, text);
    }
    if (!policy->offline) {
        mcsec_reason_t source = mcsec_ear_check_source(ear, policy->sender, detail, detail_size);
        if (source != MCSEC_REASON_NONE) {
            return source;
        }
    }
    mcsec_reason_t reason = policy->http ? check_http_target(ear, policy, detail, detail_size)
                                         : check_sip_target(ear, policy, detail, detail_size);
    if (reason != MCSEC_REASON_NONE) {
        return reason;
    }
    reason = check_signature(ear, policy, detail, detail_size);
    if (reason != MCSEC_REASON_NONE) {
        return reason;
    }
    if (ear->has_request) {
        if ((int64_t)ear->request_expiry < policy->now) {
            snprintf(text, sizeof(text), "request expired %" PRId64 " s ago",
                     policy->now - (int64_t)ear->request_expiry);
            return reject(MCSEC_REASON_EAR_EXPIRED, detail, detail_size, text);
        }
        if (!byte_in(ear->request_type, policy->request_types, policy->request_type_count)) {
            snprintf(text, sizeof(text), "request type %u not allowed for this partner",
                     ear->request_type);
            return reject(MCSEC_REASON_EAR_TYPE_DENIED, detail, detail_size, text);
        }
    }
    /* Last: only EARs that passed everything else take a cache entry. An ID
     * must be remembered while its date can still pass the skew check, at
     * most 2 x skew from now. */
    switch (policy->replay->seen_or_insert(policy->replay, ear->ear_id, policy->now + 2 * skew,
                                           policy->now)) {
    case MCSEC_REPLAY_NEW:
        return MCSEC_REASON_NONE;
    case MCSEC_REPLAY_REPLAY:
        return reject(MCSEC_REASON_EAR_REPLAY, detail, detail_size, "EAR ID already seen");
    case MCSEC_REPLAY_UNAVAILABLE:
        return reject(MCSEC_REASON_REPLAY_STORE_UNAVAILABLE, detail, detail_size,
                      "replay store unavailable: refused");
    default:
        return reject(MCSEC_REASON_EAR_REPLAY_CACHE_FULL, detail, detail_size,
                      "replay cache full or partner quota reached: refused");
    }
}

mcsec_reason_t mcsec_ear_check_header(const char *value, size_t len,
                                      const mcsec_ear_policy_t *policy, uint8_t *buf,
                                      size_t buf_size, mcsec_ear_t *ear, char *detail,
                                      size_t detail_size)
{
    mcsec_ear_t local = {0};
    mcsec_ear_t *decoded = ear != NULL ? ear : &local;
    size_t n = 0;
    memset(decoded, 0, sizeof(*decoded));
    if (detail != NULL && detail_size > 0) {
        detail[0] = '\0';
    }
    size_t start = 0;
    while (value != NULL && start < len && (value[start] == ' ' || value[start] == '\t')) {
        start++;
    }
    if (value == NULL || start == len) {
        return reject(MCSEC_REASON_EAR_MISSING, detail, detail_size, "no EAR header");
    }
    if (buf == NULL || buf_size < MCSEC_EAR_MAX_LEN) {
        return reject(MCSEC_REASON_POLICY_UNAVAILABLE, detail, detail_size,
                      "no buffer for the EAR");
    }
    if (mcsec_ear_from_header(value, len, buf, buf_size, &n) != MCSEC_OK) {
        return reject(MCSEC_REASON_EAR_MALFORMED, detail, detail_size,
                      "EAR header is not base64url");
    }
    if (mcsec_ear_decode(buf, n, decoded) != MCSEC_OK) {
        return reject(MCSEC_REASON_EAR_MALFORMED, detail, detail_size,
                      "EAR breaks the layout or its bounds");
    }
    return mcsec_ear_verify(decoded, policy, detail, detail_size);
}
