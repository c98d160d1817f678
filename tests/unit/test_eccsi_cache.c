/* The signer cache of ECCSI verification (libmcsec/src/ibc/eccsi_cache.h):
 * a signer seen before is found only by its exact KPAK, ID and PVT, the
 * cached Y gives the same verdicts as a fresh one (RFC 6507 Appendix A
 * vector, many signers past the cache's size), and a signature that failed
 * is never cached. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bn.h>

#include "mcsec/ibc/eccsi.h"

static const uint8_t id_a[] = "sip:server-a@b.mcx.example";
static const uint8_t id_b[] = "sip:server-b@b.mcx.example";
static const uint8_t msg[] = "an EAR payload";

/* RFC 6507 Appendix A. */
static const uint8_t rfc_id[] = "2011-02\0tel:+447700900123";
static const uint8_t rfc_msg[] = "message";
static const char rfc_kpak_hex[] =
    "0450D4670BDE75244F28D2838A0D25558A7A72686D4522D4C8273FB6442AEBFA93"
    "DBDD37551AFD263B5DFD617F3960C65A8C298850FF99F20366DCE7D4367217F4";
static const char rfc_sig_hex[] =
    "269D4C8FDEB66A74E4EF8C0D5DCC597DDFE6029C2AFFC4936008CD2CC1045D81"
    "E09B528D0EF8D6DF1AA3ECBF80110CFCEC9FC68252CEBB679F4134846940CCFD"
    "04758A142779BE89E829E71984CB40EF758CC4AD775FC5B9A3E1C8ED52F6FA36D9"
    "A79D247692F4EDA3A6BDAB77D6AA6474A464AE4934663C5265BA7018BA091F79";

static void unhex(const char *hex, uint8_t *out, size_t len)
{
    assert_int_equal(strlen(hex), 2 * len);
    for (size_t i = 0; i < len; i++) {
        unsigned int byte;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &byte), 1);
        out[i] = (uint8_t)byte;
    }
}

static void stats(const mcsec_eccsi_pub_t *pub, uint64_t hits, uint64_t misses)
{
    uint64_t h = 99, m = 99;
    mcsec_eccsi_pub_cache_stats(pub, &h, &m);
    assert_int_equal(h, hits);
    assert_int_equal(m, misses);
}

/* A signature of msg by id under ksak/kpak (a fresh PVT each call). */
static void sign_as(const uint8_t ksak[32], const uint8_t kpak[65], const uint8_t *id,
                    size_t id_len, uint8_t sig[129])
{
    uint8_t ssk[32], pvt[65];
    mcsec_eccsi_signer_t *signer = NULL;
    assert_int_equal(mcsec_eccsi_kms_issue(ksak, id, id_len, ssk, pvt), MCSEC_OK);
    assert_int_equal(mcsec_eccsi_signer_new(kpak, id, id_len, ssk, pvt, &signer), MCSEC_OK);
    assert_int_equal(mcsec_eccsi_sign(signer, msg, sizeof(msg), sig), MCSEC_OK);
    mcsec_eccsi_signer_free(signer);
}

#define VERIFY(pub, id, sig) mcsec_eccsi_verify(pub, id, sizeof(id), msg, sizeof(msg), sig, 129)

static void test_eccsi_cache_rfc6507_vector_twice(void **state)
{
    (void)state;
    uint8_t kpak[65], sig[129];
    mcsec_eccsi_pub_t *pub = NULL;
    unhex(rfc_kpak_hex, kpak, 65);
    unhex(rfc_sig_hex, sig, 129);
    assert_int_equal(mcsec_eccsi_pub_new(kpak, &pub), MCSEC_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(
            mcsec_eccsi_verify(pub, rfc_id, sizeof(rfc_id), rfc_msg, sizeof(rfc_msg), sig, 129),
            MCSEC_OK);
    }
    stats(pub, 2, 1);
    /* The cached signer with another message or another s: refused. */
    assert_int_equal(
        mcsec_eccsi_verify(pub, rfc_id, sizeof(rfc_id), rfc_msg, sizeof(rfc_msg) - 1, sig, 129),
        MCSEC_ERR_INVALID);
    sig[63] ^= 1;
    assert_int_equal(
        mcsec_eccsi_verify(pub, rfc_id, sizeof(rfc_id), rfc_msg, sizeof(rfc_msg), sig, 129),
        MCSEC_ERR_INVALID);
    stats(pub, 4, 1);
    mcsec_eccsi_pub_free(pub);
}

/* The same identity with a second PVT, the same PVT under another
 * identity, and the negated PVT (same x, so the same first octets): none
 * of them is the cached signer. */
