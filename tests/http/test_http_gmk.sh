#!/usr/bin/env bash
# GMK transfer on HTTP-3 (docs/gmk.md): the public vector's Group Key
# Transport payload (GMS gms@streamwide.com to sip:alice@streamwide.com,
# vector KMS) in bodies crossing mcsec-httpd.
#   inbound PUT of the vector's GKTP document: passes (max_age covers its
#     2025 time); tampered: gmk.bad_signature; the same again: gmk.replay;
#   outbound GET whose answer (from the partner) holds the same old GKTP:
#     passes, twice (no age or replay check on GET answers);
#   the roles swap outbound: our GMS may not send the partner's message
#     (gmk.wrong_sender), in a PUT or in a GET answer to the partner;
#   gmk.transfer deny refuses any body holding a GKTP.
# The vector is dated 2025-10-03 and max_age is at most 366 days, so the
# whole test (certificates, proxy, clients) runs with the clock set back to
# one hour after the vector's time (libfaketime, monotonic clock untouched).
# usage: test_http_gmk.sh MCSEC_HTTPD
. "$(dirname "$0")/lib.sh" "$1"
DATA=$(cd "$HERE/../unit/data/gmk" && pwd)
VECTOR_T=1759448872
FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -n1)
[ -n "$FAKETIME_LIB" ] || { echo "FAIL: libfaketime not installed"; exit 1; }
export LD_PRELOAD=$FAKETIME_LIB FAKETIME_DONT_FAKE_MONOTONIC=1
export FAKETIME="-$(( $(date +%s) - VECTOR_T - 3600 ))"
[ "$(date +%s)" -lt $(( VECTOR_T + 7200 )) ] || { echo "FAIL: clock not set back"; exit 1; }

cp "$DATA/notify-gktp.xml" "$WORK/gktp.xml"
# One RAND octet changed: still well formed, no longer what the GMS signed.
sed 's/ca2f5d51ff08/cb2f5d51ff08/' "$DATA/notify-gktp.xml" > "$WORK/gktp-tampered.xml"
RECORDER_DOC=$WORK/gktp.xml
edit_policy() {
  cp "$DATA/kms.pub" "$WORK/gmk-kms.pub"
  sed -i \
    -e 's|^  keys: {cert: a-border.pem, key: a-border-key.pem}|&\n  gmk: {gms: "sip:alice@streamwide.com", kms: gmk-kms.pub, max_age: 86400}|' \
    -e 's|^    keys: {ca: b-ca.pem}|    keys: {ca: b-ca.pem, kms: gmk-kms.pub}\n    gmk: {transfer: check, gms: gms@streamwide.com}|' \
    -e "s|content_types: \[$XML\]|content_types: [$XML, application/xml]|" \
    "$WORK/policy.yaml"
}
start_all
check "tampered copy differs" not cmp -s "$WORK/gktp.xml" "$WORK/gktp-tampered.xml"

ID='X-3GPP-Asserted-Identity: "sip:gms@b.mcx.example"'
# put_in NAME FILE: PUT from partner B with the file as body.
put_in() {
  partner_curl b-border -X PUT -H "$ID" -H "Content-Type: application/xml" \
    --data-binary "@$2" "$(url_out "$GROUPS_PATH/users/gmk-$1")"
}
# get_out NAME: GET from our GMS to partner B (its answer holds the GKTP).
get_out() {
  curl -s -i --max-time 10 --noproxy '*' -H "Host: gms.b.mcx.example" \
    -H 'X-3GPP-Asserted-Identity: "sip:gms@a.mcx.example"' \
    "http://127.0.0.1:$PI$GROUPS_PATH/users/gmk-$1/doc"
}
never_forwarded() { not upstream_saw "gmk-$1\""; }

