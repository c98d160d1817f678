/* Topology-hiding header transforms: Via collapse and restore, Record-Route
 * and Path entries, Contact (params kept outside the URI), request-URI,
 * Call-ID, byte-exact restores, tokens in the wrong place, strip list. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mcsec/topo/topo.h"
#include "topo_fixture.h"

static int setup(void **state)
{
    return topo_fixture_make(state, 3600);
}

static int teardown(void **state)
{
    return topo_fixture_teardown(state);
}

static bool starts_with(const char *p, size_t len, const char *prefix)
{
    return len >= strlen(prefix) && memcmp(p, prefix, strlen(prefix)) == 0;
}

static void test_vias_collapse_into_one_and_restore_exactly(void **state)
{
    mcsec_topo_t *topo = *state;
    const mcsec_str_t vias[] = {
        S("SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK776asdhds;received=10.0.0.5"),
        S("SIP/2.0/TCP mcptt-3.inside.a.example;branch=z9hG4bKnashds8, SIP/2.0/UDP "
          "10.0.0.9;branch=z9hG4bK1;rport=5070"),
        S("SIP/2.0/UDP [fd00::7];branch=z9hG4bKx;alias;comp=sigcomp;x=\"a;b,c\""),
    };
    mcsec_str_t callid = S("tokenized@" HOST);
    char out[1024];
    size_t len = 0;
    assert_int_equal(mcsec_topo_hide_vias(topo, vias, 3, callid, out, sizeof(out), &len), MCSEC_OK);
    assert_true(starts_with(out, len, "SIP/2.0/UDP " HOST ";branch=z9hG4bK"));
    assert_null(memmem(out, len, "10.0.0", 6));
    assert_null(memmem(out, len, "inside", 6));
    /* Deterministic: a retransmission gives the same Via. */
    char again[1024];
    size_t again_len = 0;
    assert_int_equal(mcsec_topo_hide_vias(topo, vias, 3, callid, again, sizeof(again), &again_len),
                     MCSEC_OK);
    assert_int_equal(again_len, len);
    assert_memory_equal(again, out, len);
    /* The size query agrees with what is written. */
    size_t need = 0;
    assert_int_equal(mcsec_topo_hide_vias(topo, vias, 3, callid, NULL, 0, &need), MCSEC_ERR_ARG);
    assert_int_equal(need, len);

    mcsec_str_t token;
    assert_true(mcsec_topo_via_token((mcsec_str_t){out, len}, &token));
    char buf[1024];
    mcsec_str_t items[4];
    size_t count = 0;
    mcsec_topo_error_t err;
    assert_int_equal(
        mcsec_topo_restore_vias(topo, token, callid, buf, token.len, items, 4, &count, &err),
        MCSEC_OK);
    assert_int_equal(count, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(items[i].len, vias[i].len);
        assert_memory_equal(items[i].ptr, vias[i].ptr, vias[i].len);
    }
    /* Too few item slots: the count needed, nothing else. */
    assert_int_equal(
        mcsec_topo_restore_vias(topo, token, callid, buf, sizeof(buf), items, 2, &count, &err),
        MCSEC_ERR_ARG);
    assert_int_equal(count, 3);
    /* Another dialog's Via token is refused. */
    assert_int_equal(mcsec_topo_restore_vias(topo, token, S("other@" HOST), buf, sizeof(buf), items,
                                             4, &count, &err),
                     MCSEC_ERR_INVALID);
    assert_int_equal(err.reason, MCSEC_REASON_TOPO_BAD_TOKEN);
    assert_int_equal(count, 0);
}

static void test_via_token_found_only_in_our_param(void **state)
{
    (void)state;
    mcsec_str_t token;
    assert_true(
        mcsec_topo_via_token(S("SIP/2.0/UDP h;branch=z9hG4bKa ; MCSEC-VT = abc2;x"), &token));
    assert_int_equal(token.len, 4);
    assert_memory_equal(token.ptr, "abc2", 4);
    assert_false(
        mcsec_topo_via_token(S("SIP/2.0/UDP h;branch=z9hG4bKa;x=\";mcsec-vt=abc\""), &token));
    assert_false(mcsec_topo_via_token(S("SIP/2.0/UDP h;branch=z9hG4bKa, SIP/2.0/UDP "
                                        "h;mcsec-vt=abc"),
                                      &token));
    assert_false(mcsec_topo_via_token(S("SIP/2.0/UDP h;mcsec-vtx=abc"), &token));
    assert_false(mcsec_topo_via_token(S("SIP/2.0/UDP h;mcsec-vt"), &token));
    assert_false(mcsec_topo_via_token(S(""), &token));
}

