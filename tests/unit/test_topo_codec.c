/* Topology token codec: AES-SIV through our EVP wrapper against RFC 5297
 * A.1, base32, determinism, round trips, tampering, misuse across kinds and
 * dialogs, unknown and retired keys, token expiry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "mcsec/topo/topo.h"
#include "mcsec/topo/topo_token.h"

#define KEY_A "1111111111111111111111111111111111111111111111111111111111111111"
#define KEY_B "2222222222222222222222222222222222222222222222222222222222222222"
#define KEY_C "3333333333333333333333333333333333333333333333333333333333333333"

static int64_t fake_now;

static int64_t fake_clock(void *arg)
{
    (void)arg;
    return fake_now;
}

static mcsec_topo_t *make_topo(const char *key_text, int64_t mtime, uint32_t via_max_age)
{
    mcsec_topo_keys_t *keys = NULL;
    char why[160] = "";
    assert_int_equal(
        mcsec_topo_keys_parse(key_text, strlen(key_text), "t", mtime, 0, &keys, why, sizeof(why)),
        MCSEC_OK);
    mcsec_topo_config_t cfg = {0};
    cfg.border_host = (mcsec_str_t){"border.a.example", 16};
    cfg.prev_key_validity = 3600;
    cfg.max_age[MCSEC_TOPO_VIA] = via_max_age;
    cfg.clock = fake_clock;
    mcsec_topo_t *topo = NULL;
    assert_int_equal(mcsec_topo_create_with_keys(keys, &cfg, &topo, why, sizeof(why)), MCSEC_OK);
    return topo;
}

static mcsec_str_t S(const char *s)
{
    return (mcsec_str_t){s, strlen(s)};
}

static void test_siv_matches_rfc5297_a1(void **state)
{
    (void)state;
    static const uint8_t key[32] = {0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0xf8,
                                    0xf7, 0xf6, 0xf5, 0xf4, 0xf3, 0xf2, 0xf1, 0xf0,
                                    0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
                                    0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff};
    uint8_t ad[24];
    for (int i = 0; i < 24; i++)
        ad[i] = (uint8_t)(0x10 + i);
    static const uint8_t pt[14] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                   0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee};
    static const uint8_t expected[30] = {
        0x85, 0x63, 0x2d, 0x07, 0xc6, 0xe8, 0xf3, 0x7f, 0x95, 0x0a, 0xcd, 0x32, 0x0a, 0x2e, 0xcc,
        0x93, 0x40, 0xc0, 0x2b, 0x96, 0x90, 0xc4, 0xdc, 0x04, 0xda, 0xef, 0x7f, 0x6a, 0xfe, 0x5c};
    mcsec_siv_t *siv = NULL;
    assert_int_equal(mcsec_siv_create(key, &siv), MCSEC_OK);
    mcsec_bytes_t aad = {ad, sizeof(ad)};
    uint8_t out[30], back[14];
    for (int round = 0; round < 2; round++) { /* the keyed contexts are reusable */
        assert_int_equal(mcsec_siv_seal(siv, &aad, 1, pt, sizeof(pt), out), MCSEC_OK);
        assert_memory_equal(out, expected, sizeof(expected));
        assert_int_equal(mcsec_siv_open(siv, &aad, 1, out, sizeof(out), back), MCSEC_OK);
        assert_memory_equal(back, pt, sizeof(pt));
    }
    out[29] ^= 1;
    assert_int_equal(mcsec_siv_open(siv, &aad, 1, out, sizeof(out), back), MCSEC_ERR_INVALID);
    static const uint8_t zero[14] = {0};
    assert_memory_equal(back, zero, sizeof(zero)); /* wiped, never partly decoded */
    mcsec_siv_destroy(siv);
}

/* RFC 5297 A.2: three AAD components (two headers and a nonce), plaintext
 * longer than a block (the "xorend" branch of S2V). */
