/* The TS 33.180 KDF: public GUK-ID vector, XPK key derivation against an
 * independent HMAC computation, argument checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "mcsec/spk/kdf.h"

static const uint8_t gmk[16] = {0x07, 0xd1, 0xa1, 0x67, 0x7a, 0xc3, 0x6d, 0x8e,
                                0x81, 0x62, 0x04, 0x84, 0x68, 0x9b, 0x3c, 0x2d};

static void test_kdf_guk_id_matches_streamwide_vector(void **state)
{
    (void)state;
    const char *uri = "sip:alice@streamwide.com";
    uint32_t guk_id = 0;
    assert_int_equal(mcsec_kdf_guk_id(gmk, sizeof(gmk), 0x0df9bc39, uri, strlen(uri), &guk_id),
                     MCSEC_OK);
    assert_int_equal(guk_id, 0x06a12aea);
}

static void test_kdf_keeps_least_significant_octets(void **state)
{
    (void)state;
    const char *uri = "sip:border@a.mcx.example";
    const uint8_t spk[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    uint8_t s[64], mac[32], key[16];
    size_t n = 0;
    s[n++] = 0x51;
    memcpy(s + n, uri, strlen(uri));
    n += strlen(uri);
    s[n++] = 0;
    s[n++] = (uint8_t)strlen(uri);
    const uint8_t id[4] = {0x30, 0x00, 0x00, 0x01};
    memcpy(s + n, id, 4);
    n += 4;
    s[n++] = 0;
    s[n++] = 4;
    unsigned mac_len = 0;
    HMAC(EVP_sha256(), spk, sizeof(spk), s, n, mac, &mac_len);
    assert_int_equal(mac_len, 32);
    assert_int_equal(
        mcsec_kdf_xpk(spk, sizeof(spk), MCSEC_KDF_FC_XPK_CONF, 0x30000001, uri, strlen(uri), key),
        MCSEC_OK);
    assert_memory_equal(key, mac + 16, 16);
    uint8_t full[32];
    mcsec_kdf_param_t params[2] = {{(const uint8_t *)uri, strlen(uri)}, {id, 4}};
    assert_int_equal(mcsec_kdf(spk, sizeof(spk), 0x51, params, 2, full, 32), MCSEC_OK);
    assert_memory_equal(full, mac, 32);
    /* Confidentiality and integrity keys differ. */
    uint8_t integ[16];
    assert_int_equal(mcsec_kdf_xpk(spk, sizeof(spk), MCSEC_KDF_FC_XPK_INTEG, 0x30000001, uri,
                                   strlen(uri), integ),
                     MCSEC_OK);
    assert_memory_not_equal(key, integ, 16);
}

static void test_kdf_rejects_bad_arguments(void **state)
{
    (void)state;
    uint8_t out[33];
    mcsec_kdf_param_t big = {out, 70000};
    assert_int_equal(mcsec_kdf(gmk, 16, 0x50, NULL, 0, out, 33), MCSEC_ERR_ARG);
    assert_int_equal(mcsec_kdf(gmk, 16, 0x50, NULL, 0, out, 0), MCSEC_ERR_ARG);
    assert_int_equal(mcsec_kdf(NULL, 16, 0x50, NULL, 0, out, 16), MCSEC_ERR_ARG);
    assert_int_equal(mcsec_kdf(gmk, 16, 0x50, &big, 1, out, 16), MCSEC_ERR_ARG);
    assert_int_equal(mcsec_kdf_xpk(gmk, 16, 0x50, 1, "x", 1, out), MCSEC_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kdf_guk_id_matches_streamwide_vector),
        cmocka_unit_test(test_kdf_keeps_least_significant_octets),
        cmocka_unit_test(test_kdf_rejects_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
