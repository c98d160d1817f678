/* Topology key files: good file, permissions checked on the open file, bad
 * hex, duplicate IDs, since ordering, line numbers in messages, rotation
 * times, and the context refusing a bad config. */
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

#include "mcsec/topo/topo.h"

#define KEY_A "1111111111111111111111111111111111111111111111111111111111111111"
#define KEY_B "2222222222222222222222222222222222222222222222222222222222222222"

static char tmpdir[64];

static int make_tmpdir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/mcsec-topo-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *write_file(const char *name, const char *text, mode_t mode)
{
    static char path[128];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
    return path;
}

static void test_good_file_loads(void **state)
{
    (void)state;
    const char *path =
        write_file("good", "# comment\n\n  01 " KEY_A "\r\n02 " KEY_B " since=5\n", 0600);
    mcsec_topo_keys_t *keys = NULL;
    char why[200] = "";
    assert_int_equal(mcsec_topo_keys_load(path, &keys, why, sizeof(why)), MCSEC_OK);
    assert_int_equal(mcsec_topo_keys_count(keys), 2);
    assert_int_equal(mcsec_topo_keys_at(keys, 0)->id, 0x01);
    assert_int_equal(mcsec_topo_keys_at(keys, 0)->line, 3);
    assert_false(mcsec_topo_keys_at(keys, 0)->has_since);
    assert_int_equal(mcsec_topo_keys_at(keys, 1)->key[31], 0x22);
    assert_int_equal(mcsec_topo_keys_at(keys, 1)->since, 5);
    assert_int_equal(mcsec_topo_keys_find(keys, 0x02), 1);
    assert_int_equal(mcsec_topo_keys_find(keys, 0x03), -1);
    assert_int_equal(mcsec_topo_keys_current(keys, 4), 0);
    assert_int_equal(mcsec_topo_keys_current(keys, 5), 1);
    mcsec_topo_keys_destroy(keys);
    /* 0400 is stricter than 0600: fine. */
    path = write_file("readonly", "01 " KEY_A "\n", 0400);
    assert_int_equal(mcsec_topo_keys_load(path, &keys, why, sizeof(why)), MCSEC_OK);
    mcsec_topo_keys_destroy(keys);
}

static void test_example_file_parses(void **state)
{
    (void)state;
    FILE *f = fopen(MCSEC_TEST_DATA "/topo/example.keys", "r");
    assert_non_null(f);
    char text[2048];
    size_t n = fread(text, 1, sizeof(text), f);
    fclose(f);
    mcsec_topo_keys_t *keys = NULL;
    char why[200] = "";
    assert_int_equal(mcsec_topo_keys_parse(text, n, "example.keys", 0, 0, &keys, why, sizeof(why)),
                     MCSEC_OK);
    assert_int_equal(mcsec_topo_keys_count(keys), 2);
    assert_int_equal(mcsec_topo_keys_at(keys, 1)->line, 6);
    mcsec_topo_keys_destroy(keys);
}

static void test_loose_permissions_refused(void **state)
{
    (void)state;
    static const mode_t modes[] = {0644, 0640, 0604, 0660, 0666};
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        const char *path = write_file("loose", "01 " KEY_A "\n", modes[i]);
        mcsec_topo_keys_t *keys = NULL;
        char why[200] = "";
        assert_int_equal(mcsec_topo_keys_load(path, &keys, why, sizeof(why)), MCSEC_ERR_PERM);
        assert_null(keys);
        assert_non_null(strstr(why, "chmod 600"));
        assert_null(strstr(why, KEY_A));
    }
}

static void expect_parse_error(const char *text, mcsec_err_t rc, const char *message)
{
    mcsec_topo_keys_t *keys = NULL;
    char why[200] = "";
    assert_int_equal(mcsec_topo_keys_parse(text, strlen(text), "f", 0, 0, &keys, why, sizeof(why)),
                     rc);
    assert_null(keys);
    if (!strstr(why, message))
        fail_msg("'%s' lacks '%s'", why, message);
    assert_null(strstr(why, "1111111111"));
    assert_null(strstr(why, "2222222222"));
}

