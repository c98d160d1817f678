/* Unit tests of the SIP-3 border checks (libmcsec/src/check.c, sip_uri.c)
 * on a policy built in memory, independent of the YAML loader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "mcsec/sip/check.h"

static char *our_domains[] = {"a.mcx.example", "*.a.mcx.example"};
static char *b_domains[] = {"b.mcx.example", "*.b.mcx.example"};
static char *c_domains[] = {"c.mcx.example"};
static char *methods[] = {"INVITE", "ACK", "BYE", "CANCEL", "MESSAGE", "OPTIONS"};
static char *types[] = {"application/sdp", "application/vnd.3gpp.mcptt-info+xml",
                        "multipart/mixed"};

/* As the policy loader fills them: text and binary address. */
static mcsec_addr_t b_proxy[] = {
    {"127.0.20.1", 5060, AF_INET, {127, 0, 20, 1}},
    {"2001:db8::20", 0, AF_INET6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20}}};
static mcsec_addr_t c_proxy[] = {{"127.0.30.1", 5060, AF_INET, {127, 0, 30, 1}}};

/* Our SIP core: 127.0.10.2 on any port, and one IPv6 peer on 5060 only. */
static mcsec_addr_t inside_peers[] = {
    {"127.0.10.2", 0, AF_INET, {127, 0, 10, 2}},
    {"2001:db8::10",
     5060,
     AF_INET6,
     {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}}};

static mcsec_partner_t partners[2];
static mcsec_policy_t policy;

static int setup(void **state)
{
    (void)state;
    memset(&policy, 0, sizeof(policy));
    memset(partners, 0, sizeof(partners));
    policy.system.name = "system-a";
    policy.system.identity = "sip:border@a.mcx.example";
    policy.system.domains = (mcsec_strlist_t){our_domains, 2};
    policy.system.sip_inside_peers = inside_peers;
    policy.system.sip_inside_peer_count = 2;
    for (int i = 0; i < 2; i++) {
        partners[i].sip.methods = (mcsec_strlist_t){methods, 6};
        partners[i].sip.content_types = (mcsec_strlist_t){types, 3};
        partners[i].sip.max_body = 1000;
    }
    partners[0].name = "system-b";
    partners[0].domains = (mcsec_strlist_t){b_domains, 2};
    partners[0].is_proxy = b_proxy;
    partners[0].is_proxy_count = 2;
    partners[1].name = "system-c";
    partners[1].domains = (mcsec_strlist_t){c_domains, 1};
    partners[1].is_proxy = c_proxy;
    partners[1].is_proxy_count = 1;
    policy.partners = partners;
    policy.partner_count = 2;
    return 0;
}

static mcsec_str_t s(const char *text)
{
    return (mcsec_str_t){text, strlen(text)};
}

/* A body of 2000 octets: an XML element, then blanks. */
static uint8_t filler[2000];

static const uint8_t *filler_body(void)
{
    memset(filler, ' ', sizeof(filler));
    memcpy(filler, "<a/>", 4);
    return filler;
}

/* A MESSAGE from system B's IS proxy that passes every check. */
static mcsec_str_t pai_value[4];
static mcsec_sip_request_t good_ingress(void)
{
    pai_value[0] = s("\"Officer B\" <sip:user1@b.mcx.example>");
    mcsec_sip_request_t req = {
        .method = s("MESSAGE"),
        .src_ip = s("127.0.20.1"),
        .src_port = 5060,
        .ruri = s("sip:user9@a.mcx.example"),
        .asserted_ids = pai_value,
        .asserted_id_count = 1,
        .content_type = s("application/vnd.3gpp.mcptt-info+xml"),
        .body = filler_body(),
        .body_len = 200,
    };
    return req;
}

static mcsec_reason_t ingress(const mcsec_sip_request_t *req)
{
    mcsec_verdict_t verdict;
    mcsec_check_sip_ingress(&policy, req, &verdict);
    return verdict.reason;
}

