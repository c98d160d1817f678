/* Identities inside bodies (libmcsec/src/bodyid, mcsec/bodyid/bodyid.h)
 * on TS 24.379 / 24.281 / 24.282 shaped documents, and the migration
 * policy section (loader diagnostics, expiry, EAR type and role). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mcsec/bodyid/bodyid.h"
#include "mcsec/ear/ear.h"
#include "mcsec/policy/policy.h"

#define NOW 1800000000 /* 2027-01-15 */

static const char POLICY[] =
    "version: 1\n"
    "system:\n"
    "  name: system-a\n"
    "  identity: sip:border@a.mcx.example\n"
    "  domains: [a.mcx.example, \"*.a.mcx.example\"]\n"
    "partners:\n"
    "  - name: system-b\n"
    "    identity: sip:border@b.mcx.example\n"
    "    domains: [b.mcx.example]\n"
    "    addresses:\n"
    "      is_proxy: [198.51.100.1:5060]\n"
    "    auth: implicit\n"
    "    sip:\n"
    "      methods: [INVITE, MESSAGE]\n"
    "    migration:\n"
    "      our_users_served_there:\n"
    "        - {id: sip:roamer@a.mcx.example, expires: 2030-01-01T00:00:00Z}\n"
    "        - {id: sip:former@a.mcx.example, expires: 2026-01-01T00:00:00Z}\n"
    "      their_users_served_here:\n"
    "        - id: sip:visitor@b.mcx.example\n"
    "          expires: 2030-06-30T12:00:00Z\n";

static mcsec_policy_t *policy;
static const mcsec_bodyid_ear_t migration_ear = {true, MCSEC_EAR_ROLE_MC_SERVER, true,
                                                 MCSEC_EAR_REQ_MIGRATION};

static int setup(void **state)
{
    (void)state;
    mcsec_diag_list_t diags = {NULL, 0};
    assert_int_equal(
        mcsec_policy_load_buffer(POLICY, strlen(POLICY), "p.yaml", NULL, &policy, &diags),
        MCSEC_OK);
    mcsec_diag_list_free(&diags);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mcsec_policy_free(policy);
    return 0;
}

static char detail[160];

static mcsec_reason_t check_ctx(bool reply, bool egress, const char *group,
                                const mcsec_bodyid_ear_t *ear, const char *type, const char *body)
{
    mcsec_bodyid_ctx_t ctx = {.policy = policy,
                              .partner = &policy->partners[0],
                              .egress = egress,
                              .group = {group ? group : "", group ? strlen(group) : 0},
                              .ear = ear,
                              .now = NOW,
                              .reply = reply};
    return mcsec_bodyid_check(&ctx, type, strlen(type), (const uint8_t *)body, strlen(body), detail,
                              sizeof(detail));
}

static mcsec_reason_t check_full(bool egress, const char *group, const mcsec_bodyid_ear_t *ear,
                                 const char *type, const char *body)
{
    return check_ctx(false, egress, group, ear, type, body);
}

#define MCPTT "application/vnd.3gpp.mcptt-info+xml"
#define MCVIDEO "application/vnd.3gpp.mcvideo-info+xml"
#define MCDATA "application/vnd.3gpp.mcdata-info+xml"
#define RL "application/resource-lists+xml"

static mcsec_reason_t check(bool egress, const char *type, const char *body)
{
    return check_full(egress, NULL, NULL, type, body);
}

/* TS 24.379 clause 11.1.1 (private call): caller, called party. */
static char *mcptt_private(const char *caller, const char *called)
{
    static char doc[2048];
    snprintf(doc, sizeof(doc),
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\">\n"
             " <mcptt-Params>\n"
             "  <session-type>private</session-type>\n"
             "  <mcptt-request-uri type=\"Normal\"><mcpttURI>%s</mcpttURI></mcptt-request-uri>\n"
             "  <mcptt-calling-user-id type=\"Normal\"><mcpttURI>%s</mcpttURI>"
             "</mcptt-calling-user-id>\n"
             "  <mcptt-client-id type=\"Normal\"><mcpttString>urn:uuid:00000000-0000-1000-8000-"
             "0123456789ab</mcpttString></mcptt-client-id>\n"
             " </mcptt-Params>\n"
             "</mcpttinfo>\n",
             called, caller);
    return doc;
}

