#!/usr/bin/env bash
# SIGHUP under load loses no request: a reload of the same policy, a broken
# policy (the running state stays, the log says why) and a new server
# certificate (a new TLS daemon takes over the listening socket; new
# connections see the new certificate).
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
kill -TERM "$HTTPD_PID"
for _ in $(seq 1 50); do kill -0 "$HTTPD_PID" 2>/dev/null || break; sleep 0.1; done
check "graceful stop on SIGTERM" not kill -0 "$HTTPD_PID" 2>/dev/null
finish
