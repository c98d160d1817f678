/* Shared-SPK protection of mcptt-info and SIP bodies: round trips for every
 * element type, each reason code, hostile XML, cid:-only references and key
 * rollover. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mcsec/spk/kdf.h"
#include "mcsec/spk/keystore.h"
#include "mcsec/spk/xmlprot.h"

#define ID_A "sip:border@a.mcx.example"
#define OLD_KEY "30000001 000102030405060708090a0b0c0d0e0f\n"
#define NEW_KEY "3abcdef0 f0e0d0c0b0a090807060504030201000\n"

static const char *const element_names[] = {"mcptt-request-uri",     "mcptt-calling-user-id",
                                            "mcptt-called-party-id", "mcptt-calling-group-id",
                                            "associated-group-id",   "originated-by",
                                            "mcptt-client-id",       "functional-alias-URI",
                                            "emergency-ind",         "alert-ind",
                                            "imminentperil-ind",     "some-future-element"};
#define ELEMENT_COUNT (sizeof(element_names) / sizeof(element_names[0]))

/* A document with every element, each holding a distinct secret value. */
static char *info_doc(void)
{
    static char doc[8192];
    size_t n = (size_t)snprintf(doc, sizeof(doc),
                                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\">\n"
                                "<mcptt-Params>\n");
    for (size_t i = 0; i < ELEMENT_COUNT; i++) {
        const char *child = strstr(element_names[i], "-ind")     ? "mcpttBoolean"
                            : strstr(element_names[i], "client") ? "mcpttString"
                                                                 : "mcpttURI";
        n += (size_t)snprintf(doc + n, sizeof(doc) - n,
                              "<%s type=\"Normal\"><%s>secret-%zu@b.mcx.example</%s></%s>\n",
                              element_names[i], child, i, child, element_names[i]);
    }
    snprintf(doc + n, sizeof(doc) - n,
             "<mcptt-request-uri-extra>not a contentType</mcptt-request-uri-extra>\n"
             "</mcptt-Params>\n</mcpttinfo>\n");
    return doc;
}

/* A protection object for conf with the keys of key_text (conf.keys is
 * filled here). */
static mcsec_xmlprot_t *make_prot_with(const char *key_text, mcsec_xmlprot_conf_t conf)
{
    mcsec_keystore_t *keys = NULL;
    assert_int_equal(mcsec_keystore_parse_spk(key_text, strlen(key_text), "t", &keys, NULL, 0),
                     MCSEC_OK);
    conf.keys = keys;
    mcsec_xmlprot_t *prot = NULL;
    assert_int_equal(mcsec_xmlprot_create(&conf, &prot), MCSEC_OK);
    mcsec_keystore_destroy(keys);
    return prot;
}

static mcsec_xmlprot_t *make_prot(const char *key_text, const char *identity)
{
    return make_prot_with(key_text, (mcsec_xmlprot_conf_t){.identity = identity});
}

static mcsec_xmlprot_t *make_prot_conf(const char *key_text, const char *identity,
                                       const char *signed_type, size_t max_body, unsigned max_depth)
{
    const char *types[] = {signed_type};
    return make_prot_with(key_text,
                          (mcsec_xmlprot_conf_t){.identity = identity,
                                                 .signed_types = signed_type ? types : NULL,
                                                 .signed_type_count = signed_type ? 1 : 0,
                                                 .max_body = max_body,
                                                 .max_depth = max_depth});
}

static bool contains(const mcsec_body_t *body, const char *needle)
{
    return body->data && strstr((const char *)body->data, needle) != NULL;
}

static void test_doc_round_trip_every_element(void **state)
{
    (void)state;
    mcsec_xmlprot_t *prot = make_prot(OLD_KEY NEW_KEY, ID_A);
    const char *doc = info_doc();
    mcsec_body_t enc = {0}, dec = {0};
    mcsec_xmlprot_result_t res;
    assert_int_equal(mcsec_xmlprot_protect_doc(prot, (const uint8_t *)doc, strlen(doc), &enc, &res),
                     MCSEC_OK);
    for (size_t i = 0; i < ELEMENT_COUNT; i++) {
        char secret[64];
        snprintf(secret, sizeof(secret), "secret-%zu@", i);
        if (contains(&enc, secret))
            fail_msg("%s left in clear", element_names[i]);
    }
    assert_true(contains(&enc, "not a contentType"));
    assert_true(contains(&enc, "xmlenc11#aes128-gcm"));
    assert_true(contains(&enc, "<ds:KeyName>Orze8A==</ds:KeyName>")); /* base64(3abcdef0) */
    assert_false(contains(&enc, "type=\"Normal\""));
    assert_int_equal(mcsec_xmlprot_current_id(prot), 0x3abcdef0);
    res.has_spk_id = true; /* an unprotect starts from none */
    res.spk_id = 1;
    assert_int_equal(mcsec_xmlprot_unprotect_doc(prot, enc.data, enc.len, true, &dec, &res),
                     MCSEC_OK);
    assert_true(res.has_spk_id); /* the key the KeyName named, for the per-key counters */
    assert_int_equal(res.spk_id, 0x3abcdef0);
    for (size_t i = 0; i < ELEMENT_COUNT; i++) {
        char secret[64];
        snprintf(secret, sizeof(secret), "type=\"Normal\"><%s>secret-%zu@b.mcx.example<",
                 strstr(element_names[i], "-ind")     ? "mcpttBoolean"
                 : strstr(element_names[i], "client") ? "mcpttString"
                                                      : "mcpttURI",
                 i);
        if (!contains(&dec, secret))
            fail_msg("%s not restored", element_names[i]);
    }
    assert_false(contains(&dec, "Encrypted"));
    mcsec_body_free(&enc);
    mcsec_body_free(&dec);
    mcsec_xmlprot_destroy(prot);
}

static void test_doc_encrypts_only_listed_elements(void **state)
{
    (void)state;
    const char *list[] = {"mcptt-calling-user-id"};
    mcsec_xmlprot_t *prot = make_prot_with(
        OLD_KEY, (mcsec_xmlprot_conf_t){.identity = ID_A, .elements = list, .element_count = 1});
    const char *doc = info_doc();
    mcsec_body_t enc = {0};
    assert_int_equal(mcsec_xmlprot_protect_doc(prot, (const uint8_t *)doc, strlen(doc), &enc, NULL),
                     MCSEC_OK);
    assert_false(contains(&enc, "secret-1@"));
    assert_true(contains(&enc, "secret-0@"));
    assert_true(contains(&enc, "secret-2@"));
    mcsec_body_free(&enc);
    mcsec_xmlprot_destroy(prot);
}

static void expect_doc_reason(mcsec_xmlprot_t *prot, const char *doc, size_t len,
                              mcsec_reason_t want)
{
    mcsec_body_t out = {0};
    mcsec_xmlprot_result_t res = {MCSEC_REASON_NONE, "", 0, false};
    mcsec_err_t rc = mcsec_xmlprot_unprotect_doc(prot, (const uint8_t *)doc, len, true, &out, &res);
    assert_int_not_equal(rc, MCSEC_OK);
    if (res.reason != want)
        fail_msg("want %s, got %s (%s)", mcsec_reason_code(want), mcsec_reason_code(res.reason),
                 res.detail);
    assert_null(out.data);
}

static void test_doc_tampered_ciphertext_is_bad_tag(void **state)
{
    (void)state;
    mcsec_xmlprot_t *prot = make_prot(OLD_KEY, ID_A);
    const char *doc = info_doc();
    mcsec_body_t enc = {0};
    assert_int_equal(mcsec_xmlprot_protect_doc(prot, (const uint8_t *)doc, strlen(doc), &enc, NULL),
                     MCSEC_OK);
    char *value = strstr((char *)enc.data, "<xenc:CipherValue>");
    assert_non_null(value);
    value += strlen("<xenc:CipherValue>") + 20;
    const char original = *value;
    *value = original == 'A' ? 'B' : 'A';
    expect_doc_reason(prot, (const char *)enc.data, enc.len, MCSEC_REASON_SPK_BAD_TAG);
    /* The wrong identity (P0) derives another key: the tag fails too. */
    mcsec_xmlprot_t *other = make_prot(OLD_KEY, "sip:border@c.mcx.example");
    *value = original;
    expect_doc_reason(other, (const char *)enc.data, enc.len, MCSEC_REASON_SPK_BAD_TAG);
    mcsec_xmlprot_destroy(other);
    mcsec_body_free(&enc);
    mcsec_xmlprot_destroy(prot);
}

