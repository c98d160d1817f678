/* The table of reason codes: code string, meaning, SIP and HTTP status. */
#include <string.h>

#include "mcsec/util/reason.h"

typedef struct {
    const char *code;
    const char *meaning;
    int sip_status;
    int http_status;
} reason_entry_t;

static const reason_entry_t reason_table[MCSEC_REASON_COUNT] = {
    [MCSEC_REASON_NONE] = {"ok", "passed every check", 200, 200},
    [MCSEC_REASON_SRC_NOT_PARTNER] = {"src.not_partner",
                                      "source is not a partner border proxy (direct MC client "
                                      "connection or unknown host)",
                                      403, 403},
    [MCSEC_REASON_SRC_INTERNAL_ID_SPOOF] = {"src.internal_id_spoof",
                                            "asserted identity is in our own domains but the "
                                            "request came from outside",
                                            403, 403},
    [MCSEC_REASON_SRC_FOREIGN_ID] = {"src.foreign_id",
                                     "asserted identity belongs to neither the sending partner "
                                     "nor us (a third system)",
                                     403, 403},
    [MCSEC_REASON_SRC_NO_IDENTITY] = {"src.no_identity",
                                      "no asserted SIP/SIPS identity (absent, or only a tel URI)",
                                      403, 403},
    [MCSEC_REASON_SIP_METHOD_DENIED] = {"sip.method_denied",
                                        "method not allowed for this partner (REGISTER never is)",
                                        403, 405},
    [MCSEC_REASON_SIP_CONTENT_TYPE_DENIED] = {"sip.content_type_denied",
                                              "body content type not allowed for this partner", 403,
                                              415},
    [MCSEC_REASON_SIP_BODY_TOO_LARGE] = {"sip.body_too_large",
                                         "body larger than the partner's max_body", 403, 413},
    [MCSEC_REASON_SIP_MALFORMED] = {"sip.malformed",
                                    "request could not be parsed (headers, URI or identity)", 400,
                                    400},
    [MCSEC_REASON_SIP_UNSUPPORTED_ENCODING] = {"sip.unsupported_encoding",
                                               "body the core would decode before reading: a "
                                               "Content-Encoding, or XML not in UTF-8",
                                               415, 415},
    [MCSEC_REASON_DST_NOT_PARTNER] = {"dst.not_partner",
                                      "outgoing request's target is in no partner's domains", 403,
                                      403},
    [MCSEC_REASON_SRC_NOT_INTERNAL] = {"src.not_internal",
                                       "outgoing request's asserted identity is not in our "
                                       "domains",
                                       403, 403},
    [MCSEC_REASON_SIP_TOO_MANY_HOPS] = {"sip.too_many_hops",
                                        "Max-Forwards exhausted (a loop between the systems)", 483,
                                        508},
    [MCSEC_REASON_EAR_MISSING] = {"ear.missing",
                                  "request from an explicit-auth partner carries no EAR", 400, 400},
    [MCSEC_REASON_EAR_MALFORMED] = {"ear.malformed",
                                    "EAR is not valid base64url or breaks the EAR layout", 400,
                                    400},
    [MCSEC_REASON_EAR_BAD_SIGNATURE] = {"ear.bad_signature",
                                        "EAR signature is not valid for the UID of its Source "
                                        "ID under the partner's KPAK",
                                        403, 403},
    [MCSEC_REASON_EAR_UNKNOWN_SIGNER] = {"ear.unknown_signer",
                                         "EAR Source ID is not in the partner's domains or its "
                                         "Source Role is not allowed",
                                         403, 403},
    [MCSEC_REASON_EAR_WRONG_TARGET] = {"ear.wrong_target",
                                       "EAR Target ID is not ours or not the request-URI", 403,
                                       403},
    [MCSEC_REASON_EAR_STALE] = {"ear.stale", "EAR date and time is outside the allowed skew", 403,
                                403},
    [MCSEC_REASON_EAR_EXPIRED] = {"ear.expired", "EAR request expiry has passed", 403, 403},
    [MCSEC_REASON_EAR_REPLAY] = {"ear.replay", "EAR ID was already seen within the replay window",
                                 403, 403},
    [MCSEC_REASON_EAR_TYPE_DENIED] = {"ear.type_denied",
                                      "EAR request type is not allowed for this partner", 403, 403},
    [MCSEC_REASON_EAR_REPLAY_CACHE_FULL] = {"ear.replay_cache_full",
                                            "EAR replay cache is full: refused, never let "
                                            "through",
                                            503, 503},
    [MCSEC_REASON_EAR_SOURCE_MISMATCH] = {"ear.source_mismatch",
                                          "EAR Source ID is neither the request's asserted "
                                          "identity nor the sending border signing on its "
                                          "servers' behalf",
                                          403, 403},
    [MCSEC_REASON_EAR_CLIENT_ROLE] = {"ear.client_role",
                                      "EAR Source Role is MC client: MC clients reach only MC "
                                      "servers of their own system",
                                      403, 403},
    [MCSEC_REASON_SPK_MISSING] = {"spk.missing",
                                  "SPK protection required for this partner but the body is "
                                  "not protected (no encryption or no signature)",
                                  403, 403},
    [MCSEC_REASON_SPK_UNKNOWN_KEY] = {"spk.unknown_key",
                                      "SPK-ID (KeyName) is not in the partner's SPK file", 403,
                                      403},
    [MCSEC_REASON_SPK_BAD_TAG] = {"spk.bad_tag",
                                  "AES-GCM authentication of an encrypted element failed", 403,
                                  403},
    [MCSEC_REASON_SPK_BAD_SIGNATURE] = {"spk.bad_signature",
                                        "XML signature over the protected body parts is invalid "
                                        "or does not cover them",
                                        403, 403},
    [MCSEC_REASON_SPK_MALFORMED] = {"spk.malformed",
                                    "protected body could not be parsed (MIME, XML, DTD, limits "
                                    "or protection structure)",
                                    400, 400},
    [MCSEC_REASON_TOPO_BAD_TOKEN] = {"topo.bad_token",
                                     "topology token failed authentication, has an unknown or "
                                     "retired key ID, is expired or malformed",
                                     400, 400},
    [MCSEC_REASON_HTTP_BAD_FRAMING] =
        {"http.bad_framing",
         "HTTP message framing is ambiguous or broken (Content-Length "
         "with Transfer-Encoding, duplicate Content-Length, header "
         "name not a token, CR/LF/NUL in a value, obs-fold, bare LF)",
         400, 400},
    [MCSEC_REASON_HTTP_UNSUPPORTED_ENCODING] =
        {"http.unsupported_encoding",
         "request Transfer-Encoding other than chunked, or a "
         "Content-Encoding on a checked body",
         400, 501},
    [MCSEC_REASON_HTTP_BAD_TARGET] = {"http.bad_target",
                                      "request target is not a clean origin-form path (absolute "
                                      "form, encoded '.', '/' or '\\', dot segments, path "
                                      "parameters ';', path not strict UTF-8 or holding what NFKC "
                                      "makes a delimiter, control octets)",
                                      400, 400},
    [MCSEC_REASON_HTTP_METHOD_DENIED] = {"http.method_denied",
                                         "HTTP method not allowed for this partner", 403, 405},
    [MCSEC_REASON_HTTP_PATH_DENIED] = {"http.path_denied",
                                       "path under none of the partner's path prefixes (or no "
                                       "upstream for it)",
                                       403, 403},
    [MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED] = {"http.content_type_denied",
                                               "HTTP body content type not allowed for this "
                                               "partner, a body without a type, a charset other "
                                               "than utf-8, XML not in UTF-8 or a multipart "
                                               "body the MIME walker refuses",
                                               403, 415},
    [MCSEC_REASON_HTTP_BODY_TOO_LARGE] = {"http.body_too_large",
                                          "HTTP body larger than the partner's http.max_body", 403,
                                          413},
    [MCSEC_REASON_HTTP_HEADERS_TOO_LARGE] = {"http.headers_too_large",
                                             "request line and headers larger than the partner's "
                                             "http.max_header_bytes",
                                             403, 431},
    [MCSEC_REASON_HTTP_TIMEOUT] = {"http.timeout",
                                   "client too slow: headers or body not complete in time", 408,
                                   408},
    [MCSEC_REASON_LOAD_PARTNER_LIMIT] = {"load.partner_limit",
                                         "admission limit of the partner (partners[].limits: "
                                         "rate, concurrent INVITEs) or connection or request "
                                         "limit of the border or of the partner reached "
                                         "(was http.overloaded)",
                                         503, 503},
    [MCSEC_REASON_HTTP_UPSTREAM_ERROR] = {"http.upstream_error",
                                          "the next hop (internal server or partner HTTP proxy) "
                                          "failed, timed out or sent an unusable response",
                                          502, 502},
    [MCSEC_REASON_HTTP_INTERNAL_HOST] = {"http.internal_host",
                                         "a relayed HTTP body or header names an internal host in "
                                         "a form the border cannot rewrite (escaped, a subdomain, "
                                         "an XML entity declaration)",
                                         403, 403},
    [MCSEC_REASON_GMK_MALFORMED] = {"gmk.malformed",
                                    "a Group Key Transport payload is not a well-formed "
                                    "MIKEY-SAKKE I_MESSAGE (or its carrier is broken)",
                                    400, 400},
    [MCSEC_REASON_GMK_WRONG_PURPOSE] = {"gmk.wrong_purpose",
                                        "GMK transport message whose CSB-ID purpose tag is not GMK",
                                        403, 403},
    [MCSEC_REASON_GMK_WRONG_SENDER] = {"gmk.wrong_sender",
                                       "GMK transport message not from the partner's GMS (IDRi or "
                                       "IDRuidi)",
                                       403, 403},
    [MCSEC_REASON_GMK_WRONG_RECEIVER] = {"gmk.wrong_receiver",
                                         "GMK transport message not addressed to our GMS (IDRr or "
                                         "IDRuidr)",
                                         403, 403},
    [MCSEC_REASON_GMK_WRONG_KMS] = {"gmk.wrong_kms",
                                    "GMK transport message names other KMSs than the partner's "
                                    "and ours (IDRkmsi, IDRkmsr)",
                                    403, 403},
    [MCSEC_REASON_GMK_STALE] = {"gmk.stale",
                                "GMK transport message timestamp outside the allowed age", 403,
                                403},
    [MCSEC_REASON_GMK_BAD_SIGNATURE] = {"gmk.bad_signature",
                                        "GMK transport message ECCSI signature does not verify "
                                        "under the signer's KMS",
                                        403, 403},
    [MCSEC_REASON_GMK_REPLAY] = {"gmk.replay",
                                 "GMK transport message already seen within the allowed age", 403,
                                 403},
    [MCSEC_REASON_POLICY_UNAVAILABLE] = {"policy.unavailable",
                                         "no valid policy is loaded (fail closed)", 500, 503},
    [MCSEC_REASON_SRC_NOT_INTERNAL_PEER] = {"src.not_internal_peer",
                                            "request on an inside socket or listener from an "
                                            "address the policy does not name as ours",
                                            403, 403},
    [MCSEC_REASON_BODY_INTERNAL_ID_SPOOF] =
        {"body.internal_id_spoof",
         "an originating MC service ID inside the body (calling "
         "user, originator, functional alias) is one of ours "
         "but the request came from a partner, and no "
         "migration entry with a migration EAR lets it pass",
         403, 403},
    [MCSEC_REASON_BODY_FOREIGN_ID] = {"body.foreign_id",
                                      "an MC service ID inside the body belongs to a system the "
                                      "rule of its element and direction does not allow, or "
                                      "cannot be read (still encrypted, not one sip/sips URI)",
                                      403, 403},
    [MCSEC_REASON_MEDIA_MALFORMED] =
        {"media.malformed",
         "an SDP body (or SDP part) does not parse as RFC 8866 SDP, breaks the reader's limits, or "
         "a body holds more than one SDP part",
         400, 400},
    [MCSEC_REASON_MEDIA_INSECURE_PROFILE] = {"media.insecure_profile",
                                             "a media line offers plain RTP (RTP/AVP, RTP/AVPF) "
                                             "and the partner's media.allow_insecure is off",
                                             488, 403},
    [MCSEC_REASON_MEDIA_LINE_NOT_ALLOWED] =
        {"media.line_not_allowed",
         "a media line's <media> <proto> is not in the partner's media.allow list", 488, 403},
    [MCSEC_REASON_MEDIA_TOO_MANY_STREAMS] =
        {"media.too_many_streams",
         "more active media lines (port not 0) than the partner's media.max_streams, or more "
         "m-lines than the SDP reader takes",
         488, 403},
    [MCSEC_REASON_MEDIA_THIRD_PARTY_ADDRESS] =
        {"media.third_party_address",
         "an SDP from a partner names a media address (c=, o=, a=rtcp, candidate) that is not one "
         "of the partner's media relay addresses, or a port outside its range",
         403, 403},
    [MCSEC_REASON_MEDIA_NOT_ANCHORED] =
        {"media.not_anchored",
         "the SDP the media relay wrote still names an address or port other than our relay's (or "
         "an internal address): it cannot be sent on",
         500, 500},
    [MCSEC_REASON_MEDIA_RELAY_UNAVAILABLE] =
        {"media.relay_unavailable",
         "the media relay (rtpengine) did not answer or could not allocate ports: the session is "
         "refused (fail closed)",
         500, 503},
    [MCSEC_REASON_MEDIA_KEYS_ALTERED] = {"media.keys_altered",
                                         "the media relay's SDP does not carry the a=crypto and "
                                         "a=key-mgmt lines of the SDP it was given, octet for "
                                         "octet (end-to-end media keys must cross untouched)",
                                         500, 500},
    [MCSEC_REASON_EGRESS_PARTNER_FAILURE] = {"egress.partner_failure",
                                             "a partner IS proxy address timed out or answered "
                                             "5xx; the request went to its next address "
                                             "(dispatcher) or the failure was relayed",
                                             502, 502},
    [MCSEC_REASON_REPLAY_STORE_UNAVAILABLE] = {"replay.store_unavailable",
                                               "the shared replay store (Redis) did not answer "
                                               "or answered an error: refused, never let through",
                                               503, 503},
};