static void test_ingress_passes_partner_message(void **state)
{
    (void)state;
    mcsec_sip_request_t req = good_ingress();
    mcsec_verdict_t verdict;
    mcsec_check_sip_ingress(&policy, &req, &verdict);
    assert_int_equal(verdict.reason, MCSEC_REASON_NONE);
    assert_int_equal(verdict.partner_index, 0);
    assert_string_equal(verdict.partner->name, "system-b");
}

static void test_ingress_rejects_unknown_source(void **state)
{
    (void)state;
    mcsec_sip_request_t req = good_ingress();
    req.src_ip = s("127.0.99.9");
    mcsec_verdict_t verdict;
    mcsec_check_sip_ingress(&policy, &req, &verdict);
    assert_int_equal(verdict.reason, MCSEC_REASON_SRC_NOT_PARTNER);
    assert_null(verdict.partner);
    assert_non_null(strstr(verdict.detail, "127.0.99.9"));
}

static void test_ingress_source_port_must_match(void **state)
{
    (void)state;
    mcsec_sip_request_t req = good_ingress();
    req.src_port = 5062;
    assert_int_equal(ingress(&req), MCSEC_REASON_SRC_NOT_PARTNER);
}

static void test_ingress_ipv6_source_any_port(void **state)
{
    (void)state;
    mcsec_sip_request_t req = good_ingress();
    req.src_ip = s("2001:0db8:0:0::20"); /* same address, other spelling */
    req.src_port = 40000;
    assert_int_equal(ingress(&req), MCSEC_REASON_NONE);
}

static void test_ingress_garbage_source_is_not_partner(void **state)
{
    (void)state;
    mcsec_sip_request_t req = good_ingress();
    req.src_ip = s("not-an-ip");
    assert_int_equal(ingress(&req), MCSEC_REASON_SRC_NOT_PARTNER);
}

static void test_ingress_rejects_register_and_unlisted(void **state)
{
    (void)state;
    mcsec_sip_request_t req = good_ingress();
    req.method = s("REGISTER");
    assert_int_equal(ingress(&req), MCSEC_REASON_SIP_METHOD_DENIED);
    req.method = s("PUBLISH");
    assert_int_equal(ingress(&req), MCSEC_REASON_SIP_METHOD_DENIED);
    req.method = s("message"); /* methods are case-sensitive */
    assert_int_equal(ingress(&req), MCSEC_REASON_SIP_METHOD_DENIED);
    req.method = s("MESSAGEX");
    assert_int_equal(ingress(&req), MCSEC_REASON_SIP_METHOD_DENIED);
}

static void test_ingress_register_denied_even_if_listed(void **state)
{
    (void)state;
    static char *with_register[] = {"REGISTER", "MESSAGE"};
    partners[0].sip.methods = (mcsec_strlist_t){with_register, 2};
    mcsec_sip_request_t req = good_ingress();
    req.method = s("REGISTER");
    assert_int_equal(ingress(&req), MCSEC_REASON_SIP_METHOD_DENIED);
}

static void test_ingress_internal_id_spoof(void **state)
{
    (void)state;
    mcsec_sip_request_t req = good_ingress();
    pai_value[0] = s("<sip:chief@a.mcx.example>");
    assert_int_equal(ingress(&req), MCSEC_REASON_SRC_INTERNAL_ID_SPOOF);
    pai_value[0] = s("<sips:chief@ops.A.MCX.example;user=phone>");
    assert_int_equal(ingress(&req), MCSEC_REASON_SRC_INTERNAL_ID_SPOOF);
}

