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

#include "mcsec/http/http_check.h"

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
    /* UTF-8 names and ';' in the query stay allowed. */
    assert_int_equal(mcsec_http_check_target(S("/a/caf%C3%A9/%F0%9F%9A%92?x=1;y=2"), &path),
                     MCSEC_REASON_NONE);
    assert_int_equal(path.len, 25);
    static const char *const bad[] = {
        "http://h/x",
        "*",
        "h:443",
        "",
        "/a/%2e%2e/b",
        "/a%2Fb",
        "/a%5cb",
        "/a\\b",
        "/a/../b",
        "/a/./b",
        "/a/..",
        "/a//b",
        "/a%zz",
        "/a%2",
        "/a%00",
        "/a%25",
        "/a#f",
        "/a b",
        "/a%2e%2e?x",
        /* path parameters: "..;" is ".." to Tomcat, Jetty and Spring */
        "/a/..;/b",
        "/a/..;x/b",
        "/a;x/b",
        "/a/.;/b",
        "/a;",
        "/a/%3b",
        "/a/..%3B/b",
        /* unescaped path octets must be strict UTF-8: overlong '.' and '/',
         * surrogates, above U+10FFFF, truncated or lone octets */
        "/a/%c0%ae%c0%ae/b",
        "/a/%c0%af",
        "/a/%e0%80%ae",
        "/a/%f0%80%80%ae",
        "/a/%ed%a0%80",
        "/a/%f4%90%80%80",
        "/a/%c3",
        "/a/%c3/b",
        "/a/%80",
        "/a/%ff",
        /* what NFKC turns into '.', '/', '\\' or ';' */
        "/a/%EF%BC%8E%EF%BC%8E/b",
        "/a/%e2%80%a5/b",
        "/a%ef%bc%8fb",
        "/a%ef%bc%bcb",
        "/a/..%ef%bc%9bx",
        "/a/%cd%be",
        "/a/%f0%9f%84%80",
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

/* One identity rule for both borders (issue 14 item 5): every field is
 * judged, more than MCSEC_MAX_ASSERTED_IDS is refused, on HTTP-3 as on
 * SIP-3; X-3GPP-Intended-Identity by the same rule, but optional. */
static void test_identity_fields(void **state)
{
    const mcsec_policy_t *policy = *state;
    mcsec_str_t ids[MCSEC_MAX_ASSERTED_IDS + 1];
    ids[0] = S("\"sip:gms@b.example\"");
    for (size_t i = 1; i < MCSEC_MAX_ASSERTED_IDS; i++)
        ids[i] = S("<tel:+15550001>");
    ids[MCSEC_MAX_ASSERTED_IDS] = S("\"sip:alice@a.example\"");
    mcsec_http_request_t req = {.method = S("GET"),
                                .path = S("/cms"),
                                .asserted_ids = ids,
                                .asserted_id_count = MCSEC_MAX_ASSERTED_IDS,
                                .header_bytes = 100};
    mcsec_verdict_t verdict;
    mcsec_check_http_ingress(policy, 0, &req, &verdict);
    assert_int_equal(verdict.reason, MCSEC_REASON_NONE); /* the first 8 alone pass */
    req.asserted_id_count = MCSEC_MAX_ASSERTED_IDS + 1;
    mcsec_check_http_ingress(policy, 0, &req, &verdict);
    assert_int_equal(verdict.reason, MCSEC_REASON_SIP_MALFORMED);
    /* The SIP side, same fields: the same verdict. */
    mcsec_sip_request_t sip = {.method = S("MESSAGE"),
                               .src_ip = S("198.51.100.1"),
                               .src_port = 5060,
                               .ruri = S("sip:x@a.example"),
                               .asserted_ids = ids,
                               .asserted_id_count = MCSEC_MAX_ASSERTED_IDS};
    for (size_t i = 0; i < MCSEC_MAX_ASSERTED_IDS + 1; i++)
        if (ids[i].ptr[0] == '"') {
            ids[i].ptr++;
            ids[i].len -= 2;
        }
    mcsec_check_sip_ingress(policy, &sip, &verdict);
    assert_int_equal(verdict.reason, MCSEC_REASON_NONE);
    sip.asserted_id_count = MCSEC_MAX_ASSERTED_IDS + 1;
    mcsec_check_sip_ingress(policy, &sip, &verdict);
    assert_int_equal(verdict.reason, MCSEC_REASON_SIP_MALFORMED);

    /* Intended identity: ours is a spoof, anyone else's foreign, the
     * partner's passes, absent passes, too many fields malformed. */
    mcsec_str_t id = S("\"sip:gms@b.example\"");
    const mcsec_str_t intended[] = {S("\"sip:alice@a.example\""), S("<sip:x@c.example>"),
                                    S("sip:bob@b.example")};
    const mcsec_reason_t want[] = {MCSEC_REASON_SRC_INTERNAL_ID_SPOOF, MCSEC_REASON_SRC_FOREIGN_ID,
                                   MCSEC_REASON_NONE};
    req.asserted_ids = &id;
    req.asserted_id_count = 1;
    req.intended_id_count = 1;
    for (size_t i = 0; i < 3; i++) {
        req.intended_ids = &intended[i];
        mcsec_check_http_ingress(policy, 0, &req, &verdict);
        assert_int_equal(verdict.reason, want[i]);
    }
    req.intended_ids = &intended[0];
    mcsec_check_http_ingress(policy, 0, &req, &verdict);
    assert_non_null(strstr(verdict.detail, "intended"));
    req.intended_id_count = 0;
    mcsec_check_http_ingress(policy, 0, &req, &verdict);
    assert_int_equal(verdict.reason, MCSEC_REASON_NONE);
    req.intended_ids = ids;
    req.intended_id_count = MCSEC_MAX_ASSERTED_IDS + 1;
    mcsec_check_http_ingress(policy, 0, &req, &verdict);
    assert_int_equal(verdict.reason, MCSEC_REASON_SIP_MALFORMED);
    /* Egress: the intended identity must be ours too. */
    mcsec_str_t ours = S("sip:gms@a.example");
    req.host = S("xcap.b.example");
    req.asserted_ids = &ours;
    req.intended_ids = &intended[2];
    req.intended_id_count = 1;
    mcsec_check_http_egress(policy, &req, &verdict);
    assert_int_equal(verdict.reason, MCSEC_REASON_SRC_NOT_INTERNAL);
}

/* A body without a type is refused whatever its framing (item 8). */
static void test_typeless_body(void **state)
{
    const mcsec_policy_t *policy = *state;
    mcsec_str_t id = S("sip:gms@b.example");
    mcsec_http_request_t req = {.method = S("PUT"),
                                .path = S("/cms"),
                                .asserted_ids = &id,
                                .asserted_id_count = 1,
                                .has_body = true, /* chunked: no length yet */
                                .header_bytes = 100};
    mcsec_verdict_t verdict;
    mcsec_check_http_ingress(policy, 0, &req, &verdict);
    assert_int_equal(verdict.reason, MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED);
    req.content_type = S("; charset=utf-8"); /* parameters, no type */
    mcsec_check_http_ingress(policy, 0, &req, &verdict);
    assert_int_equal(verdict.reason, MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED);
    req.has_body = false;
    req.content_type = S("");
    mcsec_check_http_ingress(policy, 0, &req, &verdict);
    assert_int_equal(verdict.reason, MCSEC_REASON_NONE);
}

/* ---- bodies the border checks ------------------------------------------------- */

static mcsec_reason_t body_text(const char *type, const char *body, size_t len)
{
    char detail[96];
    return mcsec_http_check_body_text((mcsec_str_t){type, strlen(type)}, (const uint8_t *)body, len,
                                      detail, sizeof(detail));
}
#define BODY(type, text) body_text((type), (text), sizeof(text) - 1)

static void test_body_encodings(void **state)
{
    (void)state;
    mcsec_str_t none[] = {S("identity"), S("")};
    assert_int_equal(mcsec_http_check_content_encoding(none, 2), MCSEC_REASON_NONE);
    assert_int_equal(mcsec_http_check_content_encoding(NULL, 0), MCSEC_REASON_NONE);
    mcsec_str_t coded[][1] = {{S("gzip")}, {S("identity, gzip")}, {S(" br ")}, {S("x-gzip")}};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(mcsec_http_check_content_encoding(coded[i], 1),
                         MCSEC_REASON_HTTP_UNSUPPORTED_ENCODING);

    const char *xml = "application/vnd.oma.poc.groups+xml";
    assert_int_equal(BODY(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><x>caf\xc3\xa9</x>"),
                     MCSEC_REASON_NONE);
    assert_int_equal(BODY(xml, "\xef\xbb\xbf<?xml version='1.0' encoding = 'utf-8' ?><x/>"),
                     MCSEC_REASON_NONE);
    assert_int_equal(BODY(xml, "<x/>"), MCSEC_REASON_NONE);
    assert_int_equal(BODY("application/xml; charset=\"UTF-8\"", "<x/>"), MCSEC_REASON_NONE);
    assert_int_equal(BODY("text/plain; charset=utf-8; format=flowed", "a"), MCSEC_REASON_NONE);
    assert_int_equal(BODY("application/octet-stream", "\xff\x00"), MCSEC_REASON_NONE);
    assert_int_equal(BODY("multipart/mixed; boundary=b",
                          "--b\r\nContent-Type: application/xml; charset=utf-8\r\n"
                          "Content-ID: <x>\r\n\r\n<?xml version='1.0'?><x/>\r\n"
                          "--b\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n"
                          "--c\r\n\r\nplain\r\n--c--\r\n--b--\r\n"),
                     MCSEC_REASON_NONE);
    /* no content: only the type's own parameters are judged */
    assert_int_equal(body_text("multipart/mixed; boundary=b", "", 0), MCSEC_REASON_NONE);
    assert_int_equal(body_text("multipart/mixed; boundary=b; charset=utf-16", "", 0),
                     MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED);
    static const struct {
        const char *type;
        const char *body;
        size_t len;
    } bad[] = {
        {"application/xml", "<?xml version=\"1.0\" encoding=\"IBM037\"?><x/>", 43},
        {"text/xml", "<?xml version=\"1.0\" encoding='UTF-16'?><x/>", 41},
        {"application/xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"", 36}, /* no end */
        {"application/xml", "<?xml version=\"1.0\" encoding=IBM037?><x/>", 39},
        /* "<?xml" in IBM037: 4C 6F A7 94 93 is no UTF-8 */
        {"application/xml", "\x4c\x6f\xa7\x94\x93", 5},
        {"application/xml", "\xff\xfe<\0x\0/\0>\0", 10}, /* UTF-16LE with BOM */
        {"application/xml", "<\0x\0/\0>\0", 8},          /* UTF-16LE without */
        {"application/xml", "<x>\xc0\xae</x>", 9},       /* overlong */
        {"multipart/mixed; boundary=b",
         "--b\r\nContent-Type: application/xml\r\n\r\n<?xml version=\"1.0\" "
         "encoding=\"IBM037\"?><x/>\r\n--b--",
         0},
        {"application/xml; charset=utf-16", "<x/>", 4},
        {"text/plain; charset=iso-8859-1", "a", 1},
        {"application/xml; charset=utf-8; charset=utf-16", "<x/>", 4},
        {"application/xml; charset=\"utf-8", "<x/>", 4},
        {"application/xml; charset", "<x/>", 4},
        /* Through the one MIME walker (docs/mime.md): every part judged. */
        {"multipart/mixed; boundary=b",
         "--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\na\r\n--b--\r\n", 0},
        {"multipart/mixed; boundary=b",
         "--b\r\nContent-Type: application/xml\r\nContent-ID: <x>\r\n\r\n<x/>\r\n"
         "--b\r\nContent-Type: application/xml\r\nContent-ID: <X>\r\n\r\n<y/>\r\n--b--\r\n",
         0},
        {"multipart/mixed; boundary=b",
         "--b\r\nContent-Type: application/xml\r\nContent-Type: text/plain\r\n\r\n<x/>\r\n"
         "--b--\r\n",
         0},
        {"multipart/mixed; boundary=b",
         "--b\r\nContent-Type: application/xml\r\nContent-Encoding: gzip\r\n\r\n<x/>\r\n"
         "--b--\r\n",
         0},
        {"multipart/mixed; boundary=b",
         "--b\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n"
         "--c\r\nContent-Type: multipart/mixed; boundary=d\r\n\r\n"
         "--d\r\nContent-Type: multipart/mixed; boundary=e\r\n\r\n"
         "--e\r\nContent-Type: multipart/mixed; boundary=f\r\n\r\n"
         "--f\r\nContent-Type: application/xml\r\n\r\n<x/>\r\n--f--\r\n"
         "--e--\r\n--d--\r\n--c--\r\n--b--\r\n",
         0},
        /* an XML leaf labelled text/plain, a declaration after white space */
        {"multipart/mixed; boundary=b",
         "--b\r\n\r\n<?xml version=\"1.0\" encoding=\"IBM037\"?><x/>\r\n--b--\r\n", 0},
        {"application/xml", "\r\n<?xml version=\"1.0\" encoding=\"IBM037\"?><x/>", 0},
        {"text/plain", "<?xml version=\"1.0\" encoding=\"UTF-16\"?><x/>", 0},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t len = bad[i].len ? bad[i].len : strlen(bad[i].body);
        assert_int_equal(body_text(bad[i].type, bad[i].body, len),
                         MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED);
    }
}

/* The partner's list on every part (the rule SIP shares): a multipart
 * body passes only when each nested container and each leaf is listed; a
 * part without Content-Type counts as text/plain. */
static mcsec_reason_t body_types(const char *list_text, const char *type, const char *body,
                                 char *detail, size_t detail_size)
{
    char buf[128];
    char *items[4];
    size_t count = 0;
    snprintf(buf, sizeof(buf), "%s", list_text);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t && count < 4;
         t = strtok_r(NULL, ",", &save))
        items[count++] = t;
    mcsec_partner_t partner;
    memset(&partner, 0, sizeof(partner));
    partner.http.content_types = (mcsec_strlist_t){items, count};
    return mcsec_http_check_body_types(&partner, (mcsec_str_t){type, strlen(type)},
                                       (const uint8_t *)body, strlen(body), detail, detail_size);
}

static void test_body_types(void **state)
{
    (void)state;
#define XMLT "application/vnd.oma.poc.groups+xml"
    const char *list = XMLT ",multipart/mixed";
    const char *mp = "multipart/mixed; boundary=b";
    char detail[96];
    static const char ok[] = "--b\r\nContent-Type: " XMLT "\r\n\r\n<x/>\r\n"
                             "--b\r\nContent-Type: " XMLT "\r\n\r\n<y/>\r\n--b--\r\n";
    assert_int_equal(body_types(list, mp, ok, detail, sizeof(detail)), MCSEC_REASON_NONE);
    /* Listed without regard to case, parameters ignored. */
    static const char upper[] = "--b\r\nContent-Type: APPLICATION/VND.OMA.POC.GROUPS+XML; a=b"
                                "\r\n\r\n<x/>\r\n--b--\r\n";
    assert_int_equal(body_types(list, mp, upper, detail, sizeof(detail)), MCSEC_REASON_NONE);
    /* A leaf of an unlisted type, named in the detail. */
    static const char octet[] =
        "--b\r\nContent-Type: " XMLT "\r\n\r\n<x/>\r\n"
        "--b\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n--b--\r\n";
    assert_int_equal(body_types(list, mp, octet, detail, sizeof(detail)),
                     MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED);
    assert_string_equal(detail, "part content type application/octet-stream");
    /* A part without Content-Type is text/plain: refused unless listed. */
    static const char typeless[] = "--b\r\nContent-Type: " XMLT "\r\n\r\n<x/>\r\n"
                                   "--b\r\n\r\nplain\r\n--b--\r\n";
    assert_int_equal(body_types(list, mp, typeless, detail, sizeof(detail)),
                     MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED);
    assert_string_equal(detail, "part content type text/plain");
    assert_int_equal(
        body_types(XMLT ",multipart/mixed,text/plain", mp, typeless, detail, sizeof(detail)),
        MCSEC_REASON_NONE);
    /* Nested: the leaf and the container are each judged. */
    static const char nested_leaf[] = "--b\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n"
                                      "--c\r\nContent-Type: text/html\r\n\r\n<p>\r\n--c--\r\n"
                                      "--b--\r\n";
    assert_int_equal(body_types(list, mp, nested_leaf, detail, sizeof(detail)),
                     MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED);
    assert_string_equal(detail, "part content type text/html");
    static const char nested_alt[] =
        "--b\r\nContent-Type: multipart/alternative; boundary=c"
        "\r\n\r\n--c\r\nContent-Type: " XMLT "\r\n\r\n<x/>\r\n--c--\r\n"
        "--b--\r\n";
    assert_int_equal(body_types(list, mp, nested_alt, detail, sizeof(detail)),
                     MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED);
    assert_string_equal(detail, "part content type multipart/alternative");
    static const char nested_ok[] = "--b\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n"
                                    "--c\r\nContent-Type: " XMLT "\r\n\r\n<x/>\r\n--c--\r\n"
                                    "--b--\r\n";
    assert_int_equal(body_types(list, mp, nested_ok, detail, sizeof(detail)), MCSEC_REASON_NONE);
    /* What the walker refuses is refused here too (fail closed). */
    assert_int_equal(body_types(list, mp, "no delimiter at all", detail, sizeof(detail)),
                     MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED);
    assert_true(detail[0] != '\0');
    /* A single-part body: its type is the request rules' (header) matter. */
    assert_int_equal(body_types(list, XMLT, "<x/>", detail, sizeof(detail)), MCSEC_REASON_NONE);
    /* Nothing to walk: no type (refused by the request rules) or no body. */
    assert_int_equal(body_types(list, "", "x", detail, sizeof(detail)), MCSEC_REASON_NONE);
    assert_int_equal(body_types(list, mp, "", NULL, 0), MCSEC_REASON_NONE);
#undef XMLT
}

/* Answers meet the partner's list and max_body like requests (issue 16):
 * the body's own type, its size, then every part. */
static void test_answer_rules(void **state)
{
    (void)state;
#define XMLT "application/vnd.oma.poc.groups+xml"
    char *items[] = {XMLT, "multipart/mixed"};
    mcsec_partner_t partner;
    memset(&partner, 0, sizeof(partner));
    partner.http.content_types = (mcsec_strlist_t){items, 2};
    partner.http.max_body = 16;
    char detail[96];
#define ANSWER(type, body)                                                                         \
    mcsec_http_check_answer(&partner, (mcsec_str_t){type, strlen(type)}, (const uint8_t *)(body),  \
                            strlen(body), detail, sizeof(detail))
    assert_int_equal(ANSWER(XMLT "; charset=utf-8", "<x/>"), MCSEC_REASON_NONE);
    assert_int_equal(ANSWER("text/html", "<p>"), MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED);
    assert_string_equal(detail, "answer content type text/html");
    assert_int_equal(ANSWER("", "<x/>"), MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED);
    assert_string_equal(detail, "answer body without type");
    assert_int_equal(ANSWER(XMLT, "<x>0123456789abc</x>"), MCSEC_REASON_HTTP_BODY_TOO_LARGE);
    assert_string_equal(detail, "answer body octets 20 > 16");
    partner.http.max_body = 4096;
    assert_int_equal(ANSWER("multipart/mixed; boundary=b",
                            "--b\r\nContent-Type: image/png\r\n\r\nx\r\n--b--\r\n"),
                     MCSEC_REASON_HTTP_CONTENT_TYPE_DENIED);
    assert_string_equal(detail, "part content type image/png");
    /* No body: only the status is relayed, whatever the type says. */
    assert_int_equal(ANSWER("text/html", ""), MCSEC_REASON_NONE);
#undef ANSWER
#undef XMLT
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
    /* An entry is compared by its host: any port goes with it. */
    rewrite_is("http://10.0.0.5:80801/y", "https://border.a.example/y");
    rewrite_is("10.0.0.5", "border.a.example");
    rewrite_is("http://gms.a.internalx/y", "http://gms.a.internalx/y");
    rewrite_is("x.gms.a.internal", "x.gms.a.internal"); /* a subdomain: refused later */
    rewrite_is("xgms.a.internal 110.0.0.5", "xgms.a.internal 110.0.0.5");
    /* Every form a host takes, not only "//host" (issue 14). */
    rewrite_is("sip:alice@gms.a.internal", "sip:alice@border.a.example");
    rewrite_is("<h>Gms.A.Internal</h><e host=\"gms.a.internal:8080\"/>",
               "<h>border.a.example</h><e host=\"border.a.example\"/>");
    rewrite_is("see gms.a.internal.", "see border.a.example.");
    rewrite_is("gms.a.internal", "border.a.example");
    rewrite_is("", "");
    rewrite_is("//gms.a.internal", "//border.a.example");
    static const char *const v6[] = {"[fd00::5]:8080"};
    char *out = NULL;
    size_t len = 0;
    assert_int_equal(mcsec_http_rewrite_hosts(S("a http://[FD00::5]:8080/x b fd00::5 c fd00::55"),
                                              v6, 1, "b.example", &out, &len, NULL),
                     MCSEC_OK);
    assert_string_equal(out, "a https://b.example/x b b.example c fd00::55");
    free(out);
}

static bool names_hidden(const char *text)
{
    static const char *const hosts[] = {"gms.a.internal", "10.0.0.5:8080"};
    bool found = true;
    assert_int_equal(
        mcsec_http_names_internal_host((mcsec_str_t){text, strlen(text)}, hosts, 2, &found),
        MCSEC_OK);
    return found;
}

static void test_hidden_hosts_left(void **state)
{
    (void)state;
    assert_false(names_hidden("<x uri=\"https://border.a.example/x\"/>"));
    assert_false(names_hidden("gms.a.internalx xgms.a.internal 10.0.0.55"));
    assert_false(names_hidden(""));
    static const char *const leaks[] = {
        "gms.a.internal",
        "http://gms%2Ea.internal/",
        "%67ms.a.internal",
        "gms%252ea.internal", /* escaped twice */
        "gms&#46;a&#x2E;internal",
        "gms\\u002ea.internal",
        "http:\\/\\/gms.a.internal",
        "node1.gms.a.internal", /* a subdomain */
        "10&#46;0.0.5:8080",
        "<!DOCTYPE x [<!ENTITY h \"gms\">]><x>&h;.a.internal</x>",
    };
    for (size_t i = 0; i < sizeof(leaks) / sizeof(leaks[0]); i++)
        assert_true(names_hidden(leaks[i]));
    bool found;
    assert_int_equal(mcsec_http_names_internal_host(S("x"), NULL, 1, &found), MCSEC_ERR_ARG);
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
        cmocka_unit_test(test_identity_fields),
        cmocka_unit_test(test_typeless_body),
        cmocka_unit_test(test_upstream_longest_prefix),
        cmocka_unit_test(test_header_allow_list),
        cmocka_unit_test(test_rewrite_hosts),
        cmocka_unit_test(test_hidden_hosts_left),
        cmocka_unit_test(test_body_encodings),
        cmocka_unit_test(test_body_types),
        cmocka_unit_test(test_answer_rules),
    };
    return cmocka_run_group_tests(tests, setup_policy, teardown_policy);
}
