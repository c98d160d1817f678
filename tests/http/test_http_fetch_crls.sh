#!/usr/bin/env bash
# The CRL job (tools/mcsec-fetch-crls.sh) against a distribution point on
# loopback: a newer CRL is installed (renamed into place) and the reload
# command runs; a forged CRL, an older one and garbage are refused and the
# installed CRL stays; a CRL near its nextUpdate gives a warning, a stale
# one an error and exit status 3.
# usage: test_http_fetch_crls.sh MCSEC_HTTPD
. "$(dirname "$0")/lib.sh" "$1"
JOB=$HERE/../../tools/mcsec-fetch-crls.sh
export MCSECCTL
make_certs
write_policy
export CRL_DB=b-ca
crl b-ca b-ca.crl.pem
sed -i 's|keys: {ca: b-ca.pem}|keys: {ca: b-ca.pem, crls: [b-ca.crl.pem]}|' "$WORK/policy.yaml"
mkdir -p "$WORK/srv"
(cd "$WORK/srv" && exec python3 -m http.server "$PU" --bind 127.0.0.1 >/dev/null 2>&1) &
PIDS+=($!)
wait_port "$PU" || { echo "no distribution point"; exit 1; }
echo "http://127.0.0.1:$PU/b.crl" >"$WORK/b-ca.crl.pem.url"
job() { rm -f "$WORK/reloaded"; bash "$JOB" --policy "$WORK/policy.yaml" --on-change "touch $WORK/reloaded" "$@" 2>"$WORK/job.log"; }
serial_b=$(openssl x509 -in "$WORK/b-border.pem" -noout -serial | cut -d= -f2)
revoked_in() { openssl crl -in "$WORK/b-ca.crl.pem" -noout -text | grep -q "Serial Number: $serial_b"; }

crl b-ca older.crl.pem
crl b-ca next.crl.pem "" "" b-border
cp "$WORK/next.crl.pem" "$WORK/srv/b.crl"
job; rc=$?
check "a newer CRL is installed (exit $rc)" [ "$rc" = 0 ]
check "it revokes B's border certificate" revoked_in
check "the reload command ran" [ -f "$WORK/reloaded" ]
check "the log says installed" grep -q "installed from http://127.0.0.1:$PU/b.crl" "$WORK/job.log"
job; rc=$?
check "unchanged: no reload" [ "$rc" = 0 -a ! -f "$WORK/reloaded" ]

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=b-ca \
  -addext keyUsage=critical,keyCertSign,cRLSign -keyout "$WORK/forged-key.pem" -out "$WORK/forged.pem" 2>/dev/null
CRL_DB=forged crl forged forged.crl.pem
echo "not a CRL" >"$WORK/garbage.crl.pem"
for bad in "forged:signature does not verify" "older:crlNumber 02 lower than the installed 03" \
  "garbage:refused: not a CRL"; do
  cp "$WORK/${bad%%:*}.crl.pem" "$WORK/srv/b.crl"
  job; rc=$?
  check "${bad%%:*} CRL refused (exit $rc): ${bad#*:}" grep -q "${bad#*:}" "$WORK/job.log"
  check "${bad%%:*}: the installed CRL stays, no reload" eval "revoked_in && [ $rc = 1 ] && [ ! -f $WORK/reloaded ]"
done

job --no-fetch --warn-before 100000; rc=$?
check "due within --warn-before: warning (exit $rc)" grep -q 'WARNING due: nextUpdate in' "$WORK/job.log"
check "policy show reports the CRL's expiry" \
  grep -q "^# crl system-b $WORK/b-ca.crl.pem: nextUpdate .*, [01] days left; due\$" \
  <("$MCSECCTL" policy show "$WORK/policy.yaml")
crl b-ca b-ca.crl.pem 20200101000000Z 20200102000000Z
job --no-fetch; rc=$?
check "stale: error and exit 3 ($rc)" [ "$rc" = 3 ] && check "stale: logged" grep -q 'ERROR stale: nextUpdate passed' "$WORK/job.log"
finish