static void test_ingress_foreign_id(void **state)
{
    (void)state;
    mcsec_sip_request_t req = good_ingress();
    pai_value[0] = s("<sip:x@c.mcx.example>"); /* another partner's: still foreign */
    assert_int_equal(ingress(&req), MCSEC_REASON_SRC_FOREIGN_ID);
    pai_value[0] = s("sip:x@evil.example");
    assert_int_equal(ingress(&req), MCSEC_REASON_SRC_FOREIGN_ID);
    /* Suffix tricks are not subdomains. */
    pai_value[0] = s("sip:x@notb.mcx.example");
    assert_int_equal(ingress(&req), MCSEC_REASON_SRC_FOREIGN_ID);
    pai_value[0] = s("sip:x@b.mcx.example.evil.example");
    assert_int_equal(ingress(&req), MCSEC_REASON_SRC_FOREIGN_ID);
}

static void test_ingress_partner_subdomain_and_case(void **state)
{
    (void)state;
    mcsec_sip_request_t req = good_ingress();
    pai_value[0] = s("<sip:u@Gms.B.MCX.Example:5061;transport=tcp>;tag=x");
    assert_int_equal(ingress(&req), MCSEC_REASON_NONE);
}

static void test_ingress_no_identity(void **state)
{
    (void)state;
    mcsec_sip_request_t req = good_ingress();
    req.asserted_id_count = 0;
    assert_int_equal(ingress(&req), MCSEC_REASON_SRC_NO_IDENTITY);
    pai_value[0] = s("<tel:+4930123456>");
    req.asserted_id_count = 1;
    assert_int_equal(ingress(&req), MCSEC_REASON_SRC_NO_IDENTITY);
}

static void test_ingress_tel_plus_sip_identity(void **state)
{
    (void)state;
    mcsec_sip_request_t req = good_ingress();
    pai_value[0] = s("<tel:+4930123456>, \"B, user\" <sip:u@b.mcx.example>");
    assert_int_equal(ingress(&req), MCSEC_REASON_NONE);
    /* Same in two headers. */
    pai_value[0] = s("<tel:+4930123456>");
    pai_value[1] = s("<sip:u@b.mcx.example>");
    req.asserted_id_count = 2;
    assert_int_equal(ingress(&req), MCSEC_REASON_NONE);
}

static void test_ingress_two_sip_identities_malformed(void **state)
{
    (void)state;
    mcsec_sip_request_t req = good_ingress();
    pai_value[0] = s("<sip:u@b.mcx.example>, <sip:v@b.mcx.example>");
    assert_int_equal(ingress(&req), MCSEC_REASON_SIP_MALFORMED);
}

static void test_ingress_broken_identity_malformed(void **state)
{
    (void)state;
    const char *broken[] = {"<sip:u@b.mcx.example",      "\"unterminated <sip:u@b.mcx.example>",
                            "<sip:@b.mcx.example>",      "<sip:u@>",
                            "<sip:u@[zz::1]>",           "<sip:u@b.mcx.example:99999999>",
                            "<sip:u@b mcx.example>",     "sip",
                            "<sip:u@b.mcx.example> junk"};
    mcsec_sip_request_t req = good_ingress();
    for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
        pai_value[0] = s(broken[i]);
        assert_int_equal(ingress(&req), MCSEC_REASON_SIP_MALFORMED);
    }
}

static void test_ingress_ack_cancel_without_identity(void **state)
{
    (void)state;
    mcsec_sip_request_t req = good_ingress();
    req.asserted_id_count = 0;
    req.content_type = s("");
    req.body_len = 0;
    req.method = s("ACK");
    assert_int_equal(ingress(&req), MCSEC_REASON_NONE);
    req.method = s("CANCEL");
    assert_int_equal(ingress(&req), MCSEC_REASON_NONE);
    /* A present identity is still checked. */
    pai_value[0] = s("<sip:chief@a.mcx.example>");
    req.asserted_id_count = 1;
    assert_int_equal(ingress(&req), MCSEC_REASON_SRC_INTERNAL_ID_SPOOF);
}

