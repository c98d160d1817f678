#!/bin/sh
# mcsecctl kms issue --period N / --period-number N (docs/ear.md, key
# periods and rollover): keys of the current and the next key period land
# in SIGNING/period-NUMBER with kms.pub next to them; out-of-range and
# past periods are refused (exit 2); the EARs each period's keys sign
# verify; policy check passes with both periods, warns when the next
# period's keys are missing within system.expiry_warning_days of the
# boundary, and --require-next-keys turns that warning into a failure.
# Usage: test_mcsecctl_kms_period.sh MCSECCTL
set -u
MCSECCTL=${1:?usage: $0 MCSECCTL}
. "$(dirname "$0")/lib.sh"
D=$TMP/keys
mkdir -p "$D"
ID=sip:border@a.mcx.example

# One-day key periods: the boundary is always within the default 14 days.
expect_rc 0 "$MCSECCTL" kms init --out "$D/kms-a" --kms-uri kms.a.example --key-period 86400
expect_rc 0 "$MCSECCTL" kms init --out "$D/kms-b" --kms-uri kms.b.example
NOW=$(( ($(date +%s) + 2208988800) / 86400 ))

expect_rc 0 "$MCSECCTL" kms issue --kms "$D/kms-a" --id "$ID" --out "$D/sign" --period 0
grep -q "period-$NOW" "$TMP/out" || fail "issue --period 0 did not say period-$NOW: $(cat "$TMP/out")"
[ -f "$D/sign/period-$NOW/ssk" ] || fail "no $D/sign/period-$NOW/ssk"
[ "$(stat -c %a "$D/sign/period-$NOW/ssk")" = 600 ] || fail "ssk is not 0600"
cmp -s "$D/kms-a/kms.pub" "$D/sign/kms.pub" || fail "no kms.pub next to the period directories"
grep -q "^key_period_number=$NOW\$" "$D/sign/period-$NOW/signer" || fail "signer of period 0"
[ ! -e "$D/sign/ssk" ] || fail "--period wrote the single-period layout"

# Range checks: relative 0..15, absolute not in the past, not both.
expect_rc 2 "$MCSECCTL" kms issue --kms "$D/kms-a" --id "$ID" --out "$D/sign" --period 16
expect_rc 2 "$MCSECCTL" kms issue --kms "$D/kms-a" --id "$ID" --out "$D/sign" --period -1
expect_rc 2 "$MCSECCTL" kms issue --kms "$D/kms-a" --id "$ID" --out "$D/sign" \
    --period-number $((NOW - 1))
expect_rc 2 "$MCSECCTL" kms issue --kms "$D/kms-a" --id "$ID" --out "$D/sign" --period 1 \
    --period-number $((NOW + 1))
[ ! -e "$D/sign/period-$((NOW + 1))" ] || fail "a refused issue wrote keys"

# policy OUT SIGNING [KMS]: an explicit partner our border signs on behalf
# of; KMS is its keys.kms (default kms-b's file).
policy() {
    cat >"$1" <<EOF
version: 1
system:
  name: system-a
  identity: $ID
  domains: [a.mcx.example]
  addresses: {is_proxy: 127.0.0.1:5060}
  keys: {signing: $2}
partners:
  - name: system-b
    identity: sip:border@b.mcx.example
    domains: [b.mcx.example]
    addresses: {is_proxy: [127.0.0.2:5060]}
    auth: explicit
    ear: {sign_on_behalf: true}
    sip: {methods: [MESSAGE], content_types: [text/plain]}
    keys: {kms: ${3:-$D/kms-b/kms.pub}}
EOF
}
P=$TMP/policy.yaml
policy "$P" "$D/sign"
# Only the current period: passes with a warning; refused on request.
expect_rc 0 "$MCSECCTL" policy check "$P"
grep -q "^warning: .*no keys for the next one (mcsecctl kms issue --period 1)" "$TMP/err" ||
    fail "no next-period warning: $(cat "$TMP/err")"
expect_rc 1 "$MCSECCTL" policy check --require-next-keys "$P"
grep -q "no keys for the next one" "$TMP/err" || fail "--require-next-keys: $(cat "$TMP/err")"

# The next period too: no warning, and --require-next-keys passes.
expect_rc 0 "$MCSECCTL" kms issue --kms "$D/kms-a" --id "$ID" --out "$D/sign" --period 1
[ -f "$D/sign/period-$((NOW + 1))/pvt" ] || fail "no keys for the next period"
expect_rc 0 "$MCSECCTL" policy check --require-next-keys "$P"
[ ! -s "$TMP/err" ] || fail "warnings with both periods: $(cat "$TMP/err")"
# An absolute period number two ahead is accepted as well.
expect_rc 0 "$MCSECCTL" kms issue --kms "$D/kms-a" --id "$ID" --out "$D/sign" \
    --period-number $((NOW + 2))
expect_rc 0 "$MCSECCTL" policy check "$P"

# Each period directory signs EARs that verify under the KMS.
EAR=$("$MCSECCTL" ear sign --keys "$D/sign/period-$NOW" --source-id "$ID" --source-role 4 \
    --target-id sip:border@b.mcx.example --target-role 4) || fail "ear sign (period $NOW)"
echo "$EAR" | "$MCSECCTL" ear verify --kms-pub "$D/kms-a/kms.pub" \
    --target-id sip:border@b.mcx.example >/dev/null 2>&1 || fail "EAR of period $NOW"

# A garbage key of a later period fails the check now, not at the boundary.
printf 'garbage\n' >"$D/sign/period-$((NOW + 2))/pvt"
expect_rc 1 "$MCSECCTL" policy check "$P"
grep -q "period-$((NOW + 2))" "$TMP/err" || fail "garbage later period: $(cat "$TMP/err")"
rm -r "$D/sign/period-$((NOW + 2))"
# The same period in both layouts is refused.
expect_rc 0 "$MCSECCTL" kms issue --kms "$D/kms-a" --id "$ID" --out "$D/sign"
expect_rc 1 "$MCSECCTL" policy check "$P"
grep -q "cover the time of key period" "$TMP/err" || fail "both layouts: $(cat "$TMP/err")"
rm "$D/sign/ssk" "$D/sign/pvt" "$D/sign/signer"

# keys.kms as a list: policy show lists every file, the check reads each.
expect_rc 0 "$MCSECCTL" kms init --out "$D/kms-b2" --kms-uri kms.b.example
policy "$P" "$D/sign" "[$D/kms-b/kms.pub, $D/kms-b2/kms.pub]"
expect_rc 0 "$MCSECCTL" policy check "$P"
expect_rc 0 "$MCSECCTL" policy show "$P"
grep -q "kms-b2/kms.pub" "$TMP/out" || fail "policy show lacks the second KMS: $(cat "$TMP/out")"
printf 'kms_uri=x\n' >"$D/bad.pub"
policy "$P" "$D/sign" "[$D/kms-b/kms.pub, $D/bad.pub]"
expect_rc 1 "$MCSECCTL" policy check "$P"
grep -q "bad.pub" "$TMP/err" || fail "a bad second KMS file passed: $(cat "$TMP/err")"

cli_finish mcsecctl_kms_period
