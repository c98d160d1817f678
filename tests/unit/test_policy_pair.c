/* mcsec_policy_pair: two partners' policies agree, and each kind of
 * disagreement is reported against the file that states it. Policies are
 * generated per test from a description of each side; certificates are the
 * public test files in data/ipsec; SPK files are written at test time
 * (mode 0600). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "mcsec/policy/policy.h"
#include "mcsec/config/policy_pair.h"

#define DATA MCSEC_TEST_DATA "/ipsec"

static char tmp_dir[64];

/* What one side's policy says: about itself (own_*) and about the other
 * (peer_*). NULL = the key is left out. */
typedef struct {
    const char *name, *identity, *domains, *is_proxy, *http_proxy, *gateway, *cert;
    const char *peer_name, *peer_identity, *peer_domains, *peer_is_proxy, *peer_http_proxy,
        *peer_gateway, *peer_ca, *peer_spk, *peer_spk_mode;
    /* NULL = the defaults: implicit, [INVITE, MESSAGE], 4096, no kms, no
     * signing directory, no http section. */
    const char *peer_auth, *peer_methods, *peer_max_body, *peer_kms, *signing, *peer_http;
} side_t;

static side_t side_a(void)
{
    side_t s = {.name = "system-a",
                .identity = "sip:border@a.mcx.example",
                .domains = "[a.mcx.example, \"*.a.mcx.example\"]",
                .is_proxy = "198.51.100.1:5060",
                .http_proxy = "198.51.100.1:8443",
                .gateway = "203.0.113.1",
                .cert = DATA "/border-a.pem",
                .peer_name = "system-b",
                .peer_identity = "sip:border@b.mcx.example",
                .peer_domains = "[\"*.b.mcx.example\", b.mcx.example]",
                .peer_is_proxy = "198.51.100.2:5060",
                .peer_http_proxy = "198.51.100.2:8443",
                .peer_gateway = "203.0.113.2",
                .peer_ca = DATA "/ca-b.pem"};
    return s;
}

/* B as A's mirror; B lists A's IS proxy without a port (any port). */
static side_t side_b(void)
{
    side_t s = {.name = "system-b",
                .identity = "sip:border@b.mcx.example",
                .domains = "[b.mcx.example, \"*.b.mcx.example\"]",
                .is_proxy = "198.51.100.2:5060",
                .http_proxy = "198.51.100.2:8443",
                .gateway = "203.0.113.2",
                .cert = DATA "/border-b.pem",
                .peer_name = "system-a",
                .peer_identity = "sip:border@a.mcx.example",
                .peer_domains = "[a.mcx.example, \"*.a.mcx.example\"]",
                .peer_is_proxy = "198.51.100.1",
                .peer_http_proxy = "198.51.100.1:8443",
                .peer_gateway = "203.0.113.1",
                .peer_ca = DATA "/ca-a.pem"};
    return s;
}

/* Appends "key: value\n" with indent when value is set. */
static void opt(char *out, size_t size, const char *indent, const char *key, const char *value)
{
    if (value)
        snprintf(out + strlen(out), size - strlen(out), "%s%s: %s\n", indent, key, value);
}