static void test_ingress_content_type(void **state)
{
    (void)state;
    mcsec_sip_request_t req = good_ingress();
    req.content_type = s("Multipart/Mixed ; boundary=xyz");
    static const char multipart[] = "--xyz\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--xyz--";
    req.body = (const uint8_t *)multipart;
    req.body_len = strlen(multipart);
    assert_int_equal(ingress(&req), MCSEC_REASON_NONE);
    req.content_type = s("application/x-evil");
    assert_int_equal(ingress(&req), MCSEC_REASON_SIP_CONTENT_TYPE_DENIED);
    req.content_type = s("application/sdpx");
    assert_int_equal(ingress(&req), MCSEC_REASON_SIP_CONTENT_TYPE_DENIED);
    req.content_type = s("");
    assert_int_equal(ingress(&req), MCSEC_REASON_SIP_CONTENT_TYPE_DENIED);
}

static void test_ingress_body_size(void **state)
{
    (void)state;
    mcsec_sip_request_t req = good_ingress();
    req.body_len = 1000;
    assert_int_equal(ingress(&req), MCSEC_REASON_NONE);
    req.body_len = 1001;
    assert_int_equal(ingress(&req), MCSEC_REASON_SIP_BODY_TOO_LARGE);
}

static void test_ingress_order_source_first(void **state)
{
    (void)state;
    mcsec_sip_request_t req = good_ingress();
    req.src_ip = s("127.0.99.9");
    req.method = s("REGISTER");
    req.asserted_id_count = 0;
    assert_int_equal(ingress(&req), MCSEC_REASON_SRC_NOT_PARTNER);
}

static void test_no_policy_fails_closed(void **state)
{
    (void)state;
    mcsec_sip_request_t req = good_ingress();
    mcsec_verdict_t verdict;
    mcsec_check_sip_ingress(NULL, &req, &verdict);
    assert_int_equal(verdict.reason, MCSEC_REASON_POLICY_UNAVAILABLE);
    mcsec_check_sip_egress(NULL, &req, &verdict);
    assert_int_equal(verdict.reason, MCSEC_REASON_POLICY_UNAVAILABLE);
}

static mcsec_sip_request_t good_egress(void)
{
    pai_value[0] = s("<sip:dispatcher@a.mcx.example>");
    mcsec_sip_request_t req = {
        .method = s("INVITE"),
        .src_ip = s("127.0.10.2"),
        .src_port = 5070,
        .ruri = s("sip:user1@b.mcx.example"),
        .asserted_ids = pai_value,
        .asserted_id_count = 1,
        .content_type = s("application/sdp"),
        .body = filler_body(),
        .body_len = 300,
    };
    return req;
}

static mcsec_reason_t egress(const mcsec_sip_request_t *req, int *partner_index)
{
    mcsec_verdict_t verdict;
    mcsec_check_sip_egress(&policy, req, &verdict);
    if (partner_index != NULL) {
        *partner_index = verdict.partner_index;
    }
    return verdict.reason;
}

static void test_egress_passes_to_partner_domain(void **state)
{
    (void)state;
    mcsec_sip_request_t req = good_egress();
    int index;
    assert_int_equal(egress(&req, &index), MCSEC_REASON_NONE);
    assert_int_equal(index, 0);
    req.ruri = s("sip:x@c.mcx.example");
    assert_int_equal(egress(&req, &index), MCSEC_REASON_NONE);
    assert_int_equal(index, 1);
}

static void test_egress_rejects_unknown_target(void **state)
{
    (void)state;
    mcsec_sip_request_t req = good_egress();
    req.ruri = s("sip:x@elsewhere.example");
    assert_int_equal(egress(&req, NULL), MCSEC_REASON_DST_NOT_PARTNER);
    req.ruri = s("tel:+4930123");
    assert_int_equal(egress(&req, NULL), MCSEC_REASON_DST_NOT_PARTNER);
    req.ruri = s("sip:x@a.mcx.example"); /* our own domain is not a partner */
    assert_int_equal(egress(&req, NULL), MCSEC_REASON_DST_NOT_PARTNER);
}