static void test_route_entries_tokenized_and_restored(void **state)
{
    mcsec_topo_t *topo = *state;
    static const char *const entries[] = {
        "<sip:10.0.0.5;lr;ftag=a1b2>",
        "\"Inside Proxy\" <sip:scscf.inside.a.example:5062;transport=tcp;lr>;x-param=1",
        "<sips:10.0.0.6;lr>",
        "sip:10.0.0.8;lr",
    };
    mcsec_str_t callid = S("partner-call-id-77@b.example");
    for (size_t i = 0; i < 4; i++) {
        for (int kind = MCSEC_TOPO_RR; kind <= MCSEC_TOPO_PATH; kind++) {
            char out[512], back[512];
            size_t len = 0, back_len = 0;
            assert_int_equal(
                mcsec_topo_hide_route(topo, kind, S(entries[i]), callid, out, sizeof(out), &len),
                MCSEC_OK);
            const char *scheme = i == 2 ? "<sips:" : "<sip:";
            assert_true(starts_with(out, len, scheme));
            assert_non_null(memmem(out, len, "@" HOST ";lr;tokenized-by=" HOST ">", 40));
            assert_int_equal(out[len - 1], '>');
            assert_null(memmem(out, len, "10.0.0", 6));
            mcsec_str_t token;
            assert_true(mcsec_topo_uri_token(topo, (mcsec_str_t){out, len}, &token));
            mcsec_topo_error_t err;
            assert_int_equal(mcsec_topo_restore_route(topo, kind, (mcsec_str_t){out, len}, callid,
                                                      back, len, &back_len, &err),
                             MCSEC_OK);
            assert_int_equal(back_len, strlen(entries[i]));
            assert_memory_equal(back, entries[i], back_len);
            /* As a Route entry the partner may add a display name or params. */
            char route[600];
            int rlen = snprintf(route, sizeof(route), "Rt <%.*s>;foo=bar", (int)(len - 2), out + 1);
            assert_int_equal(mcsec_topo_restore_route(topo, kind,
                                                      (mcsec_str_t){route, (size_t)rlen}, callid,
                                                      back, sizeof(back), &back_len, &err),
                             MCSEC_OK);
            assert_memory_equal(back, entries[i], back_len);
            /* The other kind (RR vs Path) and a Contact restore refuse it. */
            int other = kind == MCSEC_TOPO_RR ? MCSEC_TOPO_PATH : MCSEC_TOPO_RR;
            assert_int_equal(mcsec_topo_restore_route(topo, other, (mcsec_str_t){out, len}, callid,
                                                      back, sizeof(back), &back_len, &err),
                             MCSEC_ERR_INVALID);
            assert_int_equal(err.fault, MCSEC_TOPO_FAULT_AUTH);
            assert_int_equal(mcsec_topo_restore_contact_uri(topo, (mcsec_str_t){out, len}, callid,
                                                            back, sizeof(back), &back_len, &err),
                             MCSEC_ERR_INVALID);
        }
    }
}

