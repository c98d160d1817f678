/* EAR, the Element for Authenticating Requests (TS 33.180 Annex J, our
 * profile in docs/profile.md section 3): encode, decode, carry in the
 * MCX-EAR header, and verify against a partner's policy.
 *
 * Wire format (all integers big-endian):
 *   0x01                       EAR message ID
 *   date and time              5 octets, Unix seconds (40 bits)
 *   EAR ID                     16 octets
 *   source role                1 octet (0x01 MC client, 0x02 MC server,
 *                              0x03 GMS, 0x04 border proxy)
 *   source ID                  LV-E: 2-octet length, UTF-8 URI
 *   target role                1 octet
 *   target ID                  LV-E
 *   [request]                  TLV-E: 0x78, 2-octet length (12), value:
 *       request type           1 octet (V)
 *       request ID             TV: 0x79, 3 octets
 *       request expiry         TV: 0x7A, 6 octets, Unix seconds (48 bits)
 *   signature                  ECCSI r (32) || s (32) || PVT (65)
 * The signature covers every octet before it. Its signer identity is the
 * UID (uid.h) of the source ID for the key period containing the date.
 *
 * Contract: the decoder reads only the n octets it is given, allocates
 * nothing and returns views into the input (the input must outlive the
 * decoded EAR); every length is bounded (URIs 1..MCSEC_EAR_URI_MAX octets
 * of printable UTF-8, nothing left over). */
#ifndef MCSEC_EAR_H
#define MCSEC_EAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcsec/sip/check.h"
#include "mcsec/ibc/eccsi.h"
#include "mcsec/ibc/keyset.h"
#include "mcsec/util/reason.h"
#include "mcsec/util/replay.h"
#include "mcsec/util/status.h"

#define MCSEC_EAR_MESSAGE_ID 0x01
#define MCSEC_EAR_IEI_REQUEST 0x78
#define MCSEC_EAR_IEI_REQUEST_ID 0x79
#define MCSEC_EAR_IEI_REQUEST_EXPIRY 0x7A
#define MCSEC_EAR_ID_LEN 16
#define MCSEC_EAR_URI_MAX 1024
#define MCSEC_EAR_REQUEST_VALUE_LEN 12 /* type 1 + request ID TV 4 + expiry TV 7 */
#define MCSEC_EAR_MIN_LEN (1 + 5 + MCSEC_EAR_ID_LEN + 1 + 2 + 1 + 1 + 2 + 1 + MCSEC_ECCSI_SIG_LEN)
#define MCSEC_EAR_MAX_LEN                                                                          \
    (1 + 5 + MCSEC_EAR_ID_LEN + 1 + 2 + MCSEC_EAR_URI_MAX + 1 + 2 + MCSEC_EAR_URI_MAX + 3 +        \
     MCSEC_EAR_REQUEST_VALUE_LEN + MCSEC_ECCSI_SIG_LEN)
/* base64url of the largest EAR, padded, plus a NUL. */
#define MCSEC_EAR_HEADER_MAX (4 * ((MCSEC_EAR_MAX_LEN + 2) / 3) + 1)
#define MCSEC_EAR_DATE_MAX ((UINT64_C(1) << 40) - 1)
#define MCSEC_EAR_EXPIRY_MAX ((UINT64_C(1) << 48) - 1)
#define MCSEC_EAR_REQUEST_ID_MAX 0xFFFFFFu
#define MCSEC_EAR_DEFAULT_SKEW 30
#define MCSEC_EAR_KMS_MORE_MAX 3 /* other KMSs tried per partner (4 in all) */

typedef enum {
    MCSEC_EAR_ROLE_MC_CLIENT = 0x01,
    MCSEC_EAR_ROLE_MC_SERVER = 0x02,
    MCSEC_EAR_ROLE_GMS = 0x03,
    MCSEC_EAR_ROLE_BORDER_PROXY = 0x04,
} mcsec_ear_role_t;

/* Request types (TS 33.180 Annex J; docs/profile.md section 3). */
enum {
    MCSEC_EAR_REQ_PRIVILEGED = 0x01,
    MCSEC_EAR_REQ_INTERWORKING = 0x02,
    MCSEC_EAR_REQ_GROUP = 0x03,
    MCSEC_EAR_REQ_MIGRATION = 0x05,
    MCSEC_EAR_REQ_OFF_NETWORK = 0x06,
};

/* The fields of an EAR. Decoding fills the views (source_id, target_id,
 * signed_part, signature) with pointers into the decoded input; for
 * encoding the caller fills the fields and the views are ignored except
 * source_id and target_id. */