static void test_siv_matches_rfc5297_a2(void **state)
{
    (void)state;
    static const uint8_t key[32] = {0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x7a, 0x79, 0x78,
                                    0x77, 0x76, 0x75, 0x74, 0x73, 0x72, 0x71, 0x70,
                                    0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
                                    0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f};
    static const uint8_t ad1[40] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
                                    0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0xde, 0xad, 0xda, 0xda,
                                    0xde, 0xad, 0xda, 0xda, 0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa,
                                    0x99, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x00};
    static const uint8_t ad2[10] = {0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0};
    static const uint8_t nonce[16] = {0x09, 0xf9, 0x11, 0x02, 0x9d, 0x74, 0xe3, 0x5b,
                                      0xd8, 0x41, 0x56, 0xc5, 0x63, 0x56, 0x88, 0xc0};
    static const char pt[] = "this is some plaintext to encrypt using SIV-AES";
    static const uint8_t expected[16 + 47] = {
        0x7b, 0xdb, 0x6e, 0x3b, 0x43, 0x26, 0x67, 0xeb, 0x06, 0xf4, 0xd1, 0x4b, 0xff,
        0x2f, 0xbd, 0x0f, 0xcb, 0x90, 0x0f, 0x2f, 0xdd, 0xbe, 0x40, 0x43, 0x26, 0x60,
        0x19, 0x65, 0xc8, 0x89, 0xbf, 0x17, 0xdb, 0xa7, 0x7c, 0xeb, 0x09, 0x4f, 0xa6,
        0x63, 0xb7, 0xa3, 0xf7, 0x48, 0xba, 0x8a, 0xf8, 0x29, 0xea, 0x64, 0xad, 0x54,
        0x4a, 0x27, 0x2e, 0x9c, 0x48, 0x5b, 0x62, 0xa3, 0xfd, 0x5c, 0x0d};
    mcsec_siv_t *siv = NULL;
    assert_int_equal(mcsec_siv_create(key, &siv), MCSEC_OK);
    mcsec_bytes_t aad[3] = {{ad1, sizeof(ad1)}, {ad2, sizeof(ad2)}, {nonce, sizeof(nonce)}};
    uint8_t out[sizeof(expected)], back[47];
    assert_int_equal(mcsec_siv_seal(siv, aad, 3, (const uint8_t *)pt, 47, out), MCSEC_OK);
    assert_memory_equal(out, expected, sizeof(expected));
    assert_int_equal(mcsec_siv_open(siv, aad, 3, out, sizeof(out), back), MCSEC_OK);
    assert_memory_equal(back, pt, 47);
    /* the components are a vector: the same bytes split otherwise differ */
    assert_int_equal(mcsec_siv_open(siv, aad, 2, out, sizeof(out), back), MCSEC_ERR_INVALID);
    mcsec_siv_destroy(siv);
}

/* OpenSSL's own AES-128-SIV, an independent implementation, for the
 * cross-check below. */
static void openssl_siv_seal(const uint8_t *key, const mcsec_bytes_t *aad, size_t aad_count,
                             const uint8_t *pt, size_t pt_len, uint8_t *out)
{
    EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, "AES-128-SIV", NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    assert_non_null(cipher);
    assert_non_null(ctx);
    assert_int_equal(EVP_EncryptInit_ex2(ctx, cipher, key, NULL, NULL), 1);
    int outl = 0;
    for (size_t i = 0; i < aad_count; i++)
        assert_int_equal(EVP_EncryptUpdate(ctx, NULL, &outl, aad[i].ptr, (int)aad[i].len), 1);
    assert_int_equal(EVP_EncryptUpdate(ctx, out + 16, &outl, pt, (int)pt_len), 1);
    assert_int_equal(EVP_EncryptFinal_ex(ctx, out + 16 + outl, &outl), 1);
    assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, out), 1);
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(cipher);
}

/* Our composition against OpenSSL's AES-128-SIV for random keys, 0..3 AAD
 * components of 0..40 octets and plaintexts of 1..70 octets (both S2V
 * branches, partial and whole CTR blocks), each opened again. */
static void test_siv_matches_openssl_siv(void **state)
{
    (void)state;
    for (int round = 0; round < 300; round++) {
        uint8_t key[32], rnd[4], pt[70], ad[3][40], ours[16 + 70], theirs[16 + 70], back[70];
        assert_int_equal(RAND_bytes(key, sizeof(key)), 1);
        assert_int_equal(RAND_bytes(rnd, sizeof(rnd)), 1);
        assert_int_equal(RAND_bytes(pt, sizeof(pt)), 1);
        assert_int_equal(RAND_bytes(&ad[0][0], sizeof(ad)), 1);
        size_t pt_len = 1 + (size_t)(round % 70);
        size_t aad_count = rnd[0] % 4;
        mcsec_bytes_t aad[3];
        for (size_t i = 0; i < aad_count; i++)
            aad[i] = (mcsec_bytes_t){ad[i], (size_t)(rnd[1 + i] % 41)};
        mcsec_siv_t *siv = NULL;
        assert_int_equal(mcsec_siv_create(key, &siv), MCSEC_OK);
        assert_int_equal(mcsec_siv_seal(siv, aad, aad_count, pt, pt_len, ours), MCSEC_OK);
        openssl_siv_seal(key, aad, aad_count, pt, pt_len, theirs);
        assert_memory_equal(ours, theirs, 16 + pt_len);
        /* again: a short first component now comes from the remembered state */
        assert_int_equal(mcsec_siv_seal(siv, aad, aad_count, pt, pt_len, ours), MCSEC_OK);
        assert_memory_equal(ours, theirs, 16 + pt_len);
        assert_int_equal(mcsec_siv_open(siv, aad, aad_count, ours, 16 + pt_len, back), MCSEC_OK);
        assert_memory_equal(back, pt, pt_len);
        ours[round % (16 + pt_len)] ^= (uint8_t)(1u << (round % 8));
        assert_int_equal(mcsec_siv_open(siv, aad, aad_count, ours, 16 + pt_len, back),
                         MCSEC_ERR_INVALID);
        mcsec_siv_destroy(siv);
    }
}

