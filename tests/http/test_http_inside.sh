#!/usr/bin/env bash
# Our own side is not trusted blindly: the inside listener answers only the
# clients system.http.inside_clients names. Any other address gets 403
# src.not_internal_peer (no reason shown, as a stranger on the outside
# learns none), the connection closes, the request is counted and logged
# and never reaches the partner. No inside_clients at all: nobody (default
# deny). The list follows a policy reload.
# usage: test_http_inside.sh MCSEC_HTTPD
. "$(dirname "$0")/lib.sh" "$1"
start_all
ID='X-3GPP-Asserted-Identity: "sip:gms@a.mcx.example"'
DOC='<?xml version="1.0"?><list-service uri="http://gms.a.internal/x"/>'

# inside_put FROM NAME: PUT from address FROM to the inside listener; prints
# the response head and body.
inside_put() {
  curl -s -i --max-time 10 --noproxy '*' --interface "$1" -X PUT \
    -H "Host: gms.b.mcx.example" -H "$ID" -H "Content-Type: $XML" --data-binary "$DOC" \
    "http://127.0.0.1:$PI$GROUPS_PATH/users/$2"
}
partner_saw() { grep -q -- "$1" "$WORK/partner.jsonl"; }
reload() {
  local before
  before=$(grep -c 'reloaded' "$WORK/httpd.log")
  kill -HUP "$HTTPD_PID"
  for _ in $(seq 1 50); do
    [ "$(grep -c 'reloaded' "$WORK/httpd.log")" -gt "$before" ] && return 0
    sleep 0.1
  done
  return 1
}

out=$(inside_put 127.0.0.1 listed)
check "a listed inside client passes (201)" [ "$(echo "$out" | status_of)" = 201 ]
check "its request reached the partner" partner_saw '/users/listed"'

out=$(inside_put 127.0.0.9 stranger)
check "another inside address: 403" [ "$(echo "$out" | status_of)" = 403 ]
check "another inside address learns no reason" [ -z "$(echo "$out" | reason_of)" ]
check "the page names no code" not grep -q 'not_internal_peer' <<<"$out"
check "the refusal closes the connection" grep -qi '^Connection: close' <<<"$out"
check "another inside address: never forwarded" not partner_saw '/users/stranger"'
check "src.not_internal_peer logged" logged src.not_internal_peer
check "src.not_internal_peer counted in /stats" \
  grep -q "src.not_internal_peer [1-9]" <(curl -s --noproxy '*' "http://127.0.0.1:$PADM/stats")

# Default deny: without inside_clients not even 127.0.0.1 is answered.
sed -i '/^    inside_clients:/d' "$WORK/policy.yaml"
check "policy without inside_clients reloaded" reload
out=$(inside_put 127.0.0.1 none-listed)
check "no inside_clients: 403 for every address" [ "$(echo "$out" | status_of)" = 403 ]
check "no inside_clients: never forwarded" not partner_saw '/users/none-listed"'

# The list follows the reload: now only 127.0.0.9.
sed -i "s|^    inside: 127.0.0.1:$PI\$|&\n    inside_clients: [127.0.0.9]|" "$WORK/policy.yaml"
check "policy listing 127.0.0.9 reloaded" reload
out=$(inside_put 127.0.0.9 now-listed)
check "the newly listed address passes (201)" [ "$(echo "$out" | status_of)" = 201 ]
out=$(inside_put 127.0.0.1 now-unlisted)
check "the address no longer listed: 403" [ "$(echo "$out" | status_of)" = 403 ]
check "the address no longer listed: never forwarded" not partner_saw '/users/now-unlisted"'
finish