static void test_eccsi_cache_other_pvt_or_identity_misses(void **state)
{
    (void)state;
    uint8_t ksak[32], kpak[65], sig1[129], sig2[129], bad[129];
    mcsec_eccsi_pub_t *pub = NULL;
    assert_int_equal(mcsec_eccsi_kms_generate(ksak, kpak), MCSEC_OK);
    assert_int_equal(mcsec_eccsi_pub_new(kpak, &pub), MCSEC_OK);
    sign_as(ksak, kpak, id_a, sizeof(id_a), sig1);
    sign_as(ksak, kpak, id_a, sizeof(id_a), sig2);
    assert_memory_not_equal(sig1 + 64, sig2 + 64, 65);

    assert_int_equal(VERIFY(pub, id_a, sig1), MCSEC_OK);
    assert_int_equal(VERIFY(pub, id_a, sig1), MCSEC_OK);
    stats(pub, 1, 1);
    /* Second PVT of the same identity: a miss, and valid. */
    assert_int_equal(VERIFY(pub, id_a, sig2), MCSEC_OK);
    stats(pub, 1, 2);
    /* The first signature under another identity: a miss, refused. */
    assert_int_equal(VERIFY(pub, id_b, sig1), MCSEC_ERR_INVALID);
    stats(pub, 1, 3);
    /* r and s of sig1 with sig2's PVT (both cached): refused. */
    memcpy(bad, sig1, 64);
    memcpy(bad + 64, sig2 + 64, 65);
    assert_int_equal(VERIFY(pub, id_a, bad), MCSEC_ERR_INVALID);
    stats(pub, 2, 3);
    /* -PVT = (x, p - y): shares every octet of x with the cached PVT. */
    BIGNUM *p = NULL, *y = BN_bin2bn(sig1 + 97, 32, NULL);
    assert_non_null(y);
    assert_true(BN_hex2bn(&p, "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF") >
                0);
    assert_int_equal(BN_sub(y, p, y), 1);
    memcpy(bad, sig1, 129);
    assert_int_equal(BN_bn2binpad(y, bad + 97, 32), 32);
    BN_free(y);
    BN_free(p);
    assert_int_equal(VERIFY(pub, id_a, bad), MCSEC_ERR_INVALID);
    stats(pub, 2, 4);
    mcsec_eccsi_pub_free(pub);
}

/* A failed signature is not cached: its signer misses again next time. */
static void test_eccsi_cache_keeps_only_verified_signers(void **state)
{
    (void)state;
    uint8_t ksak[32], kpak[65], sig[129], bad[129];
    mcsec_eccsi_pub_t *pub = NULL;
    assert_int_equal(mcsec_eccsi_kms_generate(ksak, kpak), MCSEC_OK);
    assert_int_equal(mcsec_eccsi_pub_new(kpak, &pub), MCSEC_OK);
    sign_as(ksak, kpak, id_a, sizeof(id_a), sig);
    memcpy(bad, sig, 129);
    bad[40] ^= 0x10;
    assert_int_equal(VERIFY(pub, id_a, bad), MCSEC_ERR_INVALID);
    assert_int_equal(VERIFY(pub, id_a, sig), MCSEC_OK);
    stats(pub, 0, 2);
    assert_int_equal(VERIFY(pub, id_a, sig), MCSEC_OK);
    stats(pub, 1, 2);
    mcsec_eccsi_pub_free(pub);
}

/* More signers than the cache holds, verified in two orders: a cached Y
 * that belonged to another signer, or a wrong one, fails a valid
 * signature, and one signer's signature never passes as another's. */
#define MANY 100
static void test_eccsi_cache_many_signers_right_y(void **state)
{
    (void)state;
    static uint8_t sigs[MANY][129];
    static uint8_t ids[MANY][16];
    uint8_t ksak[32], kpak[65];
    mcsec_eccsi_pub_t *pub = NULL;
    assert_int_equal(mcsec_eccsi_kms_generate(ksak, kpak), MCSEC_OK);
    assert_int_equal(mcsec_eccsi_pub_new(kpak, &pub), MCSEC_OK);
    for (int i = 0; i < MANY; i++) {
        snprintf((char *)ids[i], sizeof(ids[i]), "signer-%03d", i);
        sign_as(ksak, kpak, ids[i], sizeof(ids[i]), sigs[i]);
    }
    for (int round = 0; round < 3; round++) {
        for (int n = 0; n < MANY; n++) {
            /* Forwards, backwards, then the last 40 only (cached now). */
            int i = round == 0 ? n : round == 1 ? MANY - 1 - n : MANY - 40 + n % 40;
            assert_int_equal(VERIFY(pub, ids[i], sigs[i]), MCSEC_OK);
            assert_int_equal(VERIFY(pub, ids[(i + 1) % MANY], sigs[i]), MCSEC_ERR_INVALID);
        }
    }
    uint64_t hits = 0, misses = 0;
    mcsec_eccsi_pub_cache_stats(pub, &hits, &misses);
    assert_true(hits >= MANY - 40);
    assert_int_equal(hits + misses, 6 * MANY);
    mcsec_eccsi_pub_free(pub);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eccsi_cache_rfc6507_vector_twice),
        cmocka_unit_test(test_eccsi_cache_other_pvt_or_identity_misses),
        cmocka_unit_test(test_eccsi_cache_keeps_only_verified_signers),
        cmocka_unit_test(test_eccsi_cache_many_signers_right_y),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