/* Long plaintexts (CMAC over many blocks, CTR over several OpenSSL calls
 * of 16 counter blocks, lengths on and around the block and chunk
 * boundaries) against OpenSSL's AES-128-SIV. */
static void test_siv_long_values_match_openssl_siv(void **state)
{
    (void)state;
    static const size_t lengths[] = {15,  16,  17,  31,  32,  33,  255, 256,
                                     257, 271, 272, 273, 511, 513, 700};
    uint8_t key[32], pt[700], ad[60], ours[16 + 700], theirs[16 + 700], back[700];
    assert_int_equal(RAND_bytes(key, sizeof(key)), 1);
    assert_int_equal(RAND_bytes(pt, sizeof(pt)), 1);
    assert_int_equal(RAND_bytes(ad, sizeof(ad)), 1);
    mcsec_siv_t *siv = NULL;
    assert_int_equal(mcsec_siv_create(key, &siv), MCSEC_OK);
    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        size_t n = lengths[i];
        mcsec_bytes_t aad[2] = {{ad, 7}, {ad + 7, 1 + i * 3}};
        assert_int_equal(mcsec_siv_seal(siv, aad, 2, pt, n, ours), MCSEC_OK);
        openssl_siv_seal(key, aad, 2, pt, n, theirs);
        assert_memory_equal(ours, theirs, 16 + n);
        assert_int_equal(mcsec_siv_open(siv, aad, 2, ours, 16 + n, back), MCSEC_OK);
        assert_memory_equal(back, pt, n);
        ours[16 + n - 1] ^= 1;
        assert_int_equal(mcsec_siv_open(siv, aad, 2, ours, 16 + n, back), MCSEC_ERR_INVALID);
    }
    mcsec_siv_destroy(siv);
}

/* More distinct short first components than the instance remembers, in
 * rotation: every result still equals OpenSSL's. */
static void test_siv_remembered_prefixes_stay_exact(void **state)
{
    (void)state;
    static const char *const names[] = {"callid", "element", "via", "rr", "contact", "x", ""};
    uint8_t key[32], pt[20];
    assert_int_equal(RAND_bytes(key, sizeof(key)), 1);
    assert_int_equal(RAND_bytes(pt, sizeof(pt)), 1);
    mcsec_siv_t *siv = NULL;
    assert_int_equal(mcsec_siv_create(key, &siv), MCSEC_OK);
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            mcsec_bytes_t aad[2] = {{(const uint8_t *)names[i], strlen(names[i]) + 1},
                                    {pt, (size_t)round}};
            size_t count = 1 + (size_t)(round == 2);
            uint8_t ours[36], theirs[36];
            assert_int_equal(mcsec_siv_seal(siv, aad, count, pt, sizeof(pt), ours), MCSEC_OK);
            openssl_siv_seal(key, aad, count, pt, sizeof(pt), theirs);
            assert_memory_equal(ours, theirs, sizeof(ours));
        }
    }
    mcsec_siv_destroy(siv);
}

static void test_base32_round_trip_and_canonical(void **state)
{
    (void)state;
    /* RFC 4648 section 10 vectors, lower case, no padding. */
    static const char *const vec[][2] = {{"f", "my"},           {"fo", "mzxq"},
                                         {"foo", "mzxw6"},      {"foob", "mzxw6yq"},
                                         {"fooba", "mzxw6ytb"}, {"foobar", "mzxw6ytboi"}};
    for (size_t i = 0; i < 6; i++) {
        char enc[16] = "";
        size_t n = strlen(vec[i][0]);
        assert_int_equal(mcsec_base32_len(n), strlen(vec[i][1]));
        mcsec_base32_encode((const uint8_t *)vec[i][0], n, enc);
        assert_string_equal(enc, vec[i][1]);
        uint8_t dec[16];
        size_t dec_len = 0;
        assert_int_equal(mcsec_base32_decode(enc, strlen(enc), dec, sizeof(dec), &dec_len),
                         MCSEC_OK);
        assert_int_equal(dec_len, n);
        assert_memory_equal(dec, vec[i][0], n);
    }
    uint8_t dec[16];
    size_t dec_len = 0;
    assert_int_equal(mcsec_base32_decode("MZXW6", 5, dec, sizeof(dec), &dec_len), MCSEC_OK);
    assert_int_equal(mcsec_base32_decode("mz", 2, dec, sizeof(dec), &dec_len), MCSEC_ERR_PARSE);
    assert_int_equal(mcsec_base32_decode("m", 1, dec, sizeof(dec), &dec_len), MCSEC_ERR_PARSE);
    assert_int_equal(mcsec_base32_decode("my=", 3, dec, sizeof(dec), &dec_len), MCSEC_ERR_PARSE);
    assert_int_equal(mcsec_base32_decode("m1", 2, dec, sizeof(dec), &dec_len), MCSEC_ERR_PARSE);
}

