/* Refer-To and Replaces hiding: an inside Refer-To target becomes a token
 * URI the partner can address in a new dialog (and the request-URI restore
 * takes it back), the Call-ID a Replaces names (header or escaped in the
 * Refer-To) becomes exactly the dialog's Call-ID token, partner values
 * stay, everything restores exactly, and tampered tokens are refused. */
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

#define OUR_CID "topo-1-77@mcptt-as.a.internal"

static char *partner_names[] = {"b.mcx.example", "*.b.mcx.example"};
static const mcsec_strlist_t partner_domains = {partner_names, 2};
static const mcsec_topo_refer_rule_t rule = {&partner_domains, false};

static int setup(void **state)
{
    return topo_fixture_make(state, 0);
}

static int teardown(void **state)
{
    return topo_fixture_teardown(state);
}

/* The dialog's Call-ID token, and the same with '@' escaped. */
static void callid_token(mcsec_topo_t *topo, const char *callid, char *token, char *escaped)
{
    size_t len = 0;
    assert_int_equal(mcsec_topo_hide_callid(topo, S(callid), token, 512, &len), MCSEC_OK);
    token[len] = '\0';
    const char *at = strchr(token, '@');
    assert_non_null(at);
    snprintf(escaped, 512, "%.*s%%40%s", (int)(at - token), token, at + 1);
}

static char *hide_refer_to(mcsec_topo_t *topo, const char *value, bool expect_change)
{
    static char out[2048];
    size_t len = 0;
    bool changed = !expect_change;
    assert_int_equal(
        mcsec_topo_hide_refer_to(topo, S(value), &rule, out, sizeof(out) - 1, &len, &changed),
        MCSEC_OK);
    assert_int_equal(changed, expect_change);
    out[len] = '\0';
    return out;
}

static char *restore_refer_to(mcsec_topo_t *topo, const char *value, const char *callid,
                              mcsec_err_t expect, mcsec_topo_error_t *err)
{
    static char out[2048];
    size_t len = 0;
    bool changed = false;
    mcsec_err_t rc = mcsec_topo_restore_refer_to(topo, S(value), S(callid), out, sizeof(out) - 1,
                                                 &len, &changed, err);
    assert_int_equal(rc, expect);
    if (rc != MCSEC_OK)
        return NULL;
    out[len] = '\0';
    return out;
}

static void test_refer_to_target_and_replaces_hidden_and_restored(void **state)
{
    mcsec_topo_t *topo = *state;
    const char *refer_to = "\"Conf\" <sip:conf@conf.a.internal;transport=udp?Subject=x&"
                           "Replaces=topo-1-77%40mcptt-as.a.internal%3Bto-tag%3Dt1%3Bfrom-tag%3Df1>"
                           ";method=INVITE";
    char token[512], escaped[512];
    callid_token(topo, OUR_CID, token, escaped);
    char hidden[2048];
    snprintf(hidden, sizeof(hidden), "%s", hide_refer_to(topo, refer_to, true));
    assert_null(strstr(hidden, "a.internal"));
    assert_true(strncmp(hidden, "\"Conf\" <sip:", 12) == 0);
    /* The target is a token URI; the headers part follows it with the
     * dialog's Call-ID token in the Replaces (escaped), the rest as it was. */
    char expect_tail[1024];
    snprintf(expect_tail, sizeof(expect_tail),
             "@" HOST ";tokenized-by=" HOST
             "?Subject=x&Replaces=%s%%3Bto-tag%%3Dt1%%3Bfrom-tag%%3Df1>"
             ";method=INVITE",
             escaped);
    assert_non_null(strstr(hidden, expect_tail));
    /* Deterministic. */
    assert_string_equal(hide_refer_to(topo, refer_to, true), hidden);
    /* Back exactly, whatever the REFER's own Call-ID. */
    mcsec_topo_error_t err;
    assert_string_equal(restore_refer_to(topo, hidden, "refer-dialog@b", MCSEC_OK, &err), refer_to);
}

static void test_refer_to_partner_and_other_targets_stay(void **state)
{
    mcsec_topo_t *topo = *state;
    const char *kept[] = {
        "<sip:bob@b.mcx.example>",
        "<sip:bob@ue.b.mcx.example?Replaces=abc%40ue.b.mcx.example%3Bto-tag%3D1%3Bfrom-tag%3D2>",
        "<tel:+4930123>",
        "<sip:x@border.b.mcx.example;tokenized-by=border.b.mcx.example>",
    };
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
        assert_string_equal(hide_refer_to(topo, kept[i], false), kept[i]);
    /* A bare addr-spec target gets brackets around its token URI. */
    char hidden[1024];
    snprintf(hidden, sizeof(hidden), "%s", hide_refer_to(topo, "sip:carol@10.1.0.5;x=1", true));
    assert_true(strncmp(hidden, "<sip:", 5) == 0);
    assert_non_null(strstr(hidden, ";tokenized-by=" HOST ">;x=1"));
    mcsec_topo_error_t err;
    assert_string_equal(restore_refer_to(topo, hidden, "c@b", MCSEC_OK, &err),
                        "<sip:carol@10.1.0.5>;x=1");
    /* The partner's own values and tokens of other borders pass ingress. */
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
        assert_string_equal(restore_refer_to(topo, kept[i], "c@b", MCSEC_OK, &err), kept[i]);
}