static void test_doc_unknown_key_and_missing(void **state)
{
    (void)state;
    mcsec_xmlprot_t *sender = make_prot(NEW_KEY, ID_A);
    mcsec_xmlprot_t *receiver = make_prot(OLD_KEY, ID_A);
    const char *doc = info_doc();
    mcsec_body_t enc = {0}, out = {0};
    assert_int_equal(
        mcsec_xmlprot_protect_doc(sender, (const uint8_t *)doc, strlen(doc), &enc, NULL), MCSEC_OK);
    expect_doc_reason(receiver, (const char *)enc.data, enc.len, MCSEC_REASON_SPK_UNKNOWN_KEY);
    expect_doc_reason(receiver, doc, strlen(doc), MCSEC_REASON_SPK_MISSING);
    /* Not required: the clear document passes unchanged. */
    assert_int_equal(
        mcsec_xmlprot_unprotect_doc(receiver, (const uint8_t *)doc, strlen(doc), false, &out, NULL),
        MCSEC_OK);
    assert_memory_equal(out.data, doc, strlen(doc));
    mcsec_body_free(&out);
    mcsec_body_free(&enc);
    mcsec_xmlprot_destroy(sender);
    mcsec_xmlprot_destroy(receiver);
}

static void test_hostile_xml_refused(void **state)
{
    (void)state;
    mcsec_xmlprot_t *prot = make_prot(OLD_KEY, ID_A);
    static const char *const docs[] = {
        /* XXE */
        "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY x SYSTEM "
        "\"file:///etc/passwd\">]>"
        "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"><a "
        "type=\"Normal\"><b>&x;</b></a>"
        "</mcpttinfo>",
        /* external DTD over the network */
        "<?xml version=\"1.0\"?><!DOCTYPE m SYSTEM \"http://127.0.0.1:9/x.dtd\">"
        "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"/>",
        /* billion laughs */
        "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\">"
        "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c "
        "\"&b;&b;&b;&b;&b;&b;&b;&b;\">"
        "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">]>"
        "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"><a "
        "type=\"Normal\"><b>&d;</b></a>"
        "</mcpttinfo>",
        /* undeclared entity */
        "<mcpttinfo "
        "xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"><a><b>&x;</b></a></mcpttinfo>",
        /* XInclude is not processed and not allowed to matter */
        "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"><a type=\"Encrypted\">"
        "<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" "
        "href=\"file:///etc/passwd\"/>"
        "</a></mcpttinfo>",
        /* not well formed */
        "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"><a></mcpttinfo>",
    };
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        mcsec_body_t out = {0};
        mcsec_xmlprot_result_t res = {MCSEC_REASON_NONE, "", 0, false};
        assert_int_not_equal(mcsec_xmlprot_unprotect_doc(prot, (const uint8_t *)docs[i],
                                                         strlen(docs[i]), false, &out, &res),
                             MCSEC_OK);
        assert_int_equal(res.reason, MCSEC_REASON_SPK_MALFORMED);
        mcsec_err_t rc =
            mcsec_xmlprot_protect_doc(prot, (const uint8_t *)docs[i], strlen(docs[i]), &out, &res);
        if (strstr(docs[i], "XInclude")) {
            /* Protecting leaves it as data: nothing included, nothing read. */
            assert_int_equal(rc, MCSEC_OK);
            assert_false(contains(&out, "root:"));
            mcsec_body_free(&out);
            continue;
        }
        assert_int_not_equal(rc, MCSEC_OK);
        assert_null(out.data);
    }
    /* Too deep. */
    char deep[4096];
    size_t n =
        (size_t)snprintf(deep, sizeof(deep), "<mcpttinfo xmlns=\"%s\">", MCSEC_NS_MCPTT_INFO);
    for (int i = 0; i < 100; i++)
        n += (size_t)snprintf(deep + n, sizeof(deep) - n, "<d>");
    for (int i = 0; i < 100; i++)
        n += (size_t)snprintf(deep + n, sizeof(deep) - n, "</d>");
    snprintf(deep + n, sizeof(deep) - n, "</mcpttinfo>");
    expect_doc_reason(prot, deep, strlen(deep), MCSEC_REASON_SPK_MALFORMED);
    mcsec_xmlprot_destroy(prot);
}

/* ---- bodies ---- */

#define SDP                                                                                        \
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"                    \
    "m=audio 4000 RTP/AVP 0\r\n"
#define RLS                                                                                        \
    "<?xml version=\"1.0\"?><resource-lists "                                                      \
    "xmlns=\"urn:ietf:params:xml:ns:resource-lists\">"                                             \
    "<list><entry uri=\"sip:bob@b.mcx.example\"/></list></resource-lists>"

static char *multipart_body(const char *info)
{
    static char body[16384];
    snprintf(body, sizeof(body),
             "--XyZ\r\nContent-Type: application/sdp\r\n\r\n" SDP "\r\n"
             "--XyZ\r\nContent-Type: application/vnd.3gpp.mcptt-info+xml\r\n\r\n%s\r\n"
             "--XyZ\r\nContent-Type: application/resource-lists+xml\r\n"
             "Content-Disposition: recipient-list\r\n\r\n" RLS "\r\n--XyZ--\r\n",
             info);
    return body;
}

static void test_body_single_round_trip(void **state)
{
    (void)state;
    mcsec_xmlprot_t *a = make_prot(OLD_KEY, ID_A);
    const char *doc = info_doc();
    mcsec_body_t prot = {0}, clear = {0};
    mcsec_xmlprot_result_t res;
    assert_int_equal(mcsec_xmlprot_protect_body(a, MCSEC_CT_MCPTT_INFO, (const uint8_t *)doc,
                                                strlen(doc), &prot, &res),
                     MCSEC_OK);
    assert_int_equal(strncmp(prot.content_type, "multipart/mixed;boundary=", 25), 0);
    assert_true(contains(&prot, "Content-ID: <"));
    assert_true(contains(&prot, "Content-Type: " MCSEC_CT_MCPTT_SIGNED));
    assert_true(contains(&prot, "xmldsig-more#hmac-sha256"));
    assert_true(contains(&prot, "URI=\"cid:"));
    assert_false(contains(&prot, "secret-0@"));
    assert_int_equal(
        mcsec_xmlprot_unprotect_body(a, prot.content_type, prot.data, prot.len, true, &clear, &res),
        MCSEC_OK);
    assert_string_equal(clear.content_type, MCSEC_CT_MCPTT_INFO);
    assert_true(contains(&clear, "<mcpttURI>secret-0@b.mcx.example</mcpttURI>"));
    mcsec_body_free(&prot);
    mcsec_body_free(&clear);
    mcsec_xmlprot_destroy(a);
}

