#!/usr/bin/env bash
# The partner's HTTP rules (method, path prefix, identity, content type,
# sizes) each give their own reason code and keep the request from our
# server; no response shows our topology (Server, Via, X-Powered-By,
# Forwarded, X-Forwarded-*, internal host names, the upstream's error page).
# Issue 14: every identity field is judged (more than 8 refused, as on SIP),
# X-3GPP-Intended-Identity by the same rule, a body without a type is
# refused whatever its framing, a Content-Encoding, a charset other than
# utf-8 or XML not in UTF-8 is refused (requests and answers), multipart
# bodies are judged part by part by the one MIME walker, and the partner's
# content-type list judges every part of a request body, both directions
# (the SIP rule: nested containers, leaves, typeless parts as text/plain);
# internal host names are rewritten in every form a body or field holds them, and
# what the rewrite cannot reach (escaped, a subdomain) is refused. Issue 16:
# answers, both ways, meet the partner's content-type list (every part) and
# max_body like requests.
# usage: test_http_policy_topology.sh MCSEC_HTTPD
. "$(dirname "$0")/lib.sh" "$1"
# multipart/mixed allowed too: its parts are judged by the MIME walker.
# application/json too: a JSON answer (not XML, not rewritten) is judged by
# the internal-host rule.
edit_policy() { sed -i "s|content_types: \[$XML\]|content_types: [$XML, multipart/mixed, application/json]|" "$WORK/policy.yaml"; }
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
# ---- identities: every field judged, one rule with SIP ----------------------
# The partner's identity and seven tel URIs (no SIP identity: not judged),
# then a ninth field naming our user: the first eight alone would pass.
nine=(-H "$ID")
for i in 1 2 3 4 5 6 7; do nine+=(-H "X-3GPP-Asserted-Identity: <tel:+155500$i>"); done
refused ids-nine 400 sip.malformed "${nine[@]}" -H 'X-3GPP-Asserted-Identity: "sip:alice@a.mcx.example"' "$(url_out "$P/ids-nine")"
refused intended-ours 403 src.internal_id_spoof -H "$ID" -H 'X-3GPP-Intended-Identity: "sip:alice@a.mcx.example"' "$(url_out "$P/intended-ours")"
refused intended-foreign 403 src.foreign_id -H "$ID" -H 'X-3GPP-Intended-Identity: <sip:x@c.example>' "$(url_out "$P/intended-foreign")"
out=$(partner_curl b-border -H "$ID" -H 'X-3GPP-Intended-Identity: "sip:bob@b.mcx.example"' "$(url_out "$P/intended-partner")")
check "intended identity of the partner passes" [ "$(echo "$out" | status_of)" = 200 ]
check "intended identity forwarded" grep -q 'intended-partner.*X-3GPP-Intended-Identity' "$WORK/upstream.jsonl"
# ---- bodies: a type, no coding, UTF-8 ----------------------------------------
refused typeless-chunked 415 http.content_type_denied -H "$ID" -X PUT -H "Content-Type:" -H "Transfer-Encoding: chunked" --data-binary 'a=b' "$(url_out "$P/typeless-chunked")"
refused two-types 415 http.content_type_denied -H "$ID" -X PUT -H "Content-Type: text/plain" -H "Content-Type: $XML" --data-binary '<x/>' "$(url_out "$P/two-types")"
printf '<x/>' | gzip > "$WORK/x.gz"
refused coded-gzip 501 http.unsupported_encoding -H "$ID" -X PUT -H "Content-Type: $XML" -H "Content-Encoding: gzip" --data-binary @"$WORK/x.gz" "$(url_out "$P/coded-gzip")"
refused charset-utf16 415 http.content_type_denied -H "$ID" -X PUT -H "Content-Type: $XML; charset=utf-16" --data-binary '<x/>' "$(url_out "$P/charset-utf16")"
python3 -c 'import sys; sys.stdout.buffer.write("<?xml version=\"1.0\" encoding=\"IBM037\"?><x/>".encode("cp037"))' > "$WORK/ibm037.xml"
refused xml-ibm037 415 http.content_type_denied -H "$ID" -X PUT -H "Content-Type: $XML" --data-binary @"$WORK/ibm037.xml" "$(url_out "$P/xml-ibm037")"
refused xml-decl-ibm037 415 http.content_type_denied -H "$ID" -X PUT -H "Content-Type: $XML" --data-binary '<?xml version="1.0" encoding="IBM037"?><x/>' "$(url_out "$P/xml-decl-ibm037")"
# multipart bodies go through the one MIME walker (docs/mime.md): every
# part's charset, duplicate part fields and Content-IDs, nesting depth.
MP='Content-Type: multipart/mixed; boundary=b'
printf -- '--b\r\nContent-Type: %s\r\nContent-ID: <x>\r\n\r\n<x/>\r\n--b\r\nContent-Type: %s\r\n\r\n<y/>\r\n--b--\r\n' "$XML" "$XML" > "$WORK/mp-ok"
out=$(partner_curl b-border -H "$ID" -X PUT -H "$MP" --data-binary @"$WORK/mp-ok" "$(url_out "$P/mp-ok")")
check "multipart whose parts are all listed passes" [ "$(echo "$out" | status_of)" = 200 -o "$(echo "$out" | status_of)" = 201 ]
check "multipart whose parts are all listed: forwarded" upstream_saw mp-ok
# The allow-list judges every part, as on SIP (docs/policy-reference.md):
# each nested container and each leaf; a part without a type is text/plain.
mp_part() { printf -- '--b\r\nContent-Type: %s\r\n\r\n<x/>\r\n--b\r\n%s\r\n\r\nx\r\n--b--\r\n' "$XML" "$1"; }
mp_part 'Content-Type: application/octet-stream' > "$WORK/mp-octet"
refused mp-part-octet 415 http.content_type_denied -H "$ID" -X PUT -H "$MP" --data-binary @"$WORK/mp-octet" "$(url_out "$P/mp-part-octet")"
check "mp-part-octet: the part's type logged" grep -q 'mp-part-octet.*part content type application/octet-stream' "$WORK/httpd.log"
mp_part 'Content-ID: <t>' > "$WORK/mp-typeless"
refused mp-part-typeless 415 http.content_type_denied -H "$ID" -X PUT -H "$MP" --data-binary @"$WORK/mp-typeless" "$(url_out "$P/mp-part-typeless")"
mp_nested() { printf -- '--b\r\nContent-Type: %s; boundary=c\r\n\r\n--c\r\nContent-Type: %s\r\n\r\n<x/>\r\n--c--\r\n--b--\r\n' "$1" "$2"; }
mp_nested multipart/mixed "$XML" > "$WORK/mp-nested-ok"
out=$(partner_curl b-border -H "$ID" -X PUT -H "$MP" --data-binary @"$WORK/mp-nested-ok" "$(url_out "$P/mp-nested-ok")")
check "nested multipart of listed types passes" [ "$(echo "$out" | status_of)" = 200 -o "$(echo "$out" | status_of)" = 201 ]
mp_nested multipart/mixed text/html > "$WORK/mp-nested-leaf"
refused mp-nested-leaf 415 http.content_type_denied -H "$ID" -X PUT -H "$MP" --data-binary @"$WORK/mp-nested-leaf" "$(url_out "$P/mp-nested-leaf")"
mp_nested multipart/alternative "$XML" > "$WORK/mp-nested-alt"
refused mp-nested-container 415 http.content_type_denied -H "$ID" -X PUT -H "$MP" --data-binary @"$WORK/mp-nested-alt" "$(url_out "$P/mp-nested-container")"
printf -- '--b\r\nContent-Type: %s\r\n\r\n<x/>\r\n--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\na\r\n--b--\r\n' "$XML" > "$WORK/mp-charset"
refused mp-part-charset 415 http.content_type_denied -H "$ID" -X PUT -H "$MP" --data-binary @"$WORK/mp-charset" "$(url_out "$P/mp-part-charset")"
printf -- '--b\r\nContent-Type: %s\r\nContent-ID: <x>\r\n\r\n<x/>\r\n--b\r\nContent-Type: %s\r\nContent-ID: <x>\r\n\r\n<y/>\r\n--b--\r\n' "$XML" "$XML" > "$WORK/mp-cid"
refused mp-dup-cid 415 http.content_type_denied -H "$ID" -X PUT -H "$MP" --data-binary @"$WORK/mp-cid" "$(url_out "$P/mp-dup-cid")"
{ for l in c d e f; do printf -- '--%s\r\nContent-Type: multipart/mixed; boundary=%s\r\n\r\n' "$([ $l = c ] && echo b || echo "$prev")" "$l"; prev=$l; done
  printf -- '--f\r\nContent-Type: %s\r\n\r\n<x/>\r\n--f--\r\n--e--\r\n--d--\r\n--c--\r\n--b--\r\n' "$XML"; } > "$WORK/mp-deep"
