/* The EncryptedData profile applied with EVP directly
 * (libmcsec/src/spk/xmlprot_gcm.c, xmlprot_encrypt.c, xmlprot_decrypt.c):
 * a fresh IV for every element, the CipherValue read strictly (text only,
 * base64 with XML whitespace anywhere, '=' only as padding), and the kept
 * cipher context re-keyed whenever the key or the direction changes. The
 * xmlsec1 command line holds the format to XML Encryption in both
 * directions (tests/xmlsec/interop.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "mcsec/spk/kdf.h"
#include "mcsec/spk/keystore.h"
#include "mcsec/spk/xmlprot.h"

#define ID_A "sip:border@a.mcx.example"
#define OLD_KEY "30000001 000102030405060708090a0b0c0d0e0f\n"
#define NEW_KEY "3abcdef0 f0e0d0c0b0a090807060504030201000\n"
#define VALUE_OPEN "<xenc:CipherValue>"
#define VALUE_CLOSE "</xenc:CipherValue>"

static const char doc[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"><mcptt-Params>"
    "<mcptt-request-uri type=\"Normal\"><mcpttURI>sip:a@b.example</mcpttURI></mcptt-request-uri>"
    "<mcptt-calling-user-id type=\"Normal\"><mcpttURI>sip:b@b.example</mcpttURI>"
    "</mcptt-calling-user-id>"
    "<mcptt-called-party-id type=\"Normal\"><mcpttURI>sip:a@b.example</mcpttURI>"
    "</mcptt-called-party-id>"
    "<mcptt-client-id type=\"Normal\"><mcpttString>a client id long enough to need more than "
    "one line of base64 in the CipherValue</mcpttString></mcptt-client-id>"
    "</mcptt-Params></mcpttinfo>\n";
#define ELEMENTS 4

static mcsec_xmlprot_t *make_prot(const char *key_text)
{
    mcsec_keystore_t *keys = NULL;
    assert_int_equal(mcsec_keystore_parse_spk(key_text, strlen(key_text), "t", &keys, NULL, 0),
                     MCSEC_OK);
    mcsec_xmlprot_conf_t conf = {.keys = keys, .identity = ID_A};
    mcsec_xmlprot_t *prot = NULL;
    assert_int_equal(mcsec_xmlprot_create(&conf, &prot), MCSEC_OK);
    mcsec_keystore_destroy(keys);
    return prot;
}

static mcsec_body_t protect(mcsec_xmlprot_t *prot)
{
    mcsec_body_t enc = {0};
    assert_int_equal(mcsec_xmlprot_protect_doc(prot, (const uint8_t *)doc, strlen(doc), &enc, NULL),
                     MCSEC_OK);
    return enc;
}

static void expect_ok(mcsec_xmlprot_t *prot, const char *text, size_t len)
{
    mcsec_body_t out = {0};
    mcsec_xmlprot_result_t res = {MCSEC_REASON_NONE, "", 0, false};
    mcsec_err_t rc =
        mcsec_xmlprot_unprotect_doc(prot, (const uint8_t *)text, len, true, &out, &res);
    if (rc != MCSEC_OK)
        fail_msg("refused: %s (%s)", mcsec_reason_code(res.reason), res.detail);
    assert_non_null(strstr((const char *)out.data, "<mcpttURI>sip:b@b.example</mcpttURI>"));
    mcsec_body_free(&out);
}

static void expect_reason(mcsec_xmlprot_t *prot, const char *text, mcsec_reason_t want)
{
    mcsec_body_t out = {0};
    mcsec_xmlprot_result_t res = {MCSEC_REASON_NONE, "", 0, false};
    assert_int_not_equal(
        mcsec_xmlprot_unprotect_doc(prot, (const uint8_t *)text, strlen(text), true, &out, &res),
        MCSEC_OK);
    if (res.reason != want)
        fail_msg("want %s, got %s (%s)", mcsec_reason_code(want), mcsec_reason_code(res.reason),
                 res.detail);
    assert_null(out.data);
}

/* The IVs (first 12 octets of each CipherValue) of enc, appended to ivs. */
static size_t collect_ivs(const mcsec_body_t *enc, uint8_t ivs[][12], size_t have)
{
    const char *at = (const char *)enc->data;
    while ((at = strstr(at, VALUE_OPEN)) != NULL) {
        at += strlen(VALUE_OPEN);
        char b64[32];
        size_t n = 0;
        for (const char *p = at; n < 16; p++)
            if (*p != '\n')
                b64[n++] = *p;
        uint8_t raw[12];
        assert_int_equal(EVP_DecodeBlock(raw, (const unsigned char *)b64, 16), 12);
        memcpy(ivs[have++], raw, 12);
    }
    return have;
}