/* TS 24.379 clause 10.1.1 (pre-arranged group call, controlling function
 * inviting a member): request-URI the member, calling user, group. */
static char *mcptt_group(const char *member, const char *caller, const char *group)
{
    static char doc[2048];
    snprintf(doc, sizeof(doc),
             "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"><mcptt-Params>"
             "<session-type>prearranged</session-type>"
             "<mcptt-request-uri type=\"Normal\"><mcpttURI>%s</mcpttURI></mcptt-request-uri>"
             "<mcptt-calling-user-id type=\"Normal\"><mcpttURI>%s</mcpttURI>"
             "</mcptt-calling-user-id>"
             "<mcptt-calling-group-id type=\"Normal\"><mcpttURI>%s</mcpttURI>"
             "</mcptt-calling-group-id>"
             "</mcptt-Params></mcpttinfo>",
             member, caller, group);
    return doc;
}

static void test_ingress_private_call(void **state)
{
    (void)state;
    assert_int_equal(
        check(false, MCPTT, mcptt_private("sip:bob@b.mcx.example", "sip:alice@a.mcx.example")),
        MCSEC_REASON_NONE);
    /* A subdomain of ours (*.a.mcx.example) is ours. */
    assert_int_equal(
        check(false, MCPTT, mcptt_private("sip:bob@b.mcx.example", "sip:al@x.a.mcx.example")),
        MCSEC_REASON_NONE);
}

static void test_ingress_internal_spoof(void **state)
{
    (void)state;
    assert_int_equal(
        check(false, MCPTT, mcptt_private("sip:eve@a.mcx.example", "sip:alice@a.mcx.example")),
        MCSEC_REASON_BODY_INTERNAL_ID_SPOOF);
    assert_non_null(strstr(detail, "mcptt-calling-user-id"));
    assert_non_null(strstr(detail, "a.mcx.example"));
    assert_null(strstr(detail, "eve")); /* the host, never the user */
    /* Case of the host does not matter. */
    assert_int_equal(
        check(false, MCPTT, mcptt_private("sip:eve@A.MCX.Example", "sip:alice@a.mcx.example")),
        MCSEC_REASON_BODY_INTERNAL_ID_SPOOF);
}

static void test_ingress_foreign_ids(void **state)
{
    (void)state;
    assert_int_equal(
        check(false, MCPTT, mcptt_private("sip:mallory@c.mcx.example", "sip:alice@a.mcx.example")),
        MCSEC_REASON_BODY_FOREIGN_ID);
    assert_non_null(strstr(detail, "mcptt-calling-user-id host c.mcx.example"));
    /* A target of a third system, or of the partner itself. */
    assert_int_equal(
        check(false, MCPTT, mcptt_private("sip:bob@b.mcx.example", "sip:carol@c.mcx.example")),
        MCSEC_REASON_BODY_FOREIGN_ID);
    assert_non_null(strstr(detail, "mcptt-request-uri"));
    assert_int_equal(
        check(false, MCPTT, mcptt_private("sip:bob@b.mcx.example", "sip:bob2@b.mcx.example")),
        MCSEC_REASON_BODY_FOREIGN_ID);
    /* tel: is no identity, as in the header rule. */
    assert_int_equal(check(false, MCPTT, mcptt_private("tel:+15551234", "sip:alice@a.mcx.example")),
                     MCSEC_REASON_BODY_FOREIGN_ID);
    assert_non_null(strstr(detail, "tel"));
}