static void test_egress_in_dialog_by_next_hop(void **state)
{
    (void)state;
    mcsec_sip_request_t req = good_egress();
    int index;
    req.method = s("BYE");
    req.ruri = s("sip:u@127.0.20.1:5060");
    req.content_type = s("");
    req.body_len = 0;
    assert_int_equal(egress(&req, NULL), MCSEC_REASON_DST_NOT_PARTNER);
    req.next_hop_ip = s("127.0.20.1");
    req.next_hop_port = 5060;
    assert_int_equal(egress(&req, &index), MCSEC_REASON_NONE);
    assert_int_equal(index, 0);
}

static void test_egress_source_must_be_ours(void **state)
{
    (void)state;
    mcsec_sip_request_t req = good_egress();
    pai_value[0] = s("<sip:u@b.mcx.example>");
    assert_int_equal(egress(&req, NULL), MCSEC_REASON_SRC_NOT_INTERNAL);
    req.asserted_id_count = 0;
    assert_int_equal(egress(&req, NULL), MCSEC_REASON_SRC_NO_IDENTITY);
}

static void test_egress_source_must_be_inside_peer(void **state)
{
    (void)state;
    mcsec_sip_request_t req = good_egress();
    req.src_port = 40000; /* 127.0.10.2 is listed without a port: any port */
    assert_int_equal(egress(&req, NULL), MCSEC_REASON_NONE);
    req.src_ip = s("127.0.10.3");
    assert_int_equal(egress(&req, NULL), MCSEC_REASON_SRC_NOT_INTERNAL_PEER);
    req.src_ip = s("127.0.20.1"); /* a partner's IS proxy is no inside peer */
    req.src_port = 5060;
    assert_int_equal(egress(&req, NULL), MCSEC_REASON_SRC_NOT_INTERNAL_PEER);
    req.src_ip = s("2001:db8:0::10"); /* listed with port 5060 */
    assert_int_equal(egress(&req, NULL), MCSEC_REASON_NONE);
    req.src_port = 5061;
    assert_int_equal(egress(&req, NULL), MCSEC_REASON_SRC_NOT_INTERNAL_PEER);
    req.src_ip = s("not-an-ip");
    assert_int_equal(egress(&req, NULL), MCSEC_REASON_SRC_NOT_INTERNAL_PEER);
    req.src_ip = s("127.0.10.2");
    policy.system.sip_inside_peer_count = 0; /* none named: default deny */
    assert_int_equal(egress(&req, NULL), MCSEC_REASON_SRC_NOT_INTERNAL_PEER);
}

static void test_egress_bad_ruri_malformed(void **state)
{
    (void)state;
    mcsec_sip_request_t req = good_egress();
    req.ruri = s("sip:");
    assert_int_equal(egress(&req, NULL), MCSEC_REASON_SIP_MALFORMED);
}

static void test_domain_match_rules(void **state)
{
    (void)state;
    assert_true(mcsec_domain_match("b.mcx.example", s("B.MCX.EXAMPLE")));
    assert_true(mcsec_domain_match("b.mcx.example", s("b.mcx.example.")));
    assert_false(mcsec_domain_match("b.mcx.example", s("x.b.mcx.example")));
    assert_true(mcsec_domain_match("*.b.mcx.example", s("x.b.mcx.example")));
    assert_true(mcsec_domain_match("*.b.mcx.example", s("y.x.b.mcx.example")));
    assert_false(mcsec_domain_match("*.b.mcx.example", s("b.mcx.example")));
    assert_false(mcsec_domain_match("*.b.mcx.example", s("xb.mcx.example")));
    assert_false(mcsec_domain_match("b.mcx.example", s("")));
}

