/* Element hiding over a whole SIP body (mcsec_topo_hide_body_elements): an
 * mcptt-info part of multipart/mixed is hidden and restored while every
 * other octet (preamble, delimiters, part headers, SDP and resource-lists
 * parts, epilogue) stays; a single mcptt-info body behaves as the XML
 * function; other types are left alone; broken multipart is refused. */
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
#include "mcsec/spk/xmlprot.h"

#define MP_TYPE "multipart/mixed; boundary=\"mcsec-b1\""

static const char sdp_part[] = "--mcsec-b1\r\n"
                               "Content-Type: application/sdp\r\n"
                               "\r\n"
                               "v=0\r\n"
                               "o=- 1 1 IN IP4 127.0.40.1\r\n"
                               "s=-\r\n"
                               "c=IN IP4 127.0.40.1\r\n"
                               "t=0 0\r\n"
                               "m=audio 6000 RTP/AVP 0\r\n";
static const char info_head[] = "\r\n--mcsec-b1\r\n"
                                "Content-Type: application/vnd.3gpp.mcptt-info+xml\r\n"
                                "Content-ID: <info1@a.example>\r\n"
                                "\r\n";
static const char info_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"><mcptt-Params>"
    "<mcptt-request-uri type=\"Normal\"><mcpttURI>sip:gms@gms.a.internal</mcpttURI>"
    "</mcptt-request-uri>"
    "<mcptt-calling-user-id type=\"Normal\"><mcpttURI>sip:alice@a.mcx.example</mcpttURI>"
    "</mcptt-calling-user-id></mcptt-Params></mcpttinfo>";
static const char tail[] = "\r\n--mcsec-b1\r\n"
                           "Content-Type: application/resource-lists+xml\r\n"
                           "\r\n"
                           "<?xml version=\"1.0\"?><resource-lists><list>"
                           "<entry uri=\"sip:gms@gms.a.internal\"/></list></resource-lists>"
                           "\r\n--mcsec-b1--\r\nepilogue";

static char *listed_names[] = {"mcptt-request-uri"};
static const mcsec_strlist_t listed = {listed_names, 1};
static char *partner_names[] = {"b.mcx.example", "*.b.mcx.example"};
static const mcsec_strlist_t partner_domains = {partner_names, 2};

/* The multipart body: preamble, SDP, mcptt-info, resource-lists, epilogue. */
static char *multipart_body(const char *xml)
{
    size_t n = strlen("preamble\r\n") + strlen(sdp_part) + strlen(info_head) + strlen(xml) +
               strlen(tail) + 1;
    char *body = malloc(n);
    assert_non_null(body);
    snprintf(body, n, "preamble\r\n%s%s%s%s", sdp_part, info_head, xml, tail);
    return body;
}

static char *run(mcsec_topo_t *topo, const char *type, const char *body, mcsec_topo_direction_t dir,
                 mcsec_err_t expect, mcsec_topo_error_t *err)
{
    uint8_t *out = (uint8_t *)"x";
    size_t out_len = 1;
    mcsec_err_t rc =
        mcsec_topo_hide_body_elements(topo, type, (const uint8_t *)body, strlen(body), &listed,
                                      &partner_domains, dir, &out, &out_len, err);
    return topo_fixture_output(rc, expect, out, out_len);
}

/* The mcptt-info part of a body built by multipart_body(). */
static char *info_part(const char *body)
{
    const char *start = strstr(body, info_head);
    assert_non_null(start);
    start += strlen(info_head);
    const char *end = strstr(start, "\r\n--mcsec-b1\r\nContent-Type: application/resource-lists");
    assert_non_null(end);
    char *part = calloc(1, (size_t)(end - start) + 1);
    assert_non_null(part);
    memcpy(part, start, (size_t)(end - start));
    return part;
}

