#!/usr/bin/env bash
# mcsec-httpd under valgrind (memcheck): good and bad requests both ways
# through every stage (TLS client certificates, framing, policy, EAR with
# sign_on_behalf, GMK body and answer checks, topology rewrite), a SIGHUP
# reload, then SIGTERM. Fails on any memcheck error or definite leak
# (--error-exitcode). No suppressions: with Debian 12's GnuTLS, libcurl
# (OpenSSL) and libmicrohttpd the run is clean, so none are needed.
# usage: test_http_valgrind.sh MCSEC_HTTPD
. "$(dirname "$0")/lib.sh" "$1"
command -v valgrind >/dev/null || { echo "FAIL: valgrind not installed"; exit 1; }
MCSECCTL=${MCSECCTL:-$(cd "$(dirname "$HTTPD")/../tools" && pwd)/mcsecctl}
DATA=$(cd "$HERE/../unit/data/gmk" && pwd)
OUR=sip:border@a.mcx.example
B_GMS=sip:gms@b.mcx.example
HTTPD_WRAP=(valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
  --show-leak-kinds=definite --track-origins=yes --num-callers=30
  --log-file="$WORK/valgrind.log")
WAIT_TRIES=600
cp "$DATA/notify-gktp.xml" "$WORK/gktp.xml"
sed 's/ca2f5d51ff08/cb2f5d51ff08/' "$DATA/notify-gktp.xml" > "$WORK/gktp-tampered.xml"
RECORDER_DOC=$WORK/gktp.xml
edit_policy() {
  # System B's KMS is a fresh one with the vector KMS's URI and key period,
  # and our GMS is the vector's sender (gms@streamwide.com, vector KMS), so
  # the vector is a valid message from our GMS to B's (sip:alice@...):
  # our answers holding it pass; as a message from B it fails the
  # signature; pushed now (2026) it is stale.
  "$MCSECCTL" kms init --out "$WORK/kms-b" --kms-uri kms.mydev.streamwide.com \
    --key-period 16777215 >/dev/null
  "$MCSECCTL" kms init --out "$WORK/kms-a" --kms-uri kms.a.mcx.example >/dev/null
  "$MCSECCTL" kms issue --kms "$WORK/kms-b" --id "$B_GMS" --out "$WORK/keys-b-gms" >/dev/null
  "$MCSECCTL" kms issue --kms "$WORK/kms-a" --id "$OUR" --out "$WORK/signing-a" >/dev/null
  cp "$DATA/kms.pub" "$WORK/gmk-kms.pub"
  sed -i \
    -e 's|^    auth: implicit|    auth: explicit\n    ear: {sign_on_behalf: true}|' \
    -e 's|^    keys: {ca: b-ca.pem}|    keys: {ca: b-ca.pem, kms: kms-b/kms.pub}\n    gmk: {transfer: check, gms: "sip:alice@streamwide.com"}|' \
    -e 's|^  keys: {cert: a-border.pem, key: a-border-key.pem}|  keys: {cert: a-border.pem, key: a-border-key.pem, signing: signing-a}\n  gmk: {gms: gms@streamwide.com, kms: gmk-kms.pub}|' \
    -e "s|content_types: \[$XML\]|content_types: [$XML, application/xml]|" \
    "$WORK/policy.yaml"
}
start_all

ID='X-3GPP-Asserted-Identity: "sip:gms@b.mcx.example"'
ear() {
  "$MCSECCTL" ear sign --keys "$WORK/keys-b-gms" --source-id "$B_GMS" --source-role 3 \
    --target-id "https://$A_NAME" --target-role 4 "$@"
}
in_req() { partner_curl b-border --max-time 60 -H "$ID" "$@"; }
out_req() {
  curl -s -i --max-time 60 --noproxy '*' -H "Host: gms.b.mcx.example" \
    -H 'X-3GPP-Asserted-Identity: "sip:gms@a.mcx.example"' "$@"
}
code() { status_of; }

out=$(in_req -H "MCX-EAR: $(ear)" "$(url_out "$GROUPS_PATH/users/v1")")
check "inbound with a valid EAR: 200" [ "$(echo "$out" | code)" = 200 ]
out=$(in_req "$(url_out "$GROUPS_PATH/users/v2")")
check "inbound without an EAR: ear.missing" [ "$(echo "$out" | reason_of)" = ear.missing ]
out=$(in_req -H "MCX-EAR: $(ear --now $(( $(date +%s) - 600 )))" "$(url_out "$GROUPS_PATH/users/v3")")
check "inbound stale EAR: ear.stale" [ "$(echo "$out" | reason_of)" = ear.stale ]
out=$(in_req -X PUT -H "MCX-EAR: $(ear)" -H "Content-Type: application/xml" \
  --data-binary "@$WORK/gktp-tampered.xml" "$(url_out "$GROUPS_PATH/users/v4")")
