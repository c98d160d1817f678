/* SIP-3 border checks: classify the peer, then apply the partner's rules
 * in a fixed order and stop at the first failure. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mcsec/sip/check.h"
#include "mcsec/mime/mime.h"
#include "mcsec/spk/xmlprot.h"

#include "check_internal.h"
#include "sip_uri.h"

typedef enum { DIR_INGRESS, DIR_EGRESS } direction_t;

bool mcsec_domain_match(const char *pattern, mcsec_str_t host)
{
    size_t plen = strlen(pattern);
    if (host.len == 0 || host.ptr == NULL) {
        return false;
    }
    /* A fully qualified host may end in a root dot. */
    if (host.ptr[host.len - 1] == '.') {
        host.len--;
    }
    if (plen > 2 && pattern[0] == '*' && pattern[1] == '.') {
        const char *suffix = pattern + 1; /* ".example.org" */
        size_t slen = plen - 1;
        return host.len > slen && strncasecmp(host.ptr + host.len - slen, suffix, slen) == 0;
    }
    return host.len == plen && strncasecmp(host.ptr, pattern, plen) == 0;
}

bool mcsec_domain_list_match(const mcsec_strlist_t *domains, mcsec_str_t host)
{
    for (size_t i = 0; i < domains->count; i++) {
        if (mcsec_domain_match(domains->items[i], host)) {
            return true;
        }
    }
    return false;
}

/* Converts a textual address to binary; false when it is not an address. */
static bool parse_ip(mcsec_str_t ip, int *family, unsigned char bin[16])
{
    char text[64];
    if (ip.ptr == NULL || ip.len == 0 || ip.len >= sizeof(text)) {
        return false;
    }
    memcpy(text, ip.ptr, ip.len);
    text[ip.len] = '\0';
    if (inet_pton(AF_INET, text, bin) == 1) {
        *family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, text, bin) == 1) {
        *family = AF_INET6;
        return true;
    }
    return false;
}

static bool addr_matches(const mcsec_addr_t *entry, int family, const uint8_t *bin, uint16_t port)
{
    size_t n = family == AF_INET ? 4 : 16;
    return entry->family == family && memcmp(entry->bin, bin, n) == 0 &&
           (entry->port == 0 || entry->port == port);
}

int mcsec_partner_by_source(const mcsec_policy_t *policy, mcsec_str_t ip, uint16_t port)
{
    unsigned char bin[16];
    int family;
    if (!parse_ip(ip, &family, bin)) {
        return -1;
    }
    return mcsec_partner_by_addr(policy, family, bin, port);
}

bool mcsec_inside_peer_by_source(const mcsec_policy_t *policy, mcsec_str_t ip, uint16_t port)
{
    unsigned char bin[16];
    int family;
    return policy != NULL && parse_ip(ip, &family, bin) &&
           mcsec_addr_list_match(policy->system.sip_inside_peers,
                                 policy->system.sip_inside_peer_count, family, bin, port);
}

int mcsec_partner_by_addr(const mcsec_policy_t *policy, int family, const uint8_t *bin,
                          uint16_t port)
{
    if (bin == NULL || (family != AF_INET && family != AF_INET6)) {
        return -1;
    }
    for (size_t p = 0; p < policy->partner_count; p++) {
        const mcsec_partner_t *partner = &policy->partners[p];
        for (size_t a = 0; a < partner->is_proxy_count; a++) {
            if (addr_matches(&partner->is_proxy[a], family, bin, port)) {
                return (int)p;
            }
        }
    }
    return -1;
}

int mcsec_partner_by_dest(const mcsec_policy_t *policy, int family, const uint8_t *bin,
                          uint16_t port)
{
    int exact = mcsec_partner_by_addr(policy, family, bin, port);
    if (exact >= 0 || bin == NULL || (family != AF_INET && family != AF_INET6)) {
        return exact;
    }
    int found = -1;
    size_t n = family == AF_INET ? 4 : 16;
    for (size_t p = 0; p < policy->partner_count; p++) {
        const mcsec_partner_t *partner = &policy->partners[p];
        for (size_t a = 0; a < partner->is_proxy_count; a++) {
            const mcsec_addr_t *entry = &partner->is_proxy[a];
            if (entry->family != family || memcmp(entry->bin, bin, n) != 0) {
                continue;
            }
            if (found >= 0 && found != (int)p) {
                return MCSEC_PARTNER_AMBIGUOUS;
            }
            found = (int)p;
        }
    }
    return found;
}

int mcsec_partner_by_domain(const mcsec_policy_t *policy, mcsec_str_t host)
{
    for (size_t p = 0; p < policy->partner_count; p++) {
        if (mcsec_domain_list_match(&policy->partners[p].domains, host)) {
            return (int)p;
        }
    }
    return -1;
}