static void test_contact_keeps_params_outside_uri(void **state)
{
    mcsec_topo_t *topo = *state;
    static const struct {
        const char *contact, *uri, *tail;
    } cases[] = {
        {"<sip:mcptt-as@10.0.0.9:5060;transport=udp>;expires=600;+g.3gpp.icsi-ref=\"urn%3Aurn-7%"
         "3A3gpp-service.ims.icsi.mcptt\";+g.3gpp.mcptt",
         "sip:mcptt-as@10.0.0.9:5060;transport=udp",
         ";expires=600;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.mcptt\";+g.3gpp."
         "mcptt"},
        {"\"MCPTT <AS>; 3\" <sips:as3.inside.a.example>;+sip.instance=\"<urn:uuid:1>\"",
         "sips:as3.inside.a.example", ";+sip.instance=\"<urn:uuid:1>\""},
        {"  sip:10.0.0.9;expires=60", "sip:10.0.0.9", ";expires=60"},
        {"sip:10.0.0.9", "sip:10.0.0.9", ""},
    };
    mcsec_str_t callid = S("abc@" HOST);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[800], back[800];
        size_t len = 0, back_len = 0;
        assert_int_equal(
            mcsec_topo_hide_contact(topo, S(cases[i].contact), callid, out, sizeof(out), &len),
            MCSEC_OK);
        const char *scheme = i == 1 ? "<sips:" : "<sip:";
        assert_true(starts_with(out, len, scheme));
        size_t tail_len = strlen(cases[i].tail);
        assert_memory_equal(out + len - tail_len, cases[i].tail, tail_len);
        assert_memory_equal(out + len - tail_len - strlen(";tokenized-by=" HOST ">"),
                            ";tokenized-by=" HOST ">", strlen(";tokenized-by=" HOST ">"));
        assert_null(memmem(out, len, "10.0.0", 6));
        assert_null(memmem(out, len, "inside", 6));
        assert_null(memmem(out, len, "MCPTT <AS>", 10));
        /* The partner sends in-dialog requests to the bare URI. */
        const char *lt = memchr(out, '<', len);
        const char *gt = memchr(out, '>', len);
        mcsec_str_t ruri = {lt + 1, (size_t)(gt - lt - 1)};
        mcsec_topo_error_t err;
        assert_int_equal(
            mcsec_topo_restore_contact_uri(topo, ruri, callid, back, ruri.len, &back_len, &err),
            MCSEC_OK);
        assert_int_equal(back_len, strlen(cases[i].uri));
        assert_memory_equal(back, cases[i].uri, back_len);
        /* Same from the whole Contact value. */
        assert_int_equal(mcsec_topo_restore_contact_uri(topo, (mcsec_str_t){out, len}, callid, back,
                                                        sizeof(back), &back_len, &err),
                         MCSEC_OK);
        assert_memory_equal(back, cases[i].uri, back_len);
        /* Not as a Record-Route entry. */
        assert_int_equal(mcsec_topo_restore_route(topo, MCSEC_TOPO_RR, (mcsec_str_t){out, len},
                                                  callid, back, sizeof(back), &back_len, &err),
                         MCSEC_ERR_INVALID);
    }
    char out[64];
    size_t len = 0;
    assert_int_equal(mcsec_topo_hide_contact(topo, S("*"), callid, out, sizeof(out), &len),
                     MCSEC_ERR_PARSE);
    assert_int_equal(mcsec_topo_hide_contact(topo, S("<>"), callid, out, sizeof(out), &len),
                     MCSEC_ERR_PARSE);
    assert_int_equal(
        mcsec_topo_hide_contact(topo, S("\"unclosed <sip:a@b>"), callid, out, sizeof(out), &len),
        MCSEC_ERR_PARSE);
}

static void test_uri_token_recognises_only_ours(void **state)
{
    mcsec_topo_t *topo = *state;
    mcsec_str_t token;
    assert_true(mcsec_topo_uri_token(topo, S("sip:abc@" HOST ";tokenized-by=" HOST), &token));
    assert_true(mcsec_topo_uri_token(
        topo, S("SIP:abc@BORDER.a.example;lr;Tokenized-By=" HOST ";transport=tcp"), &token));
    assert_false(mcsec_topo_uri_token(topo, S("sip:abc@" HOST), &token));
    assert_false(mcsec_topo_uri_token(topo, S("sip:abc@other.example;tokenized-by=" HOST), &token));
    assert_false(mcsec_topo_uri_token(topo, S("sip:abc@" HOST ";tokenized-by=other"), &token));
    assert_false(mcsec_topo_uri_token(topo, S("sip:ab-c@" HOST ";tokenized-by=" HOST), &token));
    assert_false(mcsec_topo_uri_token(topo, S("tel:+123;tokenized-by=" HOST), &token));
    assert_false(mcsec_topo_uri_token(topo, S("sip:" HOST ";tokenized-by=" HOST), &token));
    assert_false(mcsec_topo_uri_token(topo, S("<sip:abc@" HOST ";tokenized-by=" HOST), &token));
    /* Ours in form but forged: a bad token, never passed through. */
    char back[64];
    size_t back_len = 0;
    mcsec_topo_error_t err;
    assert_int_equal(mcsec_topo_restore_contact_uri(topo, S("sip:abc@" HOST ";tokenized-by=" HOST),
                                                    S("c"), back, sizeof(back), &back_len, &err),
                     MCSEC_ERR_INVALID);
    assert_int_equal(err.reason, MCSEC_REASON_TOPO_BAD_TOKEN);
    assert_int_equal(mcsec_topo_restore_route(topo, MCSEC_TOPO_RR, S("<sip:10.0.0.1;lr>"), S("c"),
                                              back, sizeof(back), &back_len, &err),
                     MCSEC_ERR_INVALID);
}