typedef struct {
    uint64_t date; /* Unix seconds, < 2^40 */
    uint8_t ear_id[MCSEC_EAR_ID_LEN];
    uint8_t source_role;
    mcsec_str_t source_id;
    uint8_t target_role;
    mcsec_str_t target_id;
    bool has_request;
    uint8_t request_type;
    uint32_t request_id;        /* < 2^24 */
    uint64_t request_expiry;    /* Unix seconds, < 2^48 */
    const uint8_t *signed_part; /* the octets the signature covers */
    size_t signed_len;
    const uint8_t *signature; /* MCSEC_ECCSI_SIG_LEN octets */
} mcsec_ear_t;

/* Decodes payload || signature. MCSEC_ERR_PARSE for anything that breaks
 * the layout or its bounds (wrong message ID, unknown role, bad lengths,
 * empty/overlong/non-UTF-8 URI, unknown IEI, octets left over). */
mcsec_err_t mcsec_ear_decode(const uint8_t *in, size_t n, mcsec_ear_t *ear);

/* Encodes the payload (everything the signature covers) into out.
 * MCSEC_ERR_ARG when a field is out of range or out is too small
 * (MCSEC_EAR_MAX_LEN always suffices). */
mcsec_err_t mcsec_ear_encode_payload(const mcsec_ear_t *ear, uint8_t *out, size_t out_size,
                                     size_t *out_len);

/* Encodes and signs: out gets payload || signature. The signer must hold
 * the SSK/PVT issued for the UID of ear->source_id in the key period of
 * ear->date (the verifier checks exactly that). */
mcsec_err_t mcsec_ear_sign(const mcsec_ear_t *ear, const mcsec_eccsi_signer_t *signer, uint8_t *out,
                           size_t out_size, size_t *out_len);

/* Fresh random EAR ID. */
mcsec_err_t mcsec_ear_new_id(uint8_t ear_id[MCSEC_EAR_ID_LEN]);

/* MCX-EAR header value: base64url without padding, NUL terminated. */
mcsec_err_t mcsec_ear_to_header(const uint8_t *ear, size_t n, char *out, size_t out_size);

/* Header value to octets: base64url, padding optional, surrounding spaces
 * and tabs ignored. MCSEC_ERR_PARSE for any other character, a bad length
 * or non-zero unused bits; MCSEC_ERR_ARG when out is too small. */
mcsec_err_t mcsec_ear_from_header(const char *value, size_t len, uint8_t *out, size_t out_size,
                                  size_t *out_len);

/* ---- signing as this border -------------------------------------------- */

/* This border's EAR signing keys (borrowed): its signing keys for one or
 * more key periods (ibc/keyset.h) and the identity it signs as. */
typedef struct {
    const mcsec_eccsi_keyset_t *keys;
    const char *identity;
} mcsec_ear_border_keys_t;

/* Signs a fresh EAR as this border (source role border proxy, date now, a
 * new EAR ID, no request) for target_id in target_role with the keys of
 * the key period now falls in (switching at the boundary by itself), and
 * writes the MCX-EAR header value to out (MCSEC_EAR_HEADER_MAX always
 * suffices). MCSEC_REASON_POLICY_UNAVAILABLE with a one-line detail when
 * there are no keys or identity, when no keys cover now's key period, or
 * when signing fails (a target_id longer than an EAR holds);
 * MCSEC_REASON_NONE otherwise. */
mcsec_reason_t mcsec_ear_sign_as_border(const mcsec_ear_border_keys_t *keys, mcsec_str_t target_id,
                                        mcsec_ear_role_t target_role, int64_t now, char *out,
                                        size_t out_size, char *detail, size_t detail_size);

/* ---- verification ----------------------------------------------------- */

/* Who sent the request an EAR authenticates (docs/ear.md, "Source
 * binding"). The EAR's source ID must be one of the request's asserted
 * identities (the addr-spec of any item of any field, compared by
 * mcsec_ear_uri_equal), or, with source role border proxy, the identity of
 * the border that sent the request and signed on its servers' behalf.
 * Borrowed for the call. */
typedef struct {
    /* Each P-Asserted-Identity (SIP-3) or X-3GPP-Asserted-Identity (HTTP-3)
     * field as received; a field may hold several comma-separated items. */
    const mcsec_str_t *asserted_ids;
    size_t asserted_id_count;
    bool quoted; /* HTTP-3: an item in double quotes is taken without them */
    /* The sending border's identity: on ingress the partner's identity, on
     * egress our system.ear.sign_identity; NULL when none. */
    const char *border_identity;
} mcsec_ear_sender_t;

/* The source binding alone: MCSEC_REASON_NONE when the EAR's source ID is
 * one of sender's asserted identities, or its source role is border proxy
 * and its source ID the sender's border identity; else
 * MCSEC_REASON_EAR_SOURCE_MISMATCH (also for a NULL sender). Unauthenticated
 * and cheap: mcsec_ear_verify runs it before the signature. */
mcsec_reason_t mcsec_ear_check_source(const mcsec_ear_t *ear, const mcsec_ear_sender_t *sender,
                                      char *detail, size_t detail_size);

