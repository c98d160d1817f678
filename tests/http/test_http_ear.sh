#!/usr/bin/env bash
# EAR on HTTP-3 (auth: explicit): inbound, a valid EAR passes and is passed
# on; a missing one, one signed under another KMS, one for another target,
# a stale one and a replayed one get their reason codes and are never
# forwarded; the replay cache survives a SIGHUP reload. Outbound, an EAR of
# our GMS is checked under our KMS, a request without one is refused
# (ear.missing) until sign_on_behalf is on, and then carries a border EAR
# that `mcsecctl ear verify` accepts under our KMS. One EAR, one protocol
# (docs/ear.md): the HTTP-3 target is an https origin, so an EAR made for
# SIP (target: the border identity) is refused here (ear.wrong_target) and
# cannot be replayed across the two replay caches. Both ways the EAR's
# source is the X-3GPP-Asserted-Identity or, with role 4, the sending
# border (ear.source_mismatch otherwise), and an MC client's EAR never
# crosses (ear.client_role).
# usage: test_http_ear.sh MCSEC_HTTPD   (MCSECCTL from the environment or
# next to it in the build tree)
. "$(dirname "$0")/lib.sh" "$1"
MCSECCTL=${MCSECCTL:-$(cd "$(dirname "$HTTPD")/../tools" && pwd)/mcsecctl}
OUR=sip:border@a.mcx.example
THEIR=sip:border@b.mcx.example
B_GMS=sip:gms@b.mcx.example
A_GMS=sip:gms@a.mcx.example
OUR_HTTP=https://$A_NAME
THEIR_HTTP=https://$B_NAME

edit_policy() {
  # KMS of system B (the partner's), ours, and a rogue KMS with B's URI.
  "$MCSECCTL" kms init --out "$WORK/kms-b" --kms-uri kms.b.mcx.example >/dev/null
  "$MCSECCTL" kms init --out "$WORK/kms-a" --kms-uri kms.a.mcx.example >/dev/null
  "$MCSECCTL" kms init --out "$WORK/kms-r" --kms-uri kms.b.mcx.example >/dev/null
  "$MCSECCTL" kms issue --kms "$WORK/kms-b" --id "$B_GMS" --out "$WORK/keys-b-gms" >/dev/null
  "$MCSECCTL" kms issue --kms "$WORK/kms-b" --id "$THEIR" --out "$WORK/keys-b-border" >/dev/null
  "$MCSECCTL" kms issue --kms "$WORK/kms-r" --id "$B_GMS" --out "$WORK/keys-r-gms" >/dev/null
  "$MCSECCTL" kms issue --kms "$WORK/kms-a" --id "$A_GMS" --out "$WORK/keys-a-gms" >/dev/null
  "$MCSECCTL" kms issue --kms "$WORK/kms-a" --id "$OUR" --out "$WORK/signing-a" >/dev/null
  sed -i \
    -e 's|^    auth: implicit|    auth: explicit\n    ear: {sign_on_behalf: false}|' \
    -e 's|^    keys: {ca: b-ca.pem}|    keys: {ca: b-ca.pem, kms: kms-b/kms.pub}|' \
    -e 's|^  keys: {cert: a-border.pem, key: a-border-key.pem}|  keys: {cert: a-border.pem, key: a-border-key.pem, signing: signing-a}|' \
    "$WORK/policy.yaml"
}
start_all

ID='X-3GPP-Asserted-Identity: "sip:gms@b.mcx.example"'
# ear KEYS SOURCE TARGET [extra ear sign args]: a base64url EAR (source
# role $ROLE, default 3).
ear() {
  local keys=$1 source=$2 target=$3; shift 3
  "$MCSECCTL" ear sign --keys "$WORK/$keys" --source-id "$source" --source-role "${ROLE:-3}" \
    --target-id "$target" --target-role 4 "$@"
}
# inbound NAME [EAR]: GET from partner B, EAR header when given.
inbound() {
  local hdr=()
  [ -n "${2:-}" ] && hdr=(-H "MCX-EAR: $2")
  partner_curl b-border -H "${IDH:-$ID}" "${hdr[@]}" "$(url_out "$GROUPS_PATH/users/ear-$1")"
}
# expect_in NAME STATUS REASON [EAR]
expect_in() {
  local name=$1 status=$2 reason=$3; shift 3
  local out; out=$(inbound "$name" "$@")
  check "inbound $name: $status $reason" \
    [ "$(echo "$out" | status_of)" = "$status" -a "$(echo "$out" | reason_of)" = "$reason" ]
  check "inbound $name: never forwarded" not upstream_saw "ear-$name\""
}

# ---- inbound ------------------------------------------------------------------
GOOD=$(ear keys-b-gms "$B_GMS" "$OUR_HTTP")
out=$(inbound valid "$GOOD")
check "inbound valid EAR passes (200)" [ "$(echo "$out" | status_of)" = 200 ]
check "inbound valid EAR forwarded with its header" \
  grep -q "ear-valid.*\"MCX-EAR\", \"$GOOD\"" "$WORK/upstream.jsonl"
