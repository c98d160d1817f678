#!/bin/sh
# mcsecctl kms issue --period N / --period-number N (docs/ear.md, key
# periods and rollover): keys of the current and the next key period land
# in SIGNING/period-NUMBER with kms.pub next to them; out-of-range and
# past periods are refused (exit 2); the EARs each period's keys sign
# verify; policy check passes with both periods, warns when the next
# period's keys are missing within system.expiry_warning_days of the
# boundary, and --require-next-keys turns that warning into a failure;
# keys.kms as a list; kms import of a TS 33.180 Annex D KMS certificate;
# policy expiry; kms import-keys of a KmsKeyProv response.
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

# kms import: a TS 33.180 Annex D KmsCertificate (here inside a KMS
# response) becomes a kms.pub with every field; revoked or expired ones
# are refused; the deep check refuses a kms.pub past its valid_to and warns
# within expiry_warning_days of it.
KPAK=$(sed -n 's/^kpak=//p' "$D/kms-b/kms.pub")
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
T=$(date +%s)
# kmscert FILE FROM TO REVOKED
kmscert() {
    cat >"$1" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<KmsResponse xmlns="urn:3gpp:ns:mcsecKMSInterface:1.0" Version="1.1.0">
  <KmsMessage><KmsInit Version="1.0.0">
    <KmsCertificate Version="1.1.0" Role="Root">
      <KmsUri>kms.b.example</KmsUri><CertUri>c1.kms.b.example</CertUri>
      <Issuer>www.b.example</Issuer>
      <ValidFrom>$(iso "$2")</ValidFrom><ValidTo>$(iso "$3")</ValidTo><Revoked>$4</Revoked>
      <UserIdFormat>2</UserIdFormat><UserKeyPeriod>2592000</UserKeyPeriod>
      <UserKeyOffset>0</UserKeyOffset><PubEncKey>04AA</PubEncKey>
      <PubAuthKey>$KPAK</PubAuthKey><ParameterSet>1</ParameterSet>
    </KmsCertificate>
  </KmsInit></KmsMessage>
</KmsResponse>
EOF
}
kmscert "$D/cert.xml" $((T - 86400)) $((T + 400 * 86400)) false
expect_rc 0 "$MCSECCTL" kms import --cert "$D/cert.xml" --out "$D/imported.pub"
for want in kms_uri=kms.b.example cert_uri=c1.kms.b.example issuer=www.b.example \
    user_id_format=2 parameter_set=1 key_period=2592000 key_offset=0 pub_enc_key=04aa \
    "valid_to=$(iso $((T + 400 * 86400)))"; do
    grep -qx "$want" "$D/imported.pub" || fail "imported kms.pub lacks $want"
done
policy "$P" "$D/sign" "$D/imported.pub"
expect_rc 0 "$MCSECCTL" policy check "$P"
[ ! -s "$TMP/err" ] || fail "imported kms.pub: $(cat "$TMP/err")"
kmscert "$D/revoked.xml" $((T - 86400)) $((T + 86400)) true
expect_rc 1 "$MCSECCTL" kms import --cert "$D/revoked.xml" --out "$D/x.pub"
grep -q revoked "$TMP/err" || fail "revoked certificate: $(cat "$TMP/err")"
kmscert "$D/old.xml" $((T - 2 * 86400)) $((T - 86400)) false
expect_rc 1 "$MCSECCTL" kms import --cert "$D/old.xml" --out "$D/x.pub"
grep -q "not now" "$TMP/err" || fail "expired certificate: $(cat "$TMP/err")"
[ ! -e "$D/x.pub" ] || fail "a refused import wrote a file"
# Expiring in 3 days: a warning; expired: refused.
kmscert "$D/soon.xml" $((T - 86400)) $((T + 3 * 86400 + 600)) false
expect_rc 0 "$MCSECCTL" kms import --cert "$D/soon.xml" --out "$D/soon.pub"
policy "$P" "$D/sign" "$D/soon.pub"
expect_rc 0 "$MCSECCTL" policy check "$P"
grep -q "^warning: .*soon.pub: .*expires on .*(3 days left)" "$TMP/err" ||
    fail "no expiry warning: $(cat "$TMP/err")"
