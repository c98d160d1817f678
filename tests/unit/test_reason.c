/* The reason-code table in docs/reason-codes.md matches the code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mcsec/util/reason.h"

static char *read_doc(void)
{
    FILE *doc = fopen(MCSEC_SOURCE_DIR "/docs/reason-codes.md", "r");
    assert_non_null(doc);
    static char text[65536];
    size_t n = fread(text, 1, sizeof(text) - 1, doc);
    fclose(doc);
    text[n] = '\0';
    return text;
}

static void test_every_code_documented_with_statuses(void **state)
{
    (void)state;
    const char *doc = read_doc();
    for (int r = 1; r < MCSEC_REASON_COUNT; r++) {
        char cell[96];
        snprintf(cell, sizeof(cell), "| `%s` |", mcsec_reason_code((mcsec_reason_t)r));
        const char *row = strstr(doc, cell);
        if (row == NULL) {
            fail_msg("reason %s missing from docs/reason-codes.md", cell);
        }
        const char *end = strchr(row, '\n');
        assert_non_null(end);
        char statuses[32];
        snprintf(statuses, sizeof(statuses), "| %d | %d |",
                 mcsec_reason_sip_status((mcsec_reason_t)r),
                 mcsec_reason_http_status((mcsec_reason_t)r));
        const char *found = strstr(row, statuses);
        if (found == NULL || found > end) {
            fail_msg("statuses of %s differ from the doc (want %s)", cell, statuses);
        }
    }
}

static void test_codes_unique_and_reversible(void **state)
{
    (void)state;
    for (int r = 0; r < MCSEC_REASON_COUNT; r++) {
        const char *code = mcsec_reason_code((mcsec_reason_t)r);
        assert_int_equal(mcsec_reason_from_code(code), r);
        assert_non_null(strchr(r == 0 ? "o." : code, '.'));
    }
    assert_int_equal(mcsec_reason_from_code("no.such_code"), MCSEC_REASON_COUNT);
    assert_string_equal(mcsec_reason_code(MCSEC_REASON_COUNT), "unknown");
}

static void test_policy_rejections_are_403_malformed_400(void **state)
{
    (void)state;
    assert_int_equal(mcsec_reason_sip_status(MCSEC_REASON_SRC_NOT_PARTNER), 403);
    assert_int_equal(mcsec_reason_sip_status(MCSEC_REASON_SIP_BODY_TOO_LARGE), 403);
    assert_int_equal(mcsec_reason_sip_status(MCSEC_REASON_SIP_MALFORMED), 400);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_code_documented_with_statuses),
        cmocka_unit_test(test_codes_unique_and_reversible),
        cmocka_unit_test(test_policy_rejections_are_403_malformed_400),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