static mcsec_policy_t *load_side(const side_t *s, const char *file_name)
{
    char yaml[4096] = "";
    snprintf(yaml, sizeof(yaml),
             "version: 1\nsystem:\n  name: %s\n  identity: %s\n  domains: %s\n  addresses:\n",
             s->name, s->identity, s->domains);
    opt(yaml, sizeof(yaml), "    ", "is_proxy", s->is_proxy);
    opt(yaml, sizeof(yaml), "    ", "http_proxy", s->http_proxy);
    opt(yaml, sizeof(yaml), "    ", "gateway", s->gateway);
    snprintf(yaml + strlen(yaml), sizeof(yaml) - strlen(yaml), "  keys:%s\n",
             s->cert || s->signing ? "" : " {}");
    opt(yaml, sizeof(yaml), "    ", "cert", s->cert);
    opt(yaml, sizeof(yaml), "    ", "signing", s->signing);
    opt(yaml, sizeof(yaml), "    ", "key", s->peer_http ? "tls-key.pem" : NULL);
    snprintf(yaml + strlen(yaml), sizeof(yaml) - strlen(yaml),
             "partners:\n  - name: %s\n    identity: %s\n    domains: %s\n    addresses:\n"
             "      is_proxy: [%s]\n",
             s->peer_name, s->peer_identity, s->peer_domains, s->peer_is_proxy);
    opt(yaml, sizeof(yaml), "      ", "http_proxy", s->peer_http_proxy);
    opt(yaml, sizeof(yaml), "      ", "gateway", s->peer_gateway);
    snprintf(yaml + strlen(yaml), sizeof(yaml) - strlen(yaml),
             "    auth: %s\n    sip:\n      methods: %s\n"
             "      content_types: [text/plain]\n      max_body: %s\n",
             s->peer_auth ? s->peer_auth : "implicit",
             s->peer_methods ? s->peer_methods : "[INVITE, MESSAGE]",
             s->peer_max_body ? s->peer_max_body : "4096");
    if (s->peer_http)
        snprintf(yaml + strlen(yaml), sizeof(yaml) - strlen(yaml), "    http: %s\n", s->peer_http);
    if (s->peer_spk_mode)
        snprintf(yaml + strlen(yaml), sizeof(yaml) - strlen(yaml), "    spk:\n      mode: %s\n",
                 s->peer_spk_mode);
    snprintf(yaml + strlen(yaml), sizeof(yaml) - strlen(yaml), "    keys:%s\n",
             s->peer_ca || s->peer_spk || s->peer_kms ? "" : " {}");
    opt(yaml, sizeof(yaml), "      ", "ca", s->peer_ca);
    opt(yaml, sizeof(yaml), "      ", "spk", s->peer_spk);
    opt(yaml, sizeof(yaml), "      ", "kms", s->peer_kms);

    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *policy = NULL;
    mcsec_err_t rc =
        mcsec_policy_load_buffer(yaml, strlen(yaml), file_name, tmp_dir, &policy, &diags);
    for (size_t i = 0; i < diags.count; i++) {
        char line[512];
        mcsec_diag_format(&diags.items[i], line, sizeof(line));
        print_error("policy: %s\n%s\n", line, yaml);
    }
    mcsec_diag_list_free(&diags);
    assert_int_equal(rc, MCSEC_OK);
    return policy;
}

/* Pairs the two sides; returns the number of diagnostics and checks that
 * one (if want is set) names file and contains want. */
static size_t pair(const side_t *a, const side_t *b, const char *file, const char *want)
{
    mcsec_policy_t *pa = load_side(a, "a.yaml");
    mcsec_policy_t *pb = load_side(b, "b.yaml");
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_err_t rc = mcsec_policy_pair(pa, pb, &diags);
    size_t n = diags.count;
    assert_int_equal(rc, n ? MCSEC_ERR_INVALID : MCSEC_OK);
    bool found = !want;
    for (size_t i = 0; i < n; i++)
        if (want && strcmp(diags.items[i].file, file) == 0 && strstr(diags.items[i].message, want))
            found = true;
    if (!found || (!want && n)) {
        print_error("wanted %s: %s\n", file ? file : "-", want ? want : "(nothing)");
        for (size_t i = 0; i < n; i++) {
            char line[768];
            mcsec_diag_format(&diags.items[i], line, sizeof(line));
            print_error("  got: %s\n", line);
        }
    }
    assert_true(found);
    mcsec_diag_list_free(&diags);
    mcsec_policy_free(pa);
    mcsec_policy_free(pb);
    return n;
}

static void write_file(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", tmp_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, 0600), 0);
}

static int make_tmp(void **state)
{
    (void)state;
    snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/mcsec-pair-unit.XXXXXX");
    return mkdtemp(tmp_dir) ? 0 : -1;
}

static int remove_tmp(void **state)
{
    (void)state;
    static const char *const files[] = {
        "a.spk",      "b.spk",         "b-other.spk",    "b-newer.spk",    "tls-key.pem",
        "sign-a/ssk", "sign-a/pvt",    "sign-a/signer",  "sign-a/kms.pub", "sign-b/ssk",
        "sign-b/pvt", "sign-b/signer", "sign-b/kms.pub", "sign-a",         "sign-b"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[128];
        snprintf(path, sizeof(path), "%s/%s", tmp_dir, files[i]);
        if (unlink(path) != 0)
            rmdir(path);
    }
    rmdir(tmp_dir);
    return 0;
}

/* ---- tests -------------------------------------------------------------- */

static void test_pair_agreeing_policies(void **state)
{
    (void)state;
    side_t a = side_a(), b = side_b();
    assert_int_equal(pair(&a, &b, NULL, NULL), 0);
    assert_int_equal(pair(&b, &a, NULL, NULL), 0);
}

static void test_pair_reports_missing_partner(void **state)
{
    (void)state;
    side_t a = side_a(), b = side_b();
    a.peer_name = "system-x";
    a.peer_identity = "sip:border@x.mcx.example";
    a.peer_domains = "[x.mcx.example]";
    pair(&a, &b, "a.yaml", "no partner for b.yaml (name 'system-b'");
}

