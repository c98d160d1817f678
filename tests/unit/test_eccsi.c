/* ECCSI (RFC 6507): the Appendix A test vector, random keys, and every way
 * a signature or key can be wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "mcsec/ibc/eccsi.h"

/* ---- RFC 6507 Appendix A ------------------------------------------------ */

static const uint8_t rfc_ksak[32] = {[29] = 0x01, [30] = 0x23, [31] = 0x45};
static const uint8_t rfc_v[32] = {[29] = 0x02, [30] = 0x34, [31] = 0x56};
static const uint8_t rfc_j[32] = {[29] = 0x03, [30] = 0x45, [31] = 0x67};
static const uint8_t rfc_id[] = "2011-02\0tel:+447700900123"; /* + the final NUL */
static const uint8_t rfc_msg[] = "message";                   /* + the final NUL */

static const char rfc_kpak_hex[] =
    "04"
    "50D4670BDE75244F28D2838A0D25558A7A72686D4522D4C8273FB6442AEBFA93"
    "DBDD37551AFD263B5DFD617F3960C65A8C298850FF99F20366DCE7D4367217F4";
static const char rfc_pvt_hex[] =
    "04"
    "758A142779BE89E829E71984CB40EF758CC4AD775FC5B9A3E1C8ED52F6FA36D9"
    "A79D247692F4EDA3A6BDAB77D6AA6474A464AE4934663C5265BA7018BA091F79";
static const char rfc_hs_hex[] = "490F3FEBBC1C902F6289723D7F8CBF79DB88930849D19F38F0295B5C276C14D1";
static const char rfc_ssk_hex[] =
    "23F374AE1F4033F3E9DBDDAAEF20F4CF0B86BBD5A138A5AE9E7E006B34489A0D";
static const char rfc_r_hex[] = "269D4C8FDEB66A74E4EF8C0D5DCC597DDFE6029C2AFFC4936008CD2CC1045D81";
static const char rfc_s_hex[] = "E09B528D0EF8D6DF1AA3ECBF80110CFCEC9FC68252CEBB679F4134846940CCFD";
/* The P-256 generator, 04 || Gx || Gy (FIPS 186-4 D.1.2.3). */
static const char p256_g_hex[] = "04"
                                 "6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296"
                                 "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5";

static void unhex(const char *hex, uint8_t *out, size_t len)
{
    assert_int_equal(strlen(hex), 2 * len);
    for (size_t i = 0; i < len; i++) {
        unsigned int byte;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &byte), 1);
        out[i] = (uint8_t)byte;
    }
}

typedef struct {
    uint8_t kpak[65], pvt[65], ssk[32], r[32], s[32], hs[32], g[65];
} rfc_t;

static void load_rfc(rfc_t *v)
{
    unhex(rfc_kpak_hex, v->kpak, 65);
    unhex(rfc_pvt_hex, v->pvt, 65);
    unhex(rfc_ssk_hex, v->ssk, 32);
    unhex(rfc_r_hex, v->r, 32);
    unhex(rfc_s_hex, v->s, 32);
    unhex(rfc_hs_hex, v->hs, 32);
    unhex(p256_g_hex, v->g, 65);
}

static void rfc_signature(const rfc_t *v, uint8_t sig[129])
{
    memcpy(sig, v->r, 32);
    memcpy(sig + 32, v->s, 32);
    memcpy(sig + 64, v->pvt, 65);
}

static void test_eccsi_rfc6507_kpak_from_ksak(void **state)
{
    (void)state;
    rfc_t v;
    uint8_t kpak[65];
    load_rfc(&v);
    assert_int_equal(mcsec_eccsi_kms_kpak(rfc_ksak, kpak), MCSEC_OK);
    assert_memory_equal(kpak, v.kpak, 65);
}

