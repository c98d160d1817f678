/* Topology hiding of URIs in listed mcptt-info elements
 * (mcsec_topo_hide_xml_elements): round trip, only listed elements, tokens
 * of other kinds or tampered refused with topo.bad_token, hardened parse. */
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

static const char info_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\">"
    "<mcptt-Params>"
    "<mcptt-request-uri type=\"Normal\"><mcpttURI>sip:gms@internal.a.mcx.example</mcpttURI>"
    "</mcptt-request-uri>"
    "<associated-group-id> sips:grp-1@internal.a.mcx.example </associated-group-id>"
    "<mcptt-calling-user-id type=\"Normal\"><mcpttURI>sip:alice@internal.a.mcx.example"
    "</mcpttURI></mcptt-calling-user-id>"
    "<anyExt>plain text</anyExt>"
    "</mcptt-Params></mcpttinfo>\n";

static char *listed_names[] = {"mcptt-request-uri", "associated-group-id", "anyExt"};
static const mcsec_strlist_t listed = {listed_names, 3};
static char *partner_names[] = {"b.mcx.example", "*.b.mcx.example"};
static const mcsec_strlist_t partner_domains = {partner_names, 2};

static char *hide(mcsec_topo_t *topo, const char *xml, mcsec_topo_direction_t dir,
                  mcsec_err_t expect, mcsec_topo_error_t *err)
{
    uint8_t *out = (uint8_t *)"x";
    size_t out_len = 1;
    mcsec_err_t rc = mcsec_topo_hide_xml_elements(topo, (const uint8_t *)xml, strlen(xml), &listed,
                                                  &partner_domains, dir, &out, &out_len, err);
    return topo_fixture_output(rc, expect, out, out_len);
}

static void test_round_trip_restores_exactly(void **state)
{
    mcsec_topo_t *topo = *state;
    mcsec_topo_error_t err;
    char *hidden = hide(topo, info_xml, MCSEC_TOPO_EGRESS, MCSEC_OK, &err);
    assert_non_null(hidden);
    /* Listed elements: no internal host left; the unlisted one keeps it. */
    assert_null(strstr(hidden, "sip:gms@internal"));
    assert_null(strstr(hidden, "grp-1@internal"));
    assert_non_null(strstr(hidden, "sip:alice@internal.a.mcx.example"));
    assert_non_null(strstr(hidden, "@border.a.example;tokenized-by=border.a.example</mcpttURI>"));
    assert_non_null(strstr(hidden, "<associated-group-id> sips:"));
    assert_non_null(strstr(hidden, "<anyExt>plain text</anyExt>"));
    /* Deterministic. */
    char *again = hide(topo, info_xml, MCSEC_TOPO_EGRESS, MCSEC_OK, &err);
    assert_string_equal(hidden, again);
    free(again);
    /* Egress over our own tokens changes nothing. */
    assert_null(hide(topo, hidden, MCSEC_TOPO_EGRESS, MCSEC_OK, &err));
    char *back = hide(topo, hidden, MCSEC_TOPO_INGRESS, MCSEC_OK, &err);
    assert_non_null(back);
    assert_non_null(strstr(back, "<mcpttURI>sip:gms@internal.a.mcx.example</mcpttURI>"));
    assert_non_null(strstr(
        back, "<associated-group-id> sips:grp-1@internal.a.mcx.example </associated-group-id>"));
    free(back);
    free(hidden);
    /* Ingress without tokens: nothing to do. */
    assert_null(hide(topo, info_xml, MCSEC_TOPO_INGRESS, MCSEC_OK, &err));
}

