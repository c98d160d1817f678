#!/usr/bin/env bash
# B presents a certificate for its own identity (b.mcx.example) issued by a
# CA that A does not pin for B: no IKE_SA is established, A logs why, and
# nothing crosses.
# usage: test_ipsec_refuses_rogue_ca.sh MCSECCTL SOURCE_DIR
MCSECCTL=${1:?usage: $0 MCSECCTL SOURCE_DIR}
SRC=${2:?usage: $0 MCSECCTL SOURCE_DIR}
. "$SRC/tests/ipsec/lib.sh"
ipsec_setup
write_policy b a rogue-b
render b || { fail "render rogue B"; exit 1; }

up b && up a || { fail "charon did not start"; exit 1; }
if no_ike_for 5 a; then pass "A established no IKE_SA with the rogue peer"; else fail "A established an IKE_SA with a certificate of another CA"; fi
child_installed b && fail "B has a CHILD_SA"
if in_log a "no trusted" || in_log a "constraint check failed"; then
  pass "A's log says the peer's certificate is not trusted"
else
  fail "A's log does not say why"
fi
ipsec_finish