static void test_eccsi_rfc6507_hs_is_hash_of_g_kpak_id_pvt(void **state)
{
    (void)state;
    rfc_t v;
    uint8_t hs[32];
    unsigned int len = 0;
    load_rfc(&v);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    assert_non_null(md);
    assert_int_equal(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
    EVP_DigestUpdate(md, v.g, 65);
    EVP_DigestUpdate(md, v.kpak, 65);
    EVP_DigestUpdate(md, rfc_id, sizeof(rfc_id));
    EVP_DigestUpdate(md, v.pvt, 65);
    assert_int_equal(EVP_DigestFinal_ex(md, hs, &len), 1);
    EVP_MD_CTX_free(md);
    assert_memory_equal(hs, v.hs, 32);
}

static void test_eccsi_rfc6507_issue_with_v(void **state)
{
    (void)state;
    rfc_t v;
    uint8_t ssk[32], pvt[65];
    load_rfc(&v);
    assert_int_equal(sizeof(rfc_id), 26);
    assert_int_equal(
        mcsec_eccsi_kms_issue_fixed_v_for_test(rfc_ksak, rfc_id, sizeof(rfc_id), rfc_v, ssk, pvt),
        MCSEC_OK);
    assert_memory_equal(pvt, v.pvt, 65);
    assert_memory_equal(ssk, v.ssk, 32);
}

static void test_eccsi_rfc6507_ssk_validates(void **state)
{
    (void)state;
    rfc_t v;
    mcsec_eccsi_signer_t *signer = NULL;
    load_rfc(&v);
    assert_int_equal(mcsec_eccsi_signer_new(v.kpak, rfc_id, sizeof(rfc_id), v.ssk, v.pvt, &signer),
                     MCSEC_OK);
    mcsec_eccsi_signer_free(signer);
}

static void test_eccsi_rfc6507_sign_with_j(void **state)
{
    (void)state;
    rfc_t v;
    uint8_t sig[129], want[129];
    mcsec_eccsi_signer_t *signer = NULL;
    load_rfc(&v);
    rfc_signature(&v, want);
    assert_int_equal(mcsec_eccsi_signer_new(v.kpak, rfc_id, sizeof(rfc_id), v.ssk, v.pvt, &signer),
                     MCSEC_OK);
    assert_int_equal(sizeof(rfc_msg), 8);
    assert_int_equal(
        mcsec_eccsi_sign_fixed_j_for_test(signer, rfc_msg, sizeof(rfc_msg), rfc_j, sig), MCSEC_OK);
    assert_memory_equal(sig, v.r, 32);
    assert_memory_equal(sig + 32, v.s, 32);
    assert_memory_equal(sig, want, 129);
    mcsec_eccsi_signer_free(signer);
}

static void test_eccsi_rfc6507_verify(void **state)
{
    (void)state;
    rfc_t v;
    uint8_t sig[129];
    mcsec_eccsi_pub_t *pub = NULL;
    load_rfc(&v);
    rfc_signature(&v, sig);
    assert_int_equal(mcsec_eccsi_pub_new(v.kpak, &pub), MCSEC_OK);
    assert_int_equal(
        mcsec_eccsi_verify(pub, rfc_id, sizeof(rfc_id), rfc_msg, sizeof(rfc_msg), sig, 129),
        MCSEC_OK);
    mcsec_eccsi_pub_free(pub);
}

/* ---- validation of SSK/PVT (RFC 6507 5.1.2) ---------------------------- */

static void test_eccsi_rejects_wrong_ssk_pvt_identity_or_kpak(void **state)
{
    (void)state;
    rfc_t v;
    mcsec_eccsi_signer_t *signer = NULL;
    uint8_t bad[65];
    static const uint8_t other_id[] = "2011-01\0tel:+447700900123";
    load_rfc(&v);
    memcpy(bad, v.ssk, 32);
    bad[31] ^= 0x06;
    assert_int_equal(mcsec_eccsi_signer_new(v.kpak, rfc_id, sizeof(rfc_id), bad, v.pvt, &signer),
                     MCSEC_ERR_INVALID);
    assert_null(signer);
    assert_int_equal(
        mcsec_eccsi_signer_new(v.kpak, other_id, sizeof(other_id), v.ssk, v.pvt, &signer),
        MCSEC_ERR_INVALID);
    memcpy(bad, v.pvt, 65);
    bad[64] ^= 0x01; /* off the curve */
    assert_int_equal(mcsec_eccsi_signer_new(v.kpak, rfc_id, sizeof(rfc_id), v.ssk, bad, &signer),
                     MCSEC_ERR_INVALID);
    memcpy(bad, v.kpak, 65);
    bad[64] ^= 0x01;
    assert_int_equal(mcsec_eccsi_signer_new(bad, rfc_id, sizeof(rfc_id), v.ssk, v.pvt, &signer),
                     MCSEC_ERR_INVALID);
    uint8_t zero[32] = {0};
    assert_int_equal(mcsec_eccsi_signer_new(v.kpak, rfc_id, sizeof(rfc_id), zero, v.pvt, &signer),
                     MCSEC_ERR_INVALID);
    assert_int_equal(mcsec_eccsi_kms_kpak(zero, bad), MCSEC_ERR_INVALID);
}

/* ---- random keys -------------------------------------------------------- */

typedef struct {
    uint8_t ksak[32], kpak[65], ssk[32], pvt[65];
    mcsec_eccsi_signer_t *signer;
    mcsec_eccsi_pub_t *pub;
} keys_t;

static const uint8_t uid_id[] = "some identity";

static void make_keys(keys_t *k)
{
    assert_int_equal(mcsec_eccsi_kms_generate(k->ksak, k->kpak), MCSEC_OK);
    assert_int_equal(mcsec_eccsi_kms_issue(k->ksak, uid_id, sizeof(uid_id), k->ssk, k->pvt),
                     MCSEC_OK);
    assert_int_equal(
        mcsec_eccsi_signer_new(k->kpak, uid_id, sizeof(uid_id), k->ssk, k->pvt, &k->signer),
        MCSEC_OK);
    assert_int_equal(mcsec_eccsi_pub_new(k->kpak, &k->pub), MCSEC_OK);
}

static void free_keys(keys_t *k)
{
    mcsec_eccsi_signer_free(k->signer);
    mcsec_eccsi_pub_free(k->pub);
}

static void test_eccsi_random_keys_round_trip(void **state)
{
    (void)state;
    keys_t k;
    uint8_t sig1[129], sig2[129];
    static const uint8_t msg[] = "an EAR payload";
    make_keys(&k);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(mcsec_eccsi_sign(k.signer, msg, sizeof(msg), sig1), MCSEC_OK);
        assert_int_equal(
            mcsec_eccsi_verify(k.pub, uid_id, sizeof(uid_id), msg, sizeof(msg), sig1, 129),
            MCSEC_OK);
    }
    /* A fresh j per signature: r differs. */
    assert_int_equal(mcsec_eccsi_sign(k.signer, msg, sizeof(msg), sig2), MCSEC_OK);
    assert_memory_not_equal(sig1, sig2, 32);
    assert_memory_equal(sig1 + 64, k.pvt, 65);
    /* Empty message. */
    assert_int_equal(mcsec_eccsi_sign(k.signer, NULL, 0, sig1), MCSEC_OK);
    assert_int_equal(mcsec_eccsi_verify(k.pub, uid_id, sizeof(uid_id), NULL, 0, sig1, 129),
                     MCSEC_OK);
    free_keys(&k);
}