static void test_body_multipart_keeps_other_parts_exact(void **state)
{
    (void)state;
    mcsec_xmlprot_t *a = make_prot_conf(OLD_KEY, ID_A, "application/resource-lists+xml", 0, 0);
    const char *body = multipart_body(info_doc());
    mcsec_body_t prot = {0}, clear = {0};
    mcsec_xmlprot_result_t res;
    assert_int_equal(mcsec_xmlprot_protect_body(a, "multipart/mixed; boundary=\"XyZ\"",
                                                (const uint8_t *)body, strlen(body), &prot, &res),
                     MCSEC_OK);
    assert_string_equal(prot.content_type, "multipart/mixed; boundary=\"XyZ\"");
    assert_true(contains(&prot, "\r\n\r\n" SDP "\r\n--XyZ\r\n"));
    /* Two references: mcptt-info and resource-lists. */
    char *first = strstr((char *)prot.data, "URI=\"cid:");
    assert_non_null(first);
    assert_non_null(strstr(first + 1, "URI=\"cid:"));
    assert_int_equal(
        mcsec_xmlprot_unprotect_body(a, prot.content_type, prot.data, prot.len, true, &clear, &res),
        MCSEC_OK);
    assert_true(
        contains(&clear, "--XyZ\r\nContent-Type: application/sdp\r\n\r\n" SDP "\r\n--XyZ\r\n"));
    assert_true(contains(&clear, "Content-Disposition: recipient-list\r\n"));
    assert_true(contains(&clear, RLS "\r\n--XyZ--"));
    assert_true(contains(&clear, "secret-3@b.mcx.example"));
    assert_false(contains(&clear, MCSEC_CT_MCPTT_SIGNED));

    /* Tampering with the signed resource-lists breaks the signature. */
    char *copy = strndup((const char *)prot.data, prot.len);
    char *entry = strstr(copy, "sip:bob@");
    assert_non_null(entry);
    entry[4] = 'r';
    mcsec_body_t out = {0};
    res.reason = MCSEC_REASON_NONE;
    assert_int_not_equal(mcsec_xmlprot_unprotect_body(a, prot.content_type, (uint8_t *)copy,
                                                      prot.len, true, &out, &res),
                         MCSEC_OK);
    assert_int_equal(res.reason, MCSEC_REASON_SPK_BAD_SIGNATURE);
    free(copy);
    mcsec_body_free(&prot);
    mcsec_body_free(&clear);
    mcsec_xmlprot_destroy(a);
}

static mcsec_body_t protect_single(mcsec_xmlprot_t *prot)
{
    const char *doc = info_doc();
    mcsec_body_t out = {0};
    assert_int_equal(mcsec_xmlprot_protect_body(prot, MCSEC_CT_MCPTT_INFO, (const uint8_t *)doc,
                                                strlen(doc), &out, NULL),
                     MCSEC_OK);
    return out;
}

static void expect_body_reason(mcsec_xmlprot_t *prot, const char *ct, const char *body, size_t len,
                               bool required, mcsec_reason_t want)
{
    mcsec_body_t out = {0};
    mcsec_xmlprot_result_t res = {MCSEC_REASON_NONE, "", 0, false};
    assert_int_not_equal(
        mcsec_xmlprot_unprotect_body(prot, ct, (const uint8_t *)body, len, required, &out, &res),
        MCSEC_OK);
    if (res.reason != want)
        fail_msg("want %s, got %s (%s)", mcsec_reason_code(want), mcsec_reason_code(res.reason),
                 res.detail);
    assert_null(out.data);
}

/* Replaces the first occurrence of from (same length) in a copy. */
static char *patched(const mcsec_body_t *body, const char *from, const char *to)
{
    char *copy = strndup((const char *)body->data, body->len);
    char *at = strstr(copy, from);
    assert_non_null(at);
    memcpy(at, to, strlen(to));
    return copy;
}

static void test_body_reason_codes(void **state)
{
    (void)state;
    mcsec_xmlprot_t *a = make_prot(OLD_KEY, ID_A);
    mcsec_body_t prot = protect_single(a);

    /* Tampered signature value. */
    char *sig_value = strstr((char *)prot.data, "<ds:SignatureValue>");
    assert_non_null(sig_value);
    char *copy = strndup((const char *)prot.data, prot.len);
    char *v = copy + (sig_value - (char *)prot.data) + strlen("<ds:SignatureValue>") + 3;
    *v = *v == 'A' ? 'B' : 'A';
    expect_body_reason(a, prot.content_type, copy, prot.len, true, MCSEC_REASON_SPK_BAD_SIGNATURE);
    free(copy);

    /* Tampered document (a ciphertext octet): the signature catches it first. */
    char *cv = strstr((char *)prot.data, "<xenc:CipherValue>") + strlen("<xenc:CipherValue>");
    char orig[2] = {cv[5], 0}, repl[2] = {cv[5] == 'A' ? 'B' : 'A', 0};
    char from[16];
    snprintf(from, sizeof(from), "%.8s", cv);
    char to[16];
    snprintf(to, sizeof(to), "%.5s%s%.2s", cv, repl, cv + 6);
    (void)orig;
    copy = patched(&prot, from, to);
    expect_body_reason(a, prot.content_type, copy, prot.len, true, MCSEC_REASON_SPK_BAD_SIGNATURE);
    free(copy);

    /* Signature missing. */
    const char *doc = info_doc();
    expect_body_reason(a, MCSEC_CT_MCPTT_INFO, doc, strlen(doc), true, MCSEC_REASON_SPK_MISSING);

    /* Unknown key: another partner's SPK. */
    mcsec_xmlprot_t *c = make_prot(NEW_KEY, ID_A);
    expect_body_reason(c, prot.content_type, (const char *)prot.data, prot.len, true,
                       MCSEC_REASON_SPK_UNKNOWN_KEY);
    mcsec_xmlprot_destroy(c);

    /* A Reference to anything but cid: is refused before xmlsec sees it. */
    copy = strndup((const char *)prot.data, prot.len);
    char *uri = strstr(copy, "URI=\"cid:");
    assert_non_null(uri);
    memcpy(uri, "URI=\"fil", 8);
    expect_body_reason(a, prot.content_type, copy, prot.len, true, MCSEC_REASON_SPK_MALFORMED);
    free(copy);

    /* A cid: naming no part of this message does not resolve. */
    copy = strndup((const char *)prot.data, prot.len);
    uri = strstr(copy, "URI=\"cid:");
    uri[9] = uri[9] == 'a' ? 'b' : 'a';
    expect_body_reason(a, prot.content_type, copy, prot.len, true, MCSEC_REASON_SPK_BAD_SIGNATURE);
    free(copy);
    mcsec_body_free(&prot);
    mcsec_xmlprot_destroy(a);
}

static void test_body_hostile_signature_part(void **state)
{
    (void)state;
    mcsec_xmlprot_t *a = make_prot(OLD_KEY, ID_A);
    char body[4096];
    const char *info = "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"/>";
    /* The signature part carries an XXE; a Reference to file:///etc/passwd
     * and one to http:// must never be fetched. */
    static const char *const sigs[] = {
        "<?xml version=\"1.0\"?><!DOCTYPE s [<!ENTITY x SYSTEM "
        "\"file:///etc/passwd\">]>"
        "<signatures xmlns=\"urn:3gpp:ns:mcpttSignedDoc:1.0\">&x;</signatures>",
        "<signatures xmlns=\"urn:3gpp:ns:mcpttSignedDoc:1.0\"><ds:Signature "
        "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>"
        "<ds:CanonicalizationMethod "
        "Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"/>"
        "<ds:SignatureMethod "
        "Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#hmac-sha256\"/>"
        "<ds:Reference URI=\"file:///etc/passwd\"><ds:DigestMethod "
        "Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/"
        "><ds:DigestValue>AA==</"
        "ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>AA==</"
        "ds:SignatureValue><ds:KeyInfo><ds:KeyName>MAAAAQ==</ds:KeyName></"
        "ds:KeyInfo>"
        "</ds:Signature></signatures>",
        "<signatures xmlns=\"urn:3gpp:ns:mcpttSignedDoc:1.0\"><ds:Signature "
        "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>"
        "<ds:CanonicalizationMethod "
        "Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"/>"
        "<ds:SignatureMethod "
        "Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#hmac-sha256\"/>"
        "<ds:Reference URI=\"http://127.0.0.1:9/x\"><ds:DigestMethod "
        "Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/"
        "><ds:DigestValue>AA==</"
        "ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>AA==</"
        "ds:SignatureValue><ds:KeyInfo><ds:KeyName>MAAAAQ==</ds:KeyName></"
        "ds:KeyInfo>"
        "</ds:Signature></signatures>",
        /* An XSLT transform on a cid: reference is not allowed. */
        "<signatures xmlns=\"urn:3gpp:ns:mcpttSignedDoc:1.0\"><ds:Signature "
        "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>"
        "<ds:CanonicalizationMethod "
        "Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"/>"
        "<ds:SignatureMethod "
        "Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#hmac-sha256\"/>"
        "<ds:Reference URI=\"cid:i@x\"><ds:Transforms><ds:Transform "
        "Algorithm=\"http://www.w3.org/TR/1999/REC-xslt-19991116\"/></"
        "ds:Transforms>"
        "<ds:DigestMethod "
        "Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/"
        "><ds:DigestValue>AA==</"
        "ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>AA==</"
        "ds:SignatureValue><ds:KeyInfo><ds:KeyName>MAAAAQ==</ds:KeyName></"
        "ds:KeyInfo>"
        "</ds:Signature></signatures>",
    };
    static const mcsec_reason_t want[] = {MCSEC_REASON_SPK_MALFORMED, MCSEC_REASON_SPK_MALFORMED,
                                          MCSEC_REASON_SPK_MALFORMED,
                                          MCSEC_REASON_SPK_BAD_SIGNATURE};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        int n = snprintf(body, sizeof(body),
                         "--b\r\nContent-Type: " MCSEC_CT_MCPTT_INFO
                         "\r\nContent-ID: <i@x>\r\n\r\n%s\r\n"
                         "--b\r\nContent-Type: " MCSEC_CT_MCPTT_SIGNED "\r\n\r\n%s\r\n--b--\r\n",
                         info, sigs[i]);
        expect_body_reason(a, "multipart/mixed;boundary=b", body, (size_t)n, true, want[i]);
    }
    mcsec_xmlprot_destroy(a);
}