sed "s/^valid_to=.*/valid_to=$(iso $((T - 60)))/" "$D/soon.pub" >"$D/expired.pub"
policy "$P" "$D/sign" "$D/expired.pub"
expect_rc 1 "$MCSECCTL" policy check "$P"
grep -q "expired.pub: .*not now" "$TMP/err" || fail "expired kms.pub passed: $(cat "$TMP/err")"

# policy expiry: every expiring key, soonest first, with its days left; exit
# 1 when one is due. One-day key periods: the last one held is always due.
policy "$P" "$D/sign" "$D/imported.pub"
expect_rc 1 "$MCSECCTL" policy expiry "$P"
grep -Eq "^(399|400) .* kms partner 'system-b' keys.kms $D/imported.pub\$" "$TMP/out" ||
    fail "policy expiry lacks the KMS certificate: $(cat "$TMP/out")"
grep -q "^0 .* signing system.keys.signing key period $NOW $D/sign\$" "$TMP/out" ||
    fail "policy expiry: period $NOW is not listed as not due: $(cat "$TMP/out")"
grep -q "^1 .* signing system.keys.signing key period $((NOW + 1)) $D/sign DUE\$" "$TMP/out" ||
    fail "policy expiry: the last period is not due: $(cat "$TMP/out")"
[ "$(sed -n 2p "$TMP/out" | cut -d' ' -f1)" = 0 ] || fail "not soonest first: $(cat "$TMP/out")"

# kms import-keys: a KmsKeyProv response (here with plain hex keys, as
# `kms issue` made them for the next period) becomes SIGNING/period-N; a
# response for another identity is refused.
P1=$D/sign/period-$((NOW + 1))
cat >"$D/keyprov.xml" <<EOF
<KmsResponse xmlns="urn:3gpp:ns:mcsecKMSInterface:1.0"><KmsMessage><KmsKeyProv>
  <KmsKeySet><KmsUri>kms.a.example</KmsUri><UserUri>$ID</UserUri>
    <KeyPeriodNo>$((NOW + 1))</KeyPeriodNo><Revoked>false</Revoked>
    <UserSigningKeySSK>$(cat "$P1/ssk")</UserSigningKeySSK>
    <UserPubTokenPVT>$(cat "$P1/pvt")</UserPubTokenPVT></KmsKeySet>
</KmsKeyProv></KmsMessage></KmsResponse>
EOF
expect_rc 0 "$MCSECCTL" kms import-keys --keyprov "$D/keyprov.xml" --kms-pub "$D/kms-a/kms.pub" \
    --id "$ID" --out "$D/provisioned"
cmp -s "$P1/ssk" "$D/provisioned/period-$((NOW + 1))/ssk" || fail "import-keys: another SSK"
[ "$(stat -c %a "$D/provisioned/period-$((NOW + 1))/ssk")" = 600 ] || fail "imported ssk not 0600"
cmp -s "$D/kms-a/kms.pub" "$D/provisioned/kms.pub" || fail "import-keys: no kms.pub"
expect_rc 1 "$MCSECCTL" kms import-keys --keyprov "$D/keyprov.xml" --kms-pub "$D/kms-b/kms.pub" \
    --id "$ID" --out "$D/provisioned2"
grep -q "RFC 6507" "$TMP/err" || fail "keys under another KMS: $(cat "$TMP/err")"
expect_rc 1 "$MCSECCTL" kms import-keys --keyprov "$D/keyprov.xml" --kms-pub "$D/kms-a/kms.pub" \
    --id sip:other@a.mcx.example --out "$D/provisioned2"
[ ! -e "$D/provisioned2" ] || fail "a refused import-keys wrote keys"

cli_finish mcsecctl_kms_period