static void test_token_deterministic_and_round_trips_each_kind(void **state)
{
    (void)state;
    fake_now = 5000;
    mcsec_topo_t *topo = make_topo("01 " KEY_A "\n", 0, 0);
    const char *value = "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK776asdhds";
    for (int kind = 0; kind < MCSEC_TOPO_KIND_COUNT; kind++) {
        char t1[256], t2[256], back[256];
        size_t l1 = 0, l2 = 0, lb = 0;
        assert_int_equal(
            mcsec_topo_token_encode(topo, kind, S("cid@x"), S(value), t1, sizeof(t1), &l1),
            MCSEC_OK);
        assert_int_equal(
            mcsec_topo_token_encode(topo, kind, S("cid@x"), S(value), t2, sizeof(t2), &l2),
            MCSEC_OK);
        assert_int_equal(l1, l2);
        assert_memory_equal(t1, t2, l1);
        assert_true(l1 <= mcsec_topo_token_len(strlen(value)));
        for (size_t i = 0; i < l1; i++)
            assert_non_null(strchr("abcdefghijklmnopqrstuvwxyz234567", t1[i]));
        mcsec_topo_error_t err;
        assert_int_equal(mcsec_topo_token_decode(topo, kind, S("cid@x"), (mcsec_str_t){t1, l1},
                                                 back, sizeof(back), &lb, &err),
                         MCSEC_OK);
        assert_int_equal(lb, strlen(value));
        assert_memory_equal(back, value, lb);
        /* Upper case (a case-folding intermediary) still decodes. */
        for (size_t i = 0; i < l1; i++)
            if (t1[i] >= 'a' && t1[i] <= 'z')
                t1[i] = (char)(t1[i] - 'a' + 'A');
        assert_int_equal(mcsec_topo_token_decode(topo, kind, S("cid@x"), (mcsec_str_t){t1, l1},
                                                 back, sizeof(back), &lb, &err),
                         MCSEC_OK);
    }
    mcsec_topo_destroy(topo);
}

static void expect_bad(mcsec_topo_t *topo, mcsec_topo_kind_t kind, mcsec_str_t callid,
                       mcsec_str_t token, mcsec_topo_fault_t fault)
{
    char back[512];
    memset(back, 'Z', sizeof(back));
    size_t lb = 99;
    mcsec_topo_error_t err = {MCSEC_REASON_NONE, MCSEC_TOPO_FAULT_NONE};
    assert_int_equal(
        mcsec_topo_token_decode(topo, kind, callid, token, back, sizeof(back), &lb, &err),
        MCSEC_ERR_INVALID);
    assert_int_equal(err.reason, MCSEC_REASON_TOPO_BAD_TOKEN);
    assert_int_equal(err.fault, fault);
    assert_int_equal(lb, 0);
    for (size_t i = 0; i < sizeof(back); i++)
        assert_int_equal(back[i], 'Z'); /* nothing written */
}

static void test_tampered_token_rejected_at_every_position(void **state)
{
    (void)state;
    fake_now = 5000;
    mcsec_topo_t *topo = make_topo("01 " KEY_A "\n02 " KEY_B "\n", 0, 0);
    char tok[256];
    size_t len = 0;
    assert_int_equal(mcsec_topo_token_encode(topo, MCSEC_TOPO_RR, S("c1"), S("<sip:10.0.0.7;lr>"),
                                             tok, sizeof(tok), &len),
                     MCSEC_OK);
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    for (size_t i = 0; i < len; i++) {
        char saved = tok[i];
        /* Another base32 digit with a different value. */
        tok[i] = alphabet[(strchr(alphabet, saved) - alphabet + 1) % 32];
        char back[256];
        size_t lb = 0;
        mcsec_topo_error_t err;
        assert_int_equal(mcsec_topo_token_decode(topo, MCSEC_TOPO_RR, S("c1"),
                                                 (mcsec_str_t){tok, len}, back, sizeof(back), &lb,
                                                 &err),
                         MCSEC_ERR_INVALID);
        assert_int_equal(err.reason, MCSEC_REASON_TOPO_BAD_TOKEN);
        tok[i] = '!'; /* outside the alphabet */
        expect_bad(topo, MCSEC_TOPO_RR, S("c1"), (mcsec_str_t){tok, len},
                   MCSEC_TOPO_FAULT_MALFORMED);
        tok[i] = saved;
    }
    /* Truncated and extended. */
    for (size_t cut = 0; cut < len; cut++) {
        char back[256];
        size_t lb = 0;
        mcsec_topo_error_t err;
        assert_int_equal(mcsec_topo_token_decode(topo, MCSEC_TOPO_RR, S("c1"),
                                                 (mcsec_str_t){tok, cut}, back, sizeof(back), &lb,
                                                 &err),
                         MCSEC_ERR_INVALID);
    }
    tok[len] = 'a';
    tok[len + 1] = 'a';
    char back[256];
    size_t lb = 0;
    mcsec_topo_error_t err;
    assert_int_equal(mcsec_topo_token_decode(topo, MCSEC_TOPO_RR, S("c1"),
                                             (mcsec_str_t){tok, len + 2}, back, sizeof(back), &lb,
                                             &err),
                     MCSEC_ERR_INVALID);
    mcsec_topo_destroy(topo);
}

