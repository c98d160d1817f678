/* MIKEY-SAKKE UIDs and key period numbers (TS 33.180 Annex F.2.1; docs/profile.md section 3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mcsec/ibc/uid.h"

static void unhex(const char *hex, uint8_t *out, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned int byte;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &byte), 1);
        out[i] = (uint8_t)byte;
    }
}

/* The public vector of the Streamwide MIKEY-SAKKE library. */
static void test_uid_matches_public_vector(void **state)
{
    (void)state;
    uint8_t uid[32], want[32];
    unhex("74e2af803ab5d72841bbced0ce319ffe64f6fe23c88a2d258aabcf6ac5658ef4", want, 32);
    assert_int_equal(
        mcsec_uid_compute("sip:user@example.org", 20, "kms.example.org", 15, 2592000, 0, 1, uid),
        MCSEC_OK);
    assert_memory_equal(uid, want, 32);
}

/* TS 33.180 F.2.1.2 example: 2014-01-26T10:07:14Z is NTP 3599719634, key
 * period 1388 of 2592000 s, UID base64 OoH7FMOx0P5DycV3EE1VptgXiL/S8JdDxFV3RqWgNTs= */
static void test_uid_at_time_uses_ntp_key_periods(void **state)
{
    (void)state;
    uint8_t uid[32], want[32];
    uint64_t number = 0;
    const int64_t at = 1390730834; /* 2014-01-26T10:07:14Z */
    unhex("3a81fb14c3b1d0fe43c9c577104d55a6d81788bfd2f09743c4557746a5a0353b", want, 32);
    assert_int_equal(mcsec_key_period_number(at, 2592000, 0, &number), MCSEC_OK);
    assert_int_equal(number, 1388);
    assert_int_equal(
        mcsec_uid_at("sip:user@example.org", 20, "kms.example.org", 15, 2592000, 0, at, uid),
        MCSEC_OK);
    assert_memory_equal(uid, want, 32);
}

static void test_key_period_boundaries_and_offset(void **state)
{
    (void)state;
    uint64_t n = 0;
    /* Unix 0 is NTP 2208988800 = 852 periods of 2592000 + 604800 s. */
    assert_int_equal(mcsec_key_period_number(0, 2592000, 0, &n), MCSEC_OK);
    assert_int_equal(n, 852);
    assert_int_equal(mcsec_key_period_number(2592000 - 604800 - 1, 2592000, 0, &n), MCSEC_OK);
    assert_int_equal(n, 852);
    assert_int_equal(mcsec_key_period_number(2592000 - 604800, 2592000, 0, &n), MCSEC_OK);
    assert_int_equal(n, 853);
    /* The offset shifts the boundary later. */
    assert_int_equal(mcsec_key_period_number(2592000 - 604800, 2592000, 10, &n), MCSEC_OK);
    assert_int_equal(n, 852);
    assert_int_equal(mcsec_key_period_number(0, 0, 0, &n), MCSEC_ERR_ARG);
    assert_int_equal(mcsec_key_period_number(0, 100, 100, &n), MCSEC_ERR_ARG);
    assert_int_equal(mcsec_key_period_number(INT64_MIN, 100, 0, &n), MCSEC_ERR_ARG);
    assert_int_equal(mcsec_key_period_number(INT64_MAX, 100, 0, &n), MCSEC_ERR_ARG);
}

static void test_uid_differs_per_field_and_rejects_bad_input(void **state)
{
    (void)state;
    uint8_t a[32], b[32];
    assert_int_equal(mcsec_uid_compute("sip:a@x", 7, "kms", 3, 100, 0, 1, a), MCSEC_OK);
    assert_int_equal(mcsec_uid_compute("sip:a@x", 7, "kms", 3, 100, 0, 2, b), MCSEC_OK);
    assert_memory_not_equal(a, b, 32);
    assert_int_equal(mcsec_uid_compute("sip:a@x", 7, "kmt", 3, 100, 0, 1, b), MCSEC_OK);
    assert_memory_not_equal(a, b, 32);
    /* Period 256 needs two octets; 0 is one 0x00 octet, not none. */
    assert_int_equal(mcsec_uid_compute("sip:a@x", 7, "kms", 3, 256, 0, 1, b), MCSEC_OK);
    assert_memory_not_equal(a, b, 32);
    assert_int_equal(mcsec_uid_compute("", 0, "kms", 3, 100, 0, 1, a), MCSEC_ERR_ARG);
    assert_int_equal(mcsec_uid_compute("sip:a@x", 7, NULL, 3, 100, 0, 1, a), MCSEC_ERR_ARG);
    assert_int_equal(mcsec_uid_compute("sip:a@x", 70000, "kms", 3, 100, 0, 1, a), MCSEC_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uid_matches_public_vector),
        cmocka_unit_test(test_uid_at_time_uses_ntp_key_periods),
        cmocka_unit_test(test_key_period_boundaries_and_offset),
        cmocka_unit_test(test_uid_differs_per_field_and_rejects_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