static void test_groups(void **state)
{
    (void)state;
    /* The partner's controlling function invites our member to its group. */
    assert_int_equal(check(false, MCPTT,
                           mcptt_group("sip:alice@a.mcx.example", "sip:bob@b.mcx.example",
                                       "sip:fire@b.mcx.example")),
                     MCSEC_REASON_NONE);
    /* A group of a third system. */
    assert_int_equal(check(false, MCPTT,
                           mcptt_group("sip:alice@a.mcx.example", "sip:bob@b.mcx.example",
                                       "sip:fire@c.mcx.example")),
                     MCSEC_REASON_BODY_FOREIGN_ID);
    assert_non_null(strstr(detail, "mcptt-calling-group-id"));
    /* A target that is the partner's group the body names passes (the
     * group element comes after the target). */
    assert_int_equal(check(false, MCPTT,
                           mcptt_group("sip:fire@b.mcx.example", "sip:bob@b.mcx.example",
                                       "sip:fire@b.mcx.example")),
                     MCSEC_REASON_NONE);
    /* ... or the group the request names (its request-URI). */
    assert_int_equal(check_full(false, "sip:fire@b.mcx.example;transport=tcp", NULL, MCPTT,
                                mcptt_private("sip:bob@b.mcx.example", "sip:fire@b.mcx.example")),
                     MCSEC_REASON_NONE);
    assert_int_equal(check_full(false, "sip:police@b.mcx.example", NULL, MCPTT,
                                mcptt_private("sip:bob@b.mcx.example", "sip:fire@b.mcx.example")),
                     MCSEC_REASON_BODY_FOREIGN_ID);
}

static void test_egress(void **state)
{
    (void)state;
    assert_int_equal(
        check(true, MCPTT, mcptt_private("sip:alice@a.mcx.example", "sip:bob@b.mcx.example")),
        MCSEC_REASON_NONE);
    /* Originating not ours. */
    assert_int_equal(
        check(true, MCPTT, mcptt_private("sip:bob@b.mcx.example", "sip:bob2@b.mcx.example")),
        MCSEC_REASON_BODY_FOREIGN_ID);
    assert_non_null(strstr(detail, "mcptt-calling-user-id"));
    assert_int_equal(
        check(true, MCPTT, mcptt_private("sip:x@c.mcx.example", "sip:bob@b.mcx.example")),
        MCSEC_REASON_BODY_FOREIGN_ID);
    /* Target ours (not the partner's). */
    assert_int_equal(
        check(true, MCPTT, mcptt_private("sip:alice@a.mcx.example", "sip:al2@a.mcx.example")),
        MCSEC_REASON_BODY_FOREIGN_ID);
    assert_non_null(strstr(detail, "mcptt-request-uri"));
    /* Our group, invited member of the partner. */
    assert_int_equal(check(true, MCPTT,
                           mcptt_group("sip:bob@b.mcx.example", "sip:alice@a.mcx.example",
                                       "sip:fire@a.mcx.example")),
                     MCSEC_REASON_NONE);
}

static void test_still_encrypted_refused(void **state)
{
    (void)state;
    const char *doc =
        "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"><mcptt-Params>"
        "<mcptt-calling-user-id type=\"Encrypted\">"
        "<xenc:EncryptedData xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\" "
        "Type=\"http://www.w3.org/2001/04/xmlenc#Element\"><xenc:CipherData><xenc:CipherValue>"
        "AAAA</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>"
        "</mcptt-calling-user-id></mcptt-Params></mcpttinfo>";
    assert_int_equal(check(false, MCPTT, doc), MCSEC_REASON_BODY_FOREIGN_ID);
    assert_non_null(strstr(detail, "mcptt-calling-user-id"));
    assert_non_null(strstr(detail, "encrypted"));
}

/* Replies (SIP replies, HTTP answers): IDs of the dialog in either role,
 * each ours or the partner's; a third system's or an unreadable one is
 * refused; no spoof rule (a 200 from the partner may echo our caller). */
