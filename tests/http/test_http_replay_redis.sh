#!/usr/bin/env bash
# The replay store in Redis (system.replay.store: redis) for mcsec-httpd,
# with a real redis-server on a unix socket in the test's work dir: a valid
# inbound EAR passes and its ID is the key system-a:system-b:ear:<hex> in
# Redis; the same EAR again is refused (ear.replay); with redis-server
# stopped a new EAR is refused with 503 replay.store_unavailable, logged and
# counted, never forwarded; with redis-server back new EARs pass again (the
# proxy reconnects). docs/high-availability.md.
# usage: test_http_replay_redis.sh MCSEC_HTTPD
. "$(dirname "$0")/lib.sh" "$1"
MCSECCTL=${MCSECCTL:-$(cd "$(dirname "$HTTPD")/../tools" && pwd)/mcsecctl}
B_GMS=sip:gms@b.mcx.example
OUR_HTTP=https://$A_NAME
SOCK=$WORK/redis.sock
REDIS_PID=

redis_start() {
  redis-server --port 0 --unixsocket "$SOCK" --dir "$WORK" --save "" --appendonly no \
    --loglevel warning >>"$WORK/redis.log" 2>&1 &
  REDIS_PID=$!
  PIDS+=("$REDIS_PID")
  for _ in $(seq 1 50); do
    redis-cli -s "$SOCK" ping 2>/dev/null | grep -q PONG && return 0
    sleep 0.1
  done
  echo "redis-server did not start"; exit 1
}

edit_policy() {
  "$MCSECCTL" kms init --out "$WORK/kms-b" --kms-uri kms.b.mcx.example >/dev/null
  "$MCSECCTL" kms issue --kms "$WORK/kms-b" --id "$B_GMS" --out "$WORK/keys-b-gms" >/dev/null
  "$MCSECCTL" kms init --out "$WORK/kms-a" --kms-uri kms.a.mcx.example >/dev/null
  "$MCSECCTL" kms issue --kms "$WORK/kms-a" --id sip:border@a.mcx.example --out "$WORK/signing-a" \
    >/dev/null
  sed -i \
    -e 's|^    auth: implicit|    auth: explicit\n    ear: {sign_on_behalf: false}|' \
    -e 's|^    keys: {ca: b-ca.pem}|    keys: {ca: b-ca.pem, kms: kms-b/kms.pub}|' \
    -e "s|^  keys: {cert: a-border.pem, key: a-border-key.pem}|  replay: {store: redis, redis: {address: $SOCK, timeout_ms: 100}}\n  keys: {cert: a-border.pem, key: a-border-key.pem, signing: signing-a}|" \
    "$WORK/policy.yaml"
}
redis_start
start_all

ID='X-3GPP-Asserted-Identity: "sip:gms@b.mcx.example"'
ear() {
  "$MCSECCTL" ear sign --keys "$WORK/keys-b-gms" --source-id "$B_GMS" --source-role 3 \
    --target-id "$OUR_HTTP" --target-role 4
}
# inbound NAME EAR: prints "STATUS REASON".
inbound() {
  local out
  out=$(partner_curl b-border -H "$ID" -H "MCX-EAR: $2" "$(url_out "$GROUPS_PATH/users/ear-$1")")
  echo "$(echo "$out" | status_of) $(echo "$out" | reason_of)"
}

GOOD=$(ear)
check "a valid EAR passes (200)" [ "$(inbound first "$GOOD")" = "200 " ]
check "its ID is a key system-a:system-b:ear:<hex> in Redis" \
  grep -Eq '^system-a:system-b:ear:[0-9a-f]{32}$' <(redis-cli -s "$SOCK" --scan --pattern '*')
check "the same EAR again: 403 ear.replay" [ "$(inbound replay "$GOOD")" = "403 ear.replay" ]

kill "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null
check "redis-server stopped: 503 replay.store_unavailable" \
  [ "$(inbound down "$(ear)")" = "503 replay.store_unavailable" ]
check "never forwarded" not upstream_saw 'ear-down"'
check "logged" logged replay.store_unavailable
check "alarm logged" grep -q 'alarm=replay.store_unavailable severity=err cache=ear store=redis' \
  "$WORK/httpd.log"
check "counted in /stats" \
  grep -q "system-b replay.store_unavailable 1" <(curl -s "http://127.0.0.1:$PADM/stats")

redis_start
sleep 0.3 # the reconnect interval
check "redis-server back: a new EAR passes (200)" [ "$(inbound back "$(ear)")" = "200 " ]
finish
