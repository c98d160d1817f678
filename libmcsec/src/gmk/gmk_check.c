/* The GMK transfer check on one I_MESSAGE (order and reasons in
 * mcsec/gmk/gmk_check.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "gmk_check_internal.h"
#include "mcsec/ibc/uid.h"

static mcsec_reason_t reject(mcsec_reason_t reason, char *detail, size_t detail_size,
                             const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static mcsec_reason_t reject(mcsec_reason_t reason, char *detail, size_t detail_size,
                             const char *fmt, ...)
{
    if (detail != NULL && detail_size > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, detail_size, fmt, ap);
        va_end(ap);
    }
    return reason;
}

/* UID of uri at kms for the key period containing T. */
static bool uid_for(const char *uri, const mcsec_kms_pub_t *kms, int64_t t,
                    uint8_t uid[MCSEC_UID_LEN])
{
    return mcsec_uid_at(uri, strlen(uri), kms->kms_uri, strlen(kms->kms_uri), kms->key_period,
                        kms->key_offset, t, uid) == MCSEC_OK;
}

static bool idr_equals(const mcsec_mikey_idr_t *idr, const char *text)
{
    size_t len = strlen(text);
    return idr->data.len == len && memcmp(idr->data.ptr, text, len) == 0;
}

static bool idr_is_uid(const mcsec_mikey_idr_t *idr, const uint8_t uid[MCSEC_UID_LEN])
{
    return idr->data.len == MCSEC_UID_LEN && CRYPTO_memcmp(idr->data.ptr, uid, MCSEC_UID_LEN) == 0;
}

static bool policy_usable(const mcsec_gmk_policy_t *policy)
{
    return policy != NULL && policy->signer_kms != NULL && policy->signer_kpak != NULL &&
           policy->receiver_kms != NULL && policy->initiator != NULL &&
           policy->initiator[0] != '\0' && policy->responder != NULL &&
           policy->responder[0] != '\0' &&
           (!policy->push || (policy->replay != NULL && policy->replay->seen_or_insert != NULL));
}

/* The signature under the initiator's claimed UID: IDRuidi as sent, or the
 * UID of the IDRi URI at the signer's KMS in the key period of T. */
static mcsec_reason_t check_signature(const mcsec_mikey_t *msg, const mcsec_gmk_policy_t *policy,
                                      int64_t t, char *detail, size_t detail_size)
{
    const mcsec_mikey_idr_t *uidi = &msg->idr[MCSEC_MIKEY_IDR_UIDI];
    const mcsec_mikey_idr_t *idri = &msg->idr[MCSEC_MIKEY_IDR_I];
    uint8_t uid[MCSEC_UID_LEN];
    if (uidi->present) {
        memcpy(uid, uidi->data.ptr, MCSEC_UID_LEN);
    } else {
        char uri[MCSEC_MIKEY_ID_MAX + 1];
        memcpy(uri, idri->data.ptr, idri->data.len);
        uri[idri->data.len] = '\0';
        if (!uid_for(uri, policy->signer_kms, t, uid)) {
            return reject(MCSEC_REASON_GMK_BAD_SIGNATURE, detail, detail_size,
                          "no key period of the signer's KMS holds T");
        }
    }
    mcsec_err_t err =
        mcsec_eccsi_verify(policy->signer_kpak, uid, sizeof(uid), msg->signed_part.ptr,
                           msg->signed_part.len, msg->signature.ptr, msg->signature.len);
    if (err == MCSEC_ERR_INVALID) {
        return reject(MCSEC_REASON_GMK_BAD_SIGNATURE, detail, detail_size,
                      "ECCSI signature does not verify for the initiator under %s",
                      policy->signer_kms->kms_uri);
    }
    if (err != MCSEC_OK) {
        return reject(MCSEC_REASON_POLICY_UNAVAILABLE, detail, detail_size,
                      "signature check could not run");
    }
    return MCSEC_REASON_NONE;
}