static void test_pair_reports_identity_mismatch(void **state)
{
    (void)state;
    side_t a = side_a(), b = side_b();
    a.peer_identity = "sip:gw@b.mcx.example";
    pair(&a, &b, "a.yaml", "identity is 'sip:gw@b.mcx.example' but b.yaml says");
}

static void test_pair_reports_domain_mismatch(void **state)
{
    (void)state;
    side_t a = side_a(), b = side_b();
    a.peer_domains = "[b.mcx.example, c.mcx.example]";
    pair(&a, &b, "a.yaml", "lacks domain '*.b.mcx.example'");
    pair(&a, &b, "a.yaml", "lists domain 'c.mcx.example' that b.yaml does not serve");
}

static void test_pair_reports_address_mismatch(void **state)
{
    (void)state;
    side_t a = side_a(), b = side_b();
    a.peer_is_proxy = "198.51.100.9:5060";
    pair(&a, &b, "a.yaml", "is_proxy does not include 198.51.100.2 port 5060");
    a = side_a();
    a.peer_is_proxy = "198.51.100.2:5070";
    pair(&a, &b, "a.yaml", "is_proxy does not include 198.51.100.2 port 5060");
    a = side_a();
    a.peer_gateway = "203.0.113.9";
    pair(&a, &b, "a.yaml", "addresses.gateway is 203.0.113.9 port 0 but b.yaml says 203.0.113.2");
    a = side_a();
    a.peer_http_proxy = NULL;
    pair(&a, &b, "a.yaml", "has no addresses.http_proxy; b.yaml says 198.51.100.2");
    a = side_a();
    b.gateway = NULL;
    pair(&a, &b, "a.yaml", "sets no system addresses.gateway");
}

static void test_pair_reports_wrong_ca_and_certificate(void **state)
{
    (void)state;
    side_t a = side_a(), b = side_b();
    a.peer_ca = DATA "/ca-rogue.pem";
    pair(&a, &b, "a.yaml", "did not issue system-b's certificate");
    a = side_a();
    b.cert = DATA "/border-rogue-b.pem";
    pair(&a, &b, "a.yaml", "did not issue system-b's certificate");
    b = side_b();
    b.cert = DATA "/border-b-other-san.pem";
    assert_int_equal(
        pair(&a, &b, "a.yaml", "has no subjectAltName dNSName 'b.mcx.example' (its IKE identity)"),
        1);
    /* B pins the right CA for A: nothing reported from B's side. */
    b = side_b();
    b.peer_ca = DATA "/ca-b.pem";
    assert_int_equal(pair(&a, &b, "b.yaml", "did not issue system-a's certificate"), 1);
}

static void test_pair_compares_shared_spk(void **state)
{
    (void)state;
    write_file("a.spk", "30000001 000102030405060708090a0b0c0d0e0f\n"
                        "30000002 101112131415161718191a1b1c1d1e1f\n");
    write_file("b.spk", "# same keys, other comments\n"
                        "30000001 000102030405060708090A0B0C0D0E0F\n"
                        "30000002 101112131415161718191a1b1c1d1e1f\n");
    write_file("b-other.spk", "30000001 000102030405060708090a0b0c0d0e0f\n"
                              "30000002 ffffffffffffffffffffffffffffffff\n");
    write_file("b-newer.spk", "30000002 101112131415161718191a1b1c1d1e1f\n"
                              "30000003 202122232425262728292a2b2c2d2e2f\n");
    side_t a = side_a(), b = side_b();
    a.peer_spk = "a.spk";
    a.peer_spk_mode = "required";
    b.peer_spk = "b.spk";
    b.peer_spk_mode = "optional";
    assert_int_equal(pair(&a, &b, NULL, NULL), 0);
    b.peer_spk = "b-other.spk";
    pair(&a, &b, "a.yaml", "SPK ID 30000002 differs");
    b.peer_spk = "b-newer.spk";
    pair(&a, &b, "b.yaml", "current SPK ID 30000003 is not in");
    b.peer_spk = NULL;
    b.peer_spk_mode = NULL;
    pair(&a, &b, "a.yaml", "names a shared SPK file but b.yaml names none");
    pair(&a, &b, "a.yaml", "spk.mode is required but b.yaml sends bodies unprotected");
}

/* A signing key directory as `mcsecctl kms issue` leaves it, with the
 * given KMS public file as its kms.pub. */
