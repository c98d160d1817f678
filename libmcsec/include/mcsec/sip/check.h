/* The SIP-3 border checks: which partner a request comes from or goes to,
 * and whether the policy lets it pass.
 *
 * Contract: callers (mcsec.so, tests, fuzzers) fill an mcsec_sip_request_t
 * with views into the message they already hold (pointer + length, never
 * NUL-terminated requirements, never read past the length) and get back a
 * verdict: MCSEC_REASON_NONE to pass, or the first failing reason. The check
 * allocates nothing and keeps no state; the policy is only read. */
#ifndef MCSEC_CHECK_H
#define MCSEC_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "mcsec/policy/policy.h"
#include "mcsec/util/reason.h"

/* A byte string that is not NUL terminated. */
typedef struct {
    const char *ptr;
    size_t len;
} mcsec_str_t;

/* Most asserted identity header fields (P-Asserted-Identity on SIP-3,
 * X-3GPP-Asserted-Identity and X-3GPP-Intended-Identity on HTTP-3) one
 * request may carry: RFC 3325 allows two identities, so more fields than
 * this is refused as malformed by the same rule on both borders
 * (mcsec_check_sip_*, mcsec_check_http_*), never cut short. Adapters hand
 * over at most MCSEC_MAX_ASSERTED_IDS + 1 fields so the check sees the
 * excess. */
#define MCSEC_MAX_ASSERTED_IDS 8

typedef struct {
    mcsec_str_t method;
    mcsec_str_t src_ip; /* textual source address of the packet */
    uint16_t src_port;
    mcsec_str_t ruri;
    /* Each P-Asserted-Identity header body as received; one header may hold
     * several comma-separated name-addrs (RFC 3325: at most one SIP/SIPS URI
     * and one tel URI). */
    const mcsec_str_t *asserted_ids;
    size_t asserted_id_count;
    mcsec_str_t content_type; /* len 0 when absent */
    /* The body, body_len octets (a view; NULL only when body_len is 0).
     * Every part of it is judged (docs/mime.md, docs/policy-reference.md). */
    const uint8_t *body;
    size_t body_len;
    /* Content-Encoding header value(s) as received; len 0 when absent. A
     * request with a body and any Content-Encoding is refused. */
    mcsec_str_t content_encoding;
    /* Egress only: the address the request will be sent to after routing
     * (Route set or request-URI). An in-dialog request whose request-URI is
     * a partner's Contact is matched to the partner whose IS proxy this is. */
    mcsec_str_t next_hop_ip;
    uint16_t next_hop_port;
} mcsec_sip_request_t;

typedef struct {
    mcsec_reason_t reason;
    const mcsec_partner_t *partner; /* matched partner, NULL when none */
    int partner_index;              /* index in policy->partners, -1 when none */
    char detail[160];               /* short text for the log; no secrets */
} mcsec_verdict_t;

/* Request arriving from the partner side. Order: source address
 * (src.not_partner), method (sip.method_denied), identity (src.no_identity,
 * src.internal_id_spoof, src.foreign_id), content type, body size, then
 * the body (both directions): a Content-Encoding (sip.unsupported_encoding),
 * every part walked (mcsec/mime/mime.h; sip.malformed when the walker refuses),
 * each part's type against the list (sip.content_type_denied; the SPK
 * signature part is implied while the partner's SPK is on) and each XML
 * leaf in UTF-8 (sip.unsupported_encoding). */
void mcsec_check_sip_ingress(const mcsec_policy_t *policy, const mcsec_sip_request_t *req,
                             mcsec_verdict_t *verdict);

/* Request leaving towards a partner: source address one of
 * system.sip_inside_peers (else src.not_internal_peer; none = all refused),
 * request-URI host in a partner's
 * domains, or next hop a partner's IS proxy (else dst.not_partner), method allowed by that partner,
 * asserted identity in our domains (src.no_identity, src.not_internal), content type and body size
 * as the partner accepts them. */
void mcsec_check_sip_egress(const mcsec_policy_t *policy, const mcsec_sip_request_t *req,
                            mcsec_verdict_t *verdict);

/* A reply from (ingress) or to (egress) the partner at partner_index, as
 * the adapter matched it (source address, or the Via of the request), by
 * the request rules after the method (docs/replies.md): the asserted
 * identity when present (absence passes: src.internal_id_spoof or
 * src.foreign_id on ingress, src.not_internal on egress), content type,
 * body size and body as in mcsec_check_sip_ingress. The view's method,
 * request-URI, source and next hop are not read. An index of no partner
 * is src.not_partner (ingress) or dst.not_partner (egress). */
void mcsec_check_sip_reply(const mcsec_policy_t *policy, int partner_index, bool ingress,
                           const mcsec_sip_request_t *reply, mcsec_verdict_t *verdict);

/* Domain matching: exact and case-insensitive on the host; a pattern
 * "*.example.org" matches subdomains of example.org only, not itself. */
bool mcsec_domain_match(const char *pattern, mcsec_str_t host);
bool mcsec_domain_list_match(const mcsec_strlist_t *domains, mcsec_str_t host);

/* Host part of a sip:/sips: URI, optionally inside a name-addr
 * ("Name" <sip:user@host;params>). Returns MCSEC_OK and a view into uri,
 * MCSEC_ERR_ARG when the URI is not sip/sips (e.g. tel:), MCSEC_ERR_PARSE
 * when it is broken. */
mcsec_err_t mcsec_sip_uri_host(mcsec_str_t uri, mcsec_str_t *host);

/* Partner whose IS proxy list holds ip (and port, unless the entry's port
 * is 0). Returns the index or -1. */
int mcsec_partner_by_source(const mcsec_policy_t *policy, mcsec_str_t ip, uint16_t port);

/* The same for a binary address: family AF_INET (bin holds 4 octets) or
 * AF_INET6 (16), in network order, as a socket API gives it; no text on
 * the per-message path. Returns the index or -1 (also for other
 * families). */
int mcsec_partner_by_addr(const mcsec_policy_t *policy, int family, const uint8_t *bin,
                          uint16_t port);

/* The partner a message the border sends to ip:port belongs to, for the
 * outbound decisions (topology hiding, docs/topology.md): the partner with
 * an is_proxy entry matching ip and port; else the one partner with an
 * entry on ip whatever its port (the port of a reply follows the peer's
 * Via or connection, not our policy). Returns the index, -1 when ip is no
 * partner's, MCSEC_PARTNER_AMBIGUOUS when several partners share ip and
 * none matches the port (the caller must not guess). */
#define MCSEC_PARTNER_AMBIGUOUS (-2)
int mcsec_partner_by_dest(const mcsec_policy_t *policy, int family, const uint8_t *bin,
                          uint16_t port);

/* True when ip (text) and port are one of the SIP core addresses that may
 * use the inside socket (system.sip_inside_peers); false for anything
 * else, an unparsable address and an empty list (default deny). */
bool mcsec_inside_peer_by_source(const mcsec_policy_t *policy, mcsec_str_t ip, uint16_t port);

/* Partner whose domains hold host; -1 when none. */
int mcsec_partner_by_domain(const mcsec_policy_t *policy, mcsec_str_t host);

#endif