static void test_uri_host_extraction(void **state)
{
    (void)state;
    mcsec_str_t host;
    assert_int_equal(mcsec_sip_uri_host(s("sip:alice@h.example;transport=tcp"), &host), MCSEC_OK);
    assert_int_equal(host.len, strlen("h.example"));
    assert_memory_equal(host.ptr, "h.example", host.len);
    assert_int_equal(mcsec_sip_uri_host(s("\"A <x>\" <sips:[2001:db8::1]:5061>"), &host), MCSEC_OK);
    assert_memory_equal(host.ptr, "2001:db8::1", host.len);
    assert_int_equal(mcsec_sip_uri_host(s("sip:h.example"), &host), MCSEC_OK);
    assert_memory_equal(host.ptr, "h.example", host.len);
    assert_int_equal(mcsec_sip_uri_host(s("<tel:+123>"), &host), MCSEC_ERR_ARG);
    assert_int_equal(mcsec_sip_uri_host(s("<:x>"), &host), MCSEC_ERR_PARSE);
}

/* The binary lookup the module uses on every message agrees with the
 * text one: family, address octets and port (0 = any) all count. */
static void test_partner_by_binary_address(void **state)
{
    (void)state;
    const uint8_t b4[4] = {127, 0, 20, 1}, c4[4] = {127, 0, 30, 1}, other4[4] = {127, 0, 20, 2};
    const uint8_t b6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20};
    assert_int_equal(mcsec_partner_by_addr(&policy, AF_INET, b4, 5060), 0);
    assert_int_equal(mcsec_partner_by_addr(&policy, AF_INET, c4, 5060), 1);
    assert_int_equal(mcsec_partner_by_addr(&policy, AF_INET, b4, 5061), -1);
    assert_int_equal(mcsec_partner_by_addr(&policy, AF_INET, other4, 5060), -1);
    assert_int_equal(mcsec_partner_by_addr(&policy, AF_INET6, b6, 40000), 0);
    /* the same 4 leading octets as another family are not that address */
    const uint8_t b4_as_v6[16] = {127, 0, 20, 1};
    assert_int_equal(mcsec_partner_by_addr(&policy, AF_INET6, b4_as_v6, 5060), -1);
    assert_int_equal(mcsec_partner_by_addr(&policy, AF_UNIX, b4, 5060), -1);
    assert_int_equal(mcsec_partner_by_addr(&policy, AF_INET, NULL, 5060), -1);
    assert_int_equal(mcsec_partner_by_source(&policy, s("127.0.20.1"), 5060), 0);
    assert_int_equal(mcsec_partner_by_source(&policy, s("2001:DB8:0::20"), 1), 0);
}

/* Issue 14 item 9: every part of a body, at any depth and in both
 * directions, is judged against the list, not only the top-level type. */
static mcsec_reason_t with_body(mcsec_sip_request_t req, bool in, const char *ct, const char *body)
{
    req.content_type = s(ct);
    req.body = (const uint8_t *)body;
    req.body_len = strlen(body);
    return in ? ingress(&req) : egress(&req, NULL);
}

#define MIXED "multipart/mixed;boundary=o"