/* One side's identity: the URI (IDRi/IDRr) and the UID (IDRuidi/IDRuidr)
 * each must name `expected` when present; at least one must be present
 * when required. */
static bool identity_matches(const mcsec_mikey_idr_t *uri_idr, const mcsec_mikey_idr_t *uid_idr,
                             const char *expected, const mcsec_kms_pub_t *kms, int64_t t, bool *any)
{
    *any = uri_idr->present || uid_idr->present;
    if (uri_idr->present && !idr_equals(uri_idr, expected)) {
        return false;
    }
    if (uid_idr->present) {
        uint8_t uid[MCSEC_UID_LEN];
        if (!uid_for(expected, kms, t, uid) || !idr_is_uid(uid_idr, uid)) {
            return false;
        }
    }
    return true;
}

void mcsec_gmk_replay_id(const mcsec_mikey_t *msg, uint8_t id[MCSEC_REPLAY_ID_LEN])
{
    uint8_t digest[32];
    unsigned int digest_len = 0;
    if (EVP_Digest(msg->signed_part.ptr, msg->signed_part.len, digest, &digest_len, EVP_sha256(),
                   NULL) != 1) {
        /* Cannot happen with the default provider; an all-zero ID only
         * makes later messages replays of each other (fail closed). */
        memset(digest, 0, sizeof(digest));
    }
    memcpy(id, digest, MCSEC_REPLAY_ID_LEN);
}

uint32_t mcsec_gmk_max_age(const mcsec_gmk_policy_t *policy)
{
    return policy->max_age != 0 ? policy->max_age : MCSEC_GMK_DEFAULT_MAX_AGE;
}

mcsec_reason_t mcsec_gmk_record_id(const uint8_t id[MCSEC_REPLAY_ID_LEN], int64_t t,
                                   const mcsec_gmk_policy_t *policy, char *detail,
                                   size_t detail_size)
{
    if (!policy->push) {
        return MCSEC_REASON_NONE;
    }
    /* Remembered while T can still pass the age check. */
    int64_t expiry = t + (int64_t)mcsec_gmk_max_age(policy);
    if (expiry <= policy->now) {
        expiry = policy->now + 1;
    }
    switch (policy->replay->seen_or_insert(policy->replay, id, expiry, policy->now)) {
    case MCSEC_REPLAY_NEW:
        return MCSEC_REASON_NONE;
    case MCSEC_REPLAY_REPLAY:
        return reject(MCSEC_REASON_GMK_REPLAY, detail, detail_size,
                      "GMK transport message already seen");
    case MCSEC_REPLAY_UNAVAILABLE:
        return reject(MCSEC_REASON_REPLAY_STORE_UNAVAILABLE, detail, detail_size,
                      "GMK replay store unavailable: refused");
    default:
        return reject(MCSEC_REASON_EAR_REPLAY_CACHE_FULL, detail, detail_size,
                      "GMK replay cache full or partner quota reached: refused");
    }
}