static void test_token_bound_to_kind_and_dialog(void **state)
{
    (void)state;
    fake_now = 5000;
    mcsec_topo_t *topo = make_topo("01 " KEY_A "\n", 0, 0);
    char tok[256];
    size_t len = 0;
    assert_int_equal(mcsec_topo_token_encode(topo, MCSEC_TOPO_CONTACT, S("dialog-1"),
                                             S("sip:mcptt@10.0.0.9"), tok, sizeof(tok), &len),
                     MCSEC_OK);
    mcsec_str_t t = {tok, len};
    for (int kind = 0; kind < MCSEC_TOPO_KIND_COUNT; kind++)
        if (kind != MCSEC_TOPO_CONTACT)
            expect_bad(topo, kind, S("dialog-1"), t, MCSEC_TOPO_FAULT_AUTH);
    expect_bad(topo, MCSEC_TOPO_CONTACT, S("dialog-2"), t, MCSEC_TOPO_FAULT_AUTH);
    expect_bad(topo, MCSEC_TOPO_CONTACT, S(""), t, MCSEC_TOPO_FAULT_AUTH);
    /* Same value, other dialog: another token. */
    char tok2[256];
    size_t len2 = 0;
    assert_int_equal(mcsec_topo_token_encode(topo, MCSEC_TOPO_CONTACT, S("dialog-2"),
                                             S("sip:mcptt@10.0.0.9"), tok2, sizeof(tok2), &len2),
                     MCSEC_OK);
    assert_true(len != len2 || memcmp(tok, tok2, len) != 0);
    mcsec_topo_destroy(topo);
}

static void test_unknown_key_and_foreign_key(void **state)
{
    (void)state;
    fake_now = 5000;
    mcsec_topo_t *ours = make_topo("01 " KEY_A "\n", 0, 0);
    mcsec_topo_t *other_id = make_topo("07 " KEY_A "\n", 0, 0);
    mcsec_topo_t *other_key = make_topo("01 " KEY_C "\n", 0, 0);
    char tok[256];
    size_t len = 0;
    assert_int_equal(
        mcsec_topo_token_encode(other_id, MCSEC_TOPO_VIA, S("c"), S("v"), tok, sizeof(tok), &len),
        MCSEC_OK);
    expect_bad(ours, MCSEC_TOPO_VIA, S("c"), (mcsec_str_t){tok, len}, MCSEC_TOPO_FAULT_UNKNOWN_KEY);
    assert_int_equal(
        mcsec_topo_token_encode(other_key, MCSEC_TOPO_VIA, S("c"), S("v"), tok, sizeof(tok), &len),
        MCSEC_OK);
    expect_bad(ours, MCSEC_TOPO_VIA, S("c"), (mcsec_str_t){tok, len}, MCSEC_TOPO_FAULT_AUTH);
    mcsec_topo_destroy(ours);
    mcsec_topo_destroy(other_id);
    mcsec_topo_destroy(other_key);
}

static void encode_at(mcsec_topo_t *topo, int64_t when, char *tok, size_t *len)
{
    fake_now = when;
    assert_int_equal(
        mcsec_topo_token_encode(topo, MCSEC_TOPO_RR, S("c"), S("<sip:10.1.1.1;lr>"), tok, 256, len),
        MCSEC_OK);
}

static bool decodes_at(mcsec_topo_t *topo, int64_t when, const char *tok, size_t len,
                       mcsec_topo_fault_t *fault)
{
    fake_now = when;
    char back[256];
    size_t lb = 0;
    mcsec_topo_error_t err = {MCSEC_REASON_NONE, MCSEC_TOPO_FAULT_NONE};
    mcsec_err_t rc = mcsec_topo_token_decode(topo, MCSEC_TOPO_RR, S("c"), (mcsec_str_t){tok, len},
                                             back, sizeof(back), &lb, &err);
    *fault = err.fault;
    return rc == MCSEC_OK;
}

