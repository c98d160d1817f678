/* Reason codes: why the border rejected (or would reject) a message.
 *
 * Contract: each reason has a stable dotted code string ("src.not_partner")
 * used unchanged in logs, counters, tests and, where the partner's policy
 * allows, in a Warning header. docs/reason-codes.md is the table operators
 * read; it must list every code here (a unit test checks that). */
#ifndef MCSEC_REASON_H
#define MCSEC_REASON_H

typedef enum {
    MCSEC_REASON_NONE = 0, /* passed: not a rejection */
    MCSEC_REASON_SRC_NOT_PARTNER,
    MCSEC_REASON_SRC_INTERNAL_ID_SPOOF,
    MCSEC_REASON_SRC_FOREIGN_ID,
    MCSEC_REASON_SRC_NO_IDENTITY,
    MCSEC_REASON_SIP_METHOD_DENIED,
    MCSEC_REASON_SIP_CONTENT_TYPE_DENIED,
    MCSEC_REASON_SIP_BODY_TOO_LARGE,
    MCSEC_REASON_SIP_MALFORMED,
    MCSEC_REASON_SIP_UNSUPPORTED_ENCODING,
    MCSEC_REASON_DST_NOT_PARTNER,
    MCSEC_REASON_SRC_NOT_INTERNAL,
    MCSEC_REASON_SIP_TOO_MANY_HOPS,
    MCSEC_REASON_EAR_MISSING,
    MCSEC_REASON_EAR_MALFORMED,
    MCSEC_REASON_EAR_BAD_SIGNATURE,
    MCSEC_REASON_EAR_UNKNOWN_SIGNER,
    MCSEC_REASON_EAR_WRONG_TARGET,
    MCSEC_REASON_EAR_STALE,
    MCSEC_REASON_EAR_EXPIRED,
    MCSEC_REASON_EAR_REPLAY,
    MCSEC_REASON_EAR_TYPE_DENIED,
    MCSEC_REASON_EAR_REPLAY_CACHE_FULL,
    MCSEC_REASON_EAR_SOURCE_MISMATCH,
    MCSEC_REASON_EAR_CLIENT_ROLE,
    MCSEC_REASON_SPK_MISSING,
    MCSEC_REASON_SPK_UNKNOWN_KEY,
    MCSEC_REASON_SPK_BAD_TAG,
    MCSEC_REASON_SPK_BAD_SIGNATURE,
    MCSEC_REASON_SPK_MALFORMED,
    MCSEC_REASON_TOPO_BAD_TOKEN,
    MCSEC_REASON_HTTP_BAD_FRAMING,
    MCSEC_REASON_HTTP_UNSUPPORTED_ENCODING,
    MCSEC_REASON_HTTP_BAD_TARGET,
    MCSEC_REASON_HTTP_METHOD_DENIED,
    MCSEC_REASON_HTTP_PATH_DENIED,
    MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED,
    MCSEC_REASON_HTTP_BODY_TOO_LARGE,
    MCSEC_REASON_HTTP_HEADERS_TOO_LARGE,
    MCSEC_REASON_HTTP_TIMEOUT,
    MCSEC_REASON_LOAD_PARTNER_LIMIT,
    MCSEC_REASON_HTTP_UPSTREAM_ERROR,
    MCSEC_REASON_HTTP_INTERNAL_HOST,
    MCSEC_REASON_GMK_MALFORMED,
    MCSEC_REASON_GMK_WRONG_PURPOSE,
    MCSEC_REASON_GMK_WRONG_SENDER,
    MCSEC_REASON_GMK_WRONG_RECEIVER,
    MCSEC_REASON_GMK_WRONG_KMS,
    MCSEC_REASON_GMK_STALE,
    MCSEC_REASON_GMK_BAD_SIGNATURE,
    MCSEC_REASON_GMK_REPLAY,
    MCSEC_REASON_POLICY_UNAVAILABLE,
    MCSEC_REASON_SRC_NOT_INTERNAL_PEER,
    /* identities inside bodies (mcsec/bodyid/bodyid.h) */
    MCSEC_REASON_BODY_INTERNAL_ID_SPOOF,
    MCSEC_REASON_BODY_FOREIGN_ID,
    /* media through the border (docs/media.md) */
    MCSEC_REASON_MEDIA_MALFORMED,
    MCSEC_REASON_MEDIA_INSECURE_PROFILE,
    MCSEC_REASON_MEDIA_LINE_NOT_ALLOWED,
    MCSEC_REASON_MEDIA_TOO_MANY_STREAMS,
    MCSEC_REASON_MEDIA_THIRD_PARTY_ADDRESS,
    MCSEC_REASON_MEDIA_NOT_ANCHORED,
    MCSEC_REASON_MEDIA_RELAY_UNAVAILABLE,
    MCSEC_REASON_MEDIA_KEYS_ALTERED,
    MCSEC_REASON_EGRESS_PARTNER_FAILURE,
    /* shared replay store (docs/high-availability.md) */
    MCSEC_REASON_REPLAY_STORE_UNAVAILABLE,
    MCSEC_REASON_COUNT
} mcsec_reason_t;

/* Dotted code string, e.g. "sip.method_denied"; "ok" for MCSEC_REASON_NONE,
 * "unknown" for values out of range. Never NULL. */
const char *mcsec_reason_code(mcsec_reason_t reason);

/* One-line meaning for operators. Never NULL. */
const char *mcsec_reason_meaning(mcsec_reason_t reason);

/* SIP status to answer with: 403 for policy rejections, 400 for malformed
 * requests, 500 when no policy is loaded; 200 for MCSEC_REASON_NONE. */
int mcsec_reason_sip_status(mcsec_reason_t reason);

/* HTTP status for the same reason (HTTP-3 proxy). */
int mcsec_reason_http_status(mcsec_reason_t reason);

/* Reverse lookup; returns MCSEC_REASON_COUNT when the code is unknown. */
mcsec_reason_t mcsec_reason_from_code(const char *code);

#endif