static void test_reply_rule(void **state)
{
    (void)state;
    for (int egress = 0; egress < 2; egress++) {
        assert_int_equal(
            check_ctx(true, egress, NULL, NULL, MCPTT,
                      mcptt_private("sip:bob@b.mcx.example", "sip:alice@a.mcx.example")),
            MCSEC_REASON_NONE);
        assert_int_equal(
            check_ctx(true, egress, NULL, NULL, MCPTT,
                      mcptt_private("sip:alice@a.mcx.example", "sip:bob@b.mcx.example")),
            MCSEC_REASON_NONE);
        assert_int_equal(check_ctx(true, egress, NULL, NULL, MCPTT,
                                   mcptt_private("sip:eve@c.mcx.example", "sip:bob@b.mcx.example")),
                         MCSEC_REASON_BODY_FOREIGN_ID);
        assert_non_null(strstr(detail, "mcptt-calling-user-id host c.mcx.example"));
        assert_non_null(strstr(detail, "in a reply"));
        assert_int_equal(check_ctx(true, egress, NULL, NULL, MCPTT,
                                   mcptt_private("sip:bob@b.mcx.example", "sip:eve@c.mcx.example")),
                         MCSEC_REASON_BODY_FOREIGN_ID);
        assert_non_null(strstr(detail, "mcptt-request-uri host c.mcx.example"));
        assert_int_equal(check_ctx(true, egress, NULL, NULL, MCPTT,
                                   mcptt_group("sip:bob@b.mcx.example", "sip:alice@a.mcx.example",
                                               "sip:fire@c.mcx.example")),
                         MCSEC_REASON_BODY_FOREIGN_ID);
        assert_int_equal(check_ctx(true, egress, NULL, NULL, MCPTT,
                                   mcptt_private("tel:+15550001", "sip:a@a.mcx.example")),
                         MCSEC_REASON_BODY_FOREIGN_ID);
    }
}

static void test_unreadable_refused(void **state)
{
    (void)state;
    static const char *const docs[] = {
        /* two child elements */
        "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"><mcptt-Params><mcptt-calling-user-id>"
        "<mcpttURI>sip:b@b.mcx.example</mcpttURI><mcpttURI>sip:a@a.mcx.example</mcpttURI>"
        "</mcptt-calling-user-id></mcptt-Params></mcpttinfo>",
        /* empty */
        "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"><mcptt-Params><mcptt-called-party-id>"
        "<mcpttURI> </mcpttURI></mcptt-called-party-id></mcptt-Params></mcpttinfo>",
        /* not XML, DTD, wrong root */
        "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"><mcptt-Params>",
        "<!DOCTYPE mcpttinfo [<!ENTITY x \"sip:a@a.mcx.example\">]>"
        "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"><mcptt-calling-user-id>&x;"
        "</mcptt-calling-user-id></mcpttinfo>",
        "<mcvideoinfo xmlns=\"urn:3gpp:ns:mcvideoInfo:1.0\"/>",
    };
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        assert_int_equal(check(false, MCPTT, docs[i]), MCSEC_REASON_BODY_FOREIGN_ID);
        assert_true(detail[0] != '\0');
    }
    /* An element of the same name in another namespace is not read. */
    assert_int_equal(
        check(false, MCPTT,
              "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"><mcptt-Params>"
              "<x:mcptt-calling-user-id xmlns:x=\"urn:example:ext\">sip:a@a.mcx.example"
              "</x:mcptt-calling-user-id></mcptt-Params></mcpttinfo>"),
        MCSEC_REASON_NONE);
}

/* TS 24.281: an MCVideo group call from the partner's user. */
static void test_mcvideo(void **state)
{
    (void)state;
#define FMT1                                                                                       \
    "<?xml version=\"1.0\"?><mcvideoinfo xmlns=\"urn:3gpp:ns:mcvideoInfo:1.0\">"                   \
    "<mcvideo-Params><session-type>prearranged</session-type>"                                     \
    "<mcvideo-request-uri type=\"Normal\"><mcvideoURI>sip:cam@a.mcx.example"                       \
    "</mcvideoURI></mcvideo-request-uri>"                                                          \
    "<mcvideo-calling-user-id type=\"Normal\"><mcvideoURI>%s</mcvideoURI>"                         \
    "</mcvideo-calling-user-id></mcvideo-Params></mcvideoinfo>"

    char doc[1024];
    snprintf(doc, sizeof(doc), FMT1, "sip:bob@b.mcx.example");
    assert_int_equal(check(false, MCVIDEO, doc), MCSEC_REASON_NONE);
    snprintf(doc, sizeof(doc), FMT1, "sip:eve@a.mcx.example");
    assert_int_equal(check(false, MCVIDEO, doc), MCSEC_REASON_BODY_INTERNAL_ID_SPOOF);
    assert_non_null(strstr(detail, "mcvideo-calling-user-id"));
}

/* TS 24.282: an SDS from the partner's controlling MCData function, in a
 * multipart with the opaque signalling part. */