expect_in missing 400 ear.missing
expect_in other-kms 403 ear.bad_signature "$(ear keys-r-gms "$B_GMS" "$OUR_HTTP")"
expect_in wrong-target 403 ear.wrong_target "$(ear keys-b-gms "$B_GMS" "$A_GMS")"
# An EAR whose target is the bare border identity is SIP's (request-URI =
# the border): valid there, so here it would be a second use of it.
expect_in sip-target 403 ear.wrong_target "$(ear keys-b-gms "$B_GMS" "$OUR")"
expect_in other-origin 403 ear.wrong_target "$(ear keys-b-gms "$B_GMS" https://border.c.example)"
expect_in stale 403 ear.stale "$(ear keys-b-gms "$B_GMS" "$OUR_HTTP" --now $(( $(date +%s) - 300 )))"
expect_in replay 403 ear.replay "$GOOD"
expect_in garbage 400 ear.malformed "not-an-ear!"
# The source binding: the GMS's EAR on a request that asserts someone else
# of B; an MC client's EAR; the partner's border signing on its servers'
# behalf (role 4, its identity) passes.
IDH='X-3GPP-Asserted-Identity: "sip:bob@b.mcx.example"' \
  expect_in other-asserted 403 ear.source_mismatch "$(ear keys-b-gms "$B_GMS" "$OUR_HTTP")"
expect_in client-role 403 ear.client_role "$(ROLE=1 ear keys-b-gms "$B_GMS" "$OUR_HTTP")"
out=$(inbound border-signed "$(ROLE=4 ear keys-b-border "$THEIR" "$OUR_HTTP")")
check "inbound EAR of the partner's border (role 4) passes (200)" \
  [ "$(echo "$out" | status_of)" = 200 ]
out=$(inbound border-as-server "$(ear keys-b-border "$THEIR" "$OUR_HTTP")")
check "inbound EAR of the partner's border with role 3: ear.source_mismatch" \
  [ "$(echo "$out" | reason_of)" = ear.source_mismatch ]
two=$(partner_curl b-border -H "$ID" -H "MCX-EAR: $GOOD" -H "MCX-EAR: $GOOD" \
  "$(url_out "$GROUPS_PATH/users/ear-two")")
check "inbound two EAR headers: ear.malformed" [ "$(echo "$two" | reason_of)" = ear.malformed ]
for code in ear.missing ear.bad_signature ear.wrong_target ear.stale ear.replay \
  ear.source_mismatch ear.client_role; do
  check "$code logged and counted" logged "$code"
  check "$code in /stats" grep -q "system-b $code [1-9]" <(curl -s "http://127.0.0.1:$PADM/stats")
done

# ---- the replay cache survives a reload ---------------------------------------
kill -HUP "$HTTPD_PID"
for _ in $(seq 1 50); do grep -q 'reloaded' "$WORK/httpd.log" && break; sleep 0.1; done
check "reloaded" grep -q 'reloaded' "$WORK/httpd.log"
expect_in replay-after-reload 403 ear.replay "$GOOD"

# ---- outbound -----------------------------------------------------------------
# out_put NAME [EAR]: PUT from our GMS (inside) to partner B.
out_put() {
  local hdr=()
  [ -n "${2:-}" ] && hdr=(-H "MCX-EAR: $2")
  curl -s -i --max-time 10 --noproxy '*' -X PUT -H "Host: gms.b.mcx.example" \
    -H "X-3GPP-Asserted-Identity: \"${AS:-$A_GMS}\"" -H "Content-Type: $XML" "${hdr[@]}" \
    --data-binary '<x/>' "http://127.0.0.1:$PI$GROUPS_PATH/users/out-$1"
}
partner_saw() { grep -q -- "$1" "$WORK/partner.jsonl"; }
OURS=$(ear keys-a-gms "$A_GMS" "$THEIR_HTTP")
out=$(out_put ours "$OURS")
check "outbound with our GMS's EAR passes (201)" [ "$(echo "$out" | status_of)" = 201 ]
check "outbound EAR passed on unchanged" grep -q "out-ours.*\"MCX-EAR\", \"$OURS\"" "$WORK/partner.jsonl"
out=$(out_put ours-again "$OURS")
check "outbound EARs are not recorded here (the partner judges replay)" \
  [ "$(echo "$out" | status_of)" = 201 ]
out=$(out_put foreign "$(ear keys-b-gms "$B_GMS" "$THEIR_HTTP")")
check "outbound EAR of a foreign signer: ear.unknown_signer" \
  [ "$(echo "$out" | reason_of)" = ear.unknown_signer ]
check "refused outbound EAR never sent" not partner_saw out-foreign
out=$(AS=sip:alice@a.mcx.example out_put other-asserted "$(ear keys-a-gms "$A_GMS" "$THEIR_HTTP")")
check "outbound EAR of our GMS on a request asserting someone else: ear.source_mismatch" \
  [ "$(echo "$out" | reason_of)" = ear.source_mismatch ]
