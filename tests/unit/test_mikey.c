/* MIKEY-SAKKE I_MESSAGE parser: the public GMK, CSK and PCK vectors parse
 * field by field, the text forms decode, and broken layouts are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mcsec/mikey/mikey.h"

#define VECTOR_T 1759448872 /* 0xec898da8 NTP seconds, 2025-10-03 */

static size_t read_file(const char *name, uint8_t *out, size_t size)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/gmk/%s", MCSEC_TEST_DATA, name);
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    size_t n = fread(out, 1, size, file);
    fclose(file);
    return n;
}

/* Loads a vector file ("mikey <base64>") and decodes it. */
static size_t load_vector(const char *name, uint8_t *out, size_t size)
{
    uint8_t text[4 * MCSEC_MIKEY_MAX_LEN];
    size_t n = read_file(name, text, sizeof(text));
    size_t len = 0;
    assert_int_equal(mcsec_mikey_decode_text(text, n, out, size, &len), MCSEC_OK);
    return len;
}

static void test_mikey_parses_the_gmk_vector(void **state)
{
    (void)state;
    uint8_t octets[MCSEC_MIKEY_MAX_LEN];
    size_t n = load_vector("gmk.mikey", octets, sizeof(octets));
    assert_int_equal(n, 701);
    mcsec_mikey_t msg;
    assert_int_equal(mcsec_mikey_parse(octets, n, &msg), MCSEC_OK);
    assert_int_equal(msg.version, 1);
    assert_int_equal(msg.data_type, 26);
    assert_int_equal(msg.prf, 1);
    assert_int_equal(msg.csb_id, 0x06a12aea); /* the GUK-ID */
    assert_int_equal(mcsec_mikey_purpose(&msg), MCSEC_KEY_PURPOSE_GMK);
    assert_int_equal(msg.cs_count, 1);
    assert_int_equal(msg.cs_map_type, 2);
    assert_int_equal(msg.ts_type, 0);
    assert_int_equal(mcsec_mikey_unix_time(&msg), VECTOR_T);
    assert_int_equal(msg.rand.len, 16);
    assert_true(msg.idr[MCSEC_MIKEY_IDR_UIDI].present);
    assert_true(msg.idr[MCSEC_MIKEY_IDR_UIDR].present);
    assert_false(msg.idr[MCSEC_MIKEY_IDR_I].present);
    assert_false(msg.idr[MCSEC_MIKEY_IDR_R].present);
    static const uint8_t gms_uid[4] = {0x15, 0xa4, 0xd5, 0xb1};
    assert_memory_equal(msg.idr[MCSEC_MIKEY_IDR_UIDI].data.ptr, gms_uid, 4);
    const mcsec_mikey_idr_t *kmsi = &msg.idr[MCSEC_MIKEY_IDR_KMSI];
    assert_int_equal(kmsi->data.len, strlen("kms.mydev.streamwide.com"));
    assert_memory_equal(kmsi->data.ptr, "kms.mydev.streamwide.com", kmsi->data.len);
    assert_int_equal(msg.sp_count, 1);
    assert_int_equal(msg.sakke_params, 1);
    assert_int_equal(msg.sakke_id_scheme, 2);
    assert_int_equal(msg.sakke_data.len, 273);
    assert_int_equal(msg.ext_count, 1);
    assert_int_equal(msg.ext[0].type, 7);
    assert_int_equal(msg.sign_type, 2);
    assert_int_equal(msg.signed_part.len, n - 129);
    assert_ptr_equal(msg.signature.ptr, octets + n - 129);
    assert_int_equal(msg.signature.len, 129);
}

static void test_mikey_parses_the_csk_and_pck_vectors(void **state)
{
    (void)state;
    uint8_t octets[MCSEC_MIKEY_MAX_LEN];
    mcsec_mikey_t msg;
    size_t n = load_vector("csk.mikey", octets, sizeof(octets));
    assert_int_equal(mcsec_mikey_parse(octets, n, &msg), MCSEC_OK);
    assert_int_equal(msg.csb_id, 0x2ddd5bf0);
    assert_int_equal(mcsec_mikey_purpose(&msg), MCSEC_KEY_PURPOSE_CSK);
    n = load_vector("pck.mikey", octets, sizeof(octets));
    assert_int_equal(mcsec_mikey_parse(octets, n, &msg), MCSEC_OK);
    assert_int_equal(msg.csb_id, 0x16992638);
    assert_int_equal(mcsec_mikey_purpose(&msg), MCSEC_KEY_PURPOSE_PCK);
    assert_int_equal(msg.cs_count, 0);
    assert_int_equal(msg.cs_map_type, 1);
    n = load_vector("gmk-legacy.mikey", octets, sizeof(octets));
    assert_int_equal(mcsec_mikey_parse(octets, n, &msg), MCSEC_OK);
    assert_int_equal(msg.cs_map_type, 0);
    assert_int_equal(msg.cs_count, 2);
}