static void test_mcdata_multipart(void **state)
{
    (void)state;
#define FMT2                                                                                       \
    "--b1\r\nContent-Type: application/vnd.3gpp.mcdata-info+xml\r\n\r\n"                           \
    "<mcdatainfo xmlns=\"urn:3gpp:ns:mcdataInfo:1.0\"><mcdata-Params>"                             \
    "<request-type>group-sds</request-type>"                                                       \
    "<mcdata-calling-user-id type=\"Normal\"><mcdataURI>sip:bob@b.mcx.example</mcdataURI>"         \
    "</mcdata-calling-user-id>"                                                                    \
    "<mcdata-calling-group-id type=\"Normal\"><mcdataURI>sip:sds@b.mcx.example</mcdataURI>"        \
    "</mcdata-calling-group-id>"                                                                   \
    "<mcdata-controller-psi type=\"Normal\"><mcdataURI>%s</mcdataURI>"                             \
    "</mcdata-controller-psi>"                                                                     \
    "</mcdata-Params></mcdatainfo>\r\n"                                                            \
    "--b1\r\nContent-Type: application/vnd.3gpp.mcdata-signalling\r\n\r\n"                         \
    "\x01\x02<mcdata-calling-user-id>sip:eve@a.mcx.example</mcdata-calling-user-id>\r\n"           \
    "--b1--\r\n"

    char body[2048];
    const char *type = "multipart/mixed; boundary=b1";
    snprintf(body, sizeof(body), FMT2, "sip:controller@b.mcx.example");
    assert_int_equal(check(false, type, body), MCSEC_REASON_NONE);
    snprintf(body, sizeof(body), FMT2, "sip:controller@a.mcx.example");
    assert_int_equal(check(false, type, body), MCSEC_REASON_BODY_INTERNAL_ID_SPOOF);
    assert_non_null(strstr(detail, "mcdata-controller-psi"));
}

/* RFC 5366 ad hoc group: the invited members in a resource-lists part. */
static void test_resource_lists(void **state)
{
    (void)state;
#define FMT3                                                                                       \
    "--b\r\nContent-Type: application/vnd.3gpp.mcptt-info+xml\r\n\r\n%s\r\n"                       \
    "--b\r\nContent-Type: application/resource-lists+xml\r\n\r\n"                                  \
    "<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\"><list>"                       \
    "<entry uri=\"sip:alice@a.mcx.example\"/>%s</list></resource-lists>\r\n"                       \
    "--b--\r\n"

    char body[4096];
    const char *type = "multipart/mixed;boundary=b";
    const char *info = mcptt_private("sip:bob@b.mcx.example", "sip:alice@a.mcx.example");
    char info_copy[2048];
    snprintf(info_copy, sizeof(info_copy), "%s", info);
    snprintf(body, sizeof(body), FMT3, info_copy, "<entry uri=\"sip:al2@a.mcx.example\"/>");
    assert_int_equal(check(false, type, body), MCSEC_REASON_NONE);
    snprintf(body, sizeof(body), FMT3, info_copy, "<entry uri=\"sip:x@c.mcx.example\"/>");
    assert_int_equal(check(false, type, body), MCSEC_REASON_BODY_FOREIGN_ID);
    assert_non_null(strstr(detail, "entry/@uri host c.mcx.example"));
    snprintf(body, sizeof(body), FMT3, info_copy, "<entry-ref ref=\"lists/x\"/>");
    assert_int_equal(check(false, type, body), MCSEC_REASON_BODY_FOREIGN_ID);
    assert_non_null(strstr(detail, "entry-ref"));
    /* Other parts and types are not read. */
    assert_int_equal(check(false, "application/sdp", "v=0\r\no=- 1 1 IN IP4 sip:x@c.example\r\n"),
                     MCSEC_REASON_NONE);
}

/* ---- migration ---------------------------------------------------------- */