static void test_multipart_part_hidden_rest_byte_identical(void **state)
{
    mcsec_topo_t *topo = *state;
    mcsec_topo_error_t err;
    char *body = multipart_body(info_xml);
    char *hidden = run(topo, MP_TYPE, body, MCSEC_TOPO_EGRESS, MCSEC_OK, &err);
    assert_non_null(hidden);
    /* Everything before the mcptt-info content and after it is the same. */
    size_t head_len = strlen("preamble\r\n") + strlen(sdp_part) + strlen(info_head);
    assert_memory_equal(hidden, body, head_len);
    size_t hidden_len = strlen(hidden), tail_len = strlen(tail);
    assert_true(hidden_len > tail_len);
    assert_string_equal(hidden + hidden_len - tail_len, tail);
    /* The part is hidden: no internal URI in it, the unlisted one stays. */
    char *part = info_part(hidden);
    assert_null(strstr(part, "gms.a.internal"));
    assert_non_null(strstr(part, "@border.a.example;tokenized-by=border.a.example</mcpttURI>"));
    assert_non_null(strstr(part, "<mcpttURI>sip:alice@a.mcx.example</mcpttURI>"));
    /* Identical to hiding the part alone. */
    uint8_t *alone = NULL;
    size_t alone_len = 0;
    assert_int_equal(mcsec_topo_hide_xml_elements(topo, (const uint8_t *)info_xml, strlen(info_xml),
                                                  &listed, &partner_domains, MCSEC_TOPO_EGRESS,
                                                  &alone, &alone_len, &err),
                     MCSEC_OK);
    assert_int_equal(strlen(part), alone_len);
    assert_memory_equal(part, alone, alone_len);
    free(alone);
    free(part);
    /* Egress again changes nothing; ingress restores the URI. */
    assert_null(run(topo, MP_TYPE, hidden, MCSEC_TOPO_EGRESS, MCSEC_OK, &err));
    char *back = run(topo, MP_TYPE, hidden, MCSEC_TOPO_INGRESS, MCSEC_OK, &err);
    assert_non_null(back);
    assert_memory_equal(back, body, head_len);
    assert_string_equal(back + strlen(back) - tail_len, tail);
    part = info_part(back);
    assert_non_null(strstr(part, "<mcpttURI>sip:gms@gms.a.internal</mcpttURI>"));
    assert_null(strstr(part, "tokenized-by"));
    free(part);
    free(back);
    free(hidden);
    free(body);
}

static void test_multipart_bad_token_refused(void **state)
{
    mcsec_topo_t *topo = *state;
    mcsec_topo_error_t err;
    char *body = multipart_body(info_xml);
    char *hidden = run(topo, MP_TYPE, body, MCSEC_TOPO_EGRESS, MCSEC_OK, &err);
    char *tok = strstr(hidden, "<mcpttURI>sip:") + strlen("<mcpttURI>sip:");
    tok[4] = tok[4] == 'a' ? 'b' : 'a';
    assert_null(run(topo, MP_TYPE, hidden, MCSEC_TOPO_INGRESS, MCSEC_ERR_INVALID, &err));
    assert_int_equal(err.reason, MCSEC_REASON_TOPO_BAD_TOKEN);
    assert_int_equal(err.fault, MCSEC_TOPO_FAULT_AUTH);
    free(hidden);
    free(body);
}

static void test_single_body_and_other_types(void **state)
{
    mcsec_topo_t *topo = *state;
    mcsec_topo_error_t err;
    /* A single mcptt-info body (type in any case, with parameters). */
    char *hidden = run(topo, "Application/Vnd.3gpp.MCPTT-Info+XML; charset=UTF-8", info_xml,
                       MCSEC_TOPO_EGRESS, MCSEC_OK, &err);
    assert_non_null(hidden);
    assert_null(strstr(hidden, "gms.a.internal"));
    free(hidden);
    /* Other types, and a multipart body without mcptt-info: untouched. */
    assert_null(run(topo, "application/resource-lists+xml",
                    "<resource-lists><mcptt-request-uri>sip:gms@gms.a.internal"
                    "</mcptt-request-uri></resource-lists>",
                    MCSEC_TOPO_EGRESS, MCSEC_OK, &err));
    assert_null(run(topo, "multipart/related;boundary=mcsec-b1",
                    "--mcsec-b1\r\n\r\nx\r\n--mcsec-b1--", MCSEC_TOPO_EGRESS, MCSEC_OK, &err));
    assert_null(run(topo, MP_TYPE,
                    "--mcsec-b1\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--mcsec-b1--\r\n",
                    MCSEC_TOPO_EGRESS, MCSEC_OK, &err));
    /* Without listed names nothing is done, whatever the body. */
    uint8_t *out = NULL;
    size_t out_len = 0;
    assert_int_equal(mcsec_topo_hide_body_elements(topo, MP_TYPE, (const uint8_t *)"--x", 3, NULL,
                                                   NULL, MCSEC_TOPO_EGRESS, &out, &out_len, &err),
                     MCSEC_OK);
    assert_null(out);
}

/* mcvideo-info and mcdata-info (docs/protectable-types.md) are hidden as
 * mcptt-info is: alone, and as a part beside MCData's opaque parts, which
 * stay byte for byte. */
