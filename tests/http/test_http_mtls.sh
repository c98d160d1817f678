#!/usr/bin/env bash
# A good partner passes both ways over mutual TLS; every other client
# certificate (none, another CA, wrong key purpose, an MC client) is
# refused with src.not_partner and never reaches our server. A client that
# is no partner learns nothing (no X-Mcsec-Reason, a bare status page, as
# SIP tells a stranger nothing); a partner gets the reason only when its
# sip.warning_reason is on (the SIP Warning rule).
# usage: test_http_mtls.sh MCSEC_HTTPD
. "$(dirname "$0")/lib.sh" "$1"
start_all
ID='X-3GPP-Asserted-Identity: "sip:gms@b.mcx.example"'
DOC='<?xml version="1.0"?><list-service uri="http://gms.a.internal/x"/>'

# ---- inbound: partner B -> our internal server ---------------------------
out=$(partner_curl b-border -H "$ID" "$(url_out "$GROUPS_PATH/users/sip:alice@b.mcx.example/g1")")
check "inbound GET passes (200)" [ "$(echo "$out" | status_of)" = 200 ]
check "inbound GET reached the upstream" upstream_saw '"path": "/xcap-root/org.openmobilealliance.groups/users/sip:alice@b.mcx.example/g1"'
out=$(partner_curl b-border -H "$ID" -X PUT -H "Content-Type: $XML" --data-binary "$DOC" \
  "$(url_out "$GROUPS_PATH/users/g2")")
check "inbound PUT passes (201)" [ "$(echo "$out" | status_of)" = 201 ]
check "inbound PUT body arrived" grep -q 'list-service' "$WORK/upstream.jsonl"
check "identity header forwarded" grep -q 'X-3GPP-Asserted-Identity' "$WORK/upstream.jsonl"

# ---- certificates that are not the partner's HTTP proxy ------------------
for cert in none rogue b-serveronly b-mcclient; do
  out=$(partner_curl "$cert" -H "$ID" "$(url_out "$GROUPS_PATH/users/cert-$cert")")
  check "client certificate '$cert' refused (403)" [ "$(echo "$out" | status_of)" = 403 ]
  check "client certificate '$cert': no reason shown" \
    not grep -qi -e '^X-Mcsec-Reason' -e 'not_partner' <<<"$out"
  check "client certificate '$cert' never forwarded" not upstream_saw "cert-$cert"
done
check "src.not_partner logged" logged src.not_partner

# ---- outbound: our GMS (inside) -> partner B's HTTP proxy -----------------
out=$(curl -s -i --max-time 10 --noproxy '*' -X PUT -H "Host: gms.b.mcx.example" \
  -H 'X-3GPP-Asserted-Identity: "sip:gms@a.mcx.example"' -H "Content-Type: $XML" \
  -H "User-Agent: InternalGMS/9.9" --data-binary "$DOC" \
  "http://127.0.0.1:$PI$GROUPS_PATH/users/out1")
check "outbound PUT passes (201)" [ "$(echo "$out" | status_of)" = 201 ]
check "partner saw our client certificate" grep -q "\"peer_cn\": \"$A_NAME\"" "$WORK/partner.jsonl"
check "outbound body rewritten to our public name" grep -q "https://$A_NAME/x" "$WORK/partner.jsonl"
check "outbound internal host hidden" not grep -q 'gms.a.internal' "$WORK/partner.jsonl"
check "outbound User-Agent stripped" not grep -qi 'InternalGMS' "$WORK/partner.jsonl"
out=$(curl -s -i --max-time 10 --noproxy '*' -H "Host: gms.c.example" \
  -H 'X-3GPP-Asserted-Identity: "sip:gms@a.mcx.example"' "http://127.0.0.1:$PI$GROUPS_PATH/x")
check "outbound to a non-partner refused (dst.not_partner)" [ "$(echo "$out" | reason_of)" = dst.not_partner ]
out=$(curl -s -i --max-time 10 --noproxy '*' -H "Host: gms.b.mcx.example" \
  -H 'X-3GPP-Asserted-Identity: "sip:x@b.mcx.example"' "http://127.0.0.1:$PI$GROUPS_PATH/x2")
check "outbound with a foreign identity refused (src.not_internal)" [ "$(echo "$out" | reason_of)" = src.not_internal ]
check "refused outbound requests never sent" not grep -q '"/xcap-root/org.openmobilealliance.groups/x' "$WORK/partner.jsonl"

# ---- a partner whose sip.warning_reason is off learns no reason either ----
sed -i 's|warning_reason: true|warning_reason: false|' "$WORK/policy.yaml"
kill -HUP "$HTTPD_PID"
for _ in $(seq 1 50); do grep -q 'reloaded' "$WORK/httpd.log" && break; sleep 0.1; done
out=$(partner_curl b-border -H "$ID" "$(url_out "/xcap-root/other/quiet")")
check "warning_reason off: 403 without a reason" \
  [ "$(echo "$out" | status_of)" = 403 -a -z "$(echo "$out" | reason_of)" ]
check "warning_reason off: the page names no code" not grep -q 'path_denied' <<<"$out"
check "warning_reason off: still logged with its code" logged http.path_denied
finish