static void test_tampered_token_is_bad_token(void **state)
{
    mcsec_topo_t *topo = *state;
    mcsec_topo_error_t err;
    char *hidden = hide(topo, info_xml, MCSEC_TOPO_EGRESS, MCSEC_OK, &err);
    char *tok = strstr(hidden, "<mcpttURI>sip:") + strlen("<mcpttURI>sip:");
    tok[3] = tok[3] == 'a' ? 'b' : 'a';
    assert_null(hide(topo, hidden, MCSEC_TOPO_INGRESS, MCSEC_ERR_INVALID, &err));
    assert_int_equal(err.reason, MCSEC_REASON_TOPO_BAD_TOKEN);
    assert_int_equal(err.fault, MCSEC_TOPO_FAULT_AUTH);
    /* Truncated. */
    memmove(tok + 2, tok + 10, strlen(tok + 10) + 1);
    assert_null(hide(topo, hidden, MCSEC_TOPO_INGRESS, MCSEC_ERR_INVALID, &err));
    assert_int_equal(err.reason, MCSEC_REASON_TOPO_BAD_TOKEN);
    free(hidden);
}

static void test_token_of_another_kind_refused(void **state)
{
    mcsec_topo_t *topo = *state;
    char contact[512];
    size_t len = 0;
    assert_int_equal(mcsec_topo_hide_contact(topo,
                                             (mcsec_str_t){"<sip:gms@internal.a.mcx.example>", 32},
                                             (mcsec_str_t){"", 0}, contact, sizeof(contact), &len),
                     MCSEC_OK);
    contact[len - 1] = '\0'; /* drop '>' */
    char xml[1024];
    snprintf(xml, sizeof(xml), "<a><associated-group-id>%s</associated-group-id></a>", contact + 1);
    mcsec_topo_error_t err;
    assert_null(hide(topo, xml, MCSEC_TOPO_INGRESS, MCSEC_ERR_INVALID, &err));
    assert_int_equal(err.reason, MCSEC_REASON_TOPO_BAD_TOKEN);
    assert_int_equal(err.fault, MCSEC_TOPO_FAULT_AUTH);
}

static void test_partner_and_tokenized_uris_stay(void **state)
{
    mcsec_topo_t *topo = *state;
    mcsec_topo_error_t err;
    const char *xml = "<a><associated-group-id>sip:grp@gms.b.mcx.example</associated-group-id>"
                      "<mcptt-request-uri>sip:x@border.b.mcx.example;tokenized-by=border.b.mcx."
                      "example</mcptt-request-uri>"
                      "<mcptt-request-uri>sip:[fd00::5]:5060</mcptt-request-uri></a>";
    char *out = hide(topo, xml, MCSEC_TOPO_EGRESS, MCSEC_OK, &err);
    assert_non_null(out);
    assert_non_null(strstr(out, "sip:grp@gms.b.mcx.example<"));
    assert_non_null(strstr(out, ">sip:x@border.b.mcx.example;tokenized-by=border.b.mcx.example<"));
    assert_null(strstr(out, "fd00::5"));
    free(out);
}

static void test_hostile_xml_refused_and_args(void **state)
{
    mcsec_topo_t *topo = *state;
    mcsec_topo_error_t err;
    const char *dtd = "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY e \"sip:x@y\">]>"
                      "<a><associated-group-id>&e;</associated-group-id></a>";
    assert_null(hide(topo, dtd, MCSEC_TOPO_EGRESS, MCSEC_ERR_PARSE, &err));
    assert_null(hide(topo, "<a><b>", MCSEC_TOPO_EGRESS, MCSEC_ERR_PARSE, &err));
    char deep[2048] = "";
    for (int i = 0; i < 40; i++)
        strcat(deep, "<d>");
    for (int i = 0; i < 40; i++)
        strcat(deep, "</d>");
    assert_null(hide(topo, deep, MCSEC_TOPO_EGRESS, MCSEC_ERR_PARSE, &err));
    uint8_t *out = NULL;
    size_t out_len = 0;
    assert_int_equal(mcsec_topo_hide_xml_elements(topo, (const uint8_t *)"<a/>", 4, NULL, NULL,
                                                  MCSEC_TOPO_EGRESS, &out, &out_len, &err),
                     MCSEC_OK);
    assert_null(out);
    assert_int_equal(mcsec_topo_hide_xml_elements(NULL, (const uint8_t *)"<a/>", 4, &listed, NULL,
                                                  MCSEC_TOPO_EGRESS, &out, &out_len, &err),
                     MCSEC_ERR_ARG);
    assert_int_equal(mcsec_topo_hide_xml_elements(topo, (const uint8_t *)"<a/>", 4, &listed, NULL,
                                                  (mcsec_topo_direction_t)7, &out, &out_len, &err),
                     MCSEC_ERR_ARG);
}