static void test_old_key_decodes_within_validity_only(void **state)
{
    (void)state;
    /* Key 01 until 10000, key 02 from 10000; validity 3600 s. */
    mcsec_topo_t *before = make_topo("01 " KEY_A " since=100\n", 0, 0);
    char old_tok[256];
    size_t old_len = 0;
    encode_at(before, 9000, old_tok, &old_len);
    mcsec_topo_destroy(before);

    mcsec_topo_t *topo = make_topo("01 " KEY_A " since=100\n02 " KEY_B " since=10000\n", 0, 0);
    mcsec_topo_fault_t fault;
    assert_true(decodes_at(topo, 9500, old_tok, old_len, &fault)); /* 01 still current */
    assert_true(decodes_at(topo, 10000 + 3600, old_tok, old_len, &fault));
    assert_false(decodes_at(topo, 10000 + 3601, old_tok, old_len, &fault));
    assert_int_equal(fault, MCSEC_TOPO_FAULT_KEY_RETIRED);
    /* New tokens use 02 from its since on, 01 before (pre-distribution). */
    char tok[256];
    size_t len = 0;
    encode_at(topo, 9999, tok, &len);
    assert_int_equal(len, old_len);
    assert_memory_equal(tok, old_tok, len);
    encode_at(topo, 10000, tok, &len);
    assert_true(len != old_len || memcmp(tok, old_tok, len) != 0);
    assert_true(decodes_at(topo, 9000, tok, len, &fault)); /* newer keys always decode */
    assert_true(decodes_at(topo, 999999, tok, len, &fault));
    mcsec_topo_destroy(topo);

    /* Without since=, a key retires at the file's mtime. */
    topo = make_topo("01 " KEY_A "\n02 " KEY_B "\n", 20000, 0);
    assert_true(decodes_at(topo, 20000 + 3600, old_tok, old_len, &fault));
    assert_false(decodes_at(topo, 20000 + 3601, old_tok, old_len, &fault));
    assert_int_equal(fault, MCSEC_TOPO_FAULT_KEY_RETIRED);
    mcsec_topo_destroy(topo);
}

static void test_max_age_expires_tokens(void **state)
{
    (void)state;
    mcsec_topo_t *topo = make_topo("01 " KEY_A "\n", 0, 120);
    char tok[256], tok2[256], back[256];
    size_t len = 0, len2 = 0, lb = 0;
    mcsec_topo_error_t err;
    mcsec_str_t via = S("SIP/2.0/UDP 10.0.0.5;branch=z9hG4bKa");
    fake_now = 6000; /* minute boundary */
    assert_int_equal(
        mcsec_topo_token_encode(topo, MCSEC_TOPO_VIA, S("c"), via, tok, sizeof(tok), &len),
        MCSEC_OK);
    fake_now = 6059; /* same minute: same token */
    assert_int_equal(
        mcsec_topo_token_encode(topo, MCSEC_TOPO_VIA, S("c"), via, tok2, sizeof(tok2), &len2),
        MCSEC_OK);
    assert_memory_equal(tok, tok2, len);
    fake_now = 6120;
    assert_int_equal(mcsec_topo_token_decode(topo, MCSEC_TOPO_VIA, S("c"), (mcsec_str_t){tok, len},
                                             back, sizeof(back), &lb, &err),
                     MCSEC_OK);
    fake_now = 6121;
    expect_bad(topo, MCSEC_TOPO_VIA, S("c"), (mcsec_str_t){tok, len}, MCSEC_TOPO_FAULT_EXPIRED);
    fake_now = 6000 - 61; /* issued too far in the future */
    expect_bad(topo, MCSEC_TOPO_VIA, S("c"), (mcsec_str_t){tok, len}, MCSEC_TOPO_FAULT_EXPIRED);
    /* Dialog kinds carry no time by default and never expire. */
    fake_now = 6000;
    assert_int_equal(
        mcsec_topo_token_encode(topo, MCSEC_TOPO_RR, S("c"), via, tok, sizeof(tok), &len),
        MCSEC_OK);
    fake_now = 6000 + 86400 * 365;
    assert_int_equal(mcsec_topo_token_decode(topo, MCSEC_TOPO_RR, S("c"), (mcsec_str_t){tok, len},
                                             back, sizeof(back), &lb, &err),
                     MCSEC_OK);
    mcsec_topo_destroy(topo);
    /* A token without time under a config that now demands one: expired. */
    mcsec_topo_t *no_age = make_topo("01 " KEY_A "\n", 0, 0);
    fake_now = 6000;
    assert_int_equal(
        mcsec_topo_token_encode(no_age, MCSEC_TOPO_VIA, S("c"), via, tok, sizeof(tok), &len),
        MCSEC_OK);
    mcsec_topo_destroy(no_age);
    topo = make_topo("01 " KEY_A "\n", 0, 120);
    expect_bad(topo, MCSEC_TOPO_VIA, S("c"), (mcsec_str_t){tok, len}, MCSEC_TOPO_FAULT_EXPIRED);
    mcsec_topo_destroy(topo);
}