static bool method_is(mcsec_str_t method, const char *name)
{
    size_t n = strlen(name);
    return method.len == n && memcmp(method.ptr, name, n) == 0;
}

static bool method_allowed(const mcsec_partner_t *partner, mcsec_str_t method)
{
    if (method_is(method, "REGISTER")) {
        return false; /* registration never crosses the border */
    }
    for (size_t i = 0; i < partner->sip.methods.count; i++) {
        if (method_is(method, partner->sip.methods.items[i])) {
            return true;
        }
    }
    return false;
}

static bool content_type_allowed(const mcsec_partner_t *partner, mcsec_str_t content_type)
{
    return mcsec_media_type_listed(&partner->sip.content_types, mcsec_media_type_of(content_type));
}

/* The walker's visitor for judge_body: every part below the body itself
 * against the list, every XML leaf against the UTF-8 rule. */
typedef struct {
    const mcsec_partner_t *partner;
    mcsec_verdict_t *verdict;
} parts_t;

static int judge_part(const mcsec_mime_part_t *part, void *arg)
{
    parts_t *ctx = arg;
    /* The signature part is the SPK stage's own, consumed on ingress and
     * verified there, written on egress (docs/spk.md). */
    bool spk_signature = ctx->partner->spk.mode != MCSEC_SPK_OFF && part->depth == 1 &&
                         strcmp(part->type, MCSEC_CT_MCPTT_SIGNED) == 0;
    if (!spk_signature && !mcsec_mime_part_type_listed(&ctx->partner->sip.content_types, part)) {
        mcsec_verdict_set(ctx->verdict, MCSEC_REASON_SIP_CONTENT_TYPE_DENIED, "part content type ",
                          (mcsec_str_t){part->type, strlen(part->type)});
        return 1;
    }
    if (mcsec_mime_reads_as_xml(part)) {
        const char *fault = mcsec_mime_xml_not_utf8(part->charset, part->body, part->body_len);
        if (fault != NULL) {
            mcsec_verdict_set(ctx->verdict, MCSEC_REASON_SIP_UNSUPPORTED_ENCODING, "",
                              (mcsec_str_t){fault, strlen(fault)});
            return 1;
        }
    }
    return 0;
}

/* Judges the body of a request whose top-level type and size passed:
 * true when it may pass, else the verdict is set. */
static bool judge_body(const mcsec_partner_t *partner, const mcsec_sip_request_t *req,
                       mcsec_verdict_t *verdict)
{
    if (req->body_len == 0) {
        return true;
    }
    if (req->content_encoding.len > 0) {
        mcsec_verdict_set(verdict, MCSEC_REASON_SIP_UNSUPPORTED_ENCODING, "Content-Encoding ",
                          req->content_encoding);
        return false;
    }
    if (req->body == NULL) {
        mcsec_verdict_set(verdict, MCSEC_REASON_SIP_MALFORMED, "body not available",
                          (mcsec_str_t){"", 0});
        return false;
    }
    parts_t ctx = {partner, verdict};
    const char *fault = NULL;
    mcsec_err_t rc = mcsec_mime_walk(req->content_type.ptr, req->content_type.len, req->body,
                                     req->body_len, judge_part, &ctx, &fault);
    if (rc == MCSEC_ERR_INVALID) {
        return false; /* judge_part set the verdict */
    }
    if (rc != MCSEC_OK) {
        const char *why = fault != NULL ? fault : "body cannot be taken apart";
        mcsec_verdict_set(verdict, MCSEC_REASON_SIP_MALFORMED,
                          "body: ", (mcsec_str_t){why, strlen(why)});
        return false;
    }
    return true;
}

/* ACK and CANCEL belong to a transaction the identity check already
 * passed; they may come without an asserted identity (a present one is
 * still checked). */
static bool identity_optional(mcsec_str_t method)
{
    return method_is(method, "ACK") || method_is(method, "CANCEL");
}

/* Checks of requests and replies once the partner is known: identity
 * (required or only judged when present), content type, body size, body. */
static void check_message(const mcsec_policy_t *policy, const mcsec_partner_t *partner,
                          const mcsec_sip_request_t *req, direction_t dir, bool identity_required,
                          mcsec_verdict_t *verdict)
{
    if (!mcsec_check_identity(policy, partner, req->asserted_ids, req->asserted_id_count, false,
                              dir == DIR_INGRESS, identity_required, verdict)) {
        return;
    }
    if (req->content_type.len > 0 && !content_type_allowed(partner, req->content_type)) {
        mcsec_verdict_set(verdict, MCSEC_REASON_SIP_CONTENT_TYPE_DENIED, "content type ",
                          req->content_type);
        return;
    }
    if (req->content_type.len == 0 && req->body_len > 0) {
        mcsec_verdict_set(verdict, MCSEC_REASON_SIP_CONTENT_TYPE_DENIED, "body without type",
                          (mcsec_str_t){"", 0});
        return;
    }
    if (req->body_len > partner->sip.max_body) {
        char size[48];
        int n = snprintf(size, sizeof(size), "%zu > %zu", req->body_len, partner->sip.max_body);
        mcsec_verdict_set(verdict, MCSEC_REASON_SIP_BODY_TOO_LARGE, "body octets ",
                          (mcsec_str_t){size, (size_t)n});
        return;
    }
    if (!judge_body(partner, req, verdict)) {
        return;
    }
    verdict->reason = MCSEC_REASON_NONE;
}

