/* CRLs (mcsec/policy/crl.h) and their policy lines (partners[].keys.crls,
 * system.revocation): a CRL of every CA of the chain loads, PEM or DER; a
 * forged, foreign, unparsable CRL or one of a CA without cRLSign never
 * does; a chain CA without a CRL is refused; staleness is computed from
 * nextUpdate. Fixtures: data/crl/make.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "mcsec/config/config_expiry.h"
#include "mcsec/policy/crl.h"
#include "mcsec/policy/policy.h"

#define DATA MCSEC_TEST_DATA "/crl"

static mcsec_err_t load(const char *ca, const char *a, const char *b, mcsec_crl_set_t *set,
                        char *why, size_t size)
{
    char *paths[2] = {(char *)a, (char *)b};
    memset(set, 0, sizeof(*set));
    why[0] = '\0';
    return mcsec_crl_set_load(set, ca, paths, b ? 2 : 1, why, size);
}

static void test_crl_chain_loads_pem_and_der(void **state)
{
    (void)state;
    mcsec_crl_set_t set;
    char why[512];
    assert_int_equal(load(DATA "/chain.pem", DATA "/root.crl.pem", DATA "/inter.crl.der", &set, why,
                          sizeof(why)),
                     MCSEC_OK);
    assert_int_equal(set.count, 2);
    assert_non_null(set.pem);
    const char *second = strstr(strstr(set.pem, "BEGIN X509 CRL") + 1, "BEGIN X509 CRL");
    assert_non_null(second);
    /* nextUpdate 2124-01-01 */
    assert_true(set.next_update > (int64_t)4000000000LL);
    assert_int_equal(mcsec_crl_freshness(set.next_update, time(NULL), 172800), MCSEC_CRL_FRESH);
    mcsec_crl_set_clear(&set);
    assert_null(set.pem);
}

static void test_crl_every_ca_needs_one(void **state)
{
    (void)state;
    mcsec_crl_set_t set;
    char why[512];
    assert_int_equal(load(DATA "/chain.pem", DATA "/root.crl.pem", NULL, &set, why, sizeof(why)),
                     MCSEC_ERR_INVALID);
    assert_non_null(strstr(why, "CN=Test Intermediate CA"));
    assert_non_null(strstr(why, "has no CRL"));
    assert_null(set.pem);
}

