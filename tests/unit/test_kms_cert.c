/* TS 33.180 Annex D KMS certificates (mcsec/ibc/kms_cert.h): a certificate
 * alone and inside a namespaced KmsResponse gives every field, and the
 * kms.pub written from it reads back equal; revoked, outside its validity,
 * a KPAK off P-256, a missing required field, a repeated field and bad XML
 * are refused. xsd:dateTime parsing and formatting, and the new kms.pub
 * fields' rules. KmsKeyProv key sets, plain and AES-key-wrapped. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "mcsec/ibc/eccsi.h"
#include "mcsec/ibc/kms_cert.h"
#include "mcsec/ibc/kms_keyprov.h"
#include "mcsec/ibc/uid.h"

#define NOW 1750000000 /* 2025-06-15T15:06:40Z */

static char kpak_hex[2 * MCSEC_ECCSI_POINT_LEN + 1];
static uint8_t kpak[MCSEC_ECCSI_POINT_LEN];

static int setup(void **state)
{
    (void)state;
    uint8_t ksak[MCSEC_ECCSI_SCALAR_LEN];
    if (mcsec_eccsi_kms_generate(ksak, kpak) != MCSEC_OK)
        return -1;
    for (size_t i = 0; i < sizeof(kpak); i++)
        snprintf(kpak_hex + 2 * i, 3, "%02X", kpak[i]);
    return 0;
}

/* A certificate with the given Revoked, ValidFrom, ValidTo and PubAuthKey. */
static const char *cert(const char *revoked, const char *from, const char *to, const char *auth)
{
    static char xml[4096];
    snprintf(xml, sizeof(xml),
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<KmsResponse xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\" Version=\"1.1.0\">\n"
             " <KmsUri>kms.example.org</KmsUri><UserUri>sip:user@example.org</UserUri>\n"
             " <KmsMessage><KmsInit Version=\"1.0.0\">\n"
             "  <KmsCertificate Version=\"1.1.0\" Role=\"Root\">\n"
             "   <KmsUri> kms.example.org </KmsUri>\n"
             "   <CertUri>cert1.kms.example.org</CertUri>\n"
             "   <Issuer>www.example.org</Issuer>\n"
             "   <ValidFrom>%s</ValidFrom>\n"
             "   <ValidTo>%s</ValidTo>\n"
             "   <Revoked>%s</Revoked>\n"
             "   <UserIdFormat>2</UserIdFormat>\n"
             "   <UserKeyPeriod>2592000</UserKeyPeriod>\n"
             "   <UserKeyOffset>0</UserKeyOffset>\n"
             "   <PubEncKey>04ABCDEF</PubEncKey>\n"
             "   <PubAuthKey>%s</PubAuthKey>\n"
             "   <ParameterSet>1</ParameterSet>\n"
             "   <KmsDomainList><KmsDomain>example.org</KmsDomain></KmsDomainList>\n"
             "  </KmsCertificate>\n"
             " </KmsInit></KmsMessage>\n"
             "</KmsResponse>\n",
             from, to, revoked, auth);
    return xml;
}

static mcsec_err_t parse(const char *xml, int64_t now, mcsec_kms_pub_t *pub, char *why)
{
    return mcsec_kms_cert_parse(xml, strlen(xml), now, pub, why, 256);
}

static void test_kms_cert_every_field_kept(void **state)
{
    (void)state;
    mcsec_kms_pub_t pub, back;
    char why[256] = "";
    assert_int_equal(
        parse(cert("false", "2025-01-01T00:00:00Z", "2026-01-01T00:00:00+01:00", kpak_hex), NOW,
              &pub, why),
        MCSEC_OK);
    assert_string_equal(pub.kms_uri, "kms.example.org");
    assert_string_equal(pub.cert_uri, "cert1.kms.example.org");
    assert_string_equal(pub.issuer, "www.example.org");
    assert_string_equal(pub.user_id_format, "2");
    assert_string_equal(pub.parameter_set, "1");
    assert_int_equal(pub.key_period, 2592000);
    assert_int_equal(pub.key_offset, 0);
    assert_memory_equal(pub.kpak, kpak, sizeof(kpak));
    assert_int_equal(pub.pub_enc_key_len, 4);
    assert_int_equal(pub.pub_enc_key[3], 0xEF);
    assert_true(pub.has_validity);
    assert_int_equal(pub.valid_from, 1735689600);
    assert_int_equal(pub.valid_to, 1767225600 - 3600);
    /* Written as kms.pub and read back: the same. */
    char path[] = "/tmp/mcsec-kmscert-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(mcsec_kms_pub_write(path, &pub), MCSEC_OK);
    assert_int_equal(mcsec_kms_pub_read(path, &back, why, sizeof(why)), MCSEC_OK);
    unlink(path);
    assert_memory_equal(&pub, &back, sizeof(pub));
}

