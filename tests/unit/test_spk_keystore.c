/* SPK key files: good file, permissions checked on the opened file, purpose
 * tag, hex, duplicates, line numbers in errors, rollover order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "mcsec/spk/keystore.h"

static char temp_dir[64];

static int make_temp_dir(void **state)
{
    (void)state;
    snprintf(temp_dir, sizeof(temp_dir), "/tmp/mcsec-spk-XXXXXX");
    return mkdtemp(temp_dir) ? 0 : -1;
}

static int remove_temp_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", temp_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Copies data/spk/name into the temp dir with the given mode. */
static const char *copy_with_mode(const char *name, mode_t mode)
{
    static char path[256];
    char src[512], buf[4096];
    snprintf(src, sizeof(src), "%s/spk/%s", MCSEC_TEST_DATA, name);
    snprintf(path, sizeof(path), "%s/%s", temp_dir, name);
    FILE *in = fopen(src, "rb");
    assert_non_null(in);
    size_t n = fread(buf, 1, sizeof(buf), in);
    fclose(in);
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(out);
    assert_int_equal(chmod(path, mode), 0);
    return path;
}

static void test_keystore_loads_good_file_last_line_protects(void **state)
{
    (void)state;
    mcsec_keystore_t *keys = NULL;
    char why[256] = "";
    assert_int_equal(
        mcsec_keystore_load_spk(copy_with_mode("good.spk", 0600), &keys, why, sizeof(why)),
        MCSEC_OK);
    assert_int_equal(mcsec_keystore_count(keys), 2);
    uint32_t id = 0;
    const uint8_t *key = NULL;
    assert_int_equal(mcsec_keystore_current(keys, &id, &key), MCSEC_OK);
    assert_int_equal(id, 0x3abcdef0);
    assert_int_equal(key[0], 0xf0);
    assert_int_equal(key[15], 0x00);
    const uint8_t *old = mcsec_keystore_find(keys, 0x30000001);
    assert_non_null(old);
    assert_int_equal(old[15], 0x0f);
    assert_null(mcsec_keystore_find(keys, 0x30000002));
    assert_int_equal(mcsec_keystore_at(keys, 2, &id, &key), MCSEC_ERR_ARG);
    mcsec_keystore_destroy(keys);
}

static void test_keystore_accepts_0400(void **state)
{
    (void)state;
    mcsec_keystore_t *keys = NULL;
    assert_int_equal(mcsec_keystore_load_spk(copy_with_mode("good.spk", 0400), &keys, NULL, 0),
                     MCSEC_OK);
    mcsec_keystore_destroy(keys);
}

static void test_keystore_refuses_loose_permissions(void **state)
{
    (void)state;
    mcsec_keystore_t *keys = NULL;
    char why[256] = "";
    assert_int_equal(
        mcsec_keystore_load_spk(copy_with_mode("good.spk", 0644), &keys, why, sizeof(why)),
        MCSEC_ERR_PERM);
    assert_null(keys);
    assert_non_null(strstr(why, "0644"));
    assert_int_equal(
        mcsec_keystore_load_spk(copy_with_mode("good.spk", 0640), &keys, why, sizeof(why)),
        MCSEC_ERR_PERM);
    assert_int_equal(mcsec_keystore_load_spk(temp_dir, &keys, why, sizeof(why)), MCSEC_ERR_IO);
    assert_int_equal(mcsec_keystore_load_spk("/nonexistent/spk", &keys, why, sizeof(why)),
                     MCSEC_ERR_IO);
}

static void expect_refused(const char *name, mcsec_err_t want, const char *where)
{
    mcsec_keystore_t *keys = NULL;
    char why[256] = "";
    assert_int_equal(mcsec_keystore_load_spk(copy_with_mode(name, 0600), &keys, why, sizeof(why)),
                     want);
    assert_null(keys);
    if (!strstr(why, where))
        fail_msg("%s: message '%s' lacks '%s'", name, why, where);
    /* Key material never appears in messages. */
    assert_null(strstr(why, "0102030405"));
}

static void test_keystore_refuses_bad_files_with_line_numbers(void **state)
{
    (void)state;
    expect_refused("bad_purpose.spk", MCSEC_ERR_INVALID, "bad_purpose.spk:2:");
    expect_refused("bad_hex.spk", MCSEC_ERR_PARSE, "bad_hex.spk:2:");
    expect_refused("duplicate.spk", MCSEC_ERR_INVALID, "duplicate.spk:3:");
    expect_refused("short_key.spk", MCSEC_ERR_PARSE, "short_key.spk:1:");
    expect_refused("empty.spk", MCSEC_ERR_INVALID, "no key");
}

static void test_keystore_parse_from_memory(void **state)
{
    (void)state;
    mcsec_keystore_t *keys = NULL;
    const char text[] = "3fffffff 00112233445566778899aabbccddeeff extra\n";
    char why[128];
    assert_int_equal(mcsec_keystore_parse_spk(text, strlen(text), "mem", &keys, why, sizeof(why)),
                     MCSEC_ERR_PARSE);
    assert_non_null(strstr(why, "mem:1:"));
    const char ok[] = "3fffffff 00112233445566778899aabbccddeeff"; /* no final newline */
    assert_int_equal(mcsec_keystore_parse_spk(ok, strlen(ok), "mem", &keys, why, sizeof(why)),
                     MCSEC_OK);
    assert_int_equal(mcsec_keystore_count(keys), 1);
    mcsec_keystore_destroy(keys);
    const char nul[] = "3fffffff 0011223344556677\0"
                       "8899aabbccddeeff\n";
    assert_int_equal(mcsec_keystore_parse_spk(nul, sizeof(nul) - 1, "mem", &keys, why, sizeof(why)),
                     MCSEC_ERR_PARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keystore_loads_good_file_last_line_protects),
        cmocka_unit_test(test_keystore_accepts_0400),
        cmocka_unit_test(test_keystore_refuses_loose_permissions),
        cmocka_unit_test(test_keystore_refuses_bad_files_with_line_numbers),
        cmocka_unit_test(test_keystore_parse_from_memory),
    };
    return cmocka_run_group_tests(tests, make_temp_dir, remove_temp_dir);
}
