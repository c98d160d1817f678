/* libFuzzer target: arbitrary bytes as the request-URI and the
 * P-Asserted-Identity values of a request, through both border checks, and
 * as a reply (identities, content type, body) through the reply check in
 * both directions. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "mcsec/sip/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char *ours[] = {"a.mcx.example", "*.a.mcx.example"};
    static char *theirs[] = {"b.mcx.example"};
    static char *methods[] = {"INVITE", "MESSAGE", "ACK"};
    static char *types[] = {"application/sdp"};
    static mcsec_addr_t proxy = {"127.0.20.1", 0, AF_INET, {127, 0, 20, 1}};
    /* The same address as our SIP core, so egress gets past its source rule. */
    static mcsec_addr_t core = {"127.0.20.1", 0, AF_INET, {127, 0, 20, 1}};
    mcsec_partner_t partner = {0};
    mcsec_policy_t policy = {0};
    partner.name = "system-b";
    partner.domains = (mcsec_strlist_t){theirs, 1};
    partner.is_proxy = &proxy;
    partner.is_proxy_count = 1;
    partner.sip.methods = (mcsec_strlist_t){methods, 3};
    partner.sip.content_types = (mcsec_strlist_t){types, 1};
    partner.sip.max_body = 100;
    policy.system.domains = (mcsec_strlist_t){ours, 2};
    policy.system.sip_inside_peers = &core;
    policy.system.sip_inside_peer_count = 1;
    policy.partners = &partner;
    policy.partner_count = 1;

    /* Split the input at NUL bytes into up to 4 fields: ruri, pai, pai, ct. */
    mcsec_str_t fields[4] = {{"", 0}, {"", 0}, {"", 0}, {"", 0}};
    size_t start = 0;
    int field = 0;
    for (size_t i = 0; i <= size && field < 4; i++) {
        if (i == size || data[i] == 0) {
            fields[field++] = (mcsec_str_t){(const char *)data + start, i - start};
            start = i + 1;
        }
    }
    mcsec_sip_request_t req = {
        .method = {"INVITE", 6},
        .src_ip = {"127.0.20.1", 10},
        .src_port = 5060,
        .ruri = fields[0],
        .asserted_ids = &fields[1],
        .asserted_id_count = 2,
        .content_type = fields[3],
        .body = data,
        .body_len = size,
        .next_hop_ip = fields[2],
        .next_hop_port = 5060,
    };
    mcsec_verdict_t verdict;
    mcsec_check_sip_ingress(&policy, &req, &verdict);
    mcsec_check_sip_egress(&policy, &req, &verdict);
    mcsec_sip_request_t reply = {
        .asserted_ids = &fields[1],
        .asserted_id_count = 2,
        .content_type = fields[3],
        .body = data,
        .body_len = size,
    };
    mcsec_check_sip_reply(&policy, 0, true, &reply, &verdict);
    mcsec_check_sip_reply(&policy, 0, false, &reply, &verdict);
    mcsec_str_t host;
    (void)mcsec_sip_uri_host(fields[0], &host);
    return 0;
}