static const reason_entry_t *reason_entry(mcsec_reason_t reason)
{
    if ((int)reason < 0 || reason >= MCSEC_REASON_COUNT) {
        return NULL;
    }
    return &reason_table[reason];
}

const char *mcsec_reason_code(mcsec_reason_t reason)
{
    const reason_entry_t *entry = reason_entry(reason);
    return entry ? entry->code : "unknown";
}

const char *mcsec_reason_meaning(mcsec_reason_t reason)
{
    const reason_entry_t *entry = reason_entry(reason);
    return entry ? entry->meaning : "unknown reason";
}

int mcsec_reason_sip_status(mcsec_reason_t reason)
{
    const reason_entry_t *entry = reason_entry(reason);
    return entry ? entry->sip_status : 500;
}

int mcsec_reason_http_status(mcsec_reason_t reason)
{
    const reason_entry_t *entry = reason_entry(reason);
    return entry ? entry->http_status : 500;
}

mcsec_reason_t mcsec_reason_from_code(const char *code)
{
    if (code == NULL) {
        return MCSEC_REASON_COUNT;
    }
    for (int i = 0; i < MCSEC_REASON_COUNT; i++) {
        if (strcmp(reason_table[i].code, code) == 0) {
            return (mcsec_reason_t)i;
        }
    }
    return MCSEC_REASON_COUNT;
}