check "outbound source mismatch never sent" not partner_saw out-other-asserted
out=$(out_put client-role "$(ROLE=1 ear keys-a-gms "$A_GMS" "$THEIR_HTTP")")
check "outbound EAR of an MC client: ear.client_role" \
  [ "$(echo "$out" | reason_of)" = ear.client_role ]
check "outbound client EAR never sent" not partner_saw out-client-role
out=$(out_put to-us "$(ear keys-a-gms "$A_GMS" "$OUR_HTTP")")
check "outbound EAR not for the partner: ear.wrong_target" \
  [ "$(echo "$out" | reason_of)" = ear.wrong_target ]
out=$(out_put sip-target "$(ear keys-a-gms "$A_GMS" "$THEIR")")
check "outbound EAR for the partner's SIP border identity: ear.wrong_target" \
  [ "$(echo "$out" | reason_of)" = ear.wrong_target ]
out=$(out_put none)
check "outbound without an EAR, sign_on_behalf off: 400 ear.missing" \
  [ "$(echo "$out" | status_of)" = 400 -a "$(echo "$out" | reason_of)" = ear.missing ]
check "refused outbound request never sent" not partner_saw out-none

sed -i 's|ear: {sign_on_behalf: false}|ear: {sign_on_behalf: true}|' "$WORK/policy.yaml"
kill -HUP "$HTTPD_PID"
for _ in $(seq 1 50); do [ "$(grep -c 'reloaded' "$WORK/httpd.log")" -ge 2 ] && break; sleep 0.1; done
out=$(out_put signed)
check "outbound with sign_on_behalf passes (201)" [ "$(echo "$out" | status_of)" = 201 ]
python3 - "$WORK/partner.jsonl" > "$WORK/border.ear" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    rec = json.loads(line)
    if rec["path"].endswith("/out-signed"):
        print(next(v for k, v in rec["headers"] if k.lower() == "mcx-ear"))
PY
check "partner got a border EAR" test -s "$WORK/border.ear"
verify_border_ear() {
  "$MCSECCTL" ear verify --kms-pub "$WORK/kms-a/kms.pub" --target-id "$THEIR_HTTP" \
    < "$WORK/border.ear" > "$WORK/verify.out" 2>&1
}
check "mcsecctl ear verify accepts it under our KMS" verify_border_ear
check "border EAR: source is our border" \
  grep -q "^source_id=$OUR\$" "$WORK/verify.out"
check "border EAR: source role 4 (border proxy)" grep -q '^source_role=4$' "$WORK/verify.out"
check "border EAR: target the partner's HTTP-3 border" grep -q "^target_id=$THEIR_HTTP\$" "$WORK/verify.out"
out=$(out_put signed-keeps "$OURS")
check "with sign_on_behalf, our GMS's EAR is still passed on as it is" \
  grep -q "out-signed-keeps.*\"MCX-EAR\", \"$OURS\"" "$WORK/partner.jsonl"
# The metrics of the EAR stage (docs/metrics-http-and-ipsec.md).
curl -s --noproxy '*' "http://127.0.0.1:$PADM/metrics" > "$WORK/m"
metric() { awk -v k="$1" '$1 == k {print $2; f=1} END {if (!f) print "absent"}' "$WORK/m"; }
b='partner="system-b"'
check "metrics: one EAR signed (sign_on_behalf)" \
  [ "$(metric "mcsec_ear_operations_total{$b,op=\"sign\",result=\"ok\"}")" = 1 ]
check "metrics: EARs verified, 5 ok and 16 refused (every case above)" \
  [ "$(metric "mcsec_ear_operations_total{$b,op=\"verify\",result=\"ok\"}")" = 5 ] && \
  [ "$(metric "mcsec_ear_operations_total{$b,op=\"verify\",result=\"failed\"}")" = 16 ]
check "metrics: the EAR 300 s old exceeded half the skew, once" \
  [ "$(metric "mcsec_ear_clock_skew_exceeded_total{$b}")" = 1 ] && \
  [ "$(metric 'mcsec_ear_clock_offset_seconds_bucket{le="-60"}')" = 1 ]
# (the cache of the running generation: since the reload above, 2 of them)
check "metrics: every live replay entry is system-b's, and there are some" \
  [ "$(metric 'mcsec_replay_cache_entries{cache="ear",partner="system-b"}')" = \
    "$(metric 'mcsec_replay_cache_entries{cache="ear",partner=""}')" ] && \
  [ "$(metric 'mcsec_replay_cache_entries{cache="ear",partner="system-b"}')" -ge 1 ]
check "metrics: system-b's replay quota is its share of the cache" \
  [ "$(metric 'mcsec_replay_cache_capacity{cache="ear",partner="system-b"}')" -gt 0 ] && \
  [ "$(metric 'mcsec_replay_cache_capacity{cache="ear",partner="system-b"}')" -le \
    "$(metric 'mcsec_replay_cache_capacity{cache="ear",partner=""}')" ]
check "alarm ear.clock_skew logged once for system-b" \
  [ "$(grep -c "event=alarm alarm=ear.clock_skew severity=warning partner=system-b" "$WORK/httpd.log")" = 1 ]
finish