static void test_gcm_fresh_iv_per_element(void **state)
{
    (void)state;
    mcsec_xmlprot_t *prot = make_prot(OLD_KEY);
    uint8_t ivs[2 * ELEMENTS][12];
    mcsec_body_t a = protect(prot), b = protect(prot);
    size_t n = collect_ivs(&a, ivs, 0);
    assert_int_equal(n, ELEMENTS);
    n = collect_ivs(&b, ivs, n);
    assert_int_equal(n, 2 * ELEMENTS);
    /* Same clear text in two elements and in two documents: never the
     * same IV. */
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (memcmp(ivs[i], ivs[j], 12) == 0)
                fail_msg("IV %zu repeats as %zu", i, j);
    mcsec_body_free(&a);
    mcsec_body_free(&b);
    mcsec_xmlprot_destroy(prot);
}

/* text with every CipherValue passed through edit. */
static char *edit_values(const mcsec_body_t *enc,
                         void (*edit)(const char *value, size_t len, char *out, size_t *out_len))
{
    char *out = malloc(enc->len * 2 + 256);
    assert_non_null(out);
    const char *in = (const char *)enc->data, *end = in + enc->len;
    size_t n = 0;
    const char *open;
    while ((open = strstr(in, VALUE_OPEN)) != NULL) {
        open += strlen(VALUE_OPEN);
        const char *close = strstr(open, VALUE_CLOSE);
        assert_non_null(close);
        memcpy(out + n, in, (size_t)(open - in));
        n += (size_t)(open - in);
        size_t len = 0;
        edit(open, (size_t)(close - open), out + n, &len);
        n += len;
        in = close;
    }
    memcpy(out + n, in, (size_t)(end - in));
    out[n + (size_t)(end - in)] = '\0';
    return out;
}

/* Whitespace of every kind between the base64 characters. */
static void spaced(const char *value, size_t len, char *out, size_t *out_len)
{
    static const char ws[] = " \t\r\n";
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        out[n++] = value[i];
        if (i % 3 == 0)
            out[n++] = ws[i % 4];
    }
    *out_len = n;
}

/* A comment in the middle of the value. */
static void commented(const char *value, size_t len, char *out, size_t *out_len)
{
    memcpy(out, value, 8);
    memcpy(out + 8, "<!---->", 7);
    memcpy(out + 15, value + 8, len - 8);
    *out_len = len + 7;
}

/* '=' inside the value, before the padding. */
static void inner_pad(const char *value, size_t len, char *out, size_t *out_len)
{
    memcpy(out, value, len);
    out[4] = '=';
    *out_len = len;
}

static void test_gcm_cipher_value_read_strictly(void **state)
{
    (void)state;
    mcsec_xmlprot_t *prot = make_prot(OLD_KEY);
    mcsec_body_t enc = protect(prot);
    expect_ok(prot, (const char *)enc.data, enc.len);
    char *text = edit_values(&enc, spaced);
    expect_ok(prot, text, strlen(text));
    free(text);
    text = edit_values(&enc, commented);
    expect_reason(prot, text, MCSEC_REASON_SPK_MALFORMED);
    free(text);
    text = edit_values(&enc, inner_pad);
    expect_reason(prot, text, MCSEC_REASON_SPK_BAD_TAG);
    free(text);
    mcsec_body_free(&enc);
    mcsec_xmlprot_destroy(prot);
}

/* One object decrypting under two keys in turn, encrypting in between and
 * after a failed tag: each operation uses the right key. */
static void test_gcm_context_follows_key_and_direction(void **state)
{
    (void)state;
    mcsec_xmlprot_t *old_sender = make_prot(OLD_KEY);
    mcsec_xmlprot_t *new_sender = make_prot(OLD_KEY NEW_KEY);
    mcsec_xmlprot_t *receiver = make_prot(OLD_KEY NEW_KEY);
    mcsec_body_t a = protect(old_sender), b = protect(new_sender);
    assert_non_null(strstr((const char *)a.data, "MAAAAQ=="));
    assert_non_null(strstr((const char *)b.data, "Orze8A=="));
    for (int round = 0; round < 2; round++) {
        expect_ok(receiver, (const char *)a.data, a.len);
        expect_ok(receiver, (const char *)b.data, b.len);
        expect_ok(receiver, (const char *)a.data, a.len);
        /* Encrypt (NEW), decrypt (OLD), encrypt again, with no failure in
         * between: each must use its own key and direction. */
        mcsec_body_t own = protect(receiver);
        expect_ok(receiver, (const char *)a.data, a.len);
        mcsec_body_t again = protect(receiver);
        expect_ok(new_sender, (const char *)own.data, own.len);
        expect_ok(new_sender, (const char *)again.data, again.len);
        expect_ok(receiver, (const char *)own.data, own.len);
        expect_ok(receiver, (const char *)again.data, again.len);
        mcsec_body_free(&own);
        mcsec_body_free(&again);
        /* A broken tag, then the same key again. */
        char *bad = strdup((const char *)b.data);
        char *value = strstr(bad, VALUE_OPEN) + strlen(VALUE_OPEN) + 20;
        *value = *value == 'A' ? 'B' : 'A';
        expect_reason(receiver, bad, MCSEC_REASON_SPK_BAD_TAG);
        free(bad);
        expect_ok(receiver, (const char *)b.data, b.len);
    }
    mcsec_body_free(&a);
    mcsec_body_free(&b);
    mcsec_xmlprot_destroy(old_sender);
    mcsec_xmlprot_destroy(new_sender);
    mcsec_xmlprot_destroy(receiver);
}