static void test_callid_tokenized_and_restored(void **state)
{
    mcsec_topo_t *topo = *state;
    const char *inside = "a84b4c76e66710@pc33.inside.a.example";
    assert_true(mcsec_topo_callid_needs_hiding(topo, S(inside)));
    assert_false(mcsec_topo_callid_needs_hiding(topo, S("f81d4fae7dec11d0a76500a0c91e6bf6")));
    char out[256], again[256], back[256];
    size_t len = 0, again_len = 0, back_len = 0;
    assert_int_equal(mcsec_topo_hide_callid(topo, S(inside), out, sizeof(out), &len), MCSEC_OK);
    assert_int_equal(mcsec_topo_hide_callid(topo, S(inside), again, sizeof(again), &again_len),
                     MCSEC_OK);
    assert_int_equal(len, again_len);
    assert_memory_equal(out, again, len);
    assert_memory_equal(out + len - strlen("@" HOST), "@" HOST, strlen("@" HOST));
    assert_null(memmem(out, len, "inside", 6));
    mcsec_str_t token_callid = {out, len};
    assert_true(mcsec_topo_callid_is_token(topo, token_callid));
    assert_false(mcsec_topo_callid_is_token(topo, S(inside)));
    assert_false(mcsec_topo_callid_is_token(topo, S("@" HOST)));
    mcsec_topo_error_t err;
    assert_int_equal(mcsec_topo_restore_callid(topo, token_callid, back, len, &back_len, &err),
                     MCSEC_OK);
    assert_int_equal(back_len, strlen(inside));
    assert_memory_equal(back, inside, back_len);
    /* A Call-ID token is not a Contact token and vice versa. */
    mcsec_str_t tok = {out, len - strlen("@" HOST)};
    char t2[256];
    assert_int_equal(mcsec_topo_token_decode(topo, MCSEC_TOPO_CONTACT, S(""), tok, t2, sizeof(t2),
                                             &back_len, &err),
                     MCSEC_ERR_INVALID);
    /* A partner Call-ID that merely looks like ours is refused. */
    assert_int_equal(
        mcsec_topo_restore_callid(topo, S("xyz@" HOST), back, sizeof(back), &back_len, &err),
        MCSEC_ERR_INVALID);
    assert_int_equal(err.reason, MCSEC_REASON_TOPO_BAD_TOKEN);
}

static void test_strip_list(void **state)
{
    (void)state;
    assert_true(mcsec_topo_header_stripped(S("Server"), NULL));
    assert_true(mcsec_topo_header_stripped(S("user-agent"), NULL));
    assert_true(mcsec_topo_header_stripped(S("ORGANIZATION "), NULL));
    assert_true(mcsec_topo_header_stripped(S("Warning"), NULL));
    assert_true(mcsec_topo_header_stripped(S("P-Charging-Vector"), NULL));
    assert_false(mcsec_topo_header_stripped(S("P-Asserted-Identity"), NULL));
    assert_false(mcsec_topo_header_stripped(S("Via"), NULL));
    assert_false(mcsec_topo_header_stripped(S("Serverx"), NULL));
    assert_false(mcsec_topo_header_stripped(S(""), NULL));
    char *names[] = {"P-Visited-Network-ID", "s", "X-Inside-*", "Call-Info"};
    mcsec_strlist_t extra = {names, 4};
    assert_true(mcsec_topo_header_stripped(S("p-visited-network-id"), &extra));
    assert_true(mcsec_topo_header_stripped(S("Subject"), &extra)); /* "s" in the list */
    assert_true(mcsec_topo_header_stripped(S("S"), &extra));
    assert_true(mcsec_topo_header_stripped(S("x-inside-host"), &extra));
    assert_true(mcsec_topo_header_stripped(S("X-Inside-"), &extra));
    assert_false(mcsec_topo_header_stripped(S("X-Insid"), &extra));
    assert_false(mcsec_topo_header_stripped(S("k"), &extra)); /* Supported */
    char *subject_long[] = {"Subject"};
    mcsec_strlist_t extra2 = {subject_long, 1};
    assert_true(mcsec_topo_header_stripped(S("s"), &extra2));
    assert_false(mcsec_topo_header_stripped(S("v"), &extra2));
}