static void test_migration_ingress(void **state)
{
    (void)state;
    char *doc = mcptt_private("sip:roamer@a.mcx.example", "sip:alice@a.mcx.example");
    /* Listed and a verified migration EAR from an MC server. */
    assert_int_equal(check_full(false, NULL, &migration_ear, MCPTT, doc), MCSEC_REASON_NONE);
    /* Without an EAR, or one nobody verified. */
    assert_int_equal(check_full(false, NULL, NULL, MCPTT, doc),
                     MCSEC_REASON_BODY_INTERNAL_ID_SPOOF);
    assert_non_null(strstr(detail, "without a verified EAR"));
    mcsec_bodyid_ear_t ear = migration_ear;
    ear.verified = false;
    assert_int_equal(check_full(false, NULL, &ear, MCPTT, doc),
                     MCSEC_REASON_BODY_INTERNAL_ID_SPOOF);
    /* Another request type, none, or another role. */
    ear = migration_ear;
    ear.request_type = MCSEC_EAR_REQ_PRIVILEGED;
    assert_int_equal(check_full(false, NULL, &ear, MCPTT, doc),
                     MCSEC_REASON_BODY_INTERNAL_ID_SPOOF);
    assert_non_null(strstr(detail, "request type"));
    ear = migration_ear;
    ear.has_request = false;
    assert_int_equal(check_full(false, NULL, &ear, MCPTT, doc),
                     MCSEC_REASON_BODY_INTERNAL_ID_SPOOF);
    ear = migration_ear;
    ear.source_role = MCSEC_EAR_ROLE_BORDER_PROXY;
    assert_int_equal(check_full(false, NULL, &ear, MCPTT, doc),
                     MCSEC_REASON_BODY_INTERNAL_ID_SPOOF);
    assert_non_null(strstr(detail, "source role"));
    /* Expired entry. */
    doc = mcptt_private("sip:former@a.mcx.example", "sip:alice@a.mcx.example");
    assert_int_equal(check_full(false, NULL, &migration_ear, MCPTT, doc),
                     MCSEC_REASON_BODY_INTERNAL_ID_SPOOF);
    assert_non_null(strstr(detail, "expired"));
    /* Not listed: the normal rule, whatever the EAR. */
    doc = mcptt_private("sip:other@a.mcx.example", "sip:alice@a.mcx.example");
    assert_int_equal(check_full(false, NULL, &migration_ear, MCPTT, doc),
                     MCSEC_REASON_BODY_INTERNAL_ID_SPOOF);
    assert_non_null(strstr(detail, "of ours from the partner"));
    /* The same user/host but another scheme is another identity. */
    doc = mcptt_private("sips:roamer@a.mcx.example", "sip:alice@a.mcx.example");
    assert_int_equal(check_full(false, NULL, &migration_ear, MCPTT, doc),
                     MCSEC_REASON_BODY_INTERNAL_ID_SPOOF);
}

static void test_migration_egress(void **state)
{
    (void)state;
    char *doc = mcptt_private("sip:visitor@b.mcx.example", "sip:bob@b.mcx.example");
    assert_int_equal(check_full(true, NULL, &migration_ear, MCPTT, doc), MCSEC_REASON_NONE);
    assert_int_equal(check_full(true, NULL, NULL, MCPTT, doc), MCSEC_REASON_BODY_FOREIGN_ID);
    assert_non_null(strstr(detail, "EAR"));
    /* Not listed. */
    doc = mcptt_private("sip:bob2@b.mcx.example", "sip:bob@b.mcx.example");
    assert_int_equal(check_full(true, NULL, &migration_ear, MCPTT, doc),
                     MCSEC_REASON_BODY_FOREIGN_ID);
    /* A listed user of the partner sending to us is the normal case. */
    doc = mcptt_private("sip:visitor@b.mcx.example", "sip:alice@a.mcx.example");
    assert_int_equal(check_full(false, NULL, NULL, MCPTT, doc), MCSEC_REASON_NONE);
}