static void test_body_malformed_multipart(void **state)
{
    (void)state;
    mcsec_xmlprot_t *a = make_prot(OLD_KEY, ID_A);
    const char *unterminated = "--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n";
    expect_body_reason(a, "multipart/mixed;boundary=b", unterminated, strlen(unterminated), true,
                       MCSEC_REASON_SPK_MALFORMED);
    const char *two = "--b\r\nContent-Type: " MCSEC_CT_MCPTT_INFO "\r\n\r\n<a/>\r\n"
                      "--b\r\nContent-Type: " MCSEC_CT_MCPTT_INFO "\r\n\r\n<a/>\r\n--b--";
    expect_body_reason(a, "multipart/mixed;boundary=b", two, strlen(two), true,
                       MCSEC_REASON_SPK_MALFORMED);
    expect_body_reason(a, "multipart/mixed", two, strlen(two), true, MCSEC_REASON_SPK_MALFORMED);
    /* Non-mcptt bodies pass untouched, even when SPK is required. */
    mcsec_body_t out = {0};
    assert_int_equal(mcsec_xmlprot_unprotect_body(a, "application/sdp", (const uint8_t *)SDP,
                                                  strlen(SDP), true, &out, NULL),
                     MCSEC_OK);
    assert_memory_equal(out.data, SDP, strlen(SDP));
    mcsec_body_free(&out);
    /* A body already signed is not protected twice. */
    mcsec_body_t prot = protect_single(a);
    mcsec_xmlprot_result_t res;
    assert_int_equal(
        mcsec_xmlprot_protect_body(a, prot.content_type, prot.data, prot.len, &out, &res),
        MCSEC_ERR_INVALID);
    mcsec_body_free(&prot);
    mcsec_xmlprot_destroy(a);
}

/* The copy of body with the first from replaced by to (any lengths). */
static char *replaced(const char *body, const char *from, const char *to)
{
    const char *at = strstr(body, from);
    assert_non_null(at);
    size_t head = (size_t)(at - body), n = strlen(body) - strlen(from) + strlen(to);
    char *out = malloc(n + 1);
    assert_non_null(out);
    snprintf(out, n + 1, "%.*s%s%s", (int)head, body, to, at + strlen(from));
    return out;
}

#define CLEAR_INFO                                                                                 \
    "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"><mcptt-Params><mcptt-calling-user-id "         \
    "type=\"Normal\"><mcpttURI>sip:attacker@b.mcx.example</mcpttURI></mcptt-calling-user-id>"      \
    "</mcptt-Params></mcpttinfo>"

/* Issue 14 item 2: the genuine protected mcptt-info relabelled text/plain,
 * keeping its Content-ID, and a clear mcptt-info with the same Content-ID
 * added: refused (a Content-ID names one part); with another Content-ID the
 * clear part is not covered by the signature. */
static void test_body_signature_wrapping(void **state)
{
    (void)state;
    mcsec_xmlprot_t *a = make_prot(OLD_KEY, ID_A);
    const char *body = multipart_body(info_doc());
    const char *ct = "multipart/mixed; boundary=\"XyZ\"";
    mcsec_body_t prot = {0};
    assert_int_equal(
        mcsec_xmlprot_protect_body(a, ct, (const uint8_t *)body, strlen(body), &prot, NULL),
        MCSEC_OK);
    const char *cid_at = strstr((const char *)prot.data, "Content-ID: <");
    assert_non_null(cid_at);
    char cid[160];
    size_t cid_len = strcspn(cid_at + 13, ">");
    snprintf(cid, sizeof(cid), "%.*s", (int)cid_len, cid_at + 13);
    char *relabelled =
        replaced((const char *)prot.data, "Content-Type: " MCSEC_CT_MCPTT_INFO "\r\nContent-ID",
                 "Content-Type: text/plain\r\nContent-ID");
    char clear_part[1024];
    snprintf(clear_part, sizeof(clear_part),
             "--XyZ\r\nContent-Type: " MCSEC_CT_MCPTT_INFO "\r\nContent-ID: <%s>\r\n\r\n" CLEAR_INFO
             "\r\n--XyZ\r\nContent-Type: " MCSEC_CT_MCPTT_SIGNED,
             cid);
    char *attack =
        replaced(relabelled, "--XyZ\r\nContent-Type: " MCSEC_CT_MCPTT_SIGNED, clear_part);
    expect_body_reason(a, ct, attack, strlen(attack), true, MCSEC_REASON_SPK_MALFORMED);
    expect_body_reason(a, ct, attack, strlen(attack), false, MCSEC_REASON_SPK_MALFORMED);
    free(attack);
    /* The same with a Content-ID of its own: not covered. */
    snprintf(clear_part, sizeof(clear_part),
             "--XyZ\r\nContent-Type: " MCSEC_CT_MCPTT_INFO
             "\r\nContent-ID: <x%s>\r\n\r\n" CLEAR_INFO
             "\r\n--XyZ\r\nContent-Type: " MCSEC_CT_MCPTT_SIGNED,
             cid);
    attack = replaced(relabelled, "--XyZ\r\nContent-Type: " MCSEC_CT_MCPTT_SIGNED, clear_part);
    expect_body_reason(a, ct, attack, strlen(attack), false, MCSEC_REASON_SPK_BAD_SIGNATURE);
    free(attack);
    free(relabelled);
    mcsec_body_free(&prot);
    mcsec_xmlprot_destroy(a);
}

/* Issue 14 item 3: spk.mode required bypassed by structure. A clear
 * mcptt-info inside a nested multipart, and a part whose first
 * Content-Type is mcptt-info and whose last is text/plain, are refused;
 * so is protected content (a signature, a signed type) below the top. */
static void test_body_structure_bypass_refused(void **state)
{
    (void)state;
    mcsec_xmlprot_t *a = make_prot_conf(OLD_KEY, ID_A, "application/resource-lists+xml", 0, 0);
    const char *ct = "multipart/mixed;boundary=outer";
    static const char nested[] = "--outer\r\nContent-Type: application/sdp\r\n\r\n" SDP "\r\n"
                                 "--outer\r\nContent-Type: multipart/mixed;boundary=inner\r\n\r\n"
                                 "--inner\r\nContent-Type: " MCSEC_CT_MCPTT_INFO
                                 "\r\n\r\n" CLEAR_INFO "\r\n--inner--\r\n\r\n--outer--\r\n";
    expect_body_reason(a, ct, nested, strlen(nested), true, MCSEC_REASON_SPK_MALFORMED);
    expect_body_reason(a, ct, nested, strlen(nested), false, MCSEC_REASON_SPK_MALFORMED);
    mcsec_body_t out = {0};
    mcsec_xmlprot_result_t res = {MCSEC_REASON_NONE, "", 0, false};
    assert_int_not_equal(
        mcsec_xmlprot_protect_body(a, ct, (const uint8_t *)nested, strlen(nested), &out, &res),
        MCSEC_OK);
    assert_int_equal(res.reason, MCSEC_REASON_SPK_MALFORMED);
    char *signed_type = replaced(nested, "Content-Type: " MCSEC_CT_MCPTT_INFO,
                                 "Content-Type: application/resource-lists+xml");
    expect_body_reason(a, ct, signed_type, strlen(signed_type), true, MCSEC_REASON_SPK_MALFORMED);
    free(signed_type);
    static const char twice[] = "--outer\r\nContent-Type: " MCSEC_CT_MCPTT_INFO "\r\n"
                                "Content-Type: text/plain\r\n\r\n" CLEAR_INFO "\r\n--outer--\r\n";
    expect_body_reason(a, ct, twice, strlen(twice), true, MCSEC_REASON_SPK_MALFORMED);
    /* A nested multipart of other types still passes. */
    char *plain =
        replaced(nested, "Content-Type: " MCSEC_CT_MCPTT_INFO, "Content-Type: text/plain");
    assert_int_equal(mcsec_xmlprot_unprotect_body(a, ct, (const uint8_t *)plain, strlen(plain),
                                                  true, &out, &res),
                     MCSEC_OK);
    assert_memory_equal(out.data, plain, strlen(plain));
    mcsec_body_free(&out);
    free(plain);
    mcsec_xmlprot_destroy(a);
}