static void test_refer_to_target_is_a_request_uri_of_a_new_dialog(void **state)
{
    mcsec_topo_t *topo = *state;
    char hidden[1024];
    snprintf(hidden, sizeof(hidden), "%s",
             hide_refer_to(topo, "<sip:conf@conf.a.internal;transport=udp>", true));
    /* The partner sends an INVITE to the target: its request-URI. */
    hidden[strlen(hidden) - 1] = '\0';
    const char *ruri = hidden + 1;
    char out[512];
    size_t len = 0;
    mcsec_topo_error_t err;
    assert_int_equal(mcsec_topo_restore_target_uri(topo, S(ruri), S("new-dialog@b.mcx.example"),
                                                   out, sizeof(out), &len, &err),
                     MCSEC_OK);
    assert_int_equal(len, strlen("sip:conf@conf.a.internal;transport=udp"));
    assert_memory_equal(out, "sip:conf@conf.a.internal;transport=udp", len);
    /* A Contact token still needs its own dialog. */
    char contact[512];
    assert_int_equal(mcsec_topo_hide_contact(topo, S("<sip:as@10.1.0.7:5070>"), S("d1@b"), contact,
                                             sizeof(contact), &len),
                     MCSEC_OK);
    contact[len - 1] = '\0';
    assert_int_equal(mcsec_topo_restore_target_uri(topo, S(contact + 1), S("d1@b"), out,
                                                   sizeof(out), &len, &err),
                     MCSEC_OK);
    assert_memory_equal(out, "sip:as@10.1.0.7:5070", len);
    assert_int_equal(mcsec_topo_restore_target_uri(topo, S(contact + 1), S("d2@b"), out,
                                                   sizeof(out), &len, &err),
                     MCSEC_ERR_INVALID);
    assert_int_equal(err.reason, MCSEC_REASON_TOPO_BAD_TOKEN);
    assert_int_equal(err.fault, MCSEC_TOPO_FAULT_AUTH);
}

static void test_refer_to_contact_token_of_the_replaced_dialog(void **state)
{
    mcsec_topo_t *topo = *state;
    /* The partner refers us to our own MC server's Contact in dialog 2,
     * which we started (partner-side Call-ID: our token). */
    char token[512], escaped[512];
    callid_token(topo, OUR_CID, token, escaped);
    char contact[512];
    size_t len = 0;
    assert_int_equal(mcsec_topo_hide_contact(topo, S("<sip:as@10.1.0.7:5070;ob>"), S(token),
                                             contact, sizeof(contact), &len),
                     MCSEC_OK);
    contact[len - 1] = '\0';
    char refer_to[1500];
    snprintf(refer_to, sizeof(refer_to), "<%s?Replaces=%s%%3Bto-tag%%3D1%%3Bfrom-tag%%3D2>",
             contact + 1, escaped);
    mcsec_topo_error_t err;
    assert_string_equal(restore_refer_to(topo, refer_to, "dialog-1@b.mcx.example", MCSEC_OK, &err),
                        "<sip:as@10.1.0.7:5070;ob?Replaces=topo-1-77%40mcptt-as.a.internal"
                        "%3Bto-tag%3D1%3Bfrom-tag%3D2>");
    /* Without the Replaces, the token must belong to the REFER's dialog. */
    snprintf(refer_to, sizeof(refer_to), "<%s>", contact + 1);
    assert_null(
        restore_refer_to(topo, refer_to, "dialog-1@b.mcx.example", MCSEC_ERR_INVALID, &err));
    assert_int_equal(err.reason, MCSEC_REASON_TOPO_BAD_TOKEN);
    assert_non_null(restore_refer_to(topo, refer_to, token, MCSEC_OK, &err));
}

static void test_refer_to_tampered_tokens_refused(void **state)
{
    mcsec_topo_t *topo = *state;
    char hidden[2048];
    snprintf(hidden, sizeof(hidden), "%s",
             hide_refer_to(topo,
                           "<sip:conf@conf.a.internal?Replaces=topo-1-77%40mcptt-as.a.internal"
                           "%3Bto-tag%3D1%3Bfrom-tag%3D2>",
                           true));
    mcsec_topo_error_t err;
    char bad[2048];
    /* The target token. */
    snprintf(bad, sizeof(bad), "%s", hidden);
    bad[8] = bad[8] == 'a' ? 'b' : 'a';
    assert_null(restore_refer_to(topo, bad, "c@b", MCSEC_ERR_INVALID, &err));
    assert_int_equal(err.reason, MCSEC_REASON_TOPO_BAD_TOKEN);
    /* The escaped Replaces Call-ID token. */
    snprintf(bad, sizeof(bad), "%s", hidden);
    char *cid = strstr(bad, "Replaces=") + strlen("Replaces=");
    cid[3] = cid[3] == 'a' ? 'b' : 'a';
    assert_null(restore_refer_to(topo, bad, "c@b", MCSEC_ERR_INVALID, &err));
    assert_int_equal(err.reason, MCSEC_REASON_TOPO_BAD_TOKEN);
    assert_int_equal(err.fault, MCSEC_TOPO_FAULT_AUTH);
}

