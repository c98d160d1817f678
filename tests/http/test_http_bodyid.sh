#!/usr/bin/env bash
# Identities inside bodies on HTTP-3 (docs/policy-reference.md "Identities
# inside bodies"): mcsec-httpd judges the MC service IDs of an mcptt-info
# request body with the rule mcsec.so applies after its SPK stage.
#   inbound PUT, the caller (mcptt-calling-user-id) the partner's: passes;
#     one of ours: 403 body.internal_id_spoof; a third system's: 403
#     body.foreign_id; neither refused body reaches our server;
#   outbound PUT, the caller ours: passes; the partner's: 403
#     body.foreign_id, never sent;
#   answers, both ways, by the reply rule: a third system's user is 502
#     (logged body.foreign_id), ours passes.
# usage: test_http_bodyid.sh MCSEC_HTTPD
. "$(dirname "$0")/lib.sh" "$1"
INFO=application/vnd.3gpp.mcptt-info+xml
edit_policy() {
  sed -i -e "s|content_types: \[$XML\]|content_types: [$XML, $INFO]|" "$WORK/policy.yaml"
}
start_all

# doc CALLER CALLED: an mcptt-info document (TS 24.379 private call).
doc() {
  printf '<?xml version="1.0" encoding="UTF-8"?><mcpttinfo xmlns="urn:3gpp:ns:mcpttInfo:1.0">'
  printf '<mcptt-Params><mcptt-request-uri type="Normal"><mcpttURI>%s</mcpttURI>' "$2"
  printf '</mcptt-request-uri><mcptt-calling-user-id type="Normal"><mcpttURI>%s</mcpttURI>' "$1"
  printf '</mcptt-calling-user-id></mcptt-Params></mcpttinfo>'
}
ID='X-3GPP-Asserted-Identity: "sip:mcptt@b.mcx.example"'
# put_in NAME CALLER: PUT from partner B.
put_in() {
  partner_curl b-border -X PUT -H "$ID" -H "Content-Type: $INFO" \
    --data-binary "$(doc "$2" sip:alice@a.mcx.example)" "$(url_out "$GROUPS_PATH/users/bid-$1")"
}
# put_out NAME CALLER: PUT from our server to partner B.
put_out() {
  curl -s -i --max-time 10 --noproxy '*' -X PUT -H "Host: gms.b.mcx.example" \
    -H 'X-3GPP-Asserted-Identity: "sip:mcptt@a.mcx.example"' -H "Content-Type: $INFO" \
    --data-binary "$(doc "$2" sip:bob@b.mcx.example)" \
    "http://127.0.0.1:$PI$GROUPS_PATH/users/bid-$1"
}

out=$(put_in partner sip:bob@b.mcx.example)
check "inbound, the partner's caller: passes (201)" [ "$(echo "$out" | status_of)" = 201 ]
check "it reached our server" upstream_saw 'bid-partner"'
out=$(put_in ours sip:eve@a.mcx.example)
check "inbound, our user as the caller: 403 body.internal_id_spoof" \
  [ "$(echo "$out" | status_of)" = 403 -a "$(echo "$out" | reason_of)" = body.internal_id_spoof ]
check "  never forwarded" not upstream_saw 'bid-ours"'
out=$(put_in third sip:carol@c.mcx.example)
check "inbound, a third system's caller: 403 body.foreign_id" \
  [ "$(echo "$out" | status_of)" = 403 -a "$(echo "$out" | reason_of)" = body.foreign_id ]
check "  never forwarded" not upstream_saw 'bid-third"'
check "the log names the element" grep -q 'reason=body.foreign_id .*mcptt-calling-user-id host c.mcx.example' "$WORK/httpd.log"

out=$(put_out ours sip:alice@a.mcx.example)
check "outbound, our caller: passes" [ "$(echo "$out" | status_of)" = 201 ]
out=$(put_out theirs sip:bob@b.mcx.example)
check "outbound, the partner's user as our caller: 403 body.foreign_id" \
  [ "$(echo "$out" | reason_of)" = body.foreign_id ]
check "  never sent" not grep -q 'bid-theirs' "$WORK/partner.jsonl"

# Answers, both ways, by the reply rule: each ID ours or the partner's.
out=$(partner_curl b-border -H "$ID" "$(url_out "$GROUPS_PATH/users/in/answer-ourid")")
check "answer to the partner naming our user: relayed (200)" [ "$(echo "$out" | status_of)" = 200 ]
out=$(partner_curl b-border -H "$ID" "$(url_out "$GROUPS_PATH/users/in/answer-foreignid")")
check "answer to the partner naming a third system's user: 502, not relayed" \
  [ "$(echo "$out" | status_of)" = 502 ] && check "  carol not shown" not grep -q carol <<<"$out"
check "  logged as body.foreign_id" grep -q 'reason=body.foreign_id .*in/answer-foreignid' "$WORK/httpd.log"
out=$(curl -s -i --max-time 10 --noproxy '*' -H "Host: gms.b.mcx.example" \
  -H 'X-3GPP-Asserted-Identity: "sip:mcptt@a.mcx.example"' \
  "http://127.0.0.1:$PI$GROUPS_PATH/users/out/answer-foreignid")
check "the partner's answer naming a third system's user: 502" [ "$(echo "$out" | status_of)" = 502 ]
check "  logged as body.foreign_id" grep -q 'reason=body.foreign_id .*out/answer-foreignid' "$WORK/httpd.log"
finish