/* Issue 14: a URI in an attribute (of the listed element or below it) or
 * in CDATA is hidden like a text node, both ways, also when written with
 * character references; attributes outside listed elements stay. */
static void test_attributes_and_cdata_hidden_and_restored(void **state)
{
    mcsec_topo_t *topo = *state;
    mcsec_topo_error_t err;
    const char *xml = "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\">"
                      "<mcptt-request-uri uri=\"sip:gms@internal.a.mcx.example\" type=\"Normal\">"
                      "<mcpttURI server=\" sip:&#x61;s@internal.a.mcx.example \"/>"
                      "<mcpttURI><![CDATA[sip:cdata@internal.a.mcx.example]]></mcpttURI>"
                      "</mcptt-request-uri>"
                      "<anyExt peer=\"sip:grp@gms.b.mcx.example\">x</anyExt>"
                      "<other uri=\"sip:keep@internal.a.mcx.example\"/></mcpttinfo>";
    char *hidden = hide(topo, xml, MCSEC_TOPO_EGRESS, MCSEC_OK, &err);
    assert_non_null(hidden);
    assert_null(strstr(hidden, "gms@internal"));
    assert_null(strstr(hidden, "as@internal"));
    assert_null(strstr(hidden, "&#x61;s@internal"));
    assert_null(strstr(hidden, "cdata@internal"));
    assert_non_null(strstr(hidden, "uri=\"sip:"));
    assert_non_null(strstr(hidden, "server=\" sip:"));
    assert_non_null(strstr(hidden, "type=\"Normal\""));
    /* the partner's URI and attributes outside listed elements stay */
    assert_non_null(strstr(hidden, "peer=\"sip:grp@gms.b.mcx.example\""));
    assert_non_null(strstr(hidden, "<other uri=\"sip:keep@internal.a.mcx.example\"/>"));
    char *back = hide(topo, hidden, MCSEC_TOPO_INGRESS, MCSEC_OK, &err);
    assert_non_null(back);
    assert_non_null(strstr(back, "uri=\"sip:gms@internal.a.mcx.example\""));
    assert_non_null(strstr(back, "server=\" sip:as@internal.a.mcx.example \""));
    assert_non_null(strstr(back, "sip:cdata@internal.a.mcx.example"));
    /* a tampered attribute token is a bad token */
    char *tok = strstr(hidden, "uri=\"sip:") + strlen("uri=\"sip:");
    tok[3] = tok[3] == 'a' ? 'b' : 'a';
    assert_null(hide(topo, hidden, MCSEC_TOPO_INGRESS, MCSEC_ERR_INVALID, &err));
    assert_int_equal(err.reason, MCSEC_REASON_TOPO_BAD_TOKEN);
    free(back);
    free(hidden);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_restores_exactly),
        cmocka_unit_test(test_tampered_token_is_bad_token),
        cmocka_unit_test(test_token_of_another_kind_refused),
        cmocka_unit_test(test_partner_and_tokenized_uris_stay),
        cmocka_unit_test(test_hostile_xml_refused_and_args),
        cmocka_unit_test(test_attributes_and_cdata_hidden_and_restored),
    };
    return cmocka_run_group_tests(tests, topo_fixture_setup_xml, topo_fixture_teardown);
}