static void test_replaces_header(void **state)
{
    mcsec_topo_t *topo = *state;
    char token[512], escaped[512];
    callid_token(topo, OUR_CID, token, escaped);
    char out[1024];
    size_t len = 0;
    bool changed = false;
    assert_int_equal(mcsec_topo_hide_replaces(topo, S(OUR_CID ";to-tag=7;from-tag=8;early-only"),
                                              &rule, out, sizeof(out), &len, &changed),
                     MCSEC_OK);
    assert_true(changed);
    char expect[1024];
    snprintf(expect, sizeof(expect), "%s;to-tag=7;from-tag=8;early-only", token);
    assert_int_equal(len, strlen(expect));
    assert_memory_equal(out, expect, len);
    /* Back exactly. */
    char back[1024];
    size_t back_len = 0;
    mcsec_topo_error_t err;
    assert_int_equal(mcsec_topo_restore_replaces(topo, (mcsec_str_t){out, len}, back, sizeof(back),
                                                 &back_len, &changed, &err),
                     MCSEC_OK);
    assert_true(changed);
    assert_int_equal(back_len, strlen(OUR_CID ";to-tag=7;from-tag=8;early-only"));
    assert_memory_equal(back, OUR_CID ";to-tag=7;from-tag=8;early-only", back_len);
    /* Size query. */
    size_t need = 0;
    assert_int_equal(
        mcsec_topo_hide_replaces(topo, S(OUR_CID ";to-tag=7"), &rule, NULL, 0, &need, &changed),
        MCSEC_ERR_ARG);
    assert_int_equal(need, strlen(token) + strlen(";to-tag=7"));
    /* Stay: a partner Call-ID (host in its domains), our token already, a
     * Call-ID without host unless tokenize_callid. */
    const char *kept[] = {"abc@ue.b.mcx.example;to-tag=1;from-tag=2", "noat;to-tag=1"};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(
            mcsec_topo_hide_replaces(topo, S(kept[i]), &rule, out, sizeof(out), &len, &changed),
            MCSEC_OK);
        assert_false(changed);
        assert_memory_equal(out, kept[i], len);
    }
    snprintf(expect, sizeof(expect), "%s;to-tag=1", token);
    assert_int_equal(
        mcsec_topo_hide_replaces(topo, S(expect), &rule, out, sizeof(out), &len, &changed),
        MCSEC_OK);
    assert_false(changed);
    const mcsec_topo_refer_rule_t always = {&partner_domains, true};
    assert_int_equal(mcsec_topo_hide_replaces(topo, S("noat;to-tag=1"), &always, out, sizeof(out),
                                              &len, &changed),
                     MCSEC_OK);
    assert_true(changed);
    assert_true(mcsec_topo_callid_is_token(topo, (mcsec_str_t){out, len - strlen(";to-tag=1")}));
    /* Ingress: a partner Call-ID stays; a tampered token is refused. */
    assert_int_equal(mcsec_topo_restore_replaces(topo, S(kept[0]), back, sizeof(back), &back_len,
                                                 &changed, &err),
                     MCSEC_OK);
    assert_false(changed);
    assert_memory_equal(back, kept[0], back_len);
    snprintf(expect, sizeof(expect), "%s;to-tag=1", token);
    expect[2] = expect[2] == 'a' ? 'b' : 'a';
    assert_int_equal(
        mcsec_topo_restore_replaces(topo, S(expect), back, sizeof(back), &back_len, &changed, &err),
        MCSEC_ERR_INVALID);
    assert_int_equal(err.reason, MCSEC_REASON_TOPO_BAD_TOKEN);
    /* Nothing to read. */
    assert_int_equal(
        mcsec_topo_hide_replaces(topo, S(" ;to-tag=1"), &rule, out, sizeof(out), &len, &changed),
        MCSEC_ERR_PARSE);
    assert_int_equal(
        mcsec_topo_hide_refer_to(topo, S("<>"), &rule, out, sizeof(out), &len, &changed),
        MCSEC_ERR_PARSE);
    assert_int_equal(mcsec_topo_hide_refer_to(topo, S("<sip:a@x.a.internal?Replaces=bad%4>"), &rule,
                                              out, sizeof(out), &len, &changed),
                     MCSEC_ERR_PARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refer_to_target_and_replaces_hidden_and_restored),
        cmocka_unit_test(test_refer_to_partner_and_other_targets_stay),
        cmocka_unit_test(test_refer_to_target_is_a_request_uri_of_a_new_dialog),
        cmocka_unit_test(test_refer_to_contact_token_of_the_replaced_dialog),
        cmocka_unit_test(test_refer_to_tampered_tokens_refused),
        cmocka_unit_test(test_replaces_header),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