static void test_kms_cert_refused(void **state)
{
    (void)state;
    mcsec_kms_pub_t pub;
    char why[256] = "";
    const char *from = "2025-01-01T00:00:00Z", *to = "2026-01-01T00:00:00Z";
    assert_int_equal(parse(cert("true", from, to, kpak_hex), NOW, &pub, why), MCSEC_ERR_INVALID);
    assert_non_null(strstr(why, "revoked"));
    assert_int_equal(parse(cert("false", from, to, kpak_hex), 1735689600 - 1, &pub, why),
                     MCSEC_ERR_INVALID);
    assert_non_null(strstr(why, "not now"));
    assert_int_equal(parse(cert("false", from, to, kpak_hex), 1767225600, &pub, why),
                     MCSEC_ERR_INVALID);
    assert_int_equal(parse(cert("false", to, from, kpak_hex), NOW, &pub, why), MCSEC_ERR_PARSE);
    /* A KPAK off P-256: y + 1. */
    char off[sizeof(kpak_hex)];
    memcpy(off, kpak_hex, sizeof(off));
    off[129] = off[129] == '0' ? '1' : '0';
    assert_int_equal(parse(cert("false", from, to, off), NOW, &pub, why), MCSEC_ERR_INVALID);
    assert_non_null(strstr(why, "P-256"));
    assert_int_equal(parse(cert("false", from, to, "04AB"), NOW, &pub, why), MCSEC_ERR_PARSE);
    assert_int_equal(parse(cert("maybe", from, to, kpak_hex), NOW, &pub, why), MCSEC_ERR_PARSE);
    assert_int_equal(parse(cert("false", "2025-13-01T00:00:00Z", to, kpak_hex), NOW, &pub, why),
                     MCSEC_ERR_PARSE);
    /* Missing and repeated fields, no certificate, broken XML. */
    const char *missing = "<KmsCertificate><KmsUri>k</KmsUri></KmsCertificate>";
    assert_int_equal(parse(missing, NOW, &pub, why), MCSEC_ERR_PARSE);
    assert_non_null(strstr(why, "has no"));
    char twice[4096];
    snprintf(twice, sizeof(twice), "%s", cert("false", from, to, kpak_hex));
    char *at = strstr(twice, "<Issuer>");
    memcpy(at, "<KmsUri>", 8);
    memcpy(strstr(at, "</Issuer>"), "</KmsUri>", 9);
    assert_int_equal(parse(twice, NOW, &pub, why), MCSEC_ERR_PARSE);
    assert_non_null(strstr(why, "twice"));
    assert_int_equal(parse("<KmsResponse/>", NOW, &pub, why), MCSEC_ERR_PARSE);
    assert_int_equal(parse("<KmsCertificate>", NOW, &pub, why), MCSEC_ERR_PARSE);
    /* An external entity is not expanded (no file read, no network). */
    const char *xxe = "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x SYSTEM "
                      "\"file:///etc/hostname\">]><KmsCertificate><KmsUri>&x;</KmsUri>"
                      "</KmsCertificate>";
    assert_int_not_equal(parse(xxe, NOW, &pub, why), MCSEC_OK);
}