# ---- inbound pushes -------------------------------------------------------
out=$(put_in push1 "$WORK/gktp.xml")
check "inbound PUT with the vector's GKTP passes (201)" [ "$(echo "$out" | status_of)" = 201 ]
check "the GKTP reached our GMS" grep -q 'gmk-push1.*GKTP' "$WORK/upstream.jsonl"
out=$(put_in tampered "$WORK/gktp-tampered.xml")
check "inbound PUT, tampered GKTP: 403 gmk.bad_signature" \
  [ "$(echo "$out" | status_of)" = 403 -a "$(echo "$out" | reason_of)" = gmk.bad_signature ]
check "tampered GKTP never forwarded" never_forwarded tampered
out=$(put_in push2 "$WORK/gktp.xml")
check "inbound PUT of the same GKTP again: 403 gmk.replay" \
  [ "$(echo "$out" | status_of)" = 403 -a "$(echo "$out" | reason_of)" = gmk.replay ]
check "replayed GKTP never forwarded" never_forwarded push2
check "gmk.bad_signature logged" logged gmk.bad_signature
check "gmk.replay logged" logged gmk.replay

# ---- a stored group document fetched from the partner ---------------------
for n in 1 2; do
  out=$(get_out get$n)
  check "outbound GET $n: the partner's answer with the old GKTP passes (200)" \
    [ "$(echo "$out" | status_of)" = 200 ]
  check "outbound GET $n: the GKTP is relayed" grep -q '<GKTP ' <<< "$out"
done

# ---- roles swapped outbound --------------------------------------------------
out=$(curl -s -i --max-time 10 --noproxy '*' -X PUT -H "Host: gms.b.mcx.example" \
  -H 'X-3GPP-Asserted-Identity: "sip:gms@a.mcx.example"' -H "Content-Type: application/xml" \
  --data-binary "@$WORK/gktp.xml" "http://127.0.0.1:$PI$GROUPS_PATH/users/gmk-out")
check "outbound PUT of the partner GMS's message: 403 gmk.wrong_sender" \
  [ "$(echo "$out" | reason_of)" = gmk.wrong_sender ]
check "refused outbound GKTP never sent" not grep -q 'gmk-out' "$WORK/partner.jsonl"
out=$(partner_curl b-border -H "$ID" "$(url_out "$GROUPS_PATH/users/gmk-in/doc")")
check "inbound GET: our GMS's answer holding the partner's message is refused (gmk.wrong_sender)" \
  [ "$(echo "$out" | reason_of)" = gmk.wrong_sender ]
check "the refused answer's GKTP not relayed" not grep -q '<GKTP' <<< "$out"

# ---- transfer: deny ------------------------------------------------------------
sed -i 's|gmk: {transfer: check, |gmk: {transfer: deny, |' "$WORK/policy.yaml"
kill -HUP "$HTTPD_PID"
for _ in $(seq 1 50); do grep -q 'reloaded' "$WORK/httpd.log" && break; sleep 0.1; done
check "reloaded with transfer: deny" grep -q 'reloaded' "$WORK/httpd.log"
out=$(put_in denied "$WORK/gktp.xml")
check "transfer deny: a body with a GKTP is refused (gmk.wrong_sender)" \
  [ "$(echo "$out" | reason_of)" = gmk.wrong_sender ]
check "denied GKTP never forwarded" never_forwarded denied
out=$(partner_curl b-border -X PUT -H "$ID" -H "Content-Type: $XML" --data-binary '<a/>' \
  "$(url_out "$GROUPS_PATH/users/gmk-plain")")
check "transfer deny: a body without GKTP passes" [ "$(echo "$out" | status_of)" = 201 ]
curl -s --noproxy '*' "http://127.0.0.1:$PADM/metrics" > "$WORK/m"
gktp() { awk -v k="mcsec_gktp_checks_total{partner=\"system-b\",result=\"$1\"}" '$1 == k {print $2}' "$WORK/m"; }
check "metrics: GKTP checks, 3 ok (the push, the two GETs) and 5 refused (every refusal above)" \
  [ "$(gktp ok)" = 3 ] && [ "$(gktp failed)" = 5 ]
finish
