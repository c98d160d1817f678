#!/usr/bin/env bash
# Admission control in mcsec-httpd (partners[].limits, the core mcsec.so
# uses): a partner above its rate (5/s, burst 5) is refused 503 with
# Retry-After and X-Mcsec-Reason load.partner_limit, logged; requests
# carrying Resource-Priority mcpttp.N from the partner the policy trusts
# are served from the reserved share while its normal ones are refused.
# usage: test_http_load_limit.sh MCSEC_HTTPD
. "$(dirname "$0")/lib.sh" "$1"
edit_policy() {
  awk '{ print } /^    keys: \{ca: b-ca.pem\}$/ {
    print "    limits: {rate: 5, burst: 5, priority: {trusted: true, reserved_percent: 60}}" }' \
    "$WORK/policy.yaml" > "$WORK/policy.tmp" && mv "$WORK/policy.tmp" "$WORK/policy.yaml"
}
start_all
ID='X-3GPP-Asserted-Identity: "sip:gms@b.mcx.example"'
# One curl run (one process, back to back): 15 normal requests, 2 priority
# ones, 3 normal ones; each line of out.txt is "<status> <kind>".
seg() { # seg KIND N [header...]
  local kind=$1 n=$2 i
  shift 2
  for i in $(seq 1 "$n"); do
    args+=(--next -s -i --max-time 10 --noproxy '*' --cacert "$WORK/a-ca.pem"
      --cert "$WORK/b-border.pem" --key "$WORK/b-border-key.pem"
      --resolve "$A_NAME:$PA:127.0.0.1" -H "$ID" "$@" -o /dev/null -D "$WORK/hdr-$kind-$i.txt"
      -w "%{http_code} $kind\n" "$(url_out "$GROUPS_PATH/users/$kind-$i")")
  done
}
args=()
seg normal 15
seg prio 2 -H 'Resource-Priority: wps.1, mcpttp.14'
seg after 3
curl "${args[@]:1}" > "$WORK/out.txt"
cat "$WORK/out.txt" | tr '\n' ' '; echo
normal_shed=$(grep -c '^503 normal' "$WORK/out.txt")
check "normal requests above the rate refused 503" [ "$normal_shed" -ge 8 ]
check "the non-reserved share admitted" grep -q '^200 normal' "$WORK/out.txt"
check "503 names load.partner_limit" grep -qi '^X-Mcsec-Reason: load.partner_limit' \
  "$WORK/hdr-normal-15.txt"
check "Retry-After on the 503" grep -qi '^Retry-After: [1-9]' "$WORK/hdr-normal-15.txt"
check "logged as load.partner_limit" logged load.partner_limit
check "alarm load.shedding raised once" [ "$(grep -c 'alarm=load.shedding' "$WORK/httpd.log")" = 1 ]
check "priority requests admitted from the reserve while normal ones are shed" \
  [ "$(grep -c '^200 prio' "$WORK/out.txt")" = 2 ]
check "normal requests right after them still shed" grep -q '^503 after' "$WORK/out.txt"
code=$(partner_curl b-border -H "$ID" -H 'Resource-Priority: mcpttp.16' -o /dev/null \
  -w '%{http_code}' "$(url_out "$GROUPS_PATH/users/bad-mark")")
check "a malformed mark is no priority" [ "$code" = 503 ]
finish