mcsec_reason_t mcsec_gmk_check_unrecorded(const mcsec_mikey_t *msg,
                                          const mcsec_gmk_policy_t *policy, char *detail,
                                          size_t detail_size)
{
    if (detail != NULL && detail_size > 0) {
        detail[0] = '\0';
    }
    if (!policy_usable(policy)) {
        return reject(MCSEC_REASON_POLICY_UNAVAILABLE, detail, detail_size,
                      "no GMS identities, KMS parameters or replay cache for GMK transfer");
    }
    if (msg == NULL || msg->signed_part.ptr == NULL || msg->signature.ptr == NULL) {
        return reject(MCSEC_REASON_GMK_MALFORMED, detail, detail_size, "message not parsed");
    }
    if (!msg->idr[MCSEC_MIKEY_IDR_I].present && !msg->idr[MCSEC_MIKEY_IDR_UIDI].present) {
        return reject(MCSEC_REASON_GMK_MALFORMED, detail, detail_size,
                      "no initiator identity (IDRi or IDRuidi)");
    }
    int64_t t = mcsec_mikey_unix_time(msg);
    mcsec_reason_t reason = check_signature(msg, policy, t, detail, detail_size);
    if (reason != MCSEC_REASON_NONE) {
        return reason;
    }
    if (mcsec_mikey_purpose(msg) != MCSEC_KEY_PURPOSE_GMK) {
        return reject(MCSEC_REASON_GMK_WRONG_PURPOSE, detail, detail_size,
                      "CSB-ID %08" PRIx32 " has purpose tag %u, not GMK", msg->csb_id,
                      mcsec_mikey_purpose(msg));
    }
    const mcsec_mikey_idr_t *kmsi = &msg->idr[MCSEC_MIKEY_IDR_KMSI];
    const mcsec_mikey_idr_t *kmsr = &msg->idr[MCSEC_MIKEY_IDR_KMSR];
    if ((kmsi->present && !idr_equals(kmsi, policy->signer_kms->kms_uri)) ||
        (kmsr->present && !idr_equals(kmsr, policy->receiver_kms->kms_uri))) {
        return reject(MCSEC_REASON_GMK_WRONG_KMS, detail, detail_size,
                      "KMS identities are not %s (initiator) and %s (responder)",
                      policy->signer_kms->kms_uri, policy->receiver_kms->kms_uri);
    }
    bool any = false;
    if (!identity_matches(&msg->idr[MCSEC_MIKEY_IDR_I], &msg->idr[MCSEC_MIKEY_IDR_UIDI],
                          policy->initiator, policy->signer_kms, t, &any)) {
        return reject(MCSEC_REASON_GMK_WRONG_SENDER, detail, detail_size,
                      "initiator is not the GMS %s", policy->initiator);
    }
    if (!identity_matches(&msg->idr[MCSEC_MIKEY_IDR_R], &msg->idr[MCSEC_MIKEY_IDR_UIDR],
                          policy->responder, policy->receiver_kms, t, &any) ||
        !any) {
        return reject(MCSEC_REASON_GMK_WRONG_RECEIVER, detail, detail_size,
                      "responder is not the GMS %s", policy->responder);
    }
    if (policy->push) {
        int64_t max_age = (int64_t)mcsec_gmk_max_age(policy);
        if (t > policy->now + max_age || t < policy->now - max_age) {
            return reject(MCSEC_REASON_GMK_STALE, detail, detail_size,
                          "T %" PRId64 " is %" PRId64 " s from now (max_age %" PRId64 ")", t,
                          t - policy->now, max_age);
        }
    }
    return MCSEC_REASON_NONE;
}

mcsec_reason_t mcsec_gmk_check(const mcsec_mikey_t *msg, const mcsec_gmk_policy_t *policy,
                               char *detail, size_t detail_size)
{
    mcsec_reason_t reason = mcsec_gmk_check_unrecorded(msg, policy, detail, detail_size);
    if (reason != MCSEC_REASON_NONE) {
        return reason;
    }
    uint8_t id[MCSEC_REPLAY_ID_LEN];
    mcsec_gmk_replay_id(msg, id);
    return mcsec_gmk_record_id(id, mcsec_mikey_unix_time(msg), policy, detail, detail_size);
}

mcsec_reason_t mcsec_gmk_check_octets(const uint8_t *in, size_t n, const mcsec_gmk_policy_t *policy,
                                      mcsec_mikey_t *msg, char *detail, size_t detail_size)
{
    mcsec_mikey_t local = {0};
    mcsec_mikey_t *parsed = msg != NULL ? msg : &local;
    if (mcsec_mikey_parse(in, n, parsed) != MCSEC_OK) {
        return reject(MCSEC_REASON_GMK_MALFORMED, detail, detail_size,
                      "not a MIKEY-SAKKE I_MESSAGE of our profile");
    }
    return mcsec_gmk_check(parsed, policy, detail, detail_size);
}
