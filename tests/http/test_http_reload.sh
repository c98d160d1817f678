#!/usr/bin/env bash
# SIGHUP under load loses no request: a reload of the same policy, a broken
# policy (the running state stays, the log says why) and a new server
# certificate (a new TLS daemon takes over the listening socket; new
# connections see the new certificate). Then the deep check: a garbage and
# an expired certificate are refused by `mcsec-httpd --check` (exit 1, the
# certificate file named) and by SIGHUP (the running state stays).
# usage: test_http_reload.sh MCSEC_HTTPD
. "$(dirname "$0")/lib.sh" "$1"
start_all
ID='X-3GPP-Asserted-Identity: "sip:gms@b.mcx.example"'
load() {
  for i in $(seq 1 60); do
    partner_curl b-border -H "$ID" -o /dev/null -w '%{http_code}\n' \
      "$(url_out "$GROUPS_PATH/users/load-$1-$i")"
  done > "$WORK/load-$1.txt"
}
serial() {
  echo | timeout 5 openssl s_client -connect "127.0.0.1:$PA" -servername "$A_NAME" \
    -cert "$WORK/b-border.pem" -key "$WORK/b-border-key.pem" 2>/dev/null |
    openssl x509 -noout -serial 2>/dev/null
}
before=$(serial)
load 1 & L1=$!
load 2 & L2=$!
sleep 0.3
kill -HUP "$HTTPD_PID"; sleep 0.3
cp "$WORK/policy.yaml" "$WORK/policy.good"
echo "partners: [" >> "$WORK/policy.yaml"
kill -HUP "$HTTPD_PID"; sleep 0.3
cp "$WORK/policy.good" "$WORK/policy.yaml"
leaf a-border a-ca "/CN=$A_NAME" serverAuth,clientAuth "DNS:$A_NAME" rsa
chmod 644 "$WORK/a-border.pem"
kill -HUP "$HTTPD_PID"
wait "$L1" "$L2"
check "120 requests during 3 reloads, all 200" \
  [ "$(cat "$WORK"/load-*.txt | grep -c '^200$')" = 120 ]
check "broken policy refused, old state kept" grep -q 'reload failed, keeping the running policy' "$WORK/httpd.log"
check "new TLS daemon after the certificate change" grep -q 'reloaded .*(new TLS daemon)' "$WORK/httpd.log"
after=$(serial)
check "new connections get the new certificate ($before -> $after)" [ -n "$after" -a "$before" != "$after" ]
out=$(partner_curl b-border -H "$ID" "$(url_out "$GROUPS_PATH/users/after")")
check "requests pass after the reloads" [ "$(echo "$out" | status_of)" = 200 ]

# The deep check: --check and SIGHUP refuse a garbage or expired certificate.
check "--check passes the running policy" \
  [ "$("$HTTPD" --policy "$WORK/policy.yaml" --check 2>"$WORK/check.err")" = "$WORK/policy.yaml: ok" ]
# The test certificates live 2 days: within system.expiry_warning_days (14).
check "... and warns that our certificate expires: $(head -1 "$WORK/check.err")" \
  grep -q "^warning: $WORK/a-border.pem: system.keys.cert CN=$A_NAME expires on .* (1 days left)" \
  "$WORK/check.err"
cp "$WORK/a-border.pem" "$WORK/a-border.good"
echo "not a certificate" > "$WORK/a-border.pem"
out=$("$HTTPD" --policy "$WORK/policy.yaml" --check 2>&1); rc=$?
check "--check refuses a garbage certificate (exit $rc)" [ "$rc" = 1 ]
check "... naming it: $out" \
  [ "$out" = "$WORK/a-border.pem: system.keys.cert: no PEM certificate" ]
LEAF_DAYS=-1 leaf a-border a-ca "/CN=$A_NAME" serverAuth,clientAuth "DNS:$A_NAME" rsa
chmod 644 "$WORK/a-border.pem"
out=$("$HTTPD" --policy "$WORK/policy.yaml" --check 2>&1); rc=$?
check "--check refuses an expired certificate (exit $rc)" [ "$rc" = 1 ]
check "... naming it: $out" \
  grep -q "^$WORK/a-border.pem: system.keys.cert: certificate expired on " <<<"$out"
kill -HUP "$HTTPD_PID"
for _ in $(seq 1 50); do grep -q 'reload failed.*a-border.pem: system.keys.cert: certificate expired' "$WORK/httpd.log" && break; sleep 0.1; done
check "SIGHUP refuses the expired certificate" \
  grep -q 'reload failed.*a-border.pem: system.keys.cert: certificate expired' "$WORK/httpd.log"
out=$(partner_curl b-border -H "$ID" "$(url_out "$GROUPS_PATH/users/after-refused")")
check "requests pass on the running state" [ "$(echo "$out" | status_of)" = 200 ]
cp "$WORK/a-border.good" "$WORK/a-border.pem"
kill -TERM "$HTTPD_PID"
for _ in $(seq 1 50); do kill -0 "$HTTPD_PID" 2>/dev/null || break; sleep 0.1; done
check "graceful stop on SIGTERM" not kill -0 "$HTTPD_PID" 2>/dev/null
finish