/* One more KMS an EAR may be signed under (kms and its parsed KPAK). */
typedef struct {
    const mcsec_kms_pub_t *kms;
    const mcsec_eccsi_pub_t *kpak;
} mcsec_ear_kms_ref_t;

/* What one partner's policy and this request say about an EAR. Lists and
 * strings are borrowed for the call. */
typedef struct {
    const mcsec_kms_pub_t *kms;    /* partner KMS: URI, key period, offset */
    const mcsec_eccsi_pub_t *kpak; /* the same KMS's KPAK, parsed */
    /* The partner's other KMSs (keys.kms as a list: a KPAK change in
     * overlap, or several KMSs): the signature is tried under kms, then
     * under each of these in turn (UID with that KMS's URI and key period);
     * it passes when one verifies. At most MCSEC_EAR_KMS_MORE_MAX. */
    const mcsec_ear_kms_ref_t *more_kms;
    size_t more_kms_count;
    const mcsec_strlist_t *partner_domains; /* source ID host must match */
    const uint8_t *source_roles;            /* allowed source roles */
    size_t source_role_count;
    const char *our_identity; /* our border's MC service ID URI */
    const mcsec_strlist_t *our_domains;
    mcsec_str_t request_uri; /* the request's target (HTTP: "https://" + Host) */
    /* The protocol the EAR travels on, so that one EAR is valid on one
     * protocol only (docs/ear.md, "one EAR, one protocol"). false (SIP-3):
     * the target ID is a sip/sips URI, our identity or in our domains, and
     * the request-URI. true (HTTP-3): the target ID is an origin
     * "https://HOST[:port][/]" whose HOST is in our_domains or is
     * our_http_host, and the host of request_uri; a sip/sips target (the
     * bare border identity included) is refused. */
    bool http;
    const char *our_http_host;    /* HTTP-3: our border's HTTP name; may be NULL */
    int64_t now;                  /* Unix seconds */
    uint32_t skew;                /* seconds; 0 means MCSEC_EAR_DEFAULT_SKEW */
    const uint8_t *request_types; /* allowed request types (none: all refused) */
    size_t request_type_count;
    mcsec_replay_cache_t *replay; /* required */
    /* The request's sender (required, see mcsec_ear_sender_t): NULL is
     * ear.source_mismatch, unless offline. */
    const mcsec_ear_sender_t *sender;
    /* Only for checks without a request (mcsecctl ear verify): skips the
     * source binding. The adapters never set it. */
    bool offline;
} mcsec_ear_policy_t;

/* Applies the checks in this order (cheap and unauthenticated first, the
 * replay cache last so that only EARs that pass everything else, signature
 * included, are ever recorded):
 *   ear.malformed        message fields unusable (NULL views, role 0)
 *   ear.client_role      source role MC client: never accepted at the
 *                        border, whatever the partner's source roles (TS
 *                        33.180 11.1.1: MC clients reach only MC servers of
 *                        their own system)
 *   ear.stale            |date - now| > skew
 *   ear.unknown_signer   source ID host not in the partner's domains, or
 *                        source role not allowed
 *   ear.source_mismatch  source ID not the request's sender
 *                        (mcsec_ear_check_source; skipped when offline)
 *   ear.wrong_target     target ID neither our identity nor in our
 *                        domains, or not the request-URI (HTTP-3: not an
 *                        https origin of ours, or not the request's host)
 *   ear.bad_signature    not signed for UID(source ID, KMS, key period of
 *                        the date) under the KPAK
 *   ear.expired          request expiry < now
 *   ear.type_denied      request type not allowed
 *   ear.replay           EAR ID recorded within the window (2 x skew)
 *   ear.replay_cache_full  could not record the ID (503, never passed)
 * Returns MCSEC_REASON_NONE when the EAR passes. detail (may be NULL) gets
 * a short log text without secrets. */
mcsec_reason_t mcsec_ear_verify(const mcsec_ear_t *ear, const mcsec_ear_policy_t *policy,
                                char *detail, size_t detail_size);

/* Header value in, verdict out: empty or NULL value is ear.missing,
 * undecodable base64url or layout is ear.malformed, then mcsec_ear_verify.
 * buf (at least MCSEC_EAR_MAX_LEN octets) receives the decoded octets that
 * ear (may be NULL) points into. */
mcsec_reason_t mcsec_ear_check_header(const char *value, size_t len,
                                      const mcsec_ear_policy_t *policy, uint8_t *buf,
                                      size_t buf_size, mcsec_ear_t *ear, char *detail,
                                      size_t detail_size);

/* URI comparison used for the target check: same scheme (sip and sips
 * differ), same user part (case-sensitive), same host (case-insensitive);
 * port, parameters and headers ignored. */
bool mcsec_ear_uri_equal(mcsec_str_t a, mcsec_str_t b);

#endif