static void test_every_part_judged(void **state)
{
    (void)state;
    static const char evil[] = "--o\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n"
                               "--o\r\nContent-Type: application/x-evil\r\n\r\nboom\r\n--o--";
    static const char deep[] = "--o\r\nContent-Type: multipart/mixed;boundary=i\r\n\r\n"
                               "--i\r\nContent-Type: application/x-evil\r\n\r\nboom\r\n--i--"
                               "\r\n--o--";
    static const char related[] = "--o\r\nContent-Type: multipart/related;boundary=i\r\n\r\n"
                                  "--i\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--i--"
                                  "\r\n--o--";
    static const char fine[] = "--o\r\nContent-Type: multipart/mixed;boundary=i\r\n\r\n"
                               "--i\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--i--"
                               "\r\n--o--";
    static const char untyped[] = "--o\r\n\r\nplain text\r\n--o--";
    static const char signature[] = "--o\r\nContent-Type: application/vnd.3gpp.mcptt-signed+xml"
                                    "\r\n\r\n<a/>\r\n--o--";
    for (int in = 0; in < 2; in++) {
        mcsec_sip_request_t req = in ? good_ingress() : good_egress();
        assert_int_equal(with_body(req, in, MIXED, fine), MCSEC_REASON_NONE);
        assert_int_equal(with_body(req, in, MIXED, evil), MCSEC_REASON_SIP_CONTENT_TYPE_DENIED);
        assert_int_equal(with_body(req, in, MIXED, deep), MCSEC_REASON_SIP_CONTENT_TYPE_DENIED);
        assert_int_equal(with_body(req, in, MIXED, related), MCSEC_REASON_SIP_CONTENT_TYPE_DENIED);
        /* A part without Content-Type is text/plain, not on this list. */
        assert_int_equal(with_body(req, in, MIXED, untyped), MCSEC_REASON_SIP_CONTENT_TYPE_DENIED);
        /* The SPK signature part is implied only while SPK is on. */
        assert_int_equal(with_body(req, in, MIXED, signature),
                         MCSEC_REASON_SIP_CONTENT_TYPE_DENIED);
        partners[0].spk.mode = MCSEC_SPK_OPTIONAL;
        assert_int_equal(with_body(req, in, MIXED, signature), MCSEC_REASON_NONE);
        partners[0].spk.mode = MCSEC_SPK_OFF;
        /* What the walker refuses is malformed. */
        assert_int_equal(with_body(req, in, MIXED, "no delimiter"), MCSEC_REASON_SIP_MALFORMED);
    }
}

/* Issue 14 item 4, SIP side: XML in another encoding than UTF-8 and a
 * Content-Encoding are refused (sip.unsupported_encoding), in both
 * directions, for the body and every XML leaf. */
static void test_encodings_refused(void **state)
{
    (void)state;
    static const char ibm037[] = "--o\r\nContent-Type: application/vnd.3gpp.mcptt-info+xml\r\n"
                                 "\r\n<?xml version=\"1.0\" encoding=\"IBM037\"?>\x4c\x81\x61\x6e"
                                 "\r\n--o--";
    static const char latin1[] = "--o\r\nContent-Type: application/vnd.3gpp.mcptt-info+xml;"
                                 "charset=ISO-8859-1\r\n\r\n<a/>\r\n--o--";
    for (int in = 0; in < 2; in++) {
        mcsec_sip_request_t req = in ? good_ingress() : good_egress();
        assert_int_equal(with_body(req, in, MIXED, ibm037), MCSEC_REASON_SIP_UNSUPPORTED_ENCODING);
        assert_int_equal(with_body(req, in, MIXED, latin1), MCSEC_REASON_SIP_UNSUPPORTED_ENCODING);
        assert_int_equal(with_body(req, in, "application/vnd.3gpp.mcptt-info+xml",
                                   "<?xml version='1.0' encoding='UTF-16'?><a/>"),
                         MCSEC_REASON_SIP_UNSUPPORTED_ENCODING);
        assert_int_equal(with_body(req, in, "application/vnd.3gpp.mcptt-info+xml", "\xFF\xFE<"),
                         MCSEC_REASON_SIP_UNSUPPORTED_ENCODING);
        assert_int_equal(with_body(req, in, "application/vnd.3gpp.mcptt-info+xml",
                                   "<?xml version='1.0' encoding='utf-8'?><a/>"),
                         MCSEC_REASON_NONE);
        req.content_encoding = s("gzip");
        assert_int_equal(with_body(req, in, "application/sdp", "v=0"),
                         MCSEC_REASON_SIP_UNSUPPORTED_ENCODING);
        /* Without a body there is nothing to decode. */
        req.content_type = s("");
        req.body_len = 0;
        assert_int_equal(in ? ingress(&req) : egress(&req, NULL), MCSEC_REASON_NONE);
    }
}

/* The outbound lookup (issue 14): a message to a partner's IP is that
 * partner's whatever the port; a port that names one of two partners
 * sharing an IP picks it; an IP shared by two partners on another port is
 * ambiguous, never guessed. */
