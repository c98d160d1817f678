#!/usr/bin/env bash
# Our own side is not trusted blindly: the inside listener answers only the
# clients system.http.inside_clients names. Any other address gets 403
# src.not_internal_peer (no reason shown, as a stranger on the outside
# learns none), the connection closes, the request is counted and logged
# and never reaches the partner. No inside_clients at all: nobody (default
# deny). The list follows a policy reload.
# With system.http.inside_tls the inside listener speaks only TLS and needs,
# on top of the address, a client certificate of the inside CA: none, one of
# another CA, and plain HTTP are refused; a reload picks up a new CA; a
# client certificate its CRL (inside_tls.crls) lists is refused.
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

# ---- mutual TLS on the inside (system.http.inside_tls) ---------------------
ca inside-ca; ca inside-ca2
leaf inside-server inside-ca "/CN=mcsec-inside" serverAuth "IP:127.0.0.1"
leaf inside-server2 inside-ca2 "/CN=mcsec-inside" serverAuth "IP:127.0.0.1"
leaf inside-gms inside-ca "/CN=gms" clientAuth "DNS:gms.a.internal"
leaf inside-gms2 inside-ca2 "/CN=gms" clientAuth "DNS:gms.a.internal"
leaf inside-serveronly inside-ca "/CN=gms" serverAuth "DNS:gms.a.internal"
leaf inside-other rogue-ca "/CN=gms" clientAuth "DNS:gms.a.internal"
chmod 644 "$WORK"/*.pem; chmod 600 "$WORK"/*-key.pem
# tls_put CERT NAME [CA]: PUT over TLS from 127.0.0.9 with client certificate
# CERT (none = without), trusting the inside server via CA (default
# inside-ca).
tls_put() {
  local certargs=()
  [ "$1" != none ] && certargs=(--cert "$WORK/$1.pem" --key "$WORK/$1-key.pem")
  curl -s -i --max-time 10 --noproxy '*' --interface 127.0.0.9 --cacert "$WORK/${3:-inside-ca}.pem" \
    "${certargs[@]}" -X PUT -H "Host: gms.b.mcx.example" -H "$ID" -H "Content-Type: $XML" \
    --data-binary "$DOC" "https://127.0.0.1:$PI$GROUPS_PATH/users/$2"
}
sed -i "s|^    inside_clients: \[127.0.0.9\]\$|&\n    inside_tls: {cert: inside-server.pem, key: inside-server-key.pem, ca: inside-ca.pem}|" \
  "$WORK/policy.yaml"
check "policy with inside_tls reloaded" reload
out=$(tls_put inside-gms mtls-ok)
check "inside mTLS: a listed client with an inside CA certificate passes (201)" \
  [ "$(echo "$out" | status_of)" = 201 ]
check "inside mTLS: its request reached the partner" partner_saw '/users/mtls-ok"'
out=$(tls_put none mtls-nocert)
check "inside mTLS: no client certificate: 403" [ "$(echo "$out" | status_of)" = 403 ]
check "inside mTLS: no client certificate: never forwarded" not partner_saw '/users/mtls-nocert"'
check "inside mTLS: no client certificate logged" grep -q 'no client certificate' "$WORK/httpd.log"
out=$(tls_put inside-other mtls-otherca)
check "inside mTLS: certificate of another CA: 403" [ "$(echo "$out" | status_of)" = 403 ]
check "inside mTLS: another CA: never forwarded" not partner_saw '/users/mtls-otherca"'
check "inside mTLS: another CA logged" grep -q 'certificate of no inside CA' "$WORK/httpd.log"
out=$(tls_put inside-serveronly mtls-serveronly)
check "inside mTLS: inside CA certificate without clientAuth: 403" \
  [ "$(echo "$out" | status_of)" = 403 ]
check "inside mTLS: without clientAuth: never forwarded" not partner_saw '/users/mtls-serveronly"'
# Plain HTTP on the TLS listener gets no HTTP answer at all.
out=$(inside_put 127.0.0.9 mtls-plain)
check "inside mTLS: plain HTTP gets no HTTP answer" [ -z "$(echo "$out" | status_of)" ]
check "inside mTLS: plain HTTP: never forwarded" not partner_saw '/users/mtls-plain"'
# The address list still applies under TLS.
out=$(curl -s -i --max-time 10 --noproxy '*' --interface 127.0.0.1 \
  --cacert "$WORK/inside-ca.pem" --cert "$WORK/inside-gms.pem" --key "$WORK/inside-gms-key.pem" \
  -H "$ID" "https://127.0.0.1:$PI$GROUPS_PATH/users/mtls-unlisted")
check "inside mTLS: good certificate from an unlisted address: 403" \
  [ "$(echo "$out" | status_of)" = 403 ]

# Revocation of an inside client (system.http.inside_tls.crls).
crl inside-ca inside-ca.crl.pem
sed -i "s|ca: inside-ca.pem}|ca: inside-ca.pem, crls: [inside-ca.crl.pem]}|" "$WORK/policy.yaml"
check "policy with an inside CRL reloaded" reload
out=$(tls_put inside-gms mtls-crl-empty)
check "inside mTLS: a CRL listing nobody: the client passes (201)" [ "$(echo "$out" | status_of)" = 201 ]
crl inside-ca inside-ca.crl.pem "" "" inside-gms
check "policy with a CRL revoking the GMS reloaded" reload
out=$(tls_put inside-gms mtls-revoked)
check "inside mTLS: revoked client certificate: 403" [ "$(echo "$out" | status_of)" = 403 ]
check "inside mTLS: revoked: never forwarded" not partner_saw '/users/mtls-revoked"'
check "inside mTLS: revoked: logged" grep -q 'inside client certificate revoked' "$WORK/httpd.log"
sed -i "s|, crls: \[inside-ca.crl.pem\]||" "$WORK/policy.yaml"
check "policy without the inside CRL reloaded" reload

# The inside listener has the outside's TLS profile: TLS 1.2/1.3, ECDHE AEAD.
inside_handshake() {
  echo | timeout 8 openssl s_client -connect "127.0.0.1:$PI" -bind 127.0.0.9:0 \
    -cert "$WORK/inside-gms.pem" -key "$WORK/inside-gms-key.pem" "$@" 2>/dev/null |
    awk '/^New, /{p=$2; c=$5; sub(",", "", p)} END{if (c != "" && c != "(NONE)") print p "/" c}'
}
got=$(inside_handshake -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256)
check "inside TLS 1.2 ECDHE-ECDSA-AES128-GCM-SHA256 accepted ($got)" \
  [ "$got" = TLSv1.2/ECDHE-ECDSA-AES128-GCM-SHA256 ]
got=$(inside_handshake -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0')
check "inside TLS 1.1 refused ($got)" [ -z "$got" ]
got=$(inside_handshake -tls1_2 -cipher 'ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0')
check "inside TLS 1.2 ECDHE-ECDSA-AES128-SHA (no AEAD) refused ($got)" [ -z "$got" ]

# A reload whose inside CA is no certificate fails and keeps the running one.
cp "$WORK/policy.yaml" "$WORK/policy.good"
echo "not a certificate" > "$WORK/inside-junk.pem"; chmod 644 "$WORK/inside-junk.pem"
sed -i "s|ca: inside-ca.pem}|ca: inside-junk.pem}|" "$WORK/policy.yaml"
kill -HUP "$HTTPD_PID"
for _ in $(seq 1 50); do grep -q 'inside-junk.pem: system.http.inside_tls ca: no PEM certificate' "$WORK/httpd.log" && break; sleep 0.1; done
check "reload with a junk inside CA fails with the reason" \
  grep -q 'reload failed.*inside-junk.pem: system.http.inside_tls ca: no PEM certificate' "$WORK/httpd.log"
out=$(tls_put inside-gms mtls-after-junk)
check "after the failed reload the inside CA still works (201)" [ "$(echo "$out" | status_of)" = 201 ]
cp "$WORK/policy.good" "$WORK/policy.yaml"

# Reload picks up new material: server certificate and CA from inside-ca2
# (a client trusting only inside-ca2 reaches only a renewed daemon).
sed -i "s|inside-server|inside-server2|g; s|ca: inside-ca.pem}|ca: inside-ca2.pem}|" \
  "$WORK/policy.yaml"
check "policy with a new inside CA reloaded" reload
out=$(tls_put inside-gms2 mtls-newca inside-ca2)
check "inside mTLS after reload: a certificate of the new CA passes (201)" \
  [ "$(echo "$out" | status_of)" = 201 ]
out=$(tls_put inside-gms mtls-oldca inside-ca2)
check "inside mTLS after reload: a certificate of the old CA: 403" \
  [ "$(echo "$out" | status_of)" = 403 ]
check "inside mTLS after reload: old CA never forwarded" not partner_saw '/users/mtls-oldca"'

# Without inside_tls the inside listener is plain HTTP again.
sed -i '/^    inside_tls:/d' "$WORK/policy.yaml"
check "policy without inside_tls reloaded" reload
out=$(inside_put 127.0.0.9 plain-again)
check "without inside_tls: plain HTTP from a listed client passes (201)" \
  [ "$(echo "$out" | status_of)" = 201 ]
finish
