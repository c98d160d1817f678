#!/usr/bin/env bash
# Our TLS private key in a PKCS#11 token (SoftHSM, docs/operator-guide.md
# section 8): system.keys.key is a pkcs11: URI, the PIN in a 0600
# key_pin_file, the PEM key deleted before the start. --check passes (the
# key loaded through OpenSSL's pkcs11 engine and made to sign); a partner
# completes mutual TLS to our outside listener (GnuTLS signs in the token);
# an outbound request reaches the partner with our client certificate
# (libcurl's engine key); a reload keeps serving. A wrong PIN, a missing key
# object and a PIN inside the URI make --check and the start fail, saying
# why.
# usage: test_http_pkcs11.sh MCSEC_HTTPD
. "$(dirname "$0")/lib.sh" "$1"
SOFTHSM_LIB=/usr/lib/softhsm/libsofthsm2.so
[ -f "$SOFTHSM_LIB" ] || { echo "FAIL: $SOFTHSM_LIB missing (scripts/setup.sh installs softhsm2)"; exit 1; }
export SOFTHSM2_CONF=$WORK/softhsm2.conf
URI="pkcs11:token=mcsec-test;object=border;type=private"
edit_policy() {
  mkdir -p "$WORK/tokens"
  printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
    "$WORK" > "$SOFTHSM2_CONF"
  softhsm2-util --init-token --free --label mcsec-test --so-pin 5678 --pin 1234 >/dev/null ||
    { echo "FAIL: softhsm2-util --init-token"; exit 1; }
  softhsm2-util --import "$WORK/a-border-key.pem" --token mcsec-test --label border --id 01 \
    --pin 1234 >/dev/null || { echo "FAIL: softhsm2-util --import"; exit 1; }
  # another key in the same token: a URI naming it must not pass for ours
  softhsm2-util --import "$WORK/b-border-key.pem" --token mcsec-test --label other --id 02 \
    --pin 1234 >/dev/null || { echo "FAIL: softhsm2-util --import other"; exit 1; }
  rm -f "$WORK/a-border-key.pem"
  (umask 077; echo 1234 > "$WORK/pin")
  sed -i "s|keys: {cert: a-border.pem, key: a-border-key.pem}|keys: {cert: a-border.pem, key: \"$URI\", key_pin_file: pin}|" \
    "$WORK/policy.yaml"
  grep -q "$URI" "$WORK/policy.yaml" || { echo "FAIL: policy edit"; exit 1; }
}
make_certs
write_policy
edit_policy
out=$("$HTTPD" --policy "$WORK/policy.yaml" --check 2>&1); rc=$?
check "--check passes with the key in the token (exit $rc: $out)" [ "$rc" = 0 ]
check "no PEM key on disk" [ ! -e "$WORK/a-border-key.pem" ]
make_certs() { :; }
write_policy() { :; }
edit_policy() { :; }
start_all
ID='X-3GPP-Asserted-Identity: "sip:gms@b.mcx.example"'
inbound() {
  partner_curl b-border -H "$ID" "$(url_out "$GROUPS_PATH/users/$1")" | status_of
}
check "inbound: partner completes mutual TLS, 200" [ "$(inbound in1)" = 200 ]
check "inbound reached the upstream" upstream_saw "users/in1"
DOC='<?xml version="1.0"?><list-service uri="http://gms.a.internal/x"/>'
outbound() {
  curl -s -i --max-time 10 --noproxy '*' -X PUT -H "Host: gms.b.mcx.example" \
    -H 'X-3GPP-Asserted-Identity: "sip:gms@a.mcx.example"' -H "Content-Type: $XML" \
    --data-binary "$DOC" "http://127.0.0.1:$PI$GROUPS_PATH/users/$1" | status_of
}
check "outbound: partner requiring our client certificate answers 201" [ "$(outbound out1)" = 201 ]
check "partner saw our client certificate" grep -q "\"peer_cn\": \"$A_NAME\"" "$WORK/partner.jsonl"
kill -HUP "$HTTPD_PID"
for _ in $(seq 1 50); do grep -q 'reloaded' "$WORK/httpd.log" && break; sleep 0.1; done
check "reload with the token key" grep -q 'reloaded' "$WORK/httpd.log"
check "inbound after the reload, 200" [ "$(inbound in2)" = 200 ]
check "outbound after the reload, 201" [ "$(outbound out2)" = 201 ]

# ---- failures: --check and the start refuse, saying why -------------------
fails() { # WHAT EXPECTED-TEXT: --check and a start with policy.bad both fail
  local what=$1 text=$2 out rc
  out=$("$HTTPD" --policy "$WORK/policy.bad" --check 2>&1); rc=$?
  check "$what: --check fails (exit $rc)" [ "$rc" = 1 ]
  check "$what: --check says why: $out" grep -q -- "$text" <<<"$out"
  out=$(timeout 5 "$HTTPD" --policy "$WORK/policy.bad" --admin "127.0.0.1:$((BASE + 5))" 2>&1); rc=$?
  check "$what: start fails (exit $rc)" [ "$rc" = 1 ]
  check "$what: start says why: $out" grep -q -- "$text" <<<"$out"
}
sed "s|key_pin_file: pin|key_pin_file: pin.bad|" "$WORK/policy.yaml" > "$WORK/policy.bad"
(umask 077; echo 9999 > "$WORK/pin.bad")
fails "wrong PIN" "no usable private key at '$URI'"
sed "s|object=border|object=absent|" "$WORK/policy.yaml" > "$WORK/policy.bad"
fails "missing key object" "no usable private key at 'pkcs11:token=mcsec-test;object=absent"
sed "s|object=border|object=other|" "$WORK/policy.yaml" > "$WORK/policy.bad"
out=$("$HTTPD" --policy "$WORK/policy.bad" --check 2>&1); rc=$?
check "key of another certificate: --check fails (exit $rc)" [ "$rc" = 1 ]
check "key of another certificate: --check says why" grep -q "does not match the private key" <<<"$out"
out=$(timeout 5 "$HTTPD" --policy "$WORK/policy.bad" --admin "127.0.0.1:$((BASE + 5))" 2>&1); rc=$?
check "key of another certificate: start fails (exit $rc)" [ "$rc" = 1 ]
check "key of another certificate: start says why" grep -q "does not match the private key" <<<"$out"
sed "s|type=private|type=private;pin-value=1234|" "$WORK/policy.yaml" > "$WORK/policy.bad"
fails "PIN in the URI" "carries a PIN"
chmod 644 "$WORK/pin"
sed "s|key_pin_file: pin.bad|key_pin_file: pin|" "$WORK/policy.yaml" > "$WORK/policy.bad"
fails "PIN file readable by others" "readable by group or others"
chmod 600 "$WORK/pin"
finish