static void test_bad_lines_refused_with_line_numbers(void **state)
{
    (void)state;
    expect_parse_error("01 " KEY_A "\n0g " KEY_B "\n", MCSEC_ERR_PARSE,
                       "f:2: key ID must be 2 hex digits");
    expect_parse_error("1 " KEY_A "\n", MCSEC_ERR_PARSE, "f:1: key ID must be 2 hex digits");
    expect_parse_error("#\n01 111111111111111111111111111111111111111111111111111111111111111x\n",
                       MCSEC_ERR_PARSE, "f:2: key must be 64 hex digits");
    expect_parse_error("01 1111\n", MCSEC_ERR_PARSE, "f:1: key must be 64 hex digits");
    expect_parse_error("01\n", MCSEC_ERR_PARSE, "f:1: expected");
    expect_parse_error("01 " KEY_A " since=1 extra\n", MCSEC_ERR_PARSE, "f:1: expected");
    expect_parse_error("01 " KEY_A " until=1\n", MCSEC_ERR_PARSE, "f:1: third field");
    expect_parse_error("01 " KEY_A " since=-1\n", MCSEC_ERR_PARSE, "f:1: third field");
    expect_parse_error("01 " KEY_A "\n\n01 " KEY_B "\n", MCSEC_ERR_INVALID,
                       "f:3: duplicate key ID 01 (first on line 1)");
    expect_parse_error("01 " KEY_A " since=9\n02 " KEY_B " since=8\n", MCSEC_ERR_INVALID,
                       "f:2: since is earlier than on line 1");
    expect_parse_error("# only a comment\n", MCSEC_ERR_INVALID, "f: no key");
    const char nul[] = "01 " KEY_A "\n\0";
    mcsec_topo_keys_t *keys = NULL;
    char why[200] = "";
    assert_int_equal(mcsec_topo_keys_parse(nul, sizeof(nul) - 1, "f", 0, 0, &keys, why, 200),
                     MCSEC_ERR_PARSE);
    assert_non_null(strstr(why, "f:2: NUL byte"));
    assert_int_equal(
        mcsec_topo_keys_parse("#\n", 2, "f", 0, MCSEC_TOPO_KEYS_ALLOW_EMPTY, &keys, why, 200),
        MCSEC_OK);
    assert_int_equal(mcsec_topo_keys_count(keys), 0);
    assert_int_equal(mcsec_topo_keys_current(keys, 0), -1);
    mcsec_topo_keys_destroy(keys);
}

static void test_missing_and_special_files(void **state)
{
    (void)state;
    mcsec_topo_keys_t *keys = NULL;
    char why[200] = "";
    char path[128];
    snprintf(path, sizeof(path), "%s/absent", tmpdir);
    assert_int_equal(mcsec_topo_keys_load(path, &keys, why, sizeof(why)), MCSEC_ERR_IO);
    assert_non_null(strstr(why, "not found"));
    assert_int_equal(mcsec_topo_keys_load(tmpdir, &keys, why, sizeof(why)), MCSEC_ERR_IO);
}

static void test_all_256_ids_and_no_more(void **state)
{
    (void)state;
    char *text = malloc(257 * 70);
    assert_non_null(text);
    size_t n = 0;
    for (int id = 0; id < 256; id++)
        n += (size_t)sprintf(text + n, "%02x %s\n", id, KEY_A);
    mcsec_topo_keys_t *keys = NULL;
    char why[200] = "";
    assert_int_equal(mcsec_topo_keys_parse(text, n, "f", 0, 0, &keys, why, sizeof(why)), MCSEC_OK);
    assert_int_equal(mcsec_topo_keys_count(keys), 256);
    mcsec_topo_keys_destroy(keys);
    n += (size_t)sprintf(text + n, "7f %s\n", KEY_B);
    assert_int_equal(mcsec_topo_keys_parse(text, n, "f", 0, 0, &keys, why, sizeof(why)),
                     MCSEC_ERR_INVALID);
    assert_non_null(strstr(why, "f:257: duplicate key ID 7f"));
    free(text);
}

static void test_context_needs_host_and_good_file(void **state)
{
    (void)state;
    const char *path = write_file("ctx", "01 " KEY_A "\n", 0600);
    mcsec_topo_config_t cfg = {0};
    mcsec_topo_t *topo = NULL;
    char why[200] = "";
    assert_int_equal(mcsec_topo_create(path, &cfg, &topo, why, sizeof(why)), MCSEC_ERR_ARG);
    assert_null(topo);
    cfg.border_host = (mcsec_str_t){"bad host;x", 10};
    assert_int_equal(mcsec_topo_create(path, &cfg, &topo, why, sizeof(why)), MCSEC_ERR_ARG);
    cfg.border_host = (mcsec_str_t){"[2001:db8::1]:5060", 18};
    assert_int_equal(mcsec_topo_create(path, &cfg, &topo, why, sizeof(why)), MCSEC_OK);
    mcsec_topo_destroy(topo);
    path = write_file("ctx", "01 " KEY_A "\n", 0644);
    assert_int_equal(mcsec_topo_create(path, &cfg, &topo, why, sizeof(why)), MCSEC_ERR_PERM);
    assert_null(topo);
    mcsec_topo_destroy(NULL);
    assert_string_equal(mcsec_topo_kind_name(MCSEC_TOPO_CALLID), "callid");
    assert_string_equal(mcsec_topo_fault_str(MCSEC_TOPO_FAULT_AUTH), "authentication failed");
    assert_string_equal(mcsec_reason_code(MCSEC_REASON_TOPO_BAD_TOKEN), "topo.bad_token");
    assert_int_equal(mcsec_reason_sip_status(MCSEC_REASON_TOPO_BAD_TOKEN), 400);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_file_loads),
        cmocka_unit_test(test_example_file_parses),
        cmocka_unit_test(test_loose_permissions_refused),
        cmocka_unit_test(test_bad_lines_refused_with_line_numbers),
        cmocka_unit_test(test_missing_and_special_files),
        cmocka_unit_test(test_all_256_ids_and_no_more),
        cmocka_unit_test(test_context_needs_host_and_good_file),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