static void test_migration_loader(void **state)
{
    (void)state;
    const mcsec_migration_rules_t *m = &policy->partners[0].migration;
    assert_int_equal(m->our_users_served_there.count, 2);
    assert_string_equal(m->our_users_served_there.items[0].id, "sip:roamer@a.mcx.example");
    assert_int_equal(m->our_users_served_there.items[0].expires, 1893456000);
    assert_int_equal(m->their_users_served_here.count, 1);
    assert_int_equal(m->their_users_served_here.items[0].expires, 1909051200);
    /* Dump and load again. */
    char *text = NULL;
    assert_int_equal(mcsec_policy_dump(policy, &text), MCSEC_OK);
    assert_non_null(strstr(text, "our_users_served_there"));
    assert_non_null(strstr(text, "2030-06-30T12:00:00Z"));
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *again = NULL;
    assert_int_equal(mcsec_policy_load_buffer(text, strlen(text), "dump", NULL, &again, &diags),
                     MCSEC_OK);
    assert_int_equal(again->partners[0].migration.their_users_served_here.items[0].expires,
                     1909051200);
    mcsec_policy_free(again);
    free(text);
    mcsec_diag_list_free(&diags);
}

/* The policy text with its migration section replaced by section. */
static void load_bad(const char *section, unsigned line, unsigned col, const char *text)
{
    char yaml[4096];
    const char *cut = strstr(POLICY, "    migration:\n");
    snprintf(yaml, sizeof(yaml), "%.*s%s", (int)(cut - POLICY), POLICY, section);
    mcsec_diag_list_t diags = {NULL, 0};
    mcsec_policy_t *p = NULL;
    assert_int_not_equal(mcsec_policy_load_buffer(yaml, strlen(yaml), "m.yaml", NULL, &p, &diags),
                         MCSEC_OK);
    assert_null(p);
    bool found = false;
    for (size_t i = 0; i < diags.count; i++) {
        char out[512];
        mcsec_diag_format(&diags.items[i], out, sizeof(out));
        if (diags.items[i].line == line && diags.items[i].col == col &&
            strstr(diags.items[i].message, text))
            found = true;
        else
            print_message("diag: %s\n", out);
    }
    assert_true(found);
    mcsec_diag_list_free(&diags);
}

static void test_migration_loader_diagnostics(void **state)
{
    (void)state;
    /* Line 15 is "    migration:". */
    load_bad("    migration:\n      our_users_served_there:\n"
             "        - {id: sip:bob@b.mcx.example, expires: 2030-01-01T00:00:00Z}\n",
             17, 16, "not in our domains");
    load_bad("    migration:\n      their_users_served_here:\n"
             "        - {id: sip:al@a.mcx.example, expires: 2030-01-01T00:00:00Z}\n",
             17, 16, "not in the partner's domains");
    load_bad("    migration:\n      our_users_served_there:\n"
             "        - {id: sip:al@a.mcx.example, expires: 2030-01-01}\n",
             17, 47, "invalid expires");
    load_bad("    migration:\n      our_users_served_there:\n"
             "        - {id: sip:al@a.mcx.example, expires: 2030-02-30T00:00:00Z}\n",
             17, 47, "invalid expires");
    load_bad("    migration:\n      our_users_served_there:\n"
             "        - {id: tel:+1555, expires: 2030-01-01T00:00:00Z}\n",
             17, 16, "expected sip:user@host");
    load_bad("    migration:\n      our_users_served_there:\n"
             "        - {id: sip:al@a.mcx.example}\n",
             17, 11, "expires");
    load_bad("    migration:\n      our_users_served_there:\n"
             "        - {id: sip:al@a.mcx.example, expires: 2030-01-01T00:00:00Z}\n"
             "        - {id: sip:al@A.MCX.EXAMPLE, expires: 2031-01-01T00:00:00Z}\n",
             18, 16, "twice");
    load_bad("    migration:\n      our_users_served_here: []\n", 16, 7, "unknown key");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ingress_private_call),
        cmocka_unit_test(test_ingress_internal_spoof),
        cmocka_unit_test(test_ingress_foreign_ids),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_egress),
        cmocka_unit_test(test_still_encrypted_refused),
        cmocka_unit_test(test_unreadable_refused),
        cmocka_unit_test(test_reply_rule),
        cmocka_unit_test(test_mcvideo),
        cmocka_unit_test(test_mcdata_multipart),
        cmocka_unit_test(test_resource_lists),
        cmocka_unit_test(test_migration_ingress),
        cmocka_unit_test(test_migration_egress),
        cmocka_unit_test(test_migration_loader),
        cmocka_unit_test(test_migration_loader_diagnostics),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