/* A one-element document whose EncryptedData holds clear sealed under
 * OLD_KEY's confidentiality key by the test itself (EVP, IV of zeros): what
 * a partner holding the key could send. */
static char *sealed_doc(const char *clear)
{
    static const uint8_t spk[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    uint8_t key[16], raw[256] = {0};
    size_t len = strlen(clear);
    assert_true(12 + len + 16 <= sizeof(raw));
    assert_int_equal(
        mcsec_kdf_xpk(spk, 16, MCSEC_KDF_FC_XPK_CONF, 0x30000001, ID_A, strlen(ID_A), key),
        MCSEC_OK);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, m = 0;
    assert_int_equal(EVP_EncryptInit_ex2(ctx, EVP_aes_128_gcm(), key, raw, NULL), 1);
    assert_int_equal(EVP_EncryptUpdate(ctx, raw + 12, &n, (const uint8_t *)clear, (int)len), 1);
    assert_int_equal(EVP_EncryptFinal_ex(ctx, raw + 12 + n, &m), 1);
    assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, raw + 12 + len), 1);
    EVP_CIPHER_CTX_free(ctx);
    char b64[400];
    EVP_EncodeBlock((unsigned char *)b64, raw, (int)(12 + len + 16));
    char *out = malloc(2048);
    assert_non_null(out);
    snprintf(out, 2048,
             "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"><mcptt-Params>"
             "<mcptt-request-uri type=\"Encrypted\"><xenc:EncryptedData "
             "xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\" "
             "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" "
             "Type=\"http://www.w3.org/2001/04/xmlenc#Element\"><xenc:EncryptionMethod "
             "Algorithm=\"http://www.w3.org/2009/xmlenc11#aes128-gcm\"/><ds:KeyInfo>"
             "<ds:KeyName>MAAAAQ==</ds:KeyName></ds:KeyInfo><xenc:CipherData><xenc:CipherValue>"
             "%s</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></mcptt-request-uri>"
             "</mcptt-Params></mcpttinfo>",
             b64);
    return out;
}

/* Clear content that the key opens but that is not one well-formed
 * element: refused after decryption, the tree left freeable. */
static void test_gcm_decrypted_content_checked(void **state)
{
    (void)state;
    mcsec_xmlprot_t *prot = make_prot(OLD_KEY);
    char *text = sealed_doc("<mcpttURI>sip:c@b.example</mcpttURI>");
    mcsec_body_t out = {0};
    assert_int_equal(
        mcsec_xmlprot_unprotect_doc(prot, (const uint8_t *)text, strlen(text), true, &out, NULL),
        MCSEC_OK);
    assert_non_null(
        strstr((const char *)out.data, "type=\"Normal\"><mcpttURI>sip:c@b.example</mcpttURI>"));
    mcsec_body_free(&out);
    free(text);
    static const char *const bad[] = {
        "<mcpttURI>sip:c@b.example",                           /* not closed */
        "<mcpttURI>a</mcpttURI><mcpttURI>b</mcpttURI>",        /* two elements */
        "just text",                                           /* no element */
        "<mcpttURI>&undefined;</mcpttURI>",                    /* unknown entity */
        "<mcpttURI xmlns:p=\"urn:x\"><p:a><p:b/></p:a></q:c>", /* unbalanced */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        text = sealed_doc(bad[i]);
        expect_reason(prot, text, MCSEC_REASON_SPK_MALFORMED);
        free(text);
    }
    mcsec_xmlprot_destroy(prot);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gcm_fresh_iv_per_element),
        cmocka_unit_test(test_gcm_cipher_value_read_strictly),
        cmocka_unit_test(test_gcm_context_follows_key_and_direction),
        cmocka_unit_test(test_gcm_decrypted_content_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