check "inbound tampered GKTP: gmk.bad_signature" [ "$(echo "$out" | reason_of)" = gmk.bad_signature ]
out=$(in_req -H "MCX-EAR: $(ear)" "$(url_out "$GROUPS_PATH/users/v5/doc")")
check "inbound GET, our answer holds our GMS's GKTP: 200" [ "$(echo "$out" | code)" = 200 ]
check "inbound GET: the GKTP is relayed" grep -q '<GKTP ' <<< "$out"
out=$(raw_tls 'GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n')
check "inbound framing attack refused" grep -q 'http.bad_framing' <<< "$out"
out=$(partner_curl none --max-time 60 "$(url_out "$GROUPS_PATH/users/v6")")
check "inbound without a client certificate: 403, no reason shown" \
  [ "$(echo "$out" | status_of)" = 403 -a -z "$(echo "$out" | reason_of)" ]
check "inbound without a client certificate: src.not_partner logged" logged src.not_partner
out=$(in_req -H "MCX-EAR: $(ear)" -X PUT -H "Content-Type: $XML" \
  -H 'X-3GPP-Intended-Identity: "sip:gms@a.mcx.example"' --data-binary '<x/>' \
  "$(url_out "$GROUPS_PATH/users/v8")")
check "inbound intended identity of ours: src.internal_id_spoof" \
  [ "$(echo "$out" | reason_of)" = src.internal_id_spoof ]

out=$(out_req -X PUT -H "Content-Type: $XML" --data-binary '<x uri="http://gms.a.internal/y"/>' \
  "http://127.0.0.1:$PI$GROUPS_PATH/users/o1")
check "outbound PUT, signed on behalf: 201" [ "$(echo "$out" | code)" = 201 ]
out=$(out_req -X PUT -H "Content-Type: $XML" --data-binary '<x uri="http://gms%2ea.internal/y"/>' \
  "http://127.0.0.1:$PI$GROUPS_PATH/users/o5")
check "outbound PUT naming an internal host escaped: http.internal_host" \
  [ "$(echo "$out" | reason_of)" = http.internal_host ]
out=$(out_req "http://127.0.0.1:$PI$GROUPS_PATH/users/o2/doc")
check "outbound GET, the partner's answer holds a GKTP not signed by B: gmk.bad_signature" \
  [ "$(echo "$out" | reason_of)" = gmk.bad_signature ]
out=$(out_req -X PUT -H "Content-Type: application/xml" --data-binary "@$WORK/gktp.xml" \
  "http://127.0.0.1:$PI$GROUPS_PATH/users/o4")
check "outbound PUT of our GMS's 2025 GKTP: gmk.stale" [ "$(echo "$out" | reason_of)" = gmk.stale ]
out=$(out_req -H "MCX-EAR: bogus" "http://127.0.0.1:$PI$GROUPS_PATH/users/o3")
check "outbound with a broken EAR of ours: ear.malformed" \
  [ "$(echo "$out" | reason_of)" = ear.malformed ]
out=$(curl -s -i --max-time 60 --noproxy '*' -H "Host: gms.c.example" \
  -H 'X-3GPP-Asserted-Identity: "sip:gms@a.mcx.example"' "http://127.0.0.1:$PI/x")
check "outbound to a non-partner: dst.not_partner" [ "$(echo "$out" | reason_of)" = dst.not_partner ]

# A reload with a new replay bound (the old table is kept for lookups).
sed -i 's|^  keys: {cert|  ear: {replay_entries: 2048}\n&|' "$WORK/policy.yaml"
kill -HUP "$HTTPD_PID"
for _ in $(seq 1 100); do grep -q 'reloaded' "$WORK/httpd.log" && break; sleep 0.1; done
check "reloaded" grep -q 'reloaded' "$WORK/httpd.log"
out=$(in_req -H "MCX-EAR: $(ear)" "$(url_out "$GROUPS_PATH/users/v7")")
check "inbound after the reload: 200" [ "$(echo "$out" | code)" = 200 ]
# The metrics page (counters, expiry list, replay usage) under memcheck.
check "/metrics answers under valgrind" sh -c "curl -s --max-time 30 --noproxy '*' \
  http://127.0.0.1:$PADM/metrics | grep -q '^mcsec_policy_generation 2'"

kill -TERM "$HTTPD_PID"
wait "$HTTPD_PID"
rc=$?
check "mcsec-httpd stopped cleanly under valgrind (exit $rc)" [ "$rc" = 0 ]
check "no memcheck errors" grep -q 'ERROR SUMMARY: 0 errors' "$WORK/valgrind.log"
check "no definite leaks" not grep -q 'definitely lost: [1-9]' "$WORK/valgrind.log"
if [ "$FAILS" -ne 0 ]; then
  sed -n '/ERROR SUMMARY\|definitely\|^==[0-9]*== [A-Z]/p' "$WORK/valgrind.log" | head -40
  tail -5 "$WORK/httpd.log"
fi
finish
