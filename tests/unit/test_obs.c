/* libmcsec obs: the Prometheus exposition writer, logfmt/JSON log lines,
 * alarm codes and the file digest. Expected texts are written by hand from
 * the exposition format 0.0.4 and RFC 8259; promtool reads the proxies' real
 * pages in their own tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mcsec/obs/alarm.h"
#include "mcsec/obs/file_digest.h"
#include "mcsec/obs/generation.h"
#include "mcsec/obs/logline.h"
#include "mcsec/obs/prom.h"

static void test_prom_family_and_escaped_labels(void **state)
{
    (void)state;
    mcsec_prom_t p;
    mcsec_prom_init(&p);
    mcsec_prom_family(&p, "mcsec_sip_messages_total", "counter", "Messages\\seen\nper partner");
    mcsec_prom_sample(&p, "mcsec_sip_messages_total",
                      (const char *[]){"partner", "b \"x\"\\\n", "result", "passed", NULL}, 42);
    mcsec_prom_sample(&p, "mcsec_up", NULL, 1);
    mcsec_prom_sample(&p, "mcsec_ratio", NULL, 0.25);
    mcsec_prom_sample(&p, "mcsec_left_seconds", NULL, -86400);
    const char *text = mcsec_prom_text(&p, NULL);
    assert_non_null(text);
    assert_string_equal(
        text, "# HELP mcsec_sip_messages_total Messages\\\\seen\\nper partner\n"
              "# TYPE mcsec_sip_messages_total counter\n"
              "mcsec_sip_messages_total{partner=\"b \\\"x\\\"\\\\\\n\",result=\"passed\"} 42\n"
              "mcsec_up 1\n"
              "mcsec_ratio 0.25\n"
              "mcsec_left_seconds -86400\n");
    mcsec_prom_free(&p);
}

static void test_prom_histogram_cumulative(void **state)
{
    (void)state;
    mcsec_prom_t p;
    mcsec_prom_init(&p);
    const double bounds[] = {0.001, 0.005, 0.1};
    const uint64_t counts[] = {2, 0, 3, 1};
    mcsec_prom_histogram(&p, "mcsec_stage_seconds", (const char *[]){"stage", "spk", NULL}, bounds,
                         counts, 3, 0.5);
    const char *text = mcsec_prom_text(&p, NULL);
    assert_non_null(text);
    assert_string_equal(text, "mcsec_stage_seconds_bucket{stage=\"spk\",le=\"0.001\"} 2\n"
                              "mcsec_stage_seconds_bucket{stage=\"spk\",le=\"0.005\"} 2\n"
                              "mcsec_stage_seconds_bucket{stage=\"spk\",le=\"0.1\"} 5\n"
                              "mcsec_stage_seconds_bucket{stage=\"spk\",le=\"+Inf\"} 6\n"
                              "mcsec_stage_seconds_sum{stage=\"spk\"} 0.5\n"
                              "mcsec_stage_seconds_count{stage=\"spk\"} 6\n");
    mcsec_prom_free(&p);
}

static void test_prom_bad_names_fail_the_page(void **state)
{
    (void)state;
    const char *bad_metric[] = {"mcsec.sip.total", "1abc", "", "a-b"};
    for (size_t i = 0; i < sizeof(bad_metric) / sizeof(bad_metric[0]); i++) {
        mcsec_prom_t p;
        mcsec_prom_init(&p);
        mcsec_prom_sample(&p, "mcsec_ok", NULL, 1);
        mcsec_prom_sample(&p, bad_metric[i], NULL, 1);
        assert_null(mcsec_prom_text(&p, NULL));
        mcsec_prom_free(&p);
    }
    const char *bad_label[] = {"par.tner", "__name", "9x"};
    for (size_t i = 0; i < sizeof(bad_label) / sizeof(bad_label[0]); i++) {
        mcsec_prom_t p;
        mcsec_prom_init(&p);
        mcsec_prom_sample(&p, "mcsec_ok", (const char *[]){bad_label[i], "v", NULL}, 1);
        assert_null(mcsec_prom_text(&p, NULL));
        mcsec_prom_free(&p);
    }
    mcsec_prom_t p;
    mcsec_prom_init(&p);
    mcsec_prom_family(&p, "mcsec_x", "summary", "not written by the border");
    assert_null(mcsec_prom_text(&p, NULL));
    mcsec_prom_free(&p);
    assert_true(mcsec_prom_name_ok("mcsec:rule_ratio"));
}

static void test_logline_logfmt_quotes_only_when_needed(void **state)
{
    (void)state;
    mcsec_logline_t l;
    mcsec_logline_init(&l, MCSEC_LOGFMT_TEXT);
    mcsec_logline_str(&l, "event", "refused");
    mcsec_logline_str(&l, "reason", "sip.identity");
    mcsec_logline_str(&l, "from", "Mallory \"the\" <sip:m@x>\r\nInjected: 1");
    mcsec_logline_str(&l, "empty", "");
    mcsec_logline_str(&l, "eq", "a=b");
    mcsec_logline_int(&l, "status", 403);
    mcsec_logline_str(&l, "utf8", "gr\xc3\xbc\xc3\x9f");
    mcsec_logline_str(&l, "bad", "x\xff\xc3(");
    assert_string_equal(mcsec_logline_text(&l),
                        "event=refused reason=sip.identity"
                        " from=\"Mallory \\\"the\\\" <sip:m@x>\\r\\nInjected: 1\""
                        " empty=\"\" eq=\"a=b\" status=403 utf8=\"gr\xc3\xbc\xc3\x9f\""
                        " bad=\"x\\xff\\xc3(\"");
    assert_null(strchr(l.buf, '\n'));
}

static void test_logline_json(void **state)
{
    (void)state;
    mcsec_logline_t l;
    mcsec_logline_init(&l, MCSEC_LOGFMT_JSON);
    mcsec_logline_str(&l, "event", "reload");
    mcsec_logline_str(&l, "why", "tab\there \"q\" \\ \x01");
    mcsec_logline_int(&l, "generation", -7);
    mcsec_logline_str(&l, "bad", "\xff");
    assert_string_equal(mcsec_logline_text(&l),
                        "{\"event\":\"reload\",\"why\":\"tab\\there \\\"q\\\" \\\\ \\u0001\","
                        "\"generation\":-7,\"bad\":\"\\u00ff\"}");
    mcsec_logline_init(&l, MCSEC_LOGFMT_JSON);
    assert_string_equal(mcsec_logline_text(&l), "{}");
}

static void test_logline_cut_lines_say_so(void **state)
{
    (void)state;
    char big[4 * MCSEC_LOGLINE_MAX];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    for (int style = 0; style < 2; style++) {
        mcsec_logline_t l;
        mcsec_logline_init(&l, (mcsec_logfmt_t)style);
        mcsec_logline_str(&l, "event", "x");
        mcsec_logline_str(&l, "value", big);
        mcsec_logline_str(&l, "after", "lost");
        const char *text = mcsec_logline_text(&l);
        assert_true(strlen(text) < MCSEC_LOGLINE_MAX);
        assert_null(strstr(text, "lost"));
        if (style == MCSEC_LOGFMT_JSON) {
            const char *tail = ",\"truncated\":1}";
            assert_string_equal(text + strlen(text) - strlen(tail), tail);
            assert_non_null(strstr(text, "aaa\","));
        } else {
            const char *tail = " truncated=1";
            assert_string_equal(text + strlen(text) - strlen(tail), tail);
        }
    }
    mcsec_logfmt_t style;
    assert_true(mcsec_logfmt_parse("json", &style) && style == MCSEC_LOGFMT_JSON);
    assert_true(mcsec_logfmt_parse("text", &style) && style == MCSEC_LOGFMT_TEXT);
    assert_false(mcsec_logfmt_parse("xml", &style));
}

static void test_alarm_codes_are_stable(void **state)
{
    (void)state;
    assert_string_equal(mcsec_alarm_code(MCSEC_ALARM_EXPIRY_WARNING), "expiry.warning");
    assert_string_equal(mcsec_alarm_code(MCSEC_ALARM_RELOAD_FAILED), "reload.failed");
    assert_string_equal(mcsec_alarm_code(MCSEC_ALARM_SA_DOWN), "ipsec.sa_down");
    assert_int_equal(mcsec_alarm_priority(MCSEC_ALARM_RELOAD_FAILED), 3);
    assert_int_equal(mcsec_alarm_priority(MCSEC_ALARM_REPLAY_HIGH), 4);
    for (int a = 0; a < MCSEC_ALARM_COUNT; a++)
        assert_string_not_equal(mcsec_alarm_code((mcsec_alarm_t)a), "unknown");
    assert_string_equal(mcsec_alarm_code(MCSEC_ALARM_COUNT), "unknown");
}

static void test_sha256_known_answers(void **state)
{
    (void)state;
    char hex[MCSEC_SHA256_HEX_LEN + 1];
    /* FIPS 180-2 example "abc" */
    assert_int_equal(mcsec_sha256_hex("abc", 3, hex), MCSEC_OK);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    char path[] = "/tmp/mcsec-test-obs-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "abc", 3), 3);
    close(fd);
    assert_int_equal(mcsec_file_sha256_hex(path, hex), MCSEC_OK);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    unlink(path);
    assert_int_equal(mcsec_file_sha256_hex(path, hex), MCSEC_ERR_IO);
}