static void test_eccsi_rejects_tampering(void **state)
{
    (void)state;
    keys_t k, other;
    uint8_t sig[129], bad[129];
    uint8_t msg[] = "an EAR payload";
    static const uint8_t other_id[] = "some identitx";
    make_keys(&k);
    make_keys(&other);
    assert_int_equal(mcsec_eccsi_sign(k.signer, msg, sizeof(msg), sig), MCSEC_OK);
    /* Every single-bit flip of the signature fails. */
    for (size_t bit = 0; bit < 129 * 8; bit += 7) {
        memcpy(bad, sig, 129);
        bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(
            mcsec_eccsi_verify(k.pub, uid_id, sizeof(uid_id), msg, sizeof(msg), bad, 129),
            MCSEC_ERR_INVALID);
    }
    msg[0] ^= 1;
    assert_int_equal(mcsec_eccsi_verify(k.pub, uid_id, sizeof(uid_id), msg, sizeof(msg), sig, 129),
                     MCSEC_ERR_INVALID);
    msg[0] ^= 1;
    assert_int_equal(
        mcsec_eccsi_verify(k.pub, other_id, sizeof(other_id), msg, sizeof(msg), sig, 129),
        MCSEC_ERR_INVALID);
    assert_int_equal(
        mcsec_eccsi_verify(other.pub, uid_id, sizeof(uid_id), msg, sizeof(msg), sig, 129),
        MCSEC_ERR_INVALID);
    assert_int_equal(
        mcsec_eccsi_verify(k.pub, uid_id, sizeof(uid_id), msg, sizeof(msg) - 1, sig, 129),
        MCSEC_ERR_INVALID);
    free_keys(&k);
    free_keys(&other);
}