/* ---- the other protectable types (docs/protectable-types.md) ---- */

typedef struct {
    const char *ct, *ns, *root, *params, *prefix; /* prefix: mcvideo or mcdata */
} info_kind_t;

static const info_kind_t mcvideo_kind = {MCSEC_CT_MCVIDEO_INFO, MCSEC_NS_MCVIDEO_INFO,
                                         "mcvideoinfo", "mcvideo-Params", "mcvideo"};
static const info_kind_t mcdata_kind = {MCSEC_CT_MCDATA_INFO, MCSEC_NS_MCDATA_INFO, "mcdatainfo",
                                        "mcdata-Params", "mcdata"};

/* An info document of kind with its request URI, calling user and calling
 * group elements (TS 24.281 Annex F.1, TS 24.282 Annex D.1), each holding a
 * distinct secret; the group element has no type attribute (listed by
 * name in the default list). */
static char *kind_doc(const info_kind_t *k)
{
    static char doc[2048];
    const char *p = k->prefix;
    snprintf(doc, sizeof(doc),
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%s xmlns=\"%s\">\n<%s>\n"
             "<request-type>group-sds</request-type>\n"
             "<%s-request-uri type=\"Normal\"><%sURI>sip:ks-0@b.mcx.example</%sURI>"
             "</%s-request-uri>\n"
             "<%s-calling-user-id type=\"Normal\"><%sURI>sip:ks-1@b.mcx.example</%sURI>"
             "</%s-calling-user-id>\n"
             "<%s-calling-group-id><%sURI>sip:ks-2@b.mcx.example</%sURI>"
             "</%s-calling-group-id>\n"
             "</%s>\n</%s>\n",
             k->root, k->ns, k->params, p, p, p, p, p, p, p, p, p, p, p, p, k->params, k->root);
    return doc;
}

#define SIGNALLING_PART "\x01\x02\x00\x10 mcdata-signalling octets \xff"
#define PAYLOAD_PART "\x03\x01\x78\x00\x06\x01hello"

static void assert_no_secret(const mcsec_body_t *body, const info_kind_t *k)
{
    for (int i = 0; i < 3; i++) {
        char secret[32];
        snprintf(secret, sizeof(secret), "sip:ks-%d@", i);
        if (contains(body, secret))
            fail_msg("%s: %s left in clear", k->ct, secret);
    }
}

/* Protection, unprotection, spk.missing when required, nesting refused,
 * coverage by the signature, and opaque MCData parts byte-identical. */
static void kind_protection(const info_kind_t *k)
{
    mcsec_xmlprot_t *a = make_prot(OLD_KEY, ID_A);
    const char *doc = kind_doc(k);
    mcsec_body_t prot = {0}, clear = {0};
    mcsec_xmlprot_result_t res;
    assert_int_equal(
        mcsec_xmlprot_protect_body(a, k->ct, (const uint8_t *)doc, strlen(doc), &prot, &res),
        MCSEC_OK);
    assert_int_equal(strncmp(prot.content_type, "multipart/mixed;boundary=", 25), 0);
    assert_true(contains(&prot, "Content-Type: " MCSEC_CT_MCPTT_SIGNED));
    assert_true(contains(&prot, "xmlenc11#aes128-gcm"));
    assert_true(contains(&prot, "type=\"Encrypted\""));
    assert_no_secret(&prot, k);
    assert_int_equal(
        mcsec_xmlprot_unprotect_body(a, prot.content_type, prot.data, prot.len, true, &clear, &res),
        MCSEC_OK);
    assert_string_equal(clear.content_type, k->ct);
    char want[128];
    snprintf(want, sizeof(want), "type=\"Normal\"><%sURI>sip:ks-2@b.mcx.example<", k->prefix);
    assert_true(contains(&clear, want));
    assert_false(contains(&clear, "Encrypted"));
    mcsec_body_free(&clear);
    mcsec_body_free(&prot);
    /* A clear body: spk.missing when required, opened as it is otherwise. */
    expect_body_reason(a, k->ct, doc, strlen(doc), true, MCSEC_REASON_SPK_MISSING);
    assert_int_equal(mcsec_xmlprot_unprotect_body(a, k->ct, (const uint8_t *)doc, strlen(doc),
                                                  false, &clear, &res),
                     MCSEC_OK);
    assert_memory_equal(clear.data, doc, strlen(doc));
    mcsec_body_free(&clear);
    /* As a part of multipart/mixed beside SDP and the MCData signalling and
     * payload parts (TS 24.282 clause 8 protects those end to end): the
     * info part is protected, the others cross byte for byte. */
    char body[4096];
    int n = snprintf(body, sizeof(body),
                     "--b1\r\nContent-Type: application/sdp\r\n\r\n" SDP "\r\n"
                     "--b1\r\nContent-Type: %s\r\n\r\n%s\r\n"
                     "--b1\r\nContent-Type: application/vnd.3gpp.mcdata-signalling\r\n\r\n"
                     "%s\r\n--b1\r\nContent-Type: application/vnd.3gpp.mcdata-payload\r\n\r\n"
                     "%s\r\n--b1--\r\n",
                     k->ct, doc, SIGNALLING_PART, PAYLOAD_PART);
    const char *ct = "multipart/mixed;boundary=b1";
    expect_body_reason(a, ct, body, (size_t)n, true, MCSEC_REASON_SPK_MISSING);
    assert_int_equal(
        mcsec_xmlprot_protect_body(a, ct, (const uint8_t *)body, (size_t)n, &prot, &res), MCSEC_OK);
    assert_no_secret(&prot, k);
    assert_true(contains(&prot, "\r\n\r\n" SIGNALLING_PART "\r\n--b1\r\n"));
    assert_true(contains(&prot, "\r\n\r\n" PAYLOAD_PART "\r\n--b1\r\n"));
    assert_int_equal(
        mcsec_xmlprot_unprotect_body(a, prot.content_type, prot.data, prot.len, true, &clear, &res),
        MCSEC_OK);
    assert_true(contains(&clear, want));
    assert_true(contains(&clear, "\r\n\r\n" SIGNALLING_PART "\r\n--b1\r\n"));
    assert_true(contains(&clear, "\r\n\r\n" PAYLOAD_PART "\r\n--b1"));
    mcsec_body_free(&clear);
    /* The signature must cover the info part: the protected one relabelled
     * text/plain and a clear one added under a fresh Content-ID is not
     * covered (spk.bad_signature). */
    char label[128], inject[2048];
    snprintf(label, sizeof(label), "Content-Type: %s\r\n", k->ct);
    char *swapped = replaced((const char *)prot.data, label, "Content-Type: text/plain\r\n");
    snprintf(inject, sizeof(inject),
             "Content-Type: %s\r\nContent-ID: <x@b.mcx.example>\r\n\r\n%s\r\n--b1\r\n"
             "Content-Type: application/sdp\r\n",
             k->ct, doc);
    char *added = replaced(swapped, "Content-Type: application/sdp\r\n", inject);
    expect_body_reason(a, prot.content_type, added, strlen(added), true,
                       MCSEC_REASON_SPK_BAD_SIGNATURE);
    free(added);
    free(swapped);
    mcsec_body_free(&prot);
    /* Below the top level: refused in both directions. */
    char nested[4096];
    n = snprintf(nested, sizeof(nested),
                 "--outer\r\nContent-Type: application/sdp\r\n\r\n" SDP "\r\n"
                 "--outer\r\nContent-Type: multipart/mixed;boundary=inner\r\n\r\n"
                 "--inner\r\nContent-Type: %s\r\n\r\n%s\r\n--inner--\r\n\r\n--outer--\r\n",
                 k->ct, doc);
    expect_body_reason(a, "multipart/mixed;boundary=outer", nested, (size_t)n, true,
                       MCSEC_REASON_SPK_MALFORMED);
    expect_body_reason(a, "multipart/mixed;boundary=outer", nested, (size_t)n, false,
                       MCSEC_REASON_SPK_MALFORMED);
    assert_int_not_equal(mcsec_xmlprot_protect_body(a, "multipart/mixed;boundary=outer",
                                                    (const uint8_t *)nested, (size_t)n, &prot,
                                                    &res),
                         MCSEC_OK);
    assert_int_equal(res.reason, MCSEC_REASON_SPK_MALFORMED);
    mcsec_xmlprot_destroy(a);
}