static void test_partner_by_destination_ip(void **state)
{
    (void)state;
    const uint8_t b4[4] = {127, 0, 20, 1}, other4[4] = {127, 0, 20, 2};
    const uint8_t b6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20};
    assert_int_equal(mcsec_partner_by_dest(&policy, AF_INET, b4, 5060), 0);
    assert_int_equal(mcsec_partner_by_dest(&policy, AF_INET, b4, 5099), 0);
    assert_int_equal(mcsec_partner_by_dest(&policy, AF_INET, other4, 5060), -1);
    assert_int_equal(mcsec_partner_by_dest(&policy, AF_INET6, b6, 7), 0);
    assert_int_equal(mcsec_partner_by_dest(&policy, AF_UNIX, b4, 5060), -1);
    assert_int_equal(mcsec_partner_by_dest(&policy, AF_INET, NULL, 5060), -1);
    /* system-c moves to system-b's IP on another port */
    static mcsec_addr_t shared[] = {{"127.0.20.1", 5070, AF_INET, {127, 0, 20, 1}}};
    partners[1].is_proxy = shared;
    assert_int_equal(mcsec_partner_by_dest(&policy, AF_INET, b4, 5060), 0);
    assert_int_equal(mcsec_partner_by_dest(&policy, AF_INET, b4, 5070), 1);
    assert_int_equal(mcsec_partner_by_dest(&policy, AF_INET, b4, 5099), MCSEC_PARTNER_AMBIGUOUS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_ingress_passes_partner_message, setup),
        cmocka_unit_test_setup(test_ingress_rejects_unknown_source, setup),
        cmocka_unit_test_setup(test_ingress_source_port_must_match, setup),
        cmocka_unit_test_setup(test_ingress_ipv6_source_any_port, setup),
        cmocka_unit_test_setup(test_ingress_garbage_source_is_not_partner, setup),
        cmocka_unit_test_setup(test_ingress_rejects_register_and_unlisted, setup),
        cmocka_unit_test_setup(test_ingress_register_denied_even_if_listed, setup),
        cmocka_unit_test_setup(test_ingress_internal_id_spoof, setup),
        cmocka_unit_test_setup(test_ingress_foreign_id, setup),
        cmocka_unit_test_setup(test_ingress_partner_subdomain_and_case, setup),
        cmocka_unit_test_setup(test_ingress_no_identity, setup),
        cmocka_unit_test_setup(test_ingress_tel_plus_sip_identity, setup),
        cmocka_unit_test_setup(test_ingress_two_sip_identities_malformed, setup),
        cmocka_unit_test_setup(test_ingress_broken_identity_malformed, setup),
        cmocka_unit_test_setup(test_ingress_ack_cancel_without_identity, setup),
        cmocka_unit_test_setup(test_ingress_content_type, setup),
        cmocka_unit_test_setup(test_every_part_judged, setup),
        cmocka_unit_test_setup(test_encodings_refused, setup),
        cmocka_unit_test_setup(test_ingress_body_size, setup),
        cmocka_unit_test_setup(test_ingress_order_source_first, setup),
        cmocka_unit_test_setup(test_no_policy_fails_closed, setup),
        cmocka_unit_test_setup(test_egress_passes_to_partner_domain, setup),
        cmocka_unit_test_setup(test_egress_rejects_unknown_target, setup),
        cmocka_unit_test_setup(test_egress_in_dialog_by_next_hop, setup),
        cmocka_unit_test_setup(test_egress_source_must_be_ours, setup),
        cmocka_unit_test_setup(test_egress_source_must_be_inside_peer, setup),
        cmocka_unit_test_setup(test_egress_bad_ruri_malformed, setup),
        cmocka_unit_test_setup(test_partner_by_binary_address, setup),
        cmocka_unit_test_setup(test_partner_by_destination_ip, setup),
        cmocka_unit_test(test_domain_match_rules),
        cmocka_unit_test(test_uri_host_extraction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
