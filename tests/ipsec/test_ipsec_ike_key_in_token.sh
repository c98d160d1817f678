#!/usr/bin/env bash
# A's IKE key lives only in a PKCS#11 token (SoftHSM, docs/ipsec.md "Key in
# a PKCS#11 token"): system.keys.key is an RFC 7512 URI with id=, the PIN in
# a 0600 key_pin_file, the PEM key deleted. `ipsec render` writes the
# secrets/token section (handle = the CKA_ID) and no PIN; border-up.sh loads
# strongSwan's pkcs11 plugin with p11-kit's proxy module; the IKE_SA and
# CHILD_SA come up and SIP and HTTP cross in ESP. With a wrong PIN in the
# PIN file, A has no key and no SA comes up.
# usage: test_ipsec_ike_key_in_token.sh MCSECCTL SOURCE_DIR
MCSECCTL=${1:?usage: $0 MCSECCTL SOURCE_DIR}
SRC=${2:?usage: $0 MCSECCTL SOURCE_DIR}
. "$SRC/tests/ipsec/lib.sh"
for need in /usr/lib/softhsm/libsofthsm2.so /usr/lib/ipsec/plugins/libstrongswan-pkcs11.so \
  /usr/lib/x86_64-linux-gnu/p11-kit-proxy.so; do
  [ -f "$need" ] || { echo "SKIP: $need missing (scripts/setup.sh)"; exit 77; }
done
ipsec_setup

# --- the token: A's border key imported, then deleted from disk ----------
export SOFTHSM2_CONF="$WORK/softhsm2.conf"
mkdir -p "$WORK/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
  "$WORK" >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label mcsec-ike --so-pin 5678 --pin 1234 >/dev/null ||
  { fail "softhsm2-util --init-token"; exit 1; }
openssl pkcs8 -topk8 -nocrypt -in "$WORK/pki/border-a.key" -out "$WORK/pki/border-a.p8"
softhsm2-util --import "$WORK/pki/border-a.p8" --token mcsec-ike --label border --id 0a1b \
  --pin 1234 >/dev/null || { fail "softhsm2-util --import"; exit 1; }
# B's key under another id in the same token: the handle must pick ours.
openssl pkcs8 -topk8 -nocrypt -in "$WORK/pki/border-b.key" -out "$WORK/pki/border-b.p8"
softhsm2-util --import "$WORK/pki/border-b.p8" --token mcsec-ike --label other --id 0c0d \
  --pin 1234 >/dev/null || { fail "softhsm2-util --import other"; exit 1; }
rm -f "$WORK/pki/border-a.key" "$WORK/pki/border-a.p8" "$WORK/pki/border-b.p8"
(umask 077 && echo 1234 >"$WORK/a/pin")
URI="pkcs11:token=mcsec-ike;object=border;type=private;id=%0a%1b"
sed -i "s|    key: $WORK/pki/border-a.key|    key: \"$URI\"\n    key_pin_file: $WORK/a/pin|" \
  "$WORK/a/policy.yaml"
grep -q "key_pin_file" "$WORK/a/policy.yaml" || { fail "policy edit"; exit 1; }

# The deep check loads the token key through OpenSSL's pkcs11 engine and
# no longer refuses a URI on a border with a gateway.
out=$("$MCSECCTL" policy check "$WORK/a/policy.yaml" 2>&1) && pass "policy check: $out" ||
  fail "policy check refuses the token key: $out"
render a || { fail "render of a policy with the key in the token"; exit 1; }
conf="$WORK/a/swanctl.conf"
grep -q '^        handle = 0a1b$' "$conf" && pass "rendered handle is the CKA_ID" ||
  fail "no 'handle = 0a1b' in the rendered swanctl.conf"
grep -q '^# mcsec-pkcs11-module: /usr/lib/x86_64-linux-gnu/p11-kit-proxy.so$' "$conf" ||
  fail "rendered file does not name p11-kit's proxy module"
grep -q 'mcsec-private-key' "$conf" && fail "rendered file still names a PEM key"
grep -q '1234' "$conf" && fail "the PIN is in the rendered swanctl.conf"

# --- up with the key in the token -----------------------------------------
up b && up a || { fail "charon did not start"; exit 1; }
[ -z "$(ls -A "$WORK/a/private")" ] && pass "no key in A's private/" || fail "a key in A's private/"
[ "$(stat -c %a "$WORK/a/token-pin.conf")" = 600 ] || fail "token-pin.conf is not 0600"
expect_sa_up "token key: IKE_SA and CHILD_SA" || exit 1
sas b | grep -q 'remote-id=a.mcx.example' || fail "B's peer identity is not a.mcx.example"
expect_traffic_protected "token key"

# --- a wrong PIN: no key, no SA -------------------------------------------
down a
down b
(umask 077 && echo 9999 >"$WORK/a/pin")
up b || { fail "B did not start again"; exit 1; }
if up a 2>"$WORK/a/up.err"; then
  fail "border-up.sh loaded the token key with a wrong PIN"
else
  pass "border-up.sh fails with a wrong PIN: $(grep -m1 'token' "$WORK/a/up.err")"
fi
send_sip "wrong-pin-$RUN_ID"
if no_ike_for 4 a b; then pass "wrong PIN: no IKE_SA"; else fail "wrong PIN: an IKE_SA came up"; fi
in_log a "PIN_INCORRECT" || fail "A's charon log does not say PIN_INCORRECT"
ipsec_finish
