/* swanctl --list-sas --raw read back per partner (mcsec/ipsec/sa_status.h):
 * the lines are charon 5.9.8's own output (Debian 12) for an SA up, an SA
 * being set up again after the peer went away, and two IKE_SAs of one
 * partner during a reauthentication. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mcsec/ipsec/sa_status.h"

static const char up[] =
    "list-sa event {system-b {uniqueid=1 version=2 state=ESTABLISHED local-host=203.0.113.1 "
    "local-port=4500 local-id=a.mcx.example remote-host=203.0.113.2 remote-port=4500 "
    "remote-id=b.mcx.example initiator=yes initiator-spi=1a0512c58e0d091b "
    "responder-spi=ef08ca50e68e1eb4 nat-remote=yes nat-any=yes encr-alg=AES_GCM_16 "
    "encr-keysize=256 prf-alg=PRF_HMAC_SHA2_384 dh-group=ECP_384 established=0 rekey-time=13293 "
    "reauth-time=2407 child-sas {system-b-1 {name=system-b uniqueid=1 reqid=1 state=INSTALLED "
    "mode=TUNNEL protocol=ESP encap=yes spi-in=cd56d10d spi-out=c5879c70 encr-alg=AES_GCM_16 "
    "encr-keysize=256 bytes-in=0 packets-in=0 bytes-out=0 packets-out=0 rekey-time=3462 "
    "life-time=3960 install-time=7 local-ts=[198.51.100.1/32] remote-ts=[198.51.100.2/32]}}}}\n"
    "list-sas reply {}\n";

static const char connecting[] =
    "list-sa event {system-b {uniqueid=2 version=2 state=CONNECTING local-host=203.0.113.1 "
    "local-port=500 local-id=%any remote-host=203.0.113.2 remote-port=500 remote-id=%any "
    "initiator=yes initiator-spi=d2fe64280f982d25 responder-spi=0000000000000000 "
    "tasks-active=[IKE_VENDOR IKE_INIT IKE_NATD IKE_CERT_PRE IKE_AUTH IKE_CERT_POST IKE_CONFIG "
    "IKE_AUTH_LIFETIME IKE_ESTABLISH CHILD_CREATE] child-sas {}}}\n"
    "list-sas reply {}\n";

static const char two[] =
    "list-sa event {system-b {uniqueid=1 state=ESTABLISHED child-sas {system-b-1 {name=system-b "
    "state=INSTALLED install-time=100}}}}\n"
    "list-sa event {system-b {uniqueid=3 state=ESTABLISHED child-sas {system-b-4 {name=system-b "
    "state=INSTALLED install-time=5} system-b-5 {name=system-b state=REKEYING "
    "install-time=1}}}}\n"
    "list-sa event {system-c {uniqueid=4 state=ESTABLISHED child-sas {system-c-6 {name=system-c "
    "state=INSTALLED install-time=1}}}}\n"
    "list-sas reply {}\n";

static void test_up(void **state)
{
    (void)state;
    mcsec_ipsec_sa_state_t s;
    assert_int_equal(mcsec_ipsec_sa_state(up, "system-b", 1000, &s), MCSEC_OK);
    assert_true(s.up);
    assert_int_equal(s.child_sas, 1);
    assert_int_equal(s.last_rekey, 993);
    assert_int_equal(mcsec_ipsec_sa_state(up, "system-c", 1000, &s), MCSEC_OK);
    assert_false(s.up);
    assert_int_equal(s.child_sas, 0);
    assert_int_equal(s.last_rekey, 0);
    /* A name is matched whole, never as a prefix. */
    assert_int_equal(mcsec_ipsec_sa_state(up, "system", 1000, &s), MCSEC_OK);
    assert_false(s.up);
}

static void test_connecting_is_down(void **state)
{
    (void)state;
    mcsec_ipsec_sa_state_t s;
    assert_int_equal(mcsec_ipsec_sa_state(connecting, "system-b", 1000, &s), MCSEC_OK);
    assert_false(s.up);
    assert_int_equal(s.child_sas, 0);
    assert_int_equal(mcsec_ipsec_sa_state("list-sas reply {}\n", "system-b", 1000, &s), MCSEC_OK);
    assert_false(s.up);
}

static void test_two_ike_sas(void **state)
{
    (void)state;
    mcsec_ipsec_sa_state_t s;
    assert_int_equal(mcsec_ipsec_sa_state(two, "system-b", 1000, &s), MCSEC_OK);
    assert_true(s.up);
    assert_int_equal(s.child_sas, 2); /* the REKEYING one is not installed */
    assert_int_equal(s.last_rekey, 995);
    assert_int_equal(mcsec_ipsec_sa_state(two, "system-c", 1000, &s), MCSEC_OK);
    assert_int_equal(s.child_sas, 1);
}

static void test_broken(void **state)
{
    (void)state;
    mcsec_ipsec_sa_state_t s;
    assert_int_equal(
        mcsec_ipsec_sa_state("list-sa event {system-b {state=ESTABLISHED", "system-b", 1000, &s),
        MCSEC_ERR_PARSE);
    assert_int_equal(mcsec_ipsec_sa_state("}", "system-b", 1000, &s), MCSEC_ERR_PARSE);
    assert_int_equal(mcsec_ipsec_sa_state("a {b=[c d", "system-b", 1000, &s), MCSEC_ERR_PARSE);
    assert_int_equal(mcsec_ipsec_sa_state(NULL, "system-b", 1000, &s), MCSEC_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_up),
        cmocka_unit_test(test_connecting_is_down),
        cmocka_unit_test(test_two_ike_sas),
        cmocka_unit_test(test_broken),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