static void write_signing_dir(const char *name, const char *kms_pub)
{
    char path[160], text[1024];
    snprintf(path, sizeof(path), "%s/%s", tmp_dir, name);
    assert_true(mkdir(path, 0700) == 0 || access(path, F_OK) == 0);
    FILE *in = fopen(kms_pub, "r");
    assert_non_null(in);
    size_t n = fread(text, 1, sizeof(text) - 1, in);
    fclose(in);
    text[n] = '\0';
    static const char *const files[] = {"ssk", "pvt", "signer"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", name, files[i]);
        write_file(path, "00\n");
    }
    snprintf(path, sizeof(path), "%s/kms.pub", name);
    write_file(path, text);
}

static void test_pair_reports_auth_and_kms_mismatch(void **state)
{
    (void)state;
    side_t a = side_a(), b = side_b();
    a.peer_auth = "explicit";
    a.peer_kms = MCSEC_TEST_DATA "/gmk/kms.pub";
    pair(&a, &b, "a.yaml",
         "auth is explicit but b.yaml's partner 'system-a' is implicit: EARs would be required "
         "here and never sent there");
    /* Both explicit: each side's keys.kms is the other's signing KMS. */
    write_signing_dir("sign-a", MCSEC_TEST_DATA "/gmk/other-kms.pub");
    write_signing_dir("sign-b", MCSEC_TEST_DATA "/gmk/kms.pub");
    b.peer_auth = "explicit";
    a.signing = "sign-a";
    b.signing = "sign-b";
    a.peer_kms = MCSEC_TEST_DATA "/gmk/kms.pub";
    b.peer_kms = MCSEC_TEST_DATA "/gmk/other-kms.pub";
    assert_int_equal(pair(&a, &b, NULL, NULL), 0);
    a.peer_kms = MCSEC_TEST_DATA "/gmk/other-kms.pub";
    assert_int_equal(pair(&a, &b, "a.yaml",
                          "keys.kms " MCSEC_TEST_DATA
                          "/gmk/other-kms.pub is not the KMS of system-b's"),
                     1);
}

static void test_pair_reports_rule_mismatch(void **state)
{
    (void)state;
    write_file("tls-key.pem", "not read by the pair check\n");
    side_t a = side_a(), b = side_b();
    a.peer_methods = "[INVITE, MESSAGE, OPTIONS]";
    assert_int_equal(
        pair(&a, &b, "a.yaml", "sip.methods lists 'OPTIONS' but b.yaml does not: refused there"),
        1);
    a = side_a();
    b.peer_max_body = "8192";
    pair(&a, &b, "a.yaml", "sip.max_body is 4096 but b.yaml says 8192");
    b = side_b();
    b.peer_http = "{methods: [GET], path_prefixes: [/x/]}";
    pair(&a, &b, "a.yaml", "has no http section but b.yaml's partner 'system-a' has one");
    a.peer_http = "{methods: [GET, PUT], path_prefixes: [/x/]}";
    assert_int_equal(
        pair(&a, &b, "a.yaml", "http.methods lists 'PUT' but b.yaml does not: refused there"), 1);
    a.peer_http = b.peer_http;
    assert_int_equal(pair(&a, &b, NULL, NULL), 0);
}

static void test_pair_arguments(void **state)
{
    (void)state;
    side_t a = side_a();
    mcsec_policy_t *pa = load_side(&a, "a.yaml");
    mcsec_diag_list_t diags = {NULL, 0};
    assert_int_equal(mcsec_policy_pair(pa, NULL, &diags), MCSEC_ERR_ARG);
    assert_int_equal(mcsec_policy_pair(NULL, pa, &diags), MCSEC_ERR_ARG);
    assert_int_equal(mcsec_policy_pair(pa, pa, NULL), MCSEC_ERR_ARG);
    assert_int_equal(diags.count, 0);
    mcsec_policy_free(pa);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pair_agreeing_policies),
        cmocka_unit_test(test_pair_reports_missing_partner),
        cmocka_unit_test(test_pair_reports_identity_mismatch),
        cmocka_unit_test(test_pair_reports_domain_mismatch),
        cmocka_unit_test(test_pair_reports_address_mismatch),
        cmocka_unit_test(test_pair_reports_wrong_ca_and_certificate),
        cmocka_unit_test(test_pair_compares_shared_spk),
        cmocka_unit_test(test_pair_reports_auth_and_kms_mismatch),
        cmocka_unit_test(test_pair_reports_rule_mismatch),
        cmocka_unit_test(test_pair_arguments),
    };
    return cmocka_run_group_tests(tests, make_tmp, remove_tmp);
}