static void test_mcvideo_info_protection(void **state)
{
    (void)state;
    kind_protection(&mcvideo_kind);
}

static void test_mcdata_info_protection(void **state)
{
    (void)state;
    kind_protection(&mcdata_kind);
}

/* Encrypted elements of one type are refused in another's namespace, and a
 * document of the wrong root for its label is refused. */
static void test_info_type_mismatch_refused(void **state)
{
    (void)state;
    mcsec_xmlprot_t *a = make_prot(OLD_KEY, ID_A);
    const char *doc = kind_doc(&mcvideo_kind);
    expect_body_reason(a, MCSEC_CT_MCDATA_INFO, doc, strlen(doc), false,
                       MCSEC_REASON_SPK_MALFORMED);
    mcsec_body_t prot = {0};
    mcsec_xmlprot_result_t res = {MCSEC_REASON_NONE, "", 0, false};
    assert_int_not_equal(mcsec_xmlprot_protect_body(a, MCSEC_CT_MCDATA_INFO, (const uint8_t *)doc,
                                                    strlen(doc), &prot, &res),
                         MCSEC_OK);
    assert_int_equal(res.reason, MCSEC_REASON_SPK_MALFORMED);
    mcsec_xmlprot_destroy(a);
}

static void test_rollover_without_flag_day(void **state)
{
    (void)state;
    /* Step 1: A still protects with the old key, B already holds both. */
    mcsec_xmlprot_t *a_old = make_prot(OLD_KEY, ID_A);
    mcsec_xmlprot_t *b_both = make_prot(NEW_KEY OLD_KEY, ID_A);
    mcsec_xmlprot_t *b_old = make_prot(OLD_KEY, ID_A);
    mcsec_body_t body = protect_single(a_old), out = {0};
    assert_int_equal(mcsec_xmlprot_unprotect_body(b_both, body.content_type, body.data, body.len,
                                                  true, &out, NULL),
                     MCSEC_OK);
    mcsec_body_free(&out);
    mcsec_body_free(&body);
    /* Step 2: A moves the new key last; B (both keys) still accepts. */
    mcsec_xmlprot_t *a_new = make_prot(OLD_KEY NEW_KEY, ID_A);
    body = protect_single(a_new);
    assert_true(contains(&body, "Orze8A=="));
    assert_int_equal(mcsec_xmlprot_unprotect_body(b_both, body.content_type, body.data, body.len,
                                                  true, &out, NULL),
                     MCSEC_OK);
    mcsec_body_free(&out);
    /* A receiver that never learnt the new key refuses it. */
    expect_body_reason(b_old, body.content_type, (const char *)body.data, body.len, true,
                       MCSEC_REASON_SPK_UNKNOWN_KEY);
    mcsec_body_free(&body);
    mcsec_xmlprot_destroy(a_old);
    mcsec_xmlprot_destroy(a_new);
    mcsec_xmlprot_destroy(b_both);
    mcsec_xmlprot_destroy(b_old);
}

/* ---- re-protection: unprotect_body_kept + reprotect_body ---- */

#define ID_INTERNAL "sip:mcptt-server@a.mcx.example"
#define NEW_KEY_NAME "Orze8A==" /* base64 of SPK-ID 3abcdef0 */

static void assert_same_body(const mcsec_body_t *a, const mcsec_body_t *b)
{
    assert_string_equal(a->content_type, b->content_type);
    assert_int_equal(a->len, b->len);
    assert_memory_equal(a->data, b->data, a->len);
}

/* Unprotects with the partner's object keeping the tree, re-protects with
 * the internal one: the result opens to the same clear body, and has the
 * same size, as protect_body over the clear body. */
static void reprotect_case(mcsec_xmlprot_t *partner, mcsec_xmlprot_t *internal, const char *ct,
                           const char *body)
{
    mcsec_body_t wire = {0}, clear = {0}, clear_plain = {0}, again = {0}, ref = {0};
    mcsec_body_t open_again = {0}, open_ref = {0};
    mcsec_xmlprot_kept_t *kept = NULL;
    mcsec_xmlprot_result_t res;
    assert_int_equal(
        mcsec_xmlprot_protect_body(partner, ct, (const uint8_t *)body, strlen(body), &wire, &res),
        MCSEC_OK);
    assert_int_equal(mcsec_xmlprot_unprotect_body_kept(partner, wire.content_type, wire.data,
                                                       wire.len, true, &clear, &kept, &res),
                     MCSEC_OK);
    assert_non_null(kept);
    assert_int_equal(mcsec_xmlprot_unprotect_body(partner, wire.content_type, wire.data, wire.len,
                                                  true, &clear_plain, &res),
                     MCSEC_OK);
    assert_same_body(&clear, &clear_plain);
    assert_int_equal(mcsec_xmlprot_reprotect_body(internal, &clear, kept, &again, &res), MCSEC_OK);
    assert_int_equal(res.reason, MCSEC_REASON_NONE);
    assert_int_equal(
        mcsec_xmlprot_protect_body(internal, clear.content_type, clear.data, clear.len, &ref, &res),
        MCSEC_OK);
    assert_false(contains(&again, "secret-0@"));
    assert_true(contains(&again, NEW_KEY_NAME));
    assert_int_equal(again.len, ref.len); /* same plaintexts, random IVs and IDs */
    assert_string_equal(strchr(again.content_type, ';') ? "multipart" : again.content_type,
                        strchr(ref.content_type, ';') ? "multipart" : ref.content_type);
    assert_int_equal(mcsec_xmlprot_unprotect_body(internal, again.content_type, again.data,
                                                  again.len, true, &open_again, &res),
                     MCSEC_OK);
    assert_int_equal(mcsec_xmlprot_unprotect_body(internal, ref.content_type, ref.data, ref.len,
                                                  true, &open_ref, &res),
                     MCSEC_OK);
    assert_same_body(&open_again, &open_ref);
    assert_same_body(&open_again, &clear);
    mcsec_body_t *all[] = {&wire, &clear, &clear_plain, &again, &ref, &open_again, &open_ref};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        mcsec_body_free(all[i]);
}

static void test_reprotect_equals_protect_of_clear_body(void **state)
{
    (void)state;
    mcsec_xmlprot_t *partner =
        make_prot_conf(OLD_KEY, ID_A, "application/resource-lists+xml", 0, 0);
    mcsec_xmlprot_t *internal = make_prot(NEW_KEY, ID_INTERNAL);
    reprotect_case(partner, internal, MCSEC_CT_MCPTT_INFO, info_doc());
    reprotect_case(partner, internal, "multipart/mixed; boundary=\"XyZ\"",
                   multipart_body(info_doc()));
    mcsec_xmlprot_destroy(partner);
    mcsec_xmlprot_destroy(internal);
}