static void test_sizes_and_garbage(void **state)
{
    (void)state;
    fake_now = 5000;
    mcsec_topo_t *topo = make_topo("01 " KEY_A "\n", 0, 0);
    char *big = malloc(MCSEC_TOPO_MAX_VALUE + 1);
    assert_non_null(big);
    memset(big, 'x', MCSEC_TOPO_MAX_VALUE + 1);
    size_t need = 0;
    /* Asking for the size with no buffer. */
    assert_int_equal(mcsec_topo_token_encode(topo, MCSEC_TOPO_RR, S("c"),
                                             (mcsec_str_t){big, MCSEC_TOPO_MAX_VALUE}, NULL, 0,
                                             &need),
                     MCSEC_ERR_ARG);
    assert_true(need > MCSEC_TOPO_MAX_VALUE);
    char *tok = malloc(need);
    char *back = malloc(need);
    assert_non_null(tok);
    assert_non_null(back);
    size_t len = 0, lb = 0;
    assert_int_equal(mcsec_topo_token_encode(topo, MCSEC_TOPO_RR, S("c"),
                                             (mcsec_str_t){big, MCSEC_TOPO_MAX_VALUE}, tok, need,
                                             &len),
                     MCSEC_OK);
    assert_int_equal(len, need);
    mcsec_topo_error_t err;
    assert_int_equal(mcsec_topo_token_decode(topo, MCSEC_TOPO_RR, S("c"), (mcsec_str_t){tok, len},
                                             back, need, &lb, &err),
                     MCSEC_OK);
    assert_int_equal(lb, MCSEC_TOPO_MAX_VALUE);
    /* Too small an output: MCSEC_ERR_ARG with the size needed, nothing partial. */
    assert_int_equal(mcsec_topo_token_decode(topo, MCSEC_TOPO_RR, S("c"), (mcsec_str_t){tok, len},
                                             back, 10, &lb, &err),
                     MCSEC_ERR_ARG);
    assert_int_equal(lb, MCSEC_TOPO_MAX_VALUE);
    assert_int_equal(mcsec_topo_token_encode(topo, MCSEC_TOPO_RR, S("c"),
                                             (mcsec_str_t){big, MCSEC_TOPO_MAX_VALUE + 1}, tok,
                                             need, &len),
                     MCSEC_ERR_ARG);
    assert_int_equal(mcsec_topo_token_encode(topo, MCSEC_TOPO_RR, S("c"), S(""), tok, need, &len),
                     MCSEC_ERR_ARG);
    /* A Call-ID longer than the limit is refused as associated data too. */
    mcsec_str_t long_callid = {big, MCSEC_TOPO_MAX_VALUE + 1};
    assert_int_equal(
        mcsec_topo_token_encode(topo, MCSEC_TOPO_RR, long_callid, S("v"), tok, need, &len),
        MCSEC_ERR_ARG);
    assert_int_equal(mcsec_topo_token_encode(topo, MCSEC_TOPO_RR, S("c"), S("v"), tok, need, &len),
                     MCSEC_OK);
    assert_int_equal(mcsec_topo_token_decode(topo, MCSEC_TOPO_RR, long_callid,
                                             (mcsec_str_t){tok, len}, back, need, &lb, &err),
                     MCSEC_ERR_INVALID);
    assert_int_equal(err.fault, MCSEC_TOPO_FAULT_MALFORMED);
    /* Garbage of every length up to a long one never decodes or crashes. */
    for (size_t n = 0; n < 9000; n += 7) {
        char *junk = malloc(n + 1);
        assert_non_null(junk);
        for (size_t i = 0; i < n; i++)
            junk[i] = "abcdefghijklmnopqrstuvwxyz234567"[(i * 7 + n) % 32];
        char out[64];
        assert_int_equal(mcsec_topo_token_decode(topo, MCSEC_TOPO_VIA, S("c"),
                                                 (mcsec_str_t){junk, n}, out, sizeof(out), &lb,
                                                 &err),
                         MCSEC_ERR_INVALID);
        free(junk);
    }
    free(big);
    free(tok);
    free(back);
    mcsec_topo_destroy(topo);
}

/* Dialog tokens (issue 14): only a token the border made for this Call-ID,
 * partner and dialog tag says "in dialog"; everything else is an initial
 * request (docs/ear.md "In-dialog or not"). */
