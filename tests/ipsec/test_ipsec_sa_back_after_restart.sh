#!/usr/bin/env bash
# The SA comes back after a charon restart, on either side, and protected
# traffic crosses again (ESP on the link, no marker).
# usage: test_ipsec_sa_back_after_restart.sh MCSECCTL SOURCE_DIR
MCSECCTL=${1:?usage: $0 MCSECCTL SOURCE_DIR}
SRC=${2:?usage: $0 MCSECCTL SOURCE_DIR}
. "$SRC/tests/ipsec/lib.sh"
ipsec_setup

up b && up a || { fail "charon did not start"; exit 1; }
expect_sa_up "first SA" || exit 1

for side in a b; do
  down "$side"
  up "$side" || { fail "charon of system-$side did not restart"; exit 1; }
  expect_sa_up "after restarting system-$side: SA" || exit 1
  expect_traffic_protected "after restarting system-$side"
done
ipsec_finish
