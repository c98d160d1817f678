#!/usr/bin/env bash
# PFS is only negotiated when a CHILD_SA is rekeyed (the first CHILD_SA
# comes with IKE_AUTH, without a key exchange). Control: with matching
# configurations a forced rekey (swanctl --rekey --child) installs new
# SPIs. Then B is reconfigured without PFS: the SA still comes up, but A's
# forced rekey yields no new CHILD_SA (checked in the SA list, not in
# swanctl's message) and B refuses it with NO_PROPOSAL_CHOSEN.
# usage: test_ipsec_pfs_mismatch_fails_rekey.sh MCSECCTL SOURCE_DIR
MCSECCTL=${1:?usage: $0 MCSECCTL SOURCE_DIR}
SRC=${2:?usage: $0 MCSECCTL SOURCE_DIR}
. "$SRC/tests/ipsec/lib.sh"
ipsec_setup

rekey_a() {
  STRONGSWAN_CONF="$WORK/a/strongswan.conf" swanctl --rekey --child system-b \
    --uri "unix://$WORK/a/charon.vici" >"$WORK/rekey.out" 2>&1
  sleep 2
}

# Control: PFS on both sides.
up b && up a || { fail "charon did not start"; exit 1; }
expect_sa_up "PFS on both sides: SA" || exit 1
before=$(child_spis a)
rekey_a
after=$(child_spis a)
if [ -n "$after" ] && [ "$after" != "$before" ] && child_installed a; then
  pass "PFS on both sides: rekey installed new SPIs ($before -> $after)"
else
  fail "PFS on both sides: rekey did not install new SPIs ($before -> $after)"
fi
down a
down b

# B without PFS.
edit_conf b 's/^\( *\)esp_proposals = .*/\1esp_proposals = aes256gcm16-aes128gcm16/'
: >"$WORK/a/charon.log"
: >"$WORK/b/charon.log"
up b && up a || { fail "charon did not restart"; exit 1; }
expect_sa_up "B without PFS: first SA" || exit 1
before=$(child_spis a)
rekey_a
after=$(child_spis a)
if [ -z "$after" ] || [ "$after" = "$before" ]; then
  pass "B without PFS: the forced rekey made no new CHILD_SA (before: $before, after: ${after:-none})"
else
  fail "B without PFS: the forced rekey made a new CHILD_SA ($before -> $after)"
fi
# swanctl itself says "rekey completed successfully" here: only the SA
# list and the log tell.
if in_log a "received NO_PROPOSAL_CHOSEN notify"; then
  pass "B without PFS: rekey refused with NO_PROPOSAL_CHOSEN"
else
  fail "B without PFS: no NO_PROPOSAL_CHOSEN in the logs"
fi
ipsec_finish