static void test_mikey_text_forms_decode_to_the_same_octets(void **state)
{
    (void)state;
    uint8_t want[MCSEC_MIKEY_MAX_LEN];
    uint8_t got[MCSEC_MIKEY_MAX_LEN];
    uint8_t text[4 * MCSEC_MIKEY_MAX_LEN];
    size_t want_len = read_file("gmk.bin", want, sizeof(want));
    size_t len = 0;
    /* raw */
    assert_int_equal(mcsec_mikey_decode_text(want, want_len, got, sizeof(got), &len), MCSEC_OK);
    assert_int_equal(len, want_len);
    /* hex with a newline */
    size_t n = read_file("gmk.hex", text, sizeof(text));
    assert_int_equal(mcsec_mikey_decode_text(text, n, got, sizeof(got), &len), MCSEC_OK);
    assert_int_equal(len, want_len);
    assert_memory_equal(got, want, len);
    /* "mikey <base64>", and plain base64 after the prefix */
    n = read_file("gmk.mikey", text, sizeof(text));
    assert_int_equal(mcsec_mikey_decode_text(text, n, got, sizeof(got), &len), MCSEC_OK);
    assert_memory_equal(got, want, want_len);
    assert_int_equal(mcsec_mikey_decode_text(text + 6, n - 6, got, sizeof(got), &len), MCSEC_OK);
    assert_int_equal(len, want_len);
    /* SDP attribute form */
    char sdp[4 * MCSEC_MIKEY_MAX_LEN];
    snprintf(sdp, sizeof(sdp), "a=key-mgmt:%.*s", (int)n, (const char *)text);
    assert_int_equal(
        mcsec_mikey_decode_text((const uint8_t *)sdp, strlen(sdp), got, sizeof(got), &len),
        MCSEC_OK);
    assert_int_equal(len, want_len);
    /* too small an output, junk, odd hex */
    assert_int_equal(mcsec_mikey_decode_text(text, n, got, 100, &len), MCSEC_ERR_PARSE);
    assert_int_equal(
        mcsec_mikey_decode_text((const uint8_t *)"mikey A*==", 10, got, sizeof(got), &len),
        MCSEC_ERR_PARSE);
    assert_int_equal(mcsec_mikey_decode_hex((const uint8_t *)"011", 3, got, sizeof(got), &len),
                     MCSEC_ERR_PARSE);
}

static void test_mikey_refuses_every_truncation_and_extension(void **state)
{
    (void)state;
    uint8_t octets[MCSEC_MIKEY_MAX_LEN + 1];
    mcsec_mikey_t msg;
    size_t n = read_file("gmk.bin", octets, sizeof(octets));
    for (size_t len = 0; len < n; len++) {
        assert_int_equal(mcsec_mikey_parse(octets, len, &msg), MCSEC_ERR_PARSE);
    }
    octets[n] = 0;
    assert_int_equal(mcsec_mikey_parse(octets, n + 1, &msg), MCSEC_ERR_PARSE);
    assert_int_equal(mcsec_mikey_parse(octets, MCSEC_MIKEY_MAX_LEN + 1, &msg), MCSEC_ERR_PARSE);
    assert_int_equal(mcsec_mikey_parse(NULL, 0, &msg), MCSEC_ERR_ARG);
}

/* Offsets in the GMK vector (tests/unit/data/gmk/gmk.hex). */
#define OFF_VERSION 0
#define OFF_DATA_TYPE 1
#define OFF_V_PRF 3
#define OFF_MAP_TYPE 9
#define OFF_FIRST_IDR_ROLE 54 /* IDRuidi's role octet */
#define OFF_SIGN_LEN 571      /* low octet of SIGN type/length */

static void test_mikey_refuses_header_and_payload_violations(void **state)
{
    (void)state;
    uint8_t good[MCSEC_MIKEY_MAX_LEN];
    uint8_t bad[MCSEC_MIKEY_MAX_LEN];
    mcsec_mikey_t msg;
    size_t n = read_file("gmk.bin", good, sizeof(good));
    assert_int_equal(good[OFF_FIRST_IDR_ROLE], MCSEC_MIKEY_IDR_UIDI);
    assert_int_equal(good[OFF_SIGN_LEN], 0x81);
    static const struct {
        size_t offset;
        uint8_t value;
    } cases[] = {
        {OFF_VERSION, 2},                           /* version */
        {OFF_DATA_TYPE, 0},                         /* not SAKKE */
        {OFF_V_PRF, 0x81},                          /* V bit */
        {OFF_V_PRF, 5},                             /* unknown PRF */
        {OFF_MAP_TYPE, 7},                          /* unknown CS map */
        {OFF_FIRST_IDR_ROLE, 3},                    /* IDRkms role: not in the profile */
        {OFF_FIRST_IDR_ROLE, MCSEC_MIKEY_IDR_UIDR}, /* a role twice */
        {OFF_SIGN_LEN, 0x80},                       /* signature length 128 */
        {2, MCSEC_MIKEY_PT_RAND},                   /* RAND before T */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memcpy(bad, good, n);
        bad[cases[i].offset] = cases[i].value;
        assert_int_equal(mcsec_mikey_parse(bad, n, &msg), MCSEC_ERR_PARSE);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mikey_parses_the_gmk_vector),
        cmocka_unit_test(test_mikey_parses_the_csk_and_pck_vectors),
        cmocka_unit_test(test_mikey_text_forms_decode_to_the_same_octets),
        cmocka_unit_test(test_mikey_refuses_every_truncation_and_extension),
        cmocka_unit_test(test_mikey_refuses_header_and_payload_violations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
