/* HTTP-3 checks: the raw framing scanner, the target, the parsed header
 * list, the partner's rules both ways, and the topology-hiding rebuild. */
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

#include "mcsec/http_check.h"

#define S(text) ((mcsec_str_t){(text), sizeof(text) - 1})

/* ---- raw framing ---------------------------------------------------------- */

static mcsec_reason_t scan_all(const char *stream, size_t len, size_t step)
{
    mcsec_http_framing_t scan;
    mcsec_http_framing_init(&scan, 1024);
    mcsec_reason_t reason = MCSEC_REASON_NONE;
    for (size_t i = 0; i < len; i += step)
        reason = mcsec_http_framing_feed(&scan, (const uint8_t *)stream + i,
                                         len - i < step ? len - i : step);
    return reason;
}

#define SCAN(text) scan_all((text), sizeof(text) - 1, 1000)

static void test_framing_accepts_good_streams(void **state)
{
    (void)state;
    static const char good[] = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                               "PUT /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n\0\n\r\r\n"
                               "PUT /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n"
                               "3;ext=1\r\n\0\n\r\r\n0\r\nTrailer-A: b\r\n\r\n"
                               "GET /d HTTP/1.0\r\n\r\n";
    /* Every split of the stream gives the same verdict. */
    for (size_t step = 1; step < 9; step++)
        assert_int_equal(scan_all(good, sizeof(good) - 1, step), MCSEC_REASON_NONE);
}

