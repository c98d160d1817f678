#!/usr/bin/env bash
# The partner's HTTP rules (method, path prefix, identity, content type,
# sizes) each give their own reason code and keep the request from our
# server; no response shows our topology (Server, Via, X-Powered-By,
# Forwarded, X-Forwarded-*, internal host names, the upstream's error page).
# usage: test_http_policy_topology.sh MCSEC_HTTPD
. "$(dirname "$0")/lib.sh" "$1"
start_all
P="$GROUPS_PATH/users"
ID='X-3GPP-Asserted-Identity: "sip:gms@b.mcx.example"'

# refused NAME STATUS REASON CURL-ARGS... (the URL path contains NAME)
refused() {
  local name=$1 status=$2 reason=$3; shift 3
  local out
  out=$(partner_curl b-border "$@")
  check "$name: $status $reason" [ "$(echo "$out" | status_of)" = "$status" -a "$(echo "$out" | reason_of)" = "$reason" ]
  check "$name: never forwarded" not upstream_saw "$name"
  check "$name: logged" logged "$reason"
}
refused method-post 405 http.method_denied -H "$ID" -X POST -H "Content-Type: $XML" -d '<a/>' "$(url_out "$P/method-post")"
refused path-other 403 http.path_denied -H "$ID" "$(url_out "/xcap-root/other/path-other")"
refused no-identity 403 src.no_identity "$(url_out "$P/no-identity")"
refused our-identity 403 src.internal_id_spoof -H 'X-3GPP-Asserted-Identity: "sip:gms@a.mcx.example"' "$(url_out "$P/our-identity")"
refused third-identity 403 src.foreign_id -H 'X-3GPP-Asserted-Identity: <sip:gms@c.example>' "$(url_out "$P/third-identity")"
refused type-text 415 http.content_type_denied -H "$ID" -X PUT -H "Content-Type: text/plain" -d 'x' "$(url_out "$P/type-text")"
head -c 5000 /dev/zero | tr '\0' a > "$WORK/big"
refused body-big 413 http.body_too_large -H "$ID" -X PUT -H "Content-Type: $XML" --data-binary @"$WORK/big" "$(url_out "$P/body-big")"
refused body-big-chunked 413 http.body_too_large -H "$ID" -X PUT -H "Content-Type: $XML" -H "Transfer-Encoding: chunked" --data-binary @"$WORK/big" "$(url_out "$P/body-big-chunked")"
refused headers-big 431 http.headers_too_large -H "$ID" -H "X-Pad: $(head -c 4200 /dev/zero | tr '\0' b)" "$(url_out "$P/headers-big")"

# ---- topology hiding on relayed responses ----------------------------------
out=$(partner_curl b-border -H "$ID" -H "User-Agent: partner" "$(url_out "$P/topo")")
check "relayed response passes" [ "$(echo "$out" | status_of)" = 200 ]
for leak in '^Server:' '^Via:' '^X-Powered-By:' '^Forwarded:' '^X-Forwarded-' '^X-Internal-Node:' \
            'gms.a.internal' "127.0.0.1:$PU" 'InternalGMS' 'InternalStack'; do
  check "response has no '$leak'" not grep -qi -- "$leak" <<<"$out"
done
check "Location rewritten to our public name" grep -q "^Location: https://$A_NAME/xcap-root/groups/g1" <<<"$out"
check "XML body rewritten to our public name" grep -q "uri=\"https://$A_NAME/xcap-root/groups/g1\"" <<<"$out"
check "ETag kept" grep -q '^ETag: "v1"' <<<"$out"
check "request to the upstream carried no User-Agent" not grep -q '"User-Agent", "partner"' "$WORK/upstream.jsonl"
out=$(partner_curl b-border -H "$ID" "$(url_out "$P/fail500")")
check "upstream 5xx becomes our 502 http.upstream_error" [ "$(echo "$out" | status_of)" = 502 -a "$(echo "$out" | reason_of)" = http.upstream_error ]
check "upstream error page not shown" not grep -q 'stack trace' <<<"$out"
for leak in '^Server:' 'gms.a.internal'; do
  check "error response has no '$leak'" not grep -qi -- "$leak" <<<"$out"
done
# Our own rejections carry no Server header either.
out=$(partner_curl none "$(url_out "$P/x")")
check "rejection has no Server header" not grep -qi '^Server:' <<<"$out"
finish