static void test_kms_time(void **state)
{
    (void)state;
    int64_t t = 0;
    char text[32];
    assert_int_equal(mcsec_kms_time_parse("1970-01-01T00:00:00Z", &t), MCSEC_OK);
    assert_int_equal(t, 0);
    assert_int_equal(mcsec_kms_time_parse("2024-02-29T12:00:00.123-02:30", &t), MCSEC_OK);
    assert_int_equal(t, 1709208000 + 9000);
    assert_int_equal(mcsec_kms_time_parse("2025-06-15T15:06:40", &t), MCSEC_OK);
    assert_int_equal(t, NOW);
    assert_int_equal(mcsec_kms_time_format(NOW, text, sizeof(text)), MCSEC_OK);
    assert_string_equal(text, "2025-06-15T15:06:40Z");
    assert_int_equal(mcsec_kms_time_format(-1, text, sizeof(text)), MCSEC_OK);
    assert_string_equal(text, "1969-12-31T23:59:59Z");
    static const char *const bad[] = {"2023-02-29T00:00:00Z",  "2025-06-15 15:06:40Z",
                                      "2025-06-15T24:00:00Z",  "2025-06-15T15:06:40+1:00",
                                      "2025-06-15T15:06:40Zx", "25-06-15T15:06:40Z",
                                      "2025-06-15T15:06:40."};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (mcsec_kms_time_parse(bad[i], &t) != MCSEC_ERR_PARSE)
            fail_msg("'%s' was accepted", bad[i]);
    assert_int_equal(mcsec_kms_time_format(NOW, text, 20), MCSEC_ERR_ARG);
}

/* The kms.pub fields a certificate adds: validity both or neither and in
 * order; pub_enc_key hex. The old four-line form still reads. */
static void test_kms_pub_certificate_fields(void **state)
{
    (void)state;
    mcsec_kms_pub_t pub;
    char text[1024], why[256] = "";
#define BASE "kms_uri=k\nkpak=%s\nkey_period=86400\n%s"
    snprintf(text, sizeof(text), BASE, kpak_hex, "");
    assert_int_equal(mcsec_kms_pub_parse(text, strlen(text), &pub, why, sizeof(why)), MCSEC_OK);
    assert_false(pub.has_validity);
    snprintf(text, sizeof(text), BASE, kpak_hex, "valid_to=2026-01-01T00:00:00Z\n");
    assert_int_equal(mcsec_kms_pub_parse(text, strlen(text), &pub, why, sizeof(why)),
                     MCSEC_ERR_PARSE);
    snprintf(text, sizeof(text), BASE, kpak_hex,
             "valid_from=2026-01-01T00:00:00Z\nvalid_to=2025-01-01T00:00:00Z\n");
    assert_int_equal(mcsec_kms_pub_parse(text, strlen(text), &pub, why, sizeof(why)),
                     MCSEC_ERR_INVALID);
    snprintf(text, sizeof(text), BASE, kpak_hex, "pub_enc_key=04abc\n");
    assert_int_equal(mcsec_kms_pub_parse(text, strlen(text), &pub, why, sizeof(why)),
                     MCSEC_ERR_PARSE);
    snprintf(text, sizeof(text), BASE, kpak_hex, "issuer=A KMS operator\ncert_uri=c\n");
    assert_int_equal(mcsec_kms_pub_parse(text, strlen(text), &pub, why, sizeof(why)), MCSEC_OK);
    assert_string_equal(pub.issuer, "A KMS operator");
}

/* ---- KmsKeyProv ---------------------------------------------------------- */

/* AES key wrap of in under tk (cipher as the algorithm says), base64. */
static void wrap_b64(const EVP_CIPHER *cipher, const uint8_t *tk, const uint8_t *in, size_t len,
                     char *out)
{
    uint8_t wrapped[600];
    int n = 0, fin = 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    assert_non_null(ctx);
    EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    assert_int_equal(EVP_EncryptInit_ex(ctx, cipher, NULL, tk, NULL), 1);
    assert_int_equal(EVP_EncryptUpdate(ctx, wrapped, &n, in, (int)len), 1);
    assert_int_equal(EVP_EncryptFinal_ex(ctx, wrapped + n, &fin), 1);
    EVP_CIPHER_CTX_free(ctx);
    EVP_EncodeBlock((unsigned char *)out, wrapped, n + fin);
}