static void test_framing_rejects_attacks(void **state)
{
    (void)state;
    assert_int_equal(
        SCAN("PUT / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"),
        MCSEC_REASON_HTTP_BAD_FRAMING);
    assert_int_equal(SCAN("PUT / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n"),
                     MCSEC_REASON_HTTP_BAD_FRAMING);
    assert_int_equal(SCAN("PUT / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\n"),
                     MCSEC_REASON_HTTP_BAD_FRAMING);
    assert_int_equal(SCAN("PUT / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
                     MCSEC_REASON_HTTP_UNSUPPORTED_ENCODING);
    assert_int_equal(SCAN("PUT / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
                     MCSEC_REASON_HTTP_UNSUPPORTED_ENCODING);
    assert_int_equal(SCAN("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n"), MCSEC_REASON_HTTP_BAD_FRAMING);
    assert_int_equal(SCAN("GET / HTTP/1.1\r\nX : x\r\n\r\n"), MCSEC_REASON_HTTP_BAD_FRAMING);
    assert_int_equal(SCAN("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n"), MCSEC_REASON_HTTP_BAD_FRAMING);
    assert_int_equal(SCAN("GET / HTTP/1.1\r\nX: a\nY: b\r\n\r\n"), MCSEC_REASON_HTTP_BAD_FRAMING);
    assert_int_equal(SCAN("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n"), MCSEC_REASON_HTTP_BAD_FRAMING);
    assert_int_equal(SCAN("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n"), MCSEC_REASON_HTTP_BAD_FRAMING);
    assert_int_equal(SCAN("GET / HTTP/1.1\nX: a\r\n\r\n"), MCSEC_REASON_HTTP_BAD_FRAMING);
    assert_int_equal(SCAN("GET / HTTP/2.0\r\n\r\n"), MCSEC_REASON_HTTP_BAD_FRAMING);
    assert_int_equal(SCAN("GET /\001 HTTP/1.1\r\n\r\n"), MCSEC_REASON_HTTP_BAD_TARGET);
    assert_int_equal(SCAN("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n"),
                     MCSEC_REASON_HTTP_BAD_FRAMING);
    assert_int_equal(
        SCAN("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n"),
        MCSEC_REASON_HTTP_BAD_FRAMING);
    char big[1100];
    memset(big, 'a', sizeof(big));
    memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
    assert_int_equal(scan_all(big, sizeof(big), 7), MCSEC_REASON_HTTP_HEADERS_TOO_LARGE);
    /* A violation is sticky. */
    mcsec_http_framing_t scan;
    mcsec_http_framing_init(&scan, 1024);
    mcsec_http_framing_feed(&scan, (const uint8_t *)"GET / HTTP/1.1\n", 15);
    assert_int_equal(mcsec_http_framing_feed(&scan, (const uint8_t *)"\r\n", 2),
                     MCSEC_REASON_HTTP_BAD_FRAMING);
}

/* ---- target ---------------------------------------------------------------- */

static void test_target(void **state)
{
    (void)state;
    mcsec_str_t path;
    assert_int_equal(mcsec_http_check_target(S("/xcap-root/a/b%20c?x=%41"), &path),
                     MCSEC_REASON_NONE);
    assert_int_equal(path.len, 18); /* "/xcap-root/a/b%20c" */
    static const char *const bad[] = {
        "http://h/x", "*",       "h:443",  "",      "/a/%2e%2e/b", "/a%2Fb", "/a%5cb",
        "/a\\b",      "/a/../b", "/a/./b", "/a/..", "/a//b",       "/a%zz",  "/a%2",
        "/a%00",      "/a%25",   "/a#f",   "/a b",  "/a%2e%2e?x",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(mcsec_http_check_target((mcsec_str_t){bad[i], strlen(bad[i])}, NULL),
                         MCSEC_REASON_HTTP_BAD_TARGET);
}

/* ---- parsed headers ---------------------------------------------------------- */

static void test_parsed_headers(void **state)
{
    (void)state;
    mcsec_http_header_t good[] = {{S("Host"), S("x")}, {S("Transfer-Encoding"), S("chunked")}};
    assert_int_equal(mcsec_http_check_headers(good, 2), MCSEC_REASON_NONE);
    mcsec_http_header_t both[] = {{S("Content-Length"), S("1")},
                                  {S("Transfer-Encoding"), S("chunked")}};
    assert_int_equal(mcsec_http_check_headers(both, 2), MCSEC_REASON_HTTP_BAD_FRAMING);
    mcsec_http_header_t dup[] = {{S("Content-Length"), S("1")}, {S("content-length"), S("1")}};
    assert_int_equal(mcsec_http_check_headers(dup, 2), MCSEC_REASON_HTTP_BAD_FRAMING);
    mcsec_http_header_t gzip[] = {{S("Transfer-Encoding"), S("gzip")}};
    assert_int_equal(mcsec_http_check_headers(gzip, 1), MCSEC_REASON_HTTP_UNSUPPORTED_ENCODING);
    mcsec_http_header_t name[] = {{S("X Y"), S("1")}};
    assert_int_equal(mcsec_http_check_headers(name, 1), MCSEC_REASON_HTTP_BAD_FRAMING);
    mcsec_http_header_t nul[] = {{S("X"), S("a\0b")}};
    assert_int_equal(mcsec_http_check_headers(nul, 1), MCSEC_REASON_HTTP_BAD_FRAMING);
    mcsec_http_header_t cr[] = {{S("X"), S("a\rb")}};
    assert_int_equal(mcsec_http_check_headers(cr, 1), MCSEC_REASON_HTTP_BAD_FRAMING);
}

/* ---- policy ---------------------------------------------------------------- */

static const char policy_yaml[] =
    "version: 1\n"
    "system:\n"
    "  name: system-a\n"
    "  identity: sip:border@a.example\n"
    "  domains: [a.example, \"*.a.example\"]\n"
    "  addresses: {http_proxy: 192.0.2.1:8443}\n"
    "  keys: {cert: k.pem, key: k.key}\n"
    "partners:\n"
    "  - name: system-b\n"
    "    identity: sip:border@b.example\n"
    "    domains: [b.example, \"*.b.example\"]\n"
    "    addresses: {is_proxy: [198.51.100.1], http_proxy: 198.51.100.1:8443}\n"
    "    auth: implicit\n"
    "    sip: {methods: [MESSAGE]}\n"
    "    http:\n"
    "      methods: [GET, PUT]\n"
    "      path_prefixes: [/xcap-root/groups/, /cms]\n"
    "      content_types: [application/vnd.oma.poc.groups+xml]\n"
    "      max_body: 100\n"
    "      max_header_bytes: 600\n"
    "      upstream:\n"
    "        - {prefix: /xcap-root/, url: \"http://10.0.0.5/xcap-root/\"}\n"
    "        - {prefix: /xcap-root/groups/, url: \"http://10.0.0.6/g/\"}\n"
    "    keys: {ca: k.pem}\n";

/* The loader checks that key files exist with safe modes: stage them. */
static char stage_dir[] = "/tmp/mcsec-httpcheck-XXXXXX";

static void stage(const char *name, mode_t mode)
{
    char path[64];
    snprintf(path, sizeof(path), "%s/%s", stage_dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("not a real key\n", fp);
    fclose(fp);
    chmod(path, mode);
}

static int setup_policy(void **state)
{
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *policy = NULL;
    if (!mkdtemp(stage_dir))
        return -1;
    stage("k.pem", 0644);
    stage("k.key", 0600);
    mcsec_err_t rc = mcsec_policy_load_buffer(policy_yaml, sizeof(policy_yaml) - 1, "<test>",
                                              stage_dir, &policy, &diags);
    for (size_t i = 0; i < diags.count; i++)
        print_error("%s\n", diags.items[i].message);
    mcsec_diag_list_free(&diags);
    *state = policy;
    return rc == MCSEC_OK ? 0 : -1;
}

static int teardown_policy(void **state)
{
    char path[64];
    mcsec_policy_free(*state);
    snprintf(path, sizeof(path), "%s/k.pem", stage_dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/k.key", stage_dir);
    unlink(path);
    rmdir(stage_dir);
    return 0;
}

static mcsec_reason_t ingress(const mcsec_policy_t *policy, const char *method, const char *path,
                              const char *identity, const char *type, size_t body)
{
    mcsec_str_t id = {identity, identity ? strlen(identity) : 0};
    mcsec_http_request_t req = {.method = {method, strlen(method)},
                                .path = {path, strlen(path)},
                                .asserted_ids = &id,
                                .asserted_id_count = identity ? 1 : 0,
                                .content_type = {type ? type : "", type ? strlen(type) : 0},
                                .body_len = body,
                                .has_body = body > 0,
                                .header_bytes = 200};
    mcsec_verdict_t verdict;
    mcsec_check_http_ingress(policy, 0, &req, &verdict);
    return verdict.reason;
}

static void test_ingress_rules(void **state)
{
    const mcsec_policy_t *policy = *state;
    const char *xml = "application/vnd.oma.poc.groups+xml; charset=utf-8";
    const char *id = "\"sip:gms@b.example\"";
    assert_int_equal(ingress(policy, "GET", "/xcap-root/groups/x", id, NULL, 0), MCSEC_REASON_NONE);
    assert_int_equal(ingress(policy, "GET", "/cms", "<sip:gms@mcx.b.example>", NULL, 0),
                     MCSEC_REASON_NONE);
    assert_int_equal(ingress(policy, "PUT", "/cms/a", id, xml, 100), MCSEC_REASON_NONE);
    assert_int_equal(ingress(policy, "POST", "/cms", id, NULL, 0), MCSEC_REASON_HTTP_METHOD_DENIED);
    assert_int_equal(ingress(policy, "get", "/cms", id, NULL, 0), MCSEC_REASON_HTTP_METHOD_DENIED);
    assert_int_equal(ingress(policy, "GET", "/cmsx", id, NULL, 0), MCSEC_REASON_HTTP_PATH_DENIED);
    assert_int_equal(ingress(policy, "GET", "/xcap-root/other", id, NULL, 0),
                     MCSEC_REASON_HTTP_PATH_DENIED);
    assert_int_equal(ingress(policy, "GET", "/cms", NULL, NULL, 0), MCSEC_REASON_SRC_NO_IDENTITY);
    assert_int_equal(ingress(policy, "GET", "/cms", "tel:+123", NULL, 0),
                     MCSEC_REASON_SRC_NO_IDENTITY);
    assert_int_equal(ingress(policy, "GET", "/cms", "sip:x@a.example", NULL, 0),
                     MCSEC_REASON_SRC_INTERNAL_ID_SPOOF);
    assert_int_equal(ingress(policy, "GET", "/cms", "sip:x@c.example", NULL, 0),
                     MCSEC_REASON_SRC_FOREIGN_ID);
    assert_int_equal(ingress(policy, "GET", "/cms", "sip:x@b.example, sip:y@b.example", NULL, 0),
                     MCSEC_REASON_SIP_MALFORMED);
    assert_int_equal(ingress(policy, "PUT", "/cms", id, "text/plain", 1),
                     MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED);
    assert_int_equal(ingress(policy, "PUT", "/cms", id, NULL, 1),
                     MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED);
    assert_int_equal(ingress(policy, "PUT", "/cms", id, xml, 101),
                     MCSEC_REASON_HTTP_BODY_TOO_LARGE);
    mcsec_http_request_t req = {.method = S("GET"), .path = S("/cms"), .header_bytes = 601};
    mcsec_verdict_t verdict;
    mcsec_check_http_ingress(policy, 0, &req, &verdict);
    assert_int_equal(verdict.reason, MCSEC_REASON_HTTP_HEADERS_TOO_LARGE);
    mcsec_check_http_ingress(policy, -1, &req, &verdict);
    assert_int_equal(verdict.reason, MCSEC_REASON_SRC_NOT_PARTNER);
    mcsec_check_http_ingress(NULL, 0, &req, &verdict);
    assert_int_equal(verdict.reason, MCSEC_REASON_POLICY_UNAVAILABLE);
}

static void test_egress_rules(void **state)
{
    const mcsec_policy_t *policy = *state;
    mcsec_str_t ours = S("\"sip:gms@a.example\""), theirs = S("sip:gms@b.example");
    mcsec_http_request_t req = {.method = S("GET"),
                                .path = S("/cms"),
                                .host = S("xcap.b.example:8080"),
                                .asserted_ids = &ours,
                                .asserted_id_count = 1,
                                .header_bytes = 100};
    mcsec_verdict_t verdict;
    mcsec_check_http_egress(policy, &req, &verdict);
    assert_int_equal(verdict.reason, MCSEC_REASON_NONE);
    assert_int_equal(verdict.partner_index, 0);
    req.host = S("xcap.c.example");
    mcsec_check_http_egress(policy, &req, &verdict);
    assert_int_equal(verdict.reason, MCSEC_REASON_DST_NOT_PARTNER);
    req.host = S("b.example");
    req.asserted_ids = &theirs;
    mcsec_check_http_egress(policy, &req, &verdict);
    assert_int_equal(verdict.reason, MCSEC_REASON_SRC_NOT_INTERNAL);
}

static void test_upstream_longest_prefix(void **state)
{
    const mcsec_policy_t *policy = *state;
    const mcsec_http_upstream_t *up =
        mcsec_http_upstream_for(&policy->partners[0], S("/xcap-root/groups/a"));
    assert_non_null(up);
    assert_string_equal(up->url, "http://10.0.0.6/g/");
    up = mcsec_http_upstream_for(&policy->partners[0], S("/xcap-root/x"));
    assert_non_null(up);
    assert_string_equal(up->url, "http://10.0.0.5/xcap-root/");
    assert_null(mcsec_http_upstream_for(&policy->partners[0], S("/cms")));
}

/* ---- topology hiding ---------------------------------------------------------- */

static void test_header_allow_list(void **state)
{
    (void)state;
    assert_true(mcsec_http_header_allowed(S("content-type"), MCSEC_HTTP_REQUEST_HEADERS, NULL));
    assert_true(
        mcsec_http_header_allowed(S("X-3GPP-Asserted-Identity"), MCSEC_HTTP_REQUEST_HEADERS, NULL));
    assert_true(mcsec_http_header_allowed(S("MCX-EAR"), MCSEC_HTTP_REQUEST_HEADERS, "MCX-EAR"));
    static const char *const never[] = {"Server",
                                        "Via",
                                        "X-Powered-By",
                                        "Forwarded",
                                        "X-Forwarded-For",
                                        "X-Forwarded-Host",
                                        "User-Agent",
                                        "Content-Length",
                                        "Transfer-Encoding",
                                        "Connection",
                                        "Host",
                                        "MCX-EAR"};
    for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
        mcsec_str_t name = {never[i], strlen(never[i])};
        assert_false(mcsec_http_header_allowed(name, MCSEC_HTTP_REQUEST_HEADERS, NULL));
        assert_false(mcsec_http_header_allowed(name, MCSEC_HTTP_RESPONSE_HEADERS, NULL));
    }
    assert_true(mcsec_http_header_allowed(S("ETag"), MCSEC_HTTP_RESPONSE_HEADERS, NULL));
    assert_true(mcsec_http_rewritable_type(S("application/vnd.oma.poc.groups+xml; a=b")));
    assert_true(mcsec_http_rewritable_type(S("text/xml")));
    assert_false(mcsec_http_rewritable_type(S("text/plain")));
}

static void rewrite_is(const char *in, const char *want)
{
    static const char *const hosts[] = {"gms.a.internal", "10.0.0.5:8080"};
    char *out = NULL;
    size_t len = 0;
    bool changed = false;
    assert_int_equal(mcsec_http_rewrite_hosts((mcsec_str_t){in, strlen(in)}, hosts, 2,
                                              "border.a.example", &out, &len, &changed),
                     MCSEC_OK);
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
    assert_int_equal(changed, strcmp(in, want) != 0);
    free(out);
}

static void test_rewrite_hosts(void **state)
{
    (void)state;
    rewrite_is("<a uri=\"http://gms.a.internal:8080/x\"/>",
               "<a uri=\"https://border.a.example/x\"/>");
    rewrite_is("http://GMS.A.INTERNAL/x and https://10.0.0.5:8080/y",
               "https://border.a.example/x and https://border.a.example/y");
    rewrite_is("http://10.0.0.5:80801/y", "http://10.0.0.5:80801/y");
    rewrite_is("http://gms.a.internalx/y", "http://gms.a.internalx/y");
    rewrite_is("sip:alice@gms.a.internal", "sip:alice@gms.a.internal");
    rewrite_is("", "");
    rewrite_is("//gms.a.internal", "//border.a.example");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_framing_accepts_good_streams),
        cmocka_unit_test(test_framing_rejects_attacks),
        cmocka_unit_test(test_target),
        cmocka_unit_test(test_parsed_headers),
        cmocka_unit_test(test_ingress_rules),
        cmocka_unit_test(test_egress_rules),
        cmocka_unit_test(test_upstream_longest_prefix),
        cmocka_unit_test(test_header_allow_list),
        cmocka_unit_test(test_rewrite_hosts),
    };
    return cmocka_run_group_tests(tests, setup_policy, teardown_policy);
}