static void test_generation_survives_restarts(void **state)
{
    (void)state;
    char dir[] = "/tmp/mcsec-test-gen-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof(path), "%s/generation", dir);
    uint64_t g = 0;
    assert_int_equal(mcsec_generation_next(path, &g), MCSEC_OK);
    assert_int_equal(g, 1);
    assert_int_equal(mcsec_generation_next(path, &g), MCSEC_OK);
    assert_int_equal(g, 2);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[32] = "";
    assert_non_null(fgets(line, sizeof(line), f));
    fclose(f);
    assert_string_equal(line, "2\n");
    /* a file holding something else: refused, a usable number still given */
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("12x\n", f);
    fclose(f);
    assert_int_equal(mcsec_generation_next(path, &g), MCSEC_ERR_PARSE);
    assert_int_equal(g, 1);
    unlink(path);
    /* a directory that is gone: an I/O error, still a number */
    assert_int_equal(rmdir(dir), 0);
    assert_int_equal(mcsec_generation_next(path, &g), MCSEC_ERR_IO);
    assert_int_equal(g, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prom_family_and_escaped_labels),
        cmocka_unit_test(test_prom_histogram_cumulative),
        cmocka_unit_test(test_prom_bad_names_fail_the_page),
        cmocka_unit_test(test_logline_logfmt_quotes_only_when_needed),
        cmocka_unit_test(test_logline_json),
        cmocka_unit_test(test_logline_cut_lines_say_so),
        cmocka_unit_test(test_alarm_codes_are_stable),
        cmocka_unit_test(test_sha256_known_answers),
        cmocka_unit_test(test_generation_survives_restarts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
