/* Admission control: the token bucket with its priority reserve and
 * ceiling, the concurrent INVITE limit (mcsec/util/admit.h), the strict
 * Resource-Priority reader (mcsec/sip/priority.h) and partners[].limits in
 * the policy. Times are passed in, never read from a clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mcsec/policy/policy.h"
#include "mcsec/sip/priority.h"
#include "mcsec/util/admit.h"

static unsigned admit_n(mcsec_admit_cell_t *cell, const mcsec_admit_limits_t *l, uint64_t now,
                        bool prio, unsigned n)
{
    unsigned ok = 0;
    for (unsigned i = 0; i < n; i++)
        ok += mcsec_admit(cell, l, now, prio, false).admitted;
    return ok;
}

static void test_bucket_sheds_at_limit(void **state)
{
    (void)state;
    mcsec_admit_cell_t cell;
    memset(&cell, 0, sizeof(cell));
    const mcsec_admit_limits_t l = {.rate = 10, .burst = 10, .reserved_pct = 0, .ceiling = 10};
    assert_int_equal(admit_n(&cell, &l, 1000, false, 20), 10);
    mcsec_admit_result_t r = mcsec_admit(&cell, &l, 1000, false, false);
    assert_false(r.admitted);
    assert_true(r.retry_after >= 1 && r.retry_after <= MCSEC_ADMIT_RETRY_AFTER_MAX);
    /* half a second refills five */
    assert_int_equal(admit_n(&cell, &l, 1500, false, 20), 5);
    assert_int_equal(cell.shed, 26);
}

static void test_reserve_kept_for_priority(void **state)
{
    (void)state;
    mcsec_admit_cell_t cell;
    memset(&cell, 0, sizeof(cell));
    const mcsec_admit_limits_t l = {.rate = 10, .burst = 10, .reserved_pct = 20, .ceiling = 10};
    assert_int_equal(admit_n(&cell, &l, 0, false, 20), 8); /* 2 kept */
    mcsec_admit_result_t r = mcsec_admit(&cell, &l, 0, true, false);
    assert_true(r.admitted);
    assert_true(r.priority);
    assert_true(r.from_reserve);
    assert_int_equal(admit_n(&cell, &l, 0, true, 5), 1);
    /* every refill goes to priority first while normal ones are shed */
    assert_int_equal(admit_n(&cell, &l, 100, false, 1), 0);
    assert_int_equal(admit_n(&cell, &l, 100, true, 1), 1);
}

static void test_priority_ceiling(void **state)
{
    (void)state;
    mcsec_admit_cell_t cell;
    memset(&cell, 0, sizeof(cell));
    const mcsec_admit_limits_t l = {.rate = 100, .burst = 100, .reserved_pct = 20, .ceiling = 5};
    /* beyond 5 the marked requests are ordinary: 80 out of the bucket */
    assert_int_equal(admit_n(&cell, &l, 0, true, 200), 80);
    /* and the reserve is left for priority within the ceiling */
    memset(&cell, 0, sizeof(cell));
    assert_int_equal(admit_n(&cell, &l, 0, false, 200), 80);
    assert_int_equal(admit_n(&cell, &l, 0, true, 200), 5);
}

static void test_invite_limit(void **state)
{
    (void)state;
    mcsec_admit_cell_t cell;
    memset(&cell, 0, sizeof(cell));
    const mcsec_admit_limits_t l = {.invites = 10, .reserved_pct = 20, .ceiling = 100};
    for (int i = 0; i < 8; i++) {
        mcsec_admit_result_t r = mcsec_admit(&cell, &l, 0, false, true);
        assert_true(r.admitted);
        assert_true(r.invite_counted);
    }
    assert_false(mcsec_admit(&cell, &l, 0, false, true).admitted);
    assert_true(mcsec_admit(&cell, &l, 0, false, false).admitted); /* not an INVITE */
    assert_true(mcsec_admit(&cell, &l, 0, true, true).admitted);
    assert_true(mcsec_admit(&cell, &l, 0, true, true).admitted);
    assert_false(mcsec_admit(&cell, &l, 0, true, true).admitted);
    mcsec_admit_invite_end(&cell);
    assert_true(mcsec_admit(&cell, &l, 0, true, true).admitted);
    mcsec_admit_invite_end(&cell);
    mcsec_admit_invite_end(&cell);
    mcsec_admit_invite_end(&cell);
    assert_true(mcsec_admit(&cell, &l, 0, false, true).admitted);
}

