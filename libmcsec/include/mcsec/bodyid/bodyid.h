/* Identities inside bodies (docs/protectable-types.md, "Identities inside
 * bodies" in docs/policy-reference.md): the MC service IDs a clear body
 * carries, judged against the policy like the asserted identity of the
 * header (mcsec/sip/check.h), on both borders (mcsec.so after the SPK
 * stage, mcsec-httpd after the body type checks).
 *
 * Which parts: every part of the body (the one MIME walker, mcsec/mime/
 * mime.h) whose type is an info type of the protectable-types table
 * (mcptt-info, mcvideo-info, mcdata-info; the elements of its "carry MC
 * service IDs" column, mcsec_xmlprot_info_ids) or
 * application/resource-lists+xml (RFC 4826; every entry/@uri). Every
 * other part is not read here. Each such element is one of three classes:
 *   originating  *-calling-user-id, originated-by, functional-alias-URI
 *                (the caller's), mcdata-controller-psi (TS 24.282: the
 *                PSI of the controlling MCData function that sends the
 *                request)
 *   group        *-calling-group-id, associated-group-id
 *   target       *-request-uri, *-called-party-id, resource-lists entries
 * and must be, ingress (from the partner) / egress (towards it):
 *   originating  the partner's domains / ours. Ingress, one of ours is
 *                body.internal_id_spoof; anything else body.foreign_id.
 *                Migration (TS 23.280; policy partners[].migration):
 *                one of ours listed in our_users_served_there (ingress),
 *                or one of the partner's listed in their_users_served_here
 *                (egress), passes while the entry has not expired and the
 *                request carries a verified EAR of request type migration
 *                whose source role is MC server (of the serving system:
 *                the EAR check already bound its source to that system's
 *                domains and KMS).
 *   group        ours or the partner's domains, both ways.
 *   target       ingress ours, egress the partner's; or, both ways, equal
 *                (mcsec_ear_uri_equal) to a group the request names: the
 *                request's group (ctx->group) or a group element of the
 *                same body that passed.
 * Anything else is body.foreign_id.
 * Replies (ctx->reply; SIP replies and HTTP answers, docs/replies.md): a
 * reply names the IDs of the dialog or request it answers in either role
 * (a 200 may echo the caller's mcptt-info), so the direction rules above
 * do not apply; every ID of every class must be ours or the partner's,
 * else body.foreign_id. What cannot be read is refused as for requests.
 * An identity must be a sip:/sips: URI
 * (a tel: URI is refused, as the header rule never takes one for an
 * identity). Fail closed: an element that cannot be read is
 * body.foreign_id, naming why: still encrypted (type="Encrypted" or an
 * xenc:EncryptedData: the border holds no key for it), no single URI,
 * more than one child element, a resource-lists entry-ref or external
 * (a list the border cannot see), XML that does not parse (no network,
 * no DTD, no entities; the SPK parser's limits), an info part whose root
 * is not its type's.
 *
 * Contract: views in, verdict out; the policy is only read; nothing kept.
 * The detail names the element and the host, never the user part. */
#ifndef MCSEC_BODYID_H
#define MCSEC_BODYID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcsec/policy/policy.h"
#include "mcsec/sip/check.h"
#include "mcsec/util/reason.h"

/* What this border learnt of the request's EAR: verified is true only when
 * the border's own EAR check passed it for this request (an EAR nobody
 * checked counts as none). */
typedef struct {
    bool verified;
    uint8_t source_role;  /* mcsec_ear_role_t */
    bool has_request;     /* the EAR carries a request payload */
    uint8_t request_type; /* MCSEC_EAR_REQ_* when has_request */
} mcsec_bodyid_ear_t;

typedef struct {
    const mcsec_policy_t *policy;
    const mcsec_partner_t *partner; /* required */
    bool egress;                    /* towards the partner */
    /* The group the request names: on SIP-3 its request-URI; len 0 when
     * none. A target equal to it passes. */
    mcsec_str_t group;
    const mcsec_bodyid_ear_t *ear; /* NULL: no verified EAR */
    bool reply;                    /* a reply or answer: the reply rule above */
    int64_t now;                   /* Unix seconds, for migration expiry */
} mcsec_bodyid_ctx_t;

/* Judges the MC service IDs in body (len octets; the clear one: after SPK
 * unprotection on ingress, before protection on egress) whose Content-Type
 * value is content_type (ct_len octets, not NUL terminated). Returns
 * MCSEC_REASON_NONE, MCSEC_REASON_BODY_FOREIGN_ID or
 * MCSEC_REASON_BODY_INTERNAL_ID_SPOOF with a one-line detail (may be
 * NULL). An empty body passes. */
mcsec_reason_t mcsec_bodyid_check(const mcsec_bodyid_ctx_t *ctx, const char *content_type,
                                  size_t ct_len, const uint8_t *body, size_t len, char *detail,
                                  size_t detail_size);

#endif