static void hex(const uint8_t *in, size_t len, char *out)
{
    for (size_t i = 0; i < len; i++)
        snprintf(out + 2 * i, 3, "%02x", in[i]);
}

#define USER "sip:border@a.example"
#define PERIOD 700

typedef struct {
    mcsec_kms_pub_t kms;
    uint8_t ksak[32], tk[32], ssk[32], pvt[65], uid[32];
} keyprov_t;

static void keyprov_keys(keyprov_t *k)
{
    memset(k, 0, sizeof(*k));
    snprintf(k->kms.kms_uri, sizeof(k->kms.kms_uri), "kms.a.example");
    k->kms.key_period = 2592000;
    assert_int_equal(mcsec_eccsi_kms_generate(k->ksak, k->kms.kpak), MCSEC_OK);
    for (size_t i = 0; i < sizeof(k->tk); i++)
        k->tk[i] = (uint8_t)(i * 7 + 1);
    assert_int_equal(mcsec_uid_compute(USER, strlen(USER), k->kms.kms_uri, strlen(k->kms.kms_uri),
                                       k->kms.key_period, 0, PERIOD, k->uid),
                     MCSEC_OK);
    assert_int_equal(mcsec_eccsi_kms_issue(k->ksak, k->uid, 32, k->ssk, k->pvt), MCSEC_OK);
}

/* A KmsKeyProv response: wrapped (kw-aes256 SSK, kw-aes-256-pad PVT under
 * k->tk) or plain hex; user_id as given ("" = none); revoked. */
static const char *keyprov_xml(const keyprov_t *k, bool wrapped, const char *user_id,
                               const char *revoked)
{
    static char xml[8192];
    char ssk[400], pvt[500];
    if (wrapped) {
        char a[120], b[200];
        wrap_b64(EVP_aes_256_wrap(), k->tk, k->ssk, 32, a);
        wrap_b64(EVP_aes_256_wrap_pad(), k->tk, k->pvt, 65, b);
#define ENC(alg, v)                                                                                \
    "<xenc:EncryptedKey xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\">"                         \
    "<xenc:EncryptionMethod Algorithm=\"" alg "\"/><xenc:CipherData><xenc:CipherValue>" v          \
    "</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey>"
        snprintf(ssk, sizeof(ssk), ENC("http://www.w3.org/2001/04/xmlenc#kw-aes256", "%s"), a);
        snprintf(pvt, sizeof(pvt), ENC("http://www.w3.org/2009/xmlenc11#kw-aes-256-pad", "%s"), b);
    } else {
        hex(k->ssk, 32, ssk);
        hex(k->pvt, 65, pvt);
    }
    snprintf(xml, sizeof(xml),
             "<KmsResponse xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\"><KmsMessage><KmsKeyProv>"
             "<KmsKeySet><KmsUri>kms.a.example</KmsUri><UserUri>%s</UserUri>%s%s%s"
             "<KeyPeriodNo>%d</KeyPeriodNo><Revoked>%s</Revoked>"
             "<UserDecryptKey>04aa</UserDecryptKey>"
             "<UserSigningKeySSK>%s</UserSigningKeySSK><UserPubTokenPVT>%s</UserPubTokenPVT>"
             "</KmsKeySet></KmsKeyProv></KmsMessage></KmsResponse>",
             USER, user_id[0] ? "<UserID>" : "", user_id, user_id[0] ? "</UserID>" : "", PERIOD,
             revoked, ssk, pvt);
    return xml;
}

static mcsec_err_t keyprov(const keyprov_t *k, const char *xml, const uint8_t *tk, size_t tk_len,
                           mcsec_eccsi_keydir_t *out, char *why)
{
    size_t count = 0;
    mcsec_err_t err = mcsec_kms_keyprov_parse(xml, strlen(xml), &k->kms, tk, tk_len, USER, out, 2,
                                              &count, why, 256);
    assert_int_equal(count, err == MCSEC_OK ? 1 : 0);
    return err;
}