static void test_alarm_once_per_interval(void **state)
{
    (void)state;
    mcsec_admit_cell_t cell;
    memset(&cell, 0, sizeof(cell));
    assert_true(mcsec_admit_alarm_due(&cell, 5000, 10000));
    assert_false(mcsec_admit_alarm_due(&cell, 9000, 10000));
    assert_false(mcsec_admit_alarm_due(&cell, 14999, 10000));
    assert_true(mcsec_admit_alarm_due(&cell, 15000, 10000));
}

static void test_no_limits_admits(void **state)
{
    (void)state;
    mcsec_admit_cell_t cell;
    memset(&cell, 0, sizeof(cell));
    const mcsec_admit_limits_t l = {0};
    assert_int_equal(admit_n(&cell, &l, 0, false, 1000), 1000);
}

static mcsec_prio_mark_t rp(const char *s)
{
    return mcsec_resource_priority_mark(s, strlen(s));
}

static void test_resource_priority(void **state)
{
    (void)state;
    assert_int_equal(rp("mcpttp.15"), MCSEC_PRIO_MARKED);
    assert_int_equal(rp("mcpttq.0"), MCSEC_PRIO_MARKED);
    assert_int_equal(rp("MCPTTP.3"), MCSEC_PRIO_MARKED);
    assert_int_equal(rp("wps.2, mcpttp.7"), MCSEC_PRIO_MARKED);
    assert_int_equal(rp(" ets.0 ,\tmcpttq.10 "), MCSEC_PRIO_MARKED);
    assert_int_equal(rp("ets.0"), MCSEC_PRIO_NONE);
    assert_int_equal(rp(""), MCSEC_PRIO_NONE);
    assert_int_equal(rp("mcpttp.16"), MCSEC_PRIO_MALFORMED);
    assert_int_equal(rp("mcpttp.01"), MCSEC_PRIO_MALFORMED);
    assert_int_equal(rp("mcpttp.-1"), MCSEC_PRIO_MALFORMED);
    assert_int_equal(rp("mcpttp.a"), MCSEC_PRIO_MALFORMED);
    assert_int_equal(rp("mcpttp."), MCSEC_PRIO_MALFORMED);
    assert_int_equal(rp("mcpttp"), MCSEC_PRIO_MALFORMED);
    assert_int_equal(rp("mcpttp.1 mcpttp.2"), MCSEC_PRIO_MALFORMED);
    assert_int_equal(rp("mcpttp.1,"), MCSEC_PRIO_MALFORMED);
    assert_int_equal(rp("mcpttp.1;x"), MCSEC_PRIO_MALFORMED);
    assert_int_equal(rp("wps.2,mcpttp.99"), MCSEC_PRIO_MALFORMED);
}

static bool emergency(const char *ct, const char *body)
{
    return mcsec_mcptt_info_emergency(ct, strlen(ct), (const uint8_t *)body, strlen(body));
}

static void test_mcptt_info_emergency(void **state)
{
    (void)state;
    const char *ct = "application/vnd.3gpp.mcptt-info+xml";
#define INFO(x)                                                                                    \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><mcpttinfo "                                        \
    "xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"><mcptt-Params>" x "</mcptt-Params></mcpttinfo>"
    assert_true(emergency(ct, INFO("<emergency-ind><mcpttBoolean>true</mcpttBoolean>"
                                   "</emergency-ind>")));
    assert_true(emergency(ct, INFO("<imminentperil-ind><mcpttBoolean> 1 </mcpttBoolean>"
                                   "</imminentperil-ind>")));
    assert_false(emergency(ct, INFO("<emergency-ind><mcpttBoolean>false</mcpttBoolean>"
                                    "</emergency-ind>")));
    assert_false(emergency(ct, INFO("<alert-ind><mcpttBoolean>true</mcpttBoolean></alert-ind>")));
    assert_false(emergency(ct, INFO("<emergency-ind>true</emergency-ind>")));
    assert_false(emergency("text/plain", INFO("<emergency-ind><mcpttBoolean>true</mcpttBoolean>"
                                              "</emergency-ind>")));
    /* another namespace is not mcptt-info */
    assert_false(emergency(ct, "<mcpttinfo xmlns=\"urn:x\"><mcptt-Params><emergency-ind>"
                               "<mcpttBoolean>true</mcpttBoolean></emergency-ind></mcptt-Params>"
                               "</mcpttinfo>"));
    /* inside multipart/mixed */
    const char *mp =
        "--b\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--b\r\n"
        "Content-Type: application/vnd.3gpp.mcptt-info+xml\r\n\r\n" INFO(
            "<emergency-ind><mcpttBoolean>true</mcpttBoolean></emergency-ind>") "\r\n"
                                                                                "--b--\r\n";
    assert_true(emergency("multipart/mixed;boundary=b", mp));
    assert_false(emergency(ct, "<mcpttinfo"));
#undef INFO
}