static void test_dialog_token_binds_callid_partner_and_tag(void **state)
{
    (void)state;
    fake_now = 5000;
    mcsec_topo_t *topo = make_topo("01 " KEY_A "\n", 0, 0);
    char tok[256];
    size_t len = 0;
    assert_int_equal(mcsec_topo_dialog_token(topo, S("call-1@b"), S("system-b"), S("ftag1"), tok,
                                             sizeof(tok), &len),
                     MCSEC_OK);
    mcsec_str_t t = {tok, len};
    for (size_t i = 0; i < len; i++)
        assert_non_null(strchr("abcdefghijklmnopqrstuvwxyz234567", tok[i]));
    /* the caller's requests (From-tag) and the callee's (To-tag) */
    assert_true(mcsec_topo_dialog_check(topo, t, S("call-1@b"), S("system-b"), S("ftag1"), S("x")));
    assert_true(mcsec_topo_dialog_check(topo, t, S("call-1@b"), S("system-b"), S("x"), S("ftag1")));
    /* another dialog, partner or tag */
    assert_false(
        mcsec_topo_dialog_check(topo, t, S("call-2@b"), S("system-b"), S("ftag1"), S("x")));
    assert_false(
        mcsec_topo_dialog_check(topo, t, S("call-1@b"), S("system-c"), S("ftag1"), S("x")));
    assert_false(mcsec_topo_dialog_check(topo, t, S("call-1@b"), S("system-"), S("ftag1"), S("x")));
    assert_false(mcsec_topo_dialog_check(topo, t, S("call-1@b"), S("system-b"), S("ftag"), S("y")));
    assert_false(mcsec_topo_dialog_check(topo, t, S("call-1@b"), S("system-b"), S(""), S("")));
    /* tampered, truncated, empty, another kind with the same value */
    char bad[256];
    memcpy(bad, tok, len);
    bad[len / 2] = bad[len / 2] == 'a' ? 'b' : 'a';
    assert_false(mcsec_topo_dialog_check(topo, (mcsec_str_t){bad, len}, S("call-1@b"),
                                         S("system-b"), S("ftag1"), S("x")));
    assert_false(mcsec_topo_dialog_check(topo, (mcsec_str_t){tok, len - 3}, S("call-1@b"),
                                         S("system-b"), S("ftag1"), S("x")));
    assert_false(
        mcsec_topo_dialog_check(topo, S(""), S("call-1@b"), S("system-b"), S("ftag1"), S("x")));
    char other[256];
    size_t other_len = 0;
    assert_int_equal(mcsec_topo_token_encode(topo, MCSEC_TOPO_RR, S("call-1@b"),
                                             (mcsec_str_t){"system-b\0ftag1", 14}, other,
                                             sizeof(other), &other_len),
                     MCSEC_OK);
    assert_false(mcsec_topo_dialog_check(topo, (mcsec_str_t){other, other_len}, S("call-1@b"),
                                         S("system-b"), S("ftag1"), S("x")));
    /* a token of another border's key (the same key ID) */
    mcsec_topo_t *foreign = make_topo("01 " KEY_B "\n", 0, 0);
    assert_false(
        mcsec_topo_dialog_check(foreign, t, S("call-1@b"), S("system-b"), S("ftag1"), S("x")));
    /* refused inputs */
    assert_int_equal(
        mcsec_topo_dialog_token(topo, S(""), S("system-b"), S("f"), tok, sizeof(tok), &len),
        MCSEC_ERR_ARG);
    assert_int_equal(mcsec_topo_dialog_token(topo, S("c"), (mcsec_str_t){"a\0b", 3}, S("f"), tok,
                                             sizeof(tok), &len),
                     MCSEC_ERR_ARG);
    /* an empty From-tag is a tag like any other */
    assert_int_equal(
        mcsec_topo_dialog_token(topo, S("c"), S("system-b"), S(""), tok, sizeof(tok), &len),
        MCSEC_OK);
    assert_true(mcsec_topo_dialog_check(topo, (mcsec_str_t){tok, len}, S("c"), S("system-b"),
                                        S("f"), S("")));
    mcsec_topo_destroy(foreign);
    mcsec_topo_destroy(topo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_siv_matches_rfc5297_a1),
        cmocka_unit_test(test_siv_matches_rfc5297_a2),
        cmocka_unit_test(test_siv_matches_openssl_siv),
        cmocka_unit_test(test_siv_long_values_match_openssl_siv),
        cmocka_unit_test(test_siv_remembered_prefixes_stay_exact),
        cmocka_unit_test(test_base32_round_trip_and_canonical),
        cmocka_unit_test(test_token_deterministic_and_round_trips_each_kind),
        cmocka_unit_test(test_tampered_token_rejected_at_every_position),
        cmocka_unit_test(test_token_bound_to_kind_and_dialog),
        cmocka_unit_test(test_unknown_key_and_foreign_key),
        cmocka_unit_test(test_old_key_decodes_within_validity_only),
        cmocka_unit_test(test_max_age_expires_tokens),
        cmocka_unit_test(test_sizes_and_garbage),
        cmocka_unit_test(test_dialog_token_binds_callid_partner_and_tag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
