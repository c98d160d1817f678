/* Unit tests of the reply check (mcsec_check_sip_reply, libmcsec/src/sip/
 * check.c; docs/replies.md): a reply from or to a partner meets the rules
 * of a request after the method, with the asserted identity optional. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "mcsec/sip/check.h"

static char *our_domains[] = {"a.mcx.example"};
static char *b_domains[] = {"b.mcx.example"};
static char *types[] = {"application/sdp", "application/vnd.3gpp.mcptt-info+xml",
                        "multipart/mixed"};
static mcsec_addr_t b_proxy[] = {{"127.0.20.1", 5060, AF_INET, {127, 0, 20, 1}}};

static mcsec_partner_t partner;
static mcsec_policy_t policy;

static int setup(void **state)
{
    (void)state;
    memset(&policy, 0, sizeof(policy));
    memset(&partner, 0, sizeof(partner));
    policy.system.name = "system-a";
    policy.system.domains = (mcsec_strlist_t){our_domains, 1};
    partner.name = "system-b";
    partner.domains = (mcsec_strlist_t){b_domains, 1};
    partner.is_proxy = b_proxy;
    partner.is_proxy_count = 1;
    partner.sip.content_types = (mcsec_strlist_t){types, 3};
    partner.sip.max_body = 100;
    policy.partners = &partner;
    policy.partner_count = 1;
    return 0;
}

static mcsec_str_t s(const char *text)
{
    return (mcsec_str_t){text, strlen(text)};
}

static mcsec_str_t pai[2];

/* A 200 OK with an mcptt-info body and no P-Asserted-Identity; the
 * request-only fields stay empty (the check must not need them). */
static mcsec_sip_request_t good_reply(void)
{
    static const char body[] = "<mcpttinfo/>";
    mcsec_sip_request_t reply = {
        .content_type = s("application/vnd.3gpp.mcptt-info+xml"),
        .body = (const uint8_t *)body,
        .body_len = strlen(body),
    };
    return reply;
}

static mcsec_reason_t check(const mcsec_sip_request_t *reply, bool ingress)
{
    mcsec_verdict_t verdict;
    mcsec_check_sip_reply(&policy, 0, ingress, reply, &verdict);
    if (verdict.reason == MCSEC_REASON_NONE) {
        assert_int_equal(verdict.partner_index, 0);
        assert_ptr_equal(verdict.partner, &partner);
    }
    return verdict.reason;
}

static void test_reply_passes_both_ways(void **state)
{
    (void)state;
    mcsec_sip_request_t reply = good_reply();
    assert_int_equal(check(&reply, true), MCSEC_REASON_NONE);
    assert_int_equal(check(&reply, false), MCSEC_REASON_NONE);
    reply.body = NULL;
    reply.body_len = 0;
    reply.content_type = s("");
    assert_int_equal(check(&reply, true), MCSEC_REASON_NONE);
}

/* Present identities are judged like a request's: the partner's domains on
 * ingress, ours on egress. */
static void test_reply_identity(void **state)
{
    (void)state;
    mcsec_sip_request_t reply = good_reply();
    reply.asserted_ids = pai;
    reply.asserted_id_count = 1;
    pai[0] = s("<sip:user1@b.mcx.example>");
    assert_int_equal(check(&reply, true), MCSEC_REASON_NONE);
    assert_int_equal(check(&reply, false), MCSEC_REASON_SRC_NOT_INTERNAL);
    pai[0] = s("<sip:user9@a.mcx.example>");
    assert_int_equal(check(&reply, true), MCSEC_REASON_SRC_INTERNAL_ID_SPOOF);
    assert_int_equal(check(&reply, false), MCSEC_REASON_NONE);
    pai[0] = s("<sip:x@c.mcx.example>");
    assert_int_equal(check(&reply, true), MCSEC_REASON_SRC_FOREIGN_ID);
    assert_int_equal(check(&reply, false), MCSEC_REASON_SRC_NOT_INTERNAL);
    pai[0] = s("<sip:user1@b.mcx.example>");
    pai[1] = s("<sip:user2@b.mcx.example>");
    reply.asserted_id_count = 2;
    assert_int_equal(check(&reply, true), MCSEC_REASON_SIP_MALFORMED);
}

static void test_reply_content_type_and_size(void **state)
{
    (void)state;
    mcsec_sip_request_t reply = good_reply();
    for (int in = 0; in < 2; in++) {
        reply.content_type = s("application/x-evil");
        assert_int_equal(check(&reply, in), MCSEC_REASON_SIP_CONTENT_TYPE_DENIED);
        reply.content_type = s("");
        assert_int_equal(check(&reply, in), MCSEC_REASON_SIP_CONTENT_TYPE_DENIED);
        reply = good_reply();
        static uint8_t big[101];
        memset(big, ' ', sizeof(big));
        reply.body = big;
        reply.body_len = sizeof(big);
        assert_int_equal(check(&reply, in), MCSEC_REASON_SIP_BODY_TOO_LARGE);
        reply = good_reply();
        reply.content_encoding = s("gzip");
        assert_int_equal(check(&reply, in), MCSEC_REASON_SIP_UNSUPPORTED_ENCODING);
        reply = good_reply();
    }
}

/* The body is walked by the request's MIME rules. */
static void test_reply_body_walked(void **state)
{
    (void)state;
    static const char evil[] = "--o\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n"
                               "--o\r\nContent-Type: application/x-evil\r\n\r\nb\r\n--o--";
    static const char fine[] = "--o\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--o--";
    static const char latin[] = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>";
    mcsec_sip_request_t reply = good_reply();
    reply.content_type = s("multipart/mixed;boundary=o");
    reply.body = (const uint8_t *)fine;
    reply.body_len = strlen(fine);
    assert_int_equal(check(&reply, true), MCSEC_REASON_NONE);
    reply.body = (const uint8_t *)evil;
    reply.body_len = strlen(evil);
    assert_int_equal(check(&reply, true), MCSEC_REASON_SIP_CONTENT_TYPE_DENIED);
    assert_int_equal(check(&reply, false), MCSEC_REASON_SIP_CONTENT_TYPE_DENIED);
    reply.body = (const uint8_t *)"no delimiter";
    reply.body_len = strlen("no delimiter");
    assert_int_equal(check(&reply, true), MCSEC_REASON_SIP_MALFORMED);
    reply = good_reply();
    reply.body = (const uint8_t *)latin;
    reply.body_len = strlen(latin);
    assert_int_equal(check(&reply, true), MCSEC_REASON_SIP_UNSUPPORTED_ENCODING);
}

static void test_reply_fails_closed(void **state)
{
    (void)state;
    mcsec_sip_request_t reply = good_reply();
    mcsec_verdict_t verdict;
    mcsec_check_sip_reply(NULL, 0, true, &reply, &verdict);
    assert_int_equal(verdict.reason, MCSEC_REASON_POLICY_UNAVAILABLE);
    mcsec_check_sip_reply(&policy, -1, true, &reply, &verdict);
    assert_int_equal(verdict.reason, MCSEC_REASON_SRC_NOT_PARTNER);
    mcsec_check_sip_reply(&policy, 1, false, &reply, &verdict);
    assert_int_equal(verdict.reason, MCSEC_REASON_DST_NOT_PARTNER);
    assert_null(verdict.partner);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_reply_passes_both_ways, setup),
        cmocka_unit_test_setup(test_reply_identity, setup),
        cmocka_unit_test_setup(test_reply_content_type_and_size, setup),
        cmocka_unit_test_setup(test_reply_body_walked, setup),
        cmocka_unit_test_setup(test_reply_fails_closed, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