static void test_long_and_odd_inputs_never_crash(void **state)
{
    mcsec_topo_t *topo = *state;
    size_t big_len = 3 * MCSEC_TOPO_MAX_VALUE;
    char *big = malloc(big_len);
    char *out = malloc(4 * big_len);
    assert_non_null(big);
    assert_non_null(out);
    for (size_t i = 0; i < big_len; i++)
        big[i] = "<>\";,@:sip \t\r\nabc=\\"[i % 19];
    size_t len = 0;
    mcsec_topo_error_t err;
    mcsec_str_t items[8];
    for (size_t n = 0; n <= big_len; n += 97) {
        mcsec_str_t v = {big, n};
        (void)mcsec_topo_hide_route(topo, MCSEC_TOPO_RR, v, v, out, 4 * big_len, &len);
        (void)mcsec_topo_hide_contact(topo, v, v, out, 4 * big_len, &len);
        (void)mcsec_topo_hide_callid(topo, v, out, 4 * big_len, &len);
        (void)mcsec_topo_hide_vias(topo, &v, 1, v, out, 4 * big_len, &len);
        (void)mcsec_topo_restore_route(topo, MCSEC_TOPO_RR, v, v, out, 4 * big_len, &len, &err);
        (void)mcsec_topo_restore_contact_uri(topo, v, v, out, 4 * big_len, &len, &err);
        (void)mcsec_topo_restore_callid(topo, v, out, 4 * big_len, &len, &err);
        (void)mcsec_topo_restore_vias(topo, v, v, out, 4 * big_len, items, 8, &len, &err);
        mcsec_str_t token;
        (void)mcsec_topo_via_token(v, &token);
        (void)mcsec_topo_uri_token(topo, v, &token);
        (void)mcsec_topo_header_stripped(v, NULL);
    }
    /* Over the value limit: refused, not truncated. */
    mcsec_str_t v = {big, MCSEC_TOPO_MAX_VALUE + 1};
    assert_int_equal(mcsec_topo_hide_route(topo, MCSEC_TOPO_RR, v, S("c"), out, 4 * big_len, &len),
                     MCSEC_ERR_ARG);
    mcsec_str_t two[2] = {{big, MCSEC_TOPO_MAX_VALUE / 2}, {big, MCSEC_TOPO_MAX_VALUE / 2}};
    assert_int_equal(mcsec_topo_hide_vias(topo, two, 2, S("c"), out, 4 * big_len, &len),
                     MCSEC_ERR_ARG);
    mcsec_str_t empty = {"", 0};
    assert_int_equal(mcsec_topo_hide_vias(topo, &empty, 1, S("c"), out, 4 * big_len, &len),
                     MCSEC_ERR_ARG);
    free(big);
    free(out);
}

static void rewrite(mcsec_topo_t *topo, const char *in, const char *expect)
{
    static char *names[] = {"a.example", "*.a.example"};
    const mcsec_strlist_t domains = {names, 2};
    char out[512];
    size_t len = 0;
    bool changed = true;
    assert_int_equal(
        mcsec_topo_rewrite_hosts(topo, S(in), &domains, out, sizeof(out), &len, &changed),
        MCSEC_OK);
    assert_int_equal(changed, strcmp(in, expect) != 0);
    out[len] = '\0';
    assert_string_equal(out, expect);
}

static void test_rewrite_hosts(void **state)
{
    mcsec_topo_t *topo = *state;
    rewrite(topo, "gms.a.example 10.0.0.5:5060, [fd00::5]:5061 fd00::7.",
            HOST " " HOST ":5060, " HOST ":5061 " HOST ".");
    rewrite(topo, "sip:alice@a.example;x=gw.a.example.", "sip:alice@" HOST ";x=" HOST ".");
    /* Not ours: other domains, words without dots, look-alikes. */
    rewrite(topo, "b.example xa.example a.example.org deadbeef 10.0.0 mcptt-as 999.1.1.1",
            "b.example xa.example a.example.org deadbeef 10.0.0 mcptt-as 999.1.1.1");
    rewrite(topo, HOST " ok", HOST " ok");
    rewrite(topo, "", "");
    /* Size query and short buffer. */
    size_t len = 0;
    bool changed = false;
    assert_int_equal(mcsec_topo_rewrite_hosts(topo, S("10.1.2.3"), NULL, NULL, 0, &len, &changed),
                     MCSEC_ERR_ARG);
    assert_int_equal(len, strlen(HOST));
    char small[4];
    assert_int_equal(
        mcsec_topo_rewrite_hosts(topo, S("10.1.2.3"), NULL, small, sizeof(small), &len, &changed),
        MCSEC_ERR_ARG);
    assert_int_equal(
        mcsec_topo_rewrite_hosts(NULL, S("x"), NULL, small, sizeof(small), &len, &changed),
        MCSEC_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vias_collapse_into_one_and_restore_exactly),
        cmocka_unit_test(test_via_token_found_only_in_our_param),
        cmocka_unit_test(test_route_entries_tokenized_and_restored),
        cmocka_unit_test(test_contact_keeps_params_outside_uri),
        cmocka_unit_test(test_uri_token_recognises_only_ours),
        cmocka_unit_test(test_callid_tokenized_and_restored),
        cmocka_unit_test(test_strip_list),
        cmocka_unit_test(test_rewrite_hosts),
        cmocka_unit_test(test_long_and_odd_inputs_never_crash),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