static void test_other_info_types_hidden(void **state)
{
    mcsec_topo_t *topo = *state;
    mcsec_topo_error_t err;
    static char *names[] = {"mcvideo-request-uri", "mcdata-request-uri"};
    const mcsec_strlist_t list = {names, 2};
    static const char video[] =
        "<mcvideoinfo xmlns=\"urn:3gpp:ns:mcvideoInfo:1.0\"><mcvideo-Params>"
        "<mcvideo-request-uri type=\"Normal\"><mcvideoURI>sip:gms@gms.a.internal</mcvideoURI>"
        "</mcvideo-request-uri></mcvideo-Params></mcvideoinfo>";
    uint8_t *out = NULL;
    size_t out_len = 0;
    assert_int_equal(mcsec_topo_hide_body_elements(
                         topo, MCSEC_CT_MCVIDEO_INFO, (const uint8_t *)video, strlen(video), &list,
                         &partner_domains, MCSEC_TOPO_EGRESS, &out, &out_len, &err),
                     MCSEC_OK);
    assert_non_null(out);
    assert_null(strstr((const char *)out, "gms.a.internal"));
    free(out);
    static const char sds[] =
        "--b1\r\nContent-Type: application/vnd.3gpp.mcdata-info+xml\r\n\r\n"
        "<mcdatainfo xmlns=\"urn:3gpp:ns:mcdataInfo:1.0\"><mcdata-Params>"
        "<mcdata-request-uri type=\"Normal\"><mcdataURI>sip:gms@gms.a.internal</mcdataURI>"
        "</mcdata-request-uri></mcdata-Params></mcdatainfo>\r\n"
        "--b1\r\nContent-Type: application/vnd.3gpp.mcdata-payload\r\n\r\n"
        "sip:gms@gms.a.internal\x01\r\n--b1--\r\n";
    out = NULL;
    assert_int_equal(mcsec_topo_hide_body_elements(
                         topo, "multipart/mixed;boundary=b1", (const uint8_t *)sds, strlen(sds),
                         &list, &partner_domains, MCSEC_TOPO_EGRESS, &out, &out_len, &err),
                     MCSEC_OK);
    assert_non_null(out);
    const char *payload = strstr((const char *)out, "mcdata-payload\r\n\r\n");
    assert_non_null(payload);
    assert_string_equal(payload, "mcdata-payload\r\n\r\nsip:gms@gms.a.internal\x01\r\n--b1--\r\n");
    assert_true(strstr((const char *)out, "gms.a.internal") == payload + 26);
    free(out);
}

static void test_broken_multipart_refused(void **state)
{
    mcsec_topo_t *topo = *state;
    mcsec_topo_error_t err;
    /* No closing delimiter, no boundary parameter, bad XML in the part. */
    assert_null(run(topo, MP_TYPE,
                    "--mcsec-b1\r\nContent-Type: application/vnd.3gpp.mcptt-info+xml\r\n\r\n<a/>",
                    MCSEC_TOPO_EGRESS, MCSEC_ERR_PARSE, &err));
    assert_null(run(topo, "multipart/mixed", "--mcsec-b1\r\n\r\nx\r\n--mcsec-b1--",
                    MCSEC_TOPO_EGRESS, MCSEC_ERR_PARSE, &err));
    char *bad = multipart_body("<mcpttinfo><mcptt-request-uri>sip:x@y");
    assert_null(run(topo, MP_TYPE, bad, MCSEC_TOPO_EGRESS, MCSEC_ERR_PARSE, &err));
    free(bad);
    uint8_t *out = NULL;
    size_t out_len = 0;
    assert_int_equal(mcsec_topo_hide_body_elements(topo, NULL, (const uint8_t *)"x", 1, &listed,
                                                   NULL, MCSEC_TOPO_EGRESS, &out, &out_len, &err),
                     MCSEC_ERR_ARG);
}

/* Every mcptt-info leaf is hidden, at any depth (the MIME walker): one
 * inside a nested multipart/mixed too; the structure around it stays. */
static void test_nested_part_hidden(void **state)
{
    mcsec_topo_t *topo = *state;
    mcsec_topo_error_t err;
    size_t n = strlen(info_xml) + 512;
    char *body = malloc(n);
    assert_non_null(body);
    snprintf(body, n,
             "--o\r\nContent-Type: multipart/mixed;boundary=i\r\n\r\n"
             "--i\r\nContent-Type: application/vnd.3gpp.mcptt-info+xml\r\n\r\n%s\r\n--i--\r\n"
             "\r\n--o--\r\n",
             info_xml);
    char *hidden = run(topo, "multipart/mixed;boundary=o", body, MCSEC_TOPO_EGRESS, MCSEC_OK, &err);
    assert_non_null(hidden);
    assert_null(strstr(hidden, "gms.a.internal"));
    assert_non_null(strstr(hidden, "\r\n--i--\r\n\r\n--o--\r\n"));
    assert_non_null(strstr(hidden, "<mcpttURI>sip:alice@a.mcx.example</mcpttURI>"));
    free(hidden);
    free(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multipart_part_hidden_rest_byte_identical),
        cmocka_unit_test(test_multipart_bad_token_refused),
        cmocka_unit_test(test_single_body_and_other_types),
        cmocka_unit_test(test_other_info_types_hidden),
        cmocka_unit_test(test_broken_multipart_refused),
        cmocka_unit_test(test_nested_part_hidden),
    };
    return cmocka_run_group_tests(tests, topo_fixture_setup_xml, topo_fixture_teardown);
}