/* Wrapped and plain key sets give the issued SSK and PVT for the period;
 * a wrong transport key, a tampered wrap, a wrong UserID, another user,
 * Revoked, keys that fail RFC 6507 5.1.2 are refused. */
static void test_kms_keyprov(void **state)
{
    (void)state;
    keyprov_t k;
    keyprov_keys(&k);
    mcsec_eccsi_keydir_t out[2];
    char why[256] = "", uid_hex[65];
    hex(k.uid, 32, uid_hex);
    assert_int_equal(keyprov(&k, keyprov_xml(&k, true, uid_hex, "false"), k.tk, 32, out, why),
                     MCSEC_OK);
    assert_memory_equal(out[0].ssk, k.ssk, 32);
    assert_memory_equal(out[0].pvt, k.pvt, 65);
    assert_int_equal(out[0].key_period_number, PERIOD);
    assert_string_equal(out[0].uri, USER);
    assert_int_equal(keyprov(&k, keyprov_xml(&k, false, "", "false"), NULL, 0, out, why), MCSEC_OK);
    assert_memory_equal(out[0].ssk, k.ssk, 32);
    /* Wrapped without (or with a wrong) transport key. */
    const char *wrapped = keyprov_xml(&k, true, "", "false");
    assert_int_equal(keyprov(&k, wrapped, NULL, 0, out, why), MCSEC_ERR_INVALID);
    uint8_t other_tk[32];
    memcpy(other_tk, k.tk, 32);
    other_tk[0] ^= 1;
    assert_int_equal(keyprov(&k, wrapped, other_tk, 32, out, why), MCSEC_ERR_INVALID);
    assert_non_null(strstr(why, "unwrap"));
    assert_int_equal(keyprov(&k, wrapped, k.tk, 16, out, why), MCSEC_ERR_INVALID);
    /* A tampered wrap fails its integrity check. */
    char tampered[8192];
    snprintf(tampered, sizeof(tampered), "%s", wrapped);
    char *cv = strstr(tampered, "<xenc:CipherValue>") + 18;
    cv[3] = cv[3] == 'A' ? 'B' : 'A';
    assert_int_equal(keyprov(&k, tampered, k.tk, 32, out, why), MCSEC_ERR_INVALID);
    /* UserID of another period, another user, revoked. */
    uid_hex[0] = uid_hex[0] == '0' ? '1' : '0';
    assert_int_equal(keyprov(&k, keyprov_xml(&k, false, uid_hex, "false"), NULL, 0, out, why),
                     MCSEC_ERR_INVALID);
    assert_non_null(strstr(why, "UserID"));
    size_t count = 0;
    const char *plain = keyprov_xml(&k, false, "", "false");
    assert_int_equal(mcsec_kms_keyprov_parse(plain, strlen(plain), &k.kms, NULL, 0,
                                             "sip:other@a.example", out, 2, &count, why, 256),
                     MCSEC_ERR_INVALID);
    assert_int_equal(keyprov(&k, keyprov_xml(&k, false, "", "true"), NULL, 0, out, why),
                     MCSEC_ERR_INVALID);
    assert_non_null(strstr(why, "revoked"));
    /* Keys of another KMS: the RFC 6507 check fails. */
    keyprov_t other;
    keyprov_keys(&other);
    memcpy(other.kms.kpak, k.kms.kpak, sizeof(k.kms.kpak));
    assert_int_equal(keyprov(&other, keyprov_xml(&other, false, "", "false"), NULL, 0, out, why),
                     MCSEC_ERR_INVALID);
    assert_non_null(strstr(why, "RFC 6507"));
    assert_int_equal(keyprov(&k, "<KmsResponse/>", NULL, 0, out, why), MCSEC_ERR_PARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kms_cert_every_field_kept),
        cmocka_unit_test(test_kms_cert_refused),
        cmocka_unit_test(test_kms_time),
        cmocka_unit_test(test_kms_pub_certificate_fields),
        cmocka_unit_test(test_kms_keyprov),
    };
    return cmocka_run_group_tests_name("kms certificate", tests, setup, NULL);
}
