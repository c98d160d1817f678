#!/usr/bin/env bash
# Revocation over IPsec: A holds a CRL of B's CA (partners[].keys.crls).
# With the CRL empty the SA comes up; B's border certificate is then revoked
# in a new CRL and ipsec/load-crls.sh installs and loads it on A: the
# existing IKE_SA is gone within 5 s (reauthentication against the new CRL)
# and no new IKE_SA comes up with the revoked certificate, A's log says why.
# usage: test_ipsec_revoked_partner.sh MCSECCTL SOURCE_DIR
MCSECCTL=${1:?usage: $0 MCSECCTL SOURCE_DIR}
SRC=${2:?usage: $0 MCSECCTL SOURCE_DIR}
. "$SRC/tests/ipsec/lib.sh"

# crl_of CA OUT [CERT...]: the next CRL of CA (openssl ca, one database
# per CA, so each CRL has a higher crlNumber as a CA's would) revoking CERTs.
crl_of() {
  local ca=$1 out=$2 d=$WORK/db-$1
  shift 2
  if [ ! -d "$d" ]; then
    mkdir -p "$d"
    : >"$d/index.txt"
    echo 01 >"$d/crlnumber"
  fi
  printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s/index.txt\ncrlnumber=%s/crlnumber\ndefault_md=sha256\ndefault_crl_days=1\ncrl_extensions=ext\n[ext]\nauthorityKeyIdentifier=keyid:always\n' \
    "$d" "$d" >"$d/cnf"
  for cert in "$@"; do
    openssl ca -config "$d/cnf" -keyfile "$WORK/pki/$ca.key" -cert "$WORK/pki/$ca.pem" \
      -revoke "$WORK/pki/$cert.pem" -crl_reason keyCompromise 2>/dev/null
  done
  openssl ca -config "$d/cnf" -gencrl -keyfile "$WORK/pki/$ca.key" -cert "$WORK/pki/$ca.pem" \
    -out "$out.tmp" 2>/dev/null && mv "$out.tmp" "$out"
}

ipsec_setup
crl_of ca-b "$WORK/pki/ca-b.crl.pem"
sed -i "s|^      ca: \(.*\)|      ca: \1\n      crls: [$WORK/pki/ca-b.crl.pem]|" "$WORK/a/policy.yaml"
render a || { fail "render A with a CRL"; exit 1; }
grep -q "^# mcsec-crl: system-b $WORK/pki/ca-b.crl.pem" "$WORK/a/swanctl.conf" &&
  grep -q 'reauth_time = 1h' "$WORK/a/swanctl.conf" ||
  fail "rendered swanctl.conf names no CRL or no reauth_time"

up b && up a || { fail "charon did not start"; exit 1; }
[ -f "$WORK/a/x509crl/mcsec-system-b-1.crl" ] && pass "CRL installed into x509crl/" ||
  fail "CRL not installed"
expect_sa_up "with an empty CRL: SA" || exit 1

# A new CRL that revokes nothing: the SA stands (or is back at once).
sleep 1
crl_of ca-b "$WORK/pki/ca-b.crl.pem"
"$IPSEC_DIR/load-crls.sh" system-a "$NS_A" "$WORK/a" >"$WORK/load-crls.log" 2>&1 ||
  fail "load-crls.sh failed: $(cat "$WORK/load-crls.log")"
sleep 1
expect_sa_up "after a new CRL that revokes nothing: SA" || exit 1

crl_of ca-b "$WORK/pki/ca-b.crl.pem" border-b
start=$(date +%s.%N)
"$IPSEC_DIR/load-crls.sh" system-a "$NS_A" "$WORK/a" >"$WORK/load-crls.log" 2>&1 ||
  fail "load-crls.sh failed: $(cat "$WORK/load-crls.log")"
gone() { ! ike_established a; }
if wait_for 5 gone; then
  pass "IKE_SA with the revoked certificate closed $(echo "$(date +%s.%N) - $start" | bc | cut -c1-4) s after the CRL load"
else
  fail "IKE_SA with the revoked certificate still up 5 s after the CRL load"
fi
if no_ike_for 5 a; then pass "no new IKE_SA with the revoked certificate"; else fail "A established an IKE_SA with a revoked certificate"; fi
if in_log a "certificate was revoked"; then pass "A's log says the certificate was revoked"; else fail "A's log does not say revoked"; fi
ipsec_finish