static void test_reprotect_kept_serves_only_its_body(void **state)
{
    (void)state;
    mcsec_xmlprot_t *partner = make_prot(OLD_KEY, ID_A);
    mcsec_xmlprot_t *internal = make_prot(NEW_KEY, ID_INTERNAL);
    mcsec_body_t wire = protect_single(partner), clear = {0}, again = {0}, open = {0};
    mcsec_xmlprot_kept_t *kept = NULL;
    mcsec_xmlprot_result_t res;
    assert_int_equal(mcsec_xmlprot_unprotect_body_kept(partner, wire.content_type, wire.data,
                                                       wire.len, true, &clear, NULL, &res),
                     MCSEC_ERR_ARG);
    assert_int_equal(mcsec_xmlprot_unprotect_body_kept(partner, wire.content_type, wire.data,
                                                       wire.len, true, &clear, &kept, &res),
                     MCSEC_OK);
    assert_non_null(kept);
    /* A body rewritten in between (what topology hiding of elements does)
     * is protected as it is now, not as the kept tree was. */
    mcsec_body_t rewritten = {.content_type = strdup(clear.content_type),
                              .data = (uint8_t *)strndup((const char *)clear.data, clear.len),
                              .len = clear.len};
    char *at = strstr((char *)rewritten.data, "secret-0@");
    assert_non_null(at);
    memcpy(at, "secreT-0@", 9);
    assert_int_equal(mcsec_xmlprot_reprotect_body(internal, &rewritten, kept, &again, &res),
                     MCSEC_OK);
    assert_int_equal(mcsec_xmlprot_unprotect_body(internal, again.content_type, again.data,
                                                  again.len, true, &open, &res),
                     MCSEC_OK);
    assert_true(contains(&open, "secreT-0@"));
    assert_false(contains(&open, "secret-0@"));
    mcsec_body_free(&again);
    mcsec_body_free(&open);
    /* No kept tree: plain protect_body. */
    assert_int_equal(mcsec_xmlprot_reprotect_body(internal, &clear, NULL, &again, &res), MCSEC_OK);
    assert_int_equal(mcsec_xmlprot_unprotect_body(internal, again.content_type, again.data,
                                                  again.len, true, &open, &res),
                     MCSEC_OK);
    assert_same_body(&open, &clear);
    mcsec_body_free(&again);
    mcsec_body_free(&open);
    /* A body without mcptt-info keeps no tree. */
    mcsec_body_t sdp = {0};
    assert_int_equal(mcsec_xmlprot_unprotect_body_kept(partner, "application/sdp",
                                                       (const uint8_t *)SDP, strlen(SDP), true,
                                                       &sdp, &kept, &res),
                     MCSEC_OK);
    assert_null(kept);
    mcsec_body_free(&sdp);
    /* A failed unprotect keeps none either. */
    kept = (mcsec_xmlprot_kept_t *)&res; /* must be overwritten */
    char *bad = strndup((const char *)wire.data, wire.len);
    char *first = strstr(bad, "<xenc:CipherValue>");
    assert_non_null(first);
    first += strlen("<xenc:CipherValue>");
    *first = *first == 'A' ? 'B' : 'A'; /* always a change: random IVs start with 'A' too */
    assert_int_not_equal(mcsec_xmlprot_unprotect_body_kept(partner, wire.content_type,
                                                           (const uint8_t *)bad, wire.len, true,
                                                           &sdp, &kept, &res),
                         MCSEC_OK);
    assert_null(kept);
    free(bad);
    mcsec_body_free(&rewritten);
    mcsec_body_free(&wire);
    mcsec_body_free(&clear);
    mcsec_xmlprot_destroy(partner);
    mcsec_xmlprot_destroy(internal);
}

/* The re-protecting object's limits apply to the kept tree as they would
 * to the parse: same failure, same reason. */
static void test_reprotect_keeps_the_limits(void **state)
{
    (void)state;
    mcsec_xmlprot_t *partner = make_prot(OLD_KEY, ID_A);
    mcsec_xmlprot_t *shallow = make_prot_conf(NEW_KEY, ID_INTERNAL, NULL, 0, 3);
    mcsec_xmlprot_t *small = make_prot_conf(NEW_KEY, ID_INTERNAL, NULL, 600, 0);
    mcsec_xmlprot_t *limited[] = {shallow, small};
    mcsec_body_t wire = protect_single(partner);
    for (size_t i = 0; i < 2; i++) {
        mcsec_body_t clear = {0}, out = {0};
        mcsec_xmlprot_kept_t *kept = NULL;
        mcsec_xmlprot_result_t want = {MCSEC_REASON_NONE, "", 0, false};
        mcsec_xmlprot_result_t got = want;
        assert_int_equal(mcsec_xmlprot_unprotect_body_kept(partner, wire.content_type, wire.data,
                                                           wire.len, true, &clear, &kept, &got),
                         MCSEC_OK);
        mcsec_err_t rc_want = mcsec_xmlprot_protect_body(limited[i], clear.content_type, clear.data,
                                                         clear.len, &out, &want);
        assert_int_not_equal(rc_want, MCSEC_OK);
        assert_int_equal(mcsec_xmlprot_reprotect_body(limited[i], &clear, kept, &out, &got),
                         rc_want);
        assert_int_equal(got.reason, want.reason);
        assert_string_equal(got.detail, want.detail);
        assert_null(out.data);
        mcsec_body_free(&clear);
    }
    mcsec_body_free(&wire);
    mcsec_xmlprot_destroy(partner);
    mcsec_xmlprot_destroy(shallow);
    mcsec_xmlprot_destroy(small);
}

/* ---- the xmlsec1 command line tool opens what reprotect_body wrote ---- */

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* The body of the part of body whose headers contain header (between the
 * empty line and the next delimiter), copied into a NUL-terminated buffer;
 * the part's Content-ID into cid when cid is not NULL. */
static char *mime_part(const mcsec_body_t *body, const char *boundary, const char *header,
                       char *cid, size_t cid_size)
{
    char delim[96];
    snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
    const char *text = (const char *)body->data;
    const char *at = strstr(text, header);
    assert_non_null(at);
    const char *start = strstr(at, "\r\n\r\n");
    assert_non_null(start);
    start += 4;
    const char *end = strstr(start, delim);
    assert_non_null(end);
    if (cid) {
        const char *id = strstr(at, "Content-ID: <");
        assert_true(id != NULL && id < start);
        id += 13;
        size_t n = (size_t)(strchr(id, '>') - id);
        assert_true(n < cid_size);
        memcpy(cid, id, n);
        cid[n] = '\0';
    }
    return strndup(start, (size_t)(end - start));
}

static int run(const char *command)
{
    int rc = system(command);
    return rc == -1 ? -1 : WEXITSTATUS(rc);
}

