#!/usr/bin/env bash
# A peer offering only 3DES/SHA-1/MODP-1024 gets no SA: with weak IKE
# proposals no IKE_SA comes up (NO_PROPOSAL_CHOSEN); with strong IKE but
# weak ESP proposals the IKE_SA comes up without a CHILD_SA.
# usage: test_ipsec_refuses_weak_proposals.sh MCSECCTL SOURCE_DIR
MCSECCTL=${1:?usage: $0 MCSECCTL SOURCE_DIR}
SRC=${2:?usage: $0 MCSECCTL SOURCE_DIR}
. "$SRC/tests/ipsec/lib.sh"
ipsec_setup
cp "$WORK/b/swanctl.conf" "$WORK/b/swanctl.conf.good"
edit_conf b 's/^\( *\)proposals = .*/\1proposals = 3des-sha1-modp1024/;
             s/^\( *\)esp_proposals = .*/\1esp_proposals = 3des-sha1-modp1024/'

up b && up a || { fail "charon did not start"; exit 1; }
if no_ike_for 4 a b; then pass "weak IKE: no IKE_SA on either side"; else fail "weak IKE: an IKE_SA was established"; fi
if in_log a "NO_PROPOSAL_CHOSEN"; then pass "weak IKE: NO_PROPOSAL_CHOSEN"; else fail "weak IKE: no NO_PROPOSAL_CHOSEN in A's log"; fi

down b
cp "$WORK/b/swanctl.conf.good" "$WORK/b/swanctl.conf"
edit_conf b 's/^\( *\)esp_proposals = .*/\1esp_proposals = 3des-sha1-modp1024/'
up b || { fail "charon B did not restart"; exit 1; }
if wait_for 10 ike_established a; then pass "weak ESP: IKE_SA up"; else fail "weak ESP: no IKE_SA"; fi
sleep 2
if child_installed a || child_installed b; then fail "weak ESP: a CHILD_SA was installed"; else pass "weak ESP: no CHILD_SA"; fi
ipsec_finish