/* Checks shared by both directions once the partner is known: method,
 * then the message rules. */
static void check_rules(const mcsec_policy_t *policy, const mcsec_partner_t *partner,
                        const mcsec_sip_request_t *req, direction_t dir, mcsec_verdict_t *verdict)
{
    if (!method_allowed(partner, req->method)) {
        mcsec_verdict_set(verdict, MCSEC_REASON_SIP_METHOD_DENIED, "method ", req->method);
        return;
    }
    check_message(policy, partner, req, dir, !identity_optional(req->method), verdict);
}

void mcsec_check_sip_ingress(const mcsec_policy_t *policy, const mcsec_sip_request_t *req,
                             mcsec_verdict_t *verdict)
{
    mcsec_verdict_init(verdict);
    if (policy == NULL) {
        verdict->reason = MCSEC_REASON_POLICY_UNAVAILABLE;
        return;
    }
    int index = mcsec_partner_by_source(policy, req->src_ip, req->src_port);
    if (index < 0) {
        mcsec_verdict_set(verdict, MCSEC_REASON_SRC_NOT_PARTNER, "source ", req->src_ip);
        return;
    }
    verdict->partner_index = index;
    verdict->partner = &policy->partners[index];
    check_rules(policy, verdict->partner, req, DIR_INGRESS, verdict);
}

void mcsec_check_sip_egress(const mcsec_policy_t *policy, const mcsec_sip_request_t *req,
                            mcsec_verdict_t *verdict)
{
    mcsec_verdict_init(verdict);
    if (policy == NULL) {
        verdict->reason = MCSEC_REASON_POLICY_UNAVAILABLE;
        return;
    }
    /* Our own side is not trusted blindly: only the SIP core addresses the
     * policy names may use the inside socket (docs/policy-reference.md). */
    if (!mcsec_inside_peer_by_source(policy, req->src_ip, req->src_port)) {
        mcsec_verdict_set(verdict, MCSEC_REASON_SRC_NOT_INTERNAL_PEER, "source ", req->src_ip);
        return;
    }
    int index = -1;
    mcsec_str_t target_host;
    mcsec_err_t err = mcsec_sip_uri_host(req->ruri, &target_host);
    if (err == MCSEC_ERR_PARSE) {
        mcsec_verdict_set(verdict, MCSEC_REASON_SIP_MALFORMED, "bad request-URI ", req->ruri);
        return;
    }
    if (err == MCSEC_OK) {
        index = mcsec_partner_by_domain(policy, target_host);
    }
    if (index < 0 && req->next_hop_ip.len > 0) {
        index = mcsec_partner_by_source(policy, req->next_hop_ip, req->next_hop_port);
    }
    if (index < 0) {
        mcsec_verdict_set(verdict, MCSEC_REASON_DST_NOT_PARTNER, "target ", req->ruri);
        return;
    }
    verdict->partner_index = index;
    verdict->partner = &policy->partners[index];
    check_rules(policy, verdict->partner, req, DIR_EGRESS, verdict);
}

void mcsec_check_sip_reply(const mcsec_policy_t *policy, int partner_index, bool ingress,
                           const mcsec_sip_request_t *reply, mcsec_verdict_t *verdict)
{
    mcsec_verdict_init(verdict);
    if (policy == NULL) {
        verdict->reason = MCSEC_REASON_POLICY_UNAVAILABLE;
        return;
    }
    if (partner_index < 0 || (size_t)partner_index >= policy->partner_count) {
        /* The adapter matched no partner: nothing to judge it by. */
        mcsec_verdict_set(verdict,
                          ingress ? MCSEC_REASON_SRC_NOT_PARTNER : MCSEC_REASON_DST_NOT_PARTNER,
                          "reply for no partner", (mcsec_str_t){"", 0});
        return;
    }
    verdict->partner_index = partner_index;
    verdict->partner = &policy->partners[partner_index];
    /* A reply need not assert an identity (RFC 3325 9.1: a UAS may); one
     * it asserts is judged as a request's. */
    check_message(policy, verdict->partner, reply, ingress ? DIR_INGRESS : DIR_EGRESS, false,
                  verdict);
}