static void test_eccsi_rejects_malformed_signatures(void **state)
{
    (void)state;
    keys_t k;
    uint8_t sig[130], bad[129];
    static const uint8_t msg[] = "m";
    /* q, the order of P-256. */
    uint8_t q[32];
    unhex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", q, 32);
    make_keys(&k);
    assert_int_equal(mcsec_eccsi_sign(k.signer, msg, sizeof(msg), sig), MCSEC_OK);
    sig[129] = 0;
#define VERIFY(s, n) mcsec_eccsi_verify(k.pub, uid_id, sizeof(uid_id), msg, sizeof(msg), s, n)
    assert_int_equal(VERIFY(sig, 129), MCSEC_OK);
    assert_int_equal(VERIFY(sig, 128), MCSEC_ERR_INVALID);
    assert_int_equal(VERIFY(sig, 130), MCSEC_ERR_INVALID);
    assert_int_equal(VERIFY(sig, 0), MCSEC_ERR_INVALID);
    /* r = 0, s = 0, r = q, s = q, r and s all ones. */
    const size_t offsets[] = {0, 32};
    for (size_t i = 0; i < 2; i++) {
        memcpy(bad, sig, 129);
        memset(bad + offsets[i], 0, 32);
        assert_int_equal(VERIFY(bad, 129), MCSEC_ERR_INVALID);
        memcpy(bad + offsets[i], q, 32);
        assert_int_equal(VERIFY(bad, 129), MCSEC_ERR_INVALID);
        memset(bad + offsets[i], 0xFF, 32);
        assert_int_equal(VERIFY(bad, 129), MCSEC_ERR_INVALID);
    }
    /* PVT: compressed prefix, infinity, off the curve, coordinates >= p. */
    memcpy(bad, sig, 129);
    bad[64] = 0x02;
    assert_int_equal(VERIFY(bad, 129), MCSEC_ERR_INVALID);
    memset(bad + 64, 0, 65);
    assert_int_equal(VERIFY(bad, 129), MCSEC_ERR_INVALID);
    memcpy(bad, sig, 129);
    bad[128] ^= 0x01;
    assert_int_equal(VERIFY(bad, 129), MCSEC_ERR_INVALID);
    memset(bad + 65, 0xFF, 64);
    assert_int_equal(VERIFY(bad, 129), MCSEC_ERR_INVALID);
#undef VERIFY
    /* Bad arguments. */
    mcsec_eccsi_pub_t *pub = NULL;
    memset(bad, 0, 65);
    bad[0] = 0x04;
    assert_int_equal(mcsec_eccsi_pub_new(bad, &pub), MCSEC_ERR_INVALID);
    assert_null(pub);
    assert_int_equal(mcsec_eccsi_verify(NULL, uid_id, 1, msg, 1, sig, 129), MCSEC_ERR_ARG);
    assert_int_equal(mcsec_eccsi_verify(k.pub, uid_id, 1, msg, 1, NULL, 129), MCSEC_ERR_ARG);
    free_keys(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eccsi_rfc6507_kpak_from_ksak),
        cmocka_unit_test(test_eccsi_rfc6507_hs_is_hash_of_g_kpak_id_pvt),
        cmocka_unit_test(test_eccsi_rfc6507_issue_with_v),
        cmocka_unit_test(test_eccsi_rfc6507_ssk_validates),
        cmocka_unit_test(test_eccsi_rfc6507_sign_with_j),
        cmocka_unit_test(test_eccsi_rfc6507_verify),
        cmocka_unit_test(test_eccsi_rejects_wrong_ssk_pvt_identity_or_kpak),
        cmocka_unit_test(test_eccsi_random_keys_round_trip),
        cmocka_unit_test(test_eccsi_rejects_tampering),
        cmocka_unit_test(test_eccsi_rejects_malformed_signatures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