static void test_crl_forged_foreign_garbage_refused(void **state)
{
    (void)state;
    static const struct {
        const char *ca, *crl, *text;
    } cases[] = {
        {DATA "/root.pem", DATA "/forged.crl.pem", "signature does not verify"},
        {DATA "/root.pem", DATA "/other.crl.pem", "none of the configured CAs"},
        {DATA "/root.pem", DATA "/garbage.crl.pem", "is not a CRL"},
        {DATA "/root.pem", DATA "/missing.crl.pem", "not readable"},
        {DATA "/nosign.pem", DATA "/nosign.crl.pem", "no cRLSign"},
        {DATA "/root.pem", DATA "/root.pem", "is not a CRL"},
        {DATA "/root.pem", DATA "/noaki.crl.pem", "no authorityKeyIdentifier"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mcsec_crl_set_t set;
        char why[512];
        assert_int_equal(load(cases[i].ca, cases[i].crl, NULL, &set, why, sizeof(why)),
                         MCSEC_ERR_INVALID);
        if (!strstr(why, cases[i].text))
            fail_msg("case %zu: '%s' lacks '%s'", i, why, cases[i].text);
        assert_int_equal(set.count, 0);
    }
}

static void test_crl_freshness(void **state)
{
    (void)state;
    mcsec_crl_set_t set;
    char why[512];
    assert_int_equal(load(DATA "/root.pem", DATA "/stale.crl.pem", NULL, &set, why, sizeof(why)),
                     MCSEC_OK); /* a stale CRL loads: system.revocation.stale decides */
    assert_int_equal(mcsec_crl_freshness(set.next_update, time(NULL), 172800), MCSEC_CRL_STALE);
    mcsec_crl_set_clear(&set);
    assert_int_equal(mcsec_crl_freshness(0, 1000, 10), MCSEC_CRL_FRESH);
    assert_int_equal(mcsec_crl_freshness(1000, 1001, 10), MCSEC_CRL_STALE);
    assert_int_equal(mcsec_crl_freshness(1000, 1000, 10), MCSEC_CRL_DUE);
    assert_int_equal(mcsec_crl_freshness(1000, 990, 10), MCSEC_CRL_DUE);
    assert_int_equal(mcsec_crl_freshness(1000, 989, 10), MCSEC_CRL_FRESH);
}

/* ---- the policy lines --------------------------------------------------- */

static const char *policy_with(const char *revocation, const char *crls)
{
    static char text[2048];
    snprintf(text, sizeof(text),
             "version: 1\n"
             "system:\n"
             "  name: system-a\n"
             "  identity: sip:border@a.example\n"
             "  domains: [a.example]\n"
             "%s"
             "partners:\n"
             "  - name: system-b\n"
             "    identity: sip:border@b.example\n"
             "    domains: [b.example]\n"
             "    addresses: {is_proxy: [192.0.2.1:5060]}\n"
             "    auth: implicit\n"
             "    sip: {methods: [MESSAGE]}\n"
             "    keys:\n"
             "      ca: chain.pem\n"
             "      crls: %s\n",
             revocation, crls);
    return text;
}

static mcsec_err_t load_policy(const char *yaml, mcsec_policy_t **policy, mcsec_diag_list_t *diags)
{
    *policy = NULL;
    return mcsec_policy_load_buffer(yaml, strlen(yaml), "p.yaml", DATA, policy, diags);
}

static bool has_diag(const mcsec_diag_list_t *diags, unsigned line, unsigned col, const char *text)
{
    for (size_t i = 0; i < diags->count; i++)
        if (diags->items[i].line == line && diags->items[i].col == col &&
            strstr(diags->items[i].message, text))
            return true;
    for (size_t i = 0; i < diags->count; i++) {
        char out[512];
        mcsec_diag_format(&diags->items[i], out, sizeof(out));
        print_error("  got: %s\n", out);
    }
    return false;
}

static void test_crl_policy_loads_and_dumps(void **state)
{
    (void)state;
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *policy;
    assert_int_equal(load_policy(policy_with("  revocation: {stale: refuse, warn_before: 3600}\n",
                                             "[root.crl.pem, inter.crl.der]"),
                                 &policy, &diags),
                     MCSEC_OK);
    assert_int_equal(policy->system.revocation.stale, MCSEC_CRL_STALE_REFUSE);
    assert_int_equal(policy->system.revocation.warn_before, 3600);
    assert_int_equal(policy->partners[0].keys.crls.count, 2);
    assert_string_equal(policy->partners[0].keys.crls.items[1], DATA "/inter.crl.der");
    char *dump = NULL;
    assert_int_equal(mcsec_policy_dump(policy, &dump), MCSEC_OK);
    assert_non_null(strstr(dump, "stale: refuse"));
    assert_non_null(strstr(dump, "crls: [" DATA "/root.crl.pem, " DATA "/inter.crl.der]"));
    mcsec_policy_t *again = NULL;
    assert_int_equal(load_policy(dump, &again, &diags), MCSEC_OK);
    assert_int_equal(again->partners[0].keys.crls.count, 2);
    mcsec_policy_free(again);
    free(dump);
    mcsec_policy_free(policy);
    /* default: keep, two days */
    assert_int_equal(load_policy(policy_with("", "[root.crl.pem, inter.crl.der]"), &policy, &diags),
                     MCSEC_OK);
    assert_int_equal(policy->system.revocation.stale, MCSEC_CRL_STALE_KEEP);
    assert_int_equal(policy->system.revocation.warn_before, 172800);
    mcsec_policy_free(policy);
    mcsec_diag_list_free(&diags);
}

static void test_crl_expiry_report(void **state)
{
    (void)state;
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *policy;
    assert_int_equal(load_policy(policy_with("", "[root.crl.pem, inter.crl.der]"), &policy, &diags),
                     MCSEC_OK);
    int64_t next = 4859740800LL; /* 2124-01-01T00:00:00Z, both fixtures */
    char *text = NULL;
    assert_int_equal(mcsec_crl_expiry_text(policy, next - 10 * 86400, &text), MCSEC_OK);
    assert_non_null(strstr(text, "# crl system-b " DATA "/root.crl.pem: nextUpdate "
                                 "2124-01-01T00:00:00Z, 10 days left\n"));
    assert_non_null(strstr(text, "# crl system-b " DATA "/inter.crl.der: nextUpdate "));
    free(text);
    assert_int_equal(mcsec_crl_expiry_text(policy, next - 3600, &text), MCSEC_OK);
    assert_non_null(strstr(text, ", 0 days left; due\n"));
    free(text);
    assert_int_equal(mcsec_crl_expiry_text(policy, next + 2 * 86400 + 1, &text), MCSEC_OK);
    assert_non_null(strstr(text, ", -3 days left; stale\n"));
    free(text);
    /* The same nextUpdates in the expiry list (mcsecctl policy expiry,
     * RPC mcsec.expiry), due within revocation.warn_before. */
    for (int round = 0; round < 2; round++) {
        mcsec_expiry_list_t list;
        int64_t at = round == 0 ? next - 10 * 86400 : next - 3600;
        assert_int_equal(mcsec_config_expiry(policy, at, &list), MCSEC_OK);
        size_t crls = 0;
        for (size_t i = 0; i < list.count; i++) {
            if (list.items[i].kind != MCSEC_EXPIRY_CRL)
                continue;
            crls++;
            assert_string_equal(list.items[i].what, "partner 'system-b' keys.crls");
            assert_int_equal(list.items[i].expires, next);
            assert_int_equal(list.items[i].due, round == 1);
        }
        assert_int_equal(crls, 2);
        mcsec_expiry_list_free(&list);
    }
    mcsec_policy_free(policy);
}

static void test_crl_policy_problems_have_positions(void **state)
{
    (void)state;
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *policy;
    /* line 15 is "      crls: ...", the sequence starts at column 13 */
    assert_int_equal(load_policy(policy_with("", "[root.crl.pem]"), &policy, &diags),
                     MCSEC_ERR_INVALID);
    assert_null(policy);
    assert_true(has_diag(&diags, 15, 13, "CN=Test Intermediate CA"));
    mcsec_diag_list_free(&diags);
    assert_int_equal(
        load_policy(policy_with("", "[root.crl.pem, forged.crl.pem]"), &policy, &diags),
        MCSEC_ERR_INVALID);
    assert_true(has_diag(&diags, 15, 28, "signature does not verify"));
    mcsec_diag_list_free(&diags);
    assert_int_equal(
        load_policy(policy_with("  revocation: {stale: maybe}\n", "[root.crl.pem, inter.crl.der]"),
                    &policy, &diags),
        MCSEC_ERR_INVALID);
    assert_true(has_diag(&diags, 6, 23, "expected keep or refuse"));
    mcsec_diag_list_free(&diags);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crl_chain_loads_pem_and_der),
        cmocka_unit_test(test_crl_every_ca_needs_one),
        cmocka_unit_test(test_crl_forged_foreign_garbage_refused),
        cmocka_unit_test(test_crl_freshness),
        cmocka_unit_test(test_crl_policy_loads_and_dumps),
        cmocka_unit_test(test_crl_policy_problems_have_positions),
        cmocka_unit_test(test_crl_expiry_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