static void test_reprotect_opens_with_xmlsec1_cli(void **state)
{
    (void)state;
    if (run("command -v xmlsec1 >/dev/null 2>&1") != 0)
        skip();
    mcsec_xmlprot_t *partner = make_prot(OLD_KEY, ID_A);
    mcsec_xmlprot_t *internal = make_prot(NEW_KEY, ID_INTERNAL);
    mcsec_body_t wire = protect_single(partner), clear = {0}, again = {0};
    mcsec_xmlprot_kept_t *kept = NULL;
    assert_int_equal(mcsec_xmlprot_unprotect_body_kept(partner, wire.content_type, wire.data,
                                                       wire.len, true, &clear, &kept, NULL),
                     MCSEC_OK);
    assert_int_equal(mcsec_xmlprot_reprotect_body(internal, &clear, kept, &again, NULL), MCSEC_OK);
    const char *boundary = strstr(again.content_type, "boundary=");
    assert_non_null(boundary);
    boundary += 9;
    char cid[128];
    char *info =
        mime_part(&again, boundary, "Content-Type: " MCSEC_CT_MCPTT_INFO, cid, sizeof(cid));
    char *sig = mime_part(&again, boundary, "Content-Type: " MCSEC_CT_MCPTT_SIGNED, NULL, 0);

    /* Keys derived here from the SPK line (3abcdef0 f0e0...00). */
    static const uint8_t spk[16] = {0xf0, 0xe0, 0xd0, 0xc0, 0xb0, 0xa0, 0x90, 0x80,
                                    0x70, 0x60, 0x50, 0x40, 0x30, 0x20, 0x10, 0x00};
    static const uint8_t spk_old[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                        0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
    uint8_t conf_key[MCSEC_XPK_KEY_LEN], integ_key[MCSEC_XPK_KEY_LEN];
    assert_int_equal(mcsec_kdf_xpk(spk, sizeof(spk), MCSEC_KDF_FC_XPK_CONF, 0x3abcdef0, ID_INTERNAL,
                                   strlen(ID_INTERNAL), conf_key),
                     MCSEC_OK);
    assert_int_equal(mcsec_kdf_xpk(spk, sizeof(spk), MCSEC_KDF_FC_XPK_INTEG, 0x3abcdef0,
                                   ID_INTERNAL, strlen(ID_INTERNAL), integ_key),
                     MCSEC_OK);
    char dir[] = "/tmp/mcsec-reprotect-XXXXXX";
    assert_non_null(mkdtemp(dir));
    write_file(dir, "info.xml", info, strlen(info));
    write_file(dir, "sig.xml", sig, strlen(sig));
    write_file(dir, "conf.bin", conf_key, sizeof(conf_key));
    write_file(dir, "integ.bin", integ_key, sizeof(integ_key));
    char command[2048];
    snprintf(command, sizeof(command),
             "cd %s && xmlsec1 verify --hmackey:" NEW_KEY_NAME " integ.bin "
             "--url-map:cid:%s info.xml --enabled-reference-uris remote sig.xml >/dev/null 2>&1",
             dir, cid);
    assert_int_equal(run(command), 0);
    for (size_t i = 0; i < ELEMENT_COUNT; i++) {
        snprintf(command, sizeof(command),
                 "cd %s && xmlsec1 decrypt --aeskey:" NEW_KEY_NAME " conf.bin "
                 "--node-xpath \"//*[local-name()='%s']/*\" --output out.xml info.xml "
                 ">/dev/null 2>&1 && grep -q '>secret-%zu@b.mcx.example<' out.xml",
                 dir, element_names[i], i);
        if (run(command) != 0)
            fail_msg("xmlsec1 cannot decrypt %s", element_names[i]);
    }
    /* A changed part no longer verifies. */
    char *at = strstr(info, "<xenc:CipherValue>");
    assert_non_null(at);
    at[18] = at[18] == 'A' ? 'B' : 'A';
    write_file(dir, "info.xml", info, strlen(info));
    snprintf(command, sizeof(command),
             "cd %s && xmlsec1 verify --hmackey:" NEW_KEY_NAME " integ.bin "
             "--url-map:cid:%s info.xml --enabled-reference-uris remote sig.xml >/dev/null 2>&1",
             dir, cid);
    assert_int_not_equal(run(command), 0);
    free(info);
    free(sig);
    mcsec_body_free(&clear);
    mcsec_body_free(&again);

    /* The other way: content xmlsec1 encrypted keeps its CDATA section and
     * redundant namespace declaration; the kept tree must still be what
     * parsing the clear body gives (same plaintext as protect_body). */
    assert_int_equal(mcsec_kdf_xpk(spk_old, sizeof(spk_old), MCSEC_KDF_FC_XPK_CONF, 0x30000001,
                                   ID_A, strlen(ID_A), conf_key),
                     MCSEC_OK);
    write_file(dir, "conf-a.bin", conf_key, sizeof(conf_key));
    static const char cdata_doc[] =
        "<?xml version=\"1.0\"?>\n<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\">"
        "<mcptt-Params><mcptt-request-uri type=\"Encrypted\"><mcpttURI "
        "xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"><![CDATA[secret-0@b<x>]]></mcpttURI>"
        "</mcptt-request-uri></mcptt-Params></mcpttinfo>\n";
    static const char tmpl[] =
        "<xenc:EncryptedData xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\" "
        "Type=\"http://www.w3.org/2001/04/xmlenc#Element\"><xenc:EncryptionMethod "
        "Algorithm=\"http://www.w3.org/2009/xmlenc11#aes128-gcm\"/><ds:KeyInfo "
        "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:KeyName>MAAAAQ==</ds:KeyName>"
        "</ds:KeyInfo><xenc:CipherData><xenc:CipherValue/></xenc:CipherData>"
        "</xenc:EncryptedData>";
    write_file(dir, "cdata.xml", cdata_doc, strlen(cdata_doc));
    write_file(dir, "tmpl.xml", tmpl, strlen(tmpl));
    snprintf(command, sizeof(command),
             "cd %s && xmlsec1 encrypt --aeskey:MAAAAQ== conf-a.bin --xml-data cdata.xml "
             "--node-xpath \"//*[local-name()='mcpttURI']\" --output x.xml tmpl.xml "
             ">/dev/null 2>&1",
             dir);
    assert_int_equal(run(command), 0);
    char path[512];
    snprintf(path, sizeof(path), "%s/x.xml", dir);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char foreign[8192];
    size_t foreign_len = fread(foreign, 1, sizeof(foreign) - 1, f);
    fclose(f);
    foreign[foreign_len] = '\0';
    assert_null(strstr(foreign, "secret-0"));
    mcsec_body_t ref = {0}, open_again = {0}, open_ref = {0};
    kept = NULL;
    assert_int_equal(mcsec_xmlprot_unprotect_body_kept(partner, MCSEC_CT_MCPTT_INFO,
                                                       (const uint8_t *)foreign, foreign_len, false,
                                                       &clear, &kept, NULL),
                     MCSEC_OK);
    assert_non_null(kept);
    assert_true(contains(&clear, "secret-0@b&lt;x&gt;"));
    assert_int_equal(mcsec_xmlprot_reprotect_body(internal, &clear, kept, &again, NULL), MCSEC_OK);
    assert_int_equal(
        mcsec_xmlprot_protect_body(internal, clear.content_type, clear.data, clear.len, &ref, NULL),
        MCSEC_OK);
    assert_int_equal(again.len, ref.len);
    assert_int_equal(mcsec_xmlprot_unprotect_body(internal, again.content_type, again.data,
                                                  again.len, true, &open_again, NULL),
                     MCSEC_OK);
    assert_int_equal(mcsec_xmlprot_unprotect_body(internal, ref.content_type, ref.data, ref.len,
                                                  true, &open_ref, NULL),
                     MCSEC_OK);
    assert_same_body(&open_again, &open_ref);
    snprintf(command, sizeof(command), "rm -rf %s", dir);
    assert_int_equal(run(command), 0);
    mcsec_body_t *all[] = {&wire, &clear, &again, &ref, &open_again, &open_ref};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        mcsec_body_free(all[i]);
    mcsec_xmlprot_destroy(partner);
    mcsec_xmlprot_destroy(internal);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doc_round_trip_every_element),
        cmocka_unit_test(test_doc_encrypts_only_listed_elements),
        cmocka_unit_test(test_doc_tampered_ciphertext_is_bad_tag),
        cmocka_unit_test(test_doc_unknown_key_and_missing),
        cmocka_unit_test(test_hostile_xml_refused),
        cmocka_unit_test(test_body_single_round_trip),
        cmocka_unit_test(test_body_multipart_keeps_other_parts_exact),
        cmocka_unit_test(test_body_reason_codes),
        cmocka_unit_test(test_body_hostile_signature_part),
        cmocka_unit_test(test_body_malformed_multipart),
        cmocka_unit_test(test_body_signature_wrapping),
        cmocka_unit_test(test_body_structure_bypass_refused),
        cmocka_unit_test(test_mcvideo_info_protection),
        cmocka_unit_test(test_mcdata_info_protection),
        cmocka_unit_test(test_info_type_mismatch_refused),
        cmocka_unit_test(test_rollover_without_flag_day),
        cmocka_unit_test(test_reprotect_equals_protect_of_clear_body),
        cmocka_unit_test(test_reprotect_kept_serves_only_its_body),
        cmocka_unit_test(test_reprotect_keeps_the_limits),
        cmocka_unit_test(test_reprotect_opens_with_xmlsec1_cli),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    mcsec_xmlprot_global_cleanup();
    return failed;
}