static const char base[] = "version: 1\n"
                           "system:\n"
                           "  name: system-a\n"
                           "  identity: sip:border@a.example\n"
                           "  domains: [a.example]\n"
                           "  addresses: {is_proxy: 192.0.2.1:5060}\n"
                           "partners:\n"
                           "  - name: system-b\n"
                           "    identity: sip:border@b.example\n"
                           "    domains: [b.example]\n"
                           "    addresses: {is_proxy: [198.51.100.1:5060]}\n"
                           "    auth: implicit\n"
                           "    sip: {methods: [MESSAGE]}\n";

static mcsec_err_t load_limits(const char *limits, mcsec_policy_t **policy)
{
    char text[2048];
    mcsec_diag_list_t diags = {NULL, 0};
    snprintf(text, sizeof(text), "%s    limits: %s\n", base, limits);
    *policy = NULL;
    mcsec_err_t rc = mcsec_policy_load_buffer(text, strlen(text), NULL, NULL, policy, &diags);
    for (size_t i = 0; i < diags.count; i++) {
        char line[512];
        mcsec_diag_format(&diags.items[i], line, sizeof(line));
        print_message("diag: %s\n", line);
    }
    mcsec_diag_list_free(&diags);
    return rc;
}

static void test_policy_limits(void **state)
{
    (void)state;
    mcsec_policy_t *p;
    assert_int_equal(load_limits("{rate: 100, invites: 20, priority: {trusted: true, "
                                 "reserved_percent: 30, ceiling: 40}}",
                                 &p),
                     MCSEC_OK);
    const mcsec_limits_rules_t *l = &p->partners[0].limits;
    assert_true(l->set);
    assert_int_equal(l->rate, 100);
    assert_int_equal(l->burst, 100);
    assert_int_equal(l->invites, 20);
    assert_true(l->priority_trusted);
    assert_int_equal(l->reserved_percent, 30);
    assert_int_equal(l->ceiling, 40);
    char *dump = NULL;
    assert_int_equal(mcsec_policy_dump(p, &dump), MCSEC_OK);
    assert_non_null(strstr(dump, "reserved_percent: 30"));
    free(dump);
    mcsec_policy_free(p);
    assert_int_equal(load_limits("{rate: 10, priority: {ceiling: 11}}", &p), MCSEC_ERR_INVALID);
    assert_int_equal(load_limits("{burst: 10}", &p), MCSEC_ERR_INVALID);
    assert_int_equal(load_limits("{rate: 10, priority: {reserved_percent: 91}}", &p),
                     MCSEC_ERR_INVALID);
    assert_int_equal(load_limits("{rate: 0}", &p), MCSEC_ERR_INVALID);
    assert_int_equal(load_limits("{rate: 10, bogus: 1}", &p), MCSEC_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bucket_sheds_at_limit),
        cmocka_unit_test(test_reserve_kept_for_priority),
        cmocka_unit_test(test_priority_ceiling),
        cmocka_unit_test(test_invite_limit),
        cmocka_unit_test(test_no_limits_admits),
        cmocka_unit_test(test_alarm_once_per_interval),
        cmocka_unit_test(test_resource_priority),
        cmocka_unit_test(test_mcptt_info_emergency),
        cmocka_unit_test(test_policy_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