refused mp-too-deep 415 http.content_type_denied -H "$ID" -X PUT -H "$MP" --data-binary @"$WORK/mp-deep" "$(url_out "$P/mp-too-deep")"
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
# Every form an internal host takes in an answer is rewritten (XML bodies,
# every relayed field) ...
out=$(partner_curl b-border -H "$ID" "$(url_out "$P/answer-bare")")
check "answer with bare internal hosts passes (200)" [ "$(echo "$out" | status_of)" = 200 ]
check "bare, host:port, user@host, mixed case: all rewritten" not grep -qi 'gms.a.internal' <<<"$out"
check "bare host became our public name" grep -q "<entry>$A_NAME</entry>" <<<"$out"
check "sentence's full stop kept" grep -q "see $A_NAME\.<" <<<"$out"
out=$(partner_curl b-border -H "$ID" "$(url_out "$P/answer-href")")
check "internal host in a Content-Type parameter rewritten" \
  grep -q "^Content-Type: .*href=\"https://$A_NAME/xcap-root/x\"" <<<"$out"
# ... and what the rewrite cannot reach, or the checks cannot read, is refused.
for answer in escaped:http.internal_host charref:http.internal_host subdomain:http.internal_host \
              json:http.internal_host gzip:http.unsupported_encoding \
              ibm037:http.content_type_denied utf16:http.content_type_denied \
              octet:http.content_type_denied mpbad:http.content_type_denied \
              big:http.body_too_large; do
  name=${answer%%:*} code=${answer#*:}
  out=$(partner_curl b-border -H "$ID" "$(url_out "$P/answer-$name")")
  check "answer $name: 502, not relayed" \
    [ "$(echo "$out" | status_of)" = 502 -a "$(echo "$out" | reason_of)" = http.upstream_error ]
  check "answer $name: logged as $code" grep -q "reason=$code .*answer-$name" "$WORK/httpd.log"
done
check "no refused answer leaked a host" not grep -qi 'gms.a.internal\|gms%2ea' <<<"$out"
# Answers from the partner to our servers meet the same rules (issue 16).
for answer in octet:http.content_type_denied big:http.body_too_large; do
  name=${answer%%:*} code=${answer#*:}
  out=$(curl -s -i --max-time 10 --noproxy '*' -H "Host: gms.b.mcx.example" \
    -H 'X-3GPP-Asserted-Identity: "sip:gms@a.mcx.example"' \
    "http://127.0.0.1:$PI$GROUPS_PATH/users/outbound/answer-$name")
  check "partner's answer $name: 502, not relayed" \
    [ "$(echo "$out" | status_of)" = 502 -a "$(echo "$out" | reason_of)" = http.upstream_error ]
  check "partner's answer $name: logged as $code" grep -q "reason=$code .*outbound/answer-$name" "$WORK/httpd.log"
done
# Outbound: our servers' bodies go out rewritten, or not at all.
out_put() {
  curl -s -i --max-time 10 --noproxy '*' -X PUT -H "Host: gms.b.mcx.example" \
    -H 'X-3GPP-Asserted-Identity: "sip:gms@a.mcx.example"' -H "Content-Type: $XML" \
    --data-binary "$2" "http://127.0.0.1:$PI$GROUPS_PATH/users/$1"
}
out=$(out_put out-bare '<x a="GMS.A.INTERNAL:8080">sip:c@gms.a.internal gms.a.internal</x>')
check "outbound bare internal hosts: passes (201)" [ "$(echo "$out" | status_of)" = 201 ]
check "outbound bare internal hosts: rewritten" not grep -qi 'gms.a.internal' "$WORK/partner.jsonl"
out=$(out_put out-escaped '<x a="http://gms%2ea.internal/"/>')
check "outbound escaped internal host: 403 http.internal_host" \
  [ "$(echo "$out" | status_of)" = 403 -a "$(echo "$out" | reason_of)" = http.internal_host ]
check "outbound escaped internal host: never sent" not grep -q 'out-escaped' "$WORK/partner.jsonl"
# Outbound: the partner's list judges every part of what our GMS sends too.
out_mp() {
  curl -s -i --max-time 10 --noproxy '*' -X PUT -H "Host: gms.b.mcx.example" \
    -H 'X-3GPP-Asserted-Identity: "sip:gms@a.mcx.example"' -H "$MP" \
    --data-binary @"$2" "http://127.0.0.1:$PI$GROUPS_PATH/users/$1"
}
out=$(out_mp out-mp-ok "$WORK/mp-ok")
check "outbound multipart of listed types: passes (201)" [ "$(echo "$out" | status_of)" = 201 ]
check "outbound multipart of listed types: sent" grep -q 'out-mp-ok' "$WORK/partner.jsonl"
out=$(out_mp out-mp-octet "$WORK/mp-octet")
check "outbound multipart with an unlisted part: 415 http.content_type_denied" \
  [ "$(echo "$out" | status_of)" = 415 -a "$(echo "$out" | reason_of)" = http.content_type_denied ]
check "outbound multipart with an unlisted part: never sent" not grep -q 'out-mp-octet' "$WORK/partner.jsonl"
# Our own rejections carry no Server header either.
out=$(partner_curl none "$(url_out "$P/x")")
check "rejection has no Server header" not grep -qi '^Server:' <<<"$out"
finish
