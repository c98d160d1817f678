#!/bin/sh
# mcsecctl kms init|issue and ear sign|verify end to end: a valid EAR
# verifies and prints its fields; a tampered one, one for another target,
# one checked far in the future and one signed by another KMS give the
# reason code on stderr and exit 1; secret files are 0600 and refused when
# readable by others.
# Usage: test_mcsecctl_ear.sh MCSECCTL
set -u
MCSECCTL=${1:?usage: $0 MCSECCTL}
. "$(dirname "$0")/lib.sh"

# verify_rc WANT EAR ARGS...: feeds EAR to ear verify.
verify_rc() {
    want=$1
    ear=$2
    shift 2
    echo "$ear" | "$MCSECCTL" ear verify "$@" >"$TMP/out" 2>"$TMP/err"
    got=$?
    [ "$got" -eq "$want" ] || fail "ear verify $* exited $got, want $want: $(cat "$TMP/err")"
}

mode_of() {
    stat -c %a "$1"
}

SRC_ID=sip:mcptt-server@b.example
TARGET=sip:alice@a.example
KMS="$TMP/kms"
KEYS="$TMP/keys"

expect_rc 0 "$MCSECCTL" kms init --out "$KMS" --kms-uri kms.b.example --key-period 86400
[ "$(mode_of "$KMS/ksak")" = 600 ] || fail "ksak mode $(mode_of "$KMS/ksak"), want 600"
grep -q '^kms_uri=kms.b.example$' "$KMS/kms.pub" || fail "kms.pub lacks kms_uri"
grep -q '^kpak=04[0-9a-f]\{128\}$' "$KMS/kms.pub" || fail "kms.pub lacks the kpak"
grep -q '^key_period=86400$' "$KMS/kms.pub" || fail "kms.pub lacks key_period"
# A second init never overwrites the KSAK.
expect_rc 1 "$MCSECCTL" kms init --out "$KMS" --kms-uri kms.b.example
expect_rc 2 "$MCSECCTL" kms init --out "$TMP/x" --kms-uri k --key-period 10 --key-offset 10

expect_rc 0 "$MCSECCTL" kms issue --kms "$KMS" --id "$SRC_ID" --out "$KEYS"
[ "$(mode_of "$KEYS/ssk")" = 600 ] || fail "ssk mode $(mode_of "$KEYS/ssk"), want 600"
[ "$(mode_of "$KEYS/pvt")" = 600 ] || fail "pvt mode $(mode_of "$KEYS/pvt"), want 600"
cmp -s "$KMS/kms.pub" "$KEYS/kms.pub" || fail "issue did not copy kms.pub"
grep -q "^uri=$SRC_ID\$" "$KEYS/signer" || fail "signer file lacks the URI"

# Sign and verify.
EAR=$("$MCSECCTL" ear sign --keys "$KEYS" --source-id "$SRC_ID" --source-role 2 \
    --target-id "$TARGET" --target-role 1 --request-type 3 --request-id 42 --expiry 300) ||
    fail "ear sign failed"
echo "$EAR" | grep -q '^[A-Za-z0-9_-]\{200,\}$' || fail "EAR is not unpadded base64url: $EAR"
verify_rc 0 "$EAR" --kms-pub "$KMS/kms.pub" --target-id "$TARGET"
grep -q "^source_id=$SRC_ID\$" "$TMP/out" || fail "verify output lacks source_id"
grep -q "^target_id=$TARGET\$" "$TMP/out" || fail "verify output lacks target_id"
grep -q '^request_id=42$' "$TMP/out" || fail "verify output lacks request_id"
grep -q '^result=ok$' "$TMP/out" || fail "verify output lacks result=ok"
# Padded input is accepted too.
PADDED=$EAR
while [ $((${#PADDED} % 4)) -ne 0 ]; do PADDED="$PADDED="; done
verify_rc 0 "$PADDED" --kms-pub "$KMS/kms.pub" --target-id "$TARGET"

# Tampered: one character of the signature area changed.
LAST=$(printf '%s' "$EAR" | tail -c 20 | head -c 1)
if [ "$LAST" = A ]; then NEW=B; else NEW=A; fi
TAMPERED=$(printf '%s' "$EAR" | sed "s/^\(.*\)$LAST\(.\{19\}\)\$/\1$NEW\2/")
[ "$TAMPERED" != "$EAR" ] || fail "could not tamper with the EAR"
verify_rc 1 "$TAMPERED" --kms-pub "$KMS/kms.pub" --target-id "$TARGET"
grep -q '^ear.bad_signature' "$TMP/err" || fail "tampered EAR: $(cat "$TMP/err")"

# Another target.
verify_rc 1 "$EAR" --kms-pub "$KMS/kms.pub" --target-id sip:bob@a.example
grep -q '^ear.wrong_target' "$TMP/err" || fail "other target: $(cat "$TMP/err")"

# An HTTP-3 target (an https origin) is checked by the HTTP-3 rule, and
# one EAR is valid on one protocol only (docs/ear.md).
HTTP_EAR=$("$MCSECCTL" ear sign --keys "$KEYS" --source-id "$SRC_ID" --source-role 2 \
    --target-id https://border.a.example --target-role 4) || fail "ear sign (https) failed"
verify_rc 0 "$HTTP_EAR" --kms-pub "$KMS/kms.pub" --target-id https://border.a.example:8443
verify_rc 1 "$HTTP_EAR" --kms-pub "$KMS/kms.pub" --target-id sip:border@border.a.example
grep -q '^ear.wrong_target' "$TMP/err" || fail "https EAR on SIP: $(cat "$TMP/err")"
verify_rc 1 "$EAR" --kms-pub "$KMS/kms.pub" --target-id https://a.example
grep -q '^ear.wrong_target' "$TMP/err" || fail "SIP EAR on HTTP: $(cat "$TMP/err")"

# An MC client's EAR never crosses a border (docs/ear.md): refused offline
# too, before any other check.
CLIENT_EAR=$("$MCSECCTL" ear sign --keys "$KEYS" --source-id "$SRC_ID" --source-role 1 \
    --target-id "$TARGET" --target-role 2) || fail "ear sign (role 1) failed"
verify_rc 1 "$CLIENT_EAR" --kms-pub "$KMS/kms.pub" --target-id "$TARGET"
grep -q '^ear.client_role' "$TMP/err" || fail "client role: $(cat "$TMP/err")"

# Checked far in the future.
verify_rc 1 "$EAR" --kms-pub "$KMS/kms.pub" --target-id "$TARGET" --now $(($(date +%s) + 3600))
grep -q '^ear.stale' "$TMP/err" || fail "--now ahead: $(cat "$TMP/err")"

# Another KMS's public key.
expect_rc 0 "$MCSECCTL" kms init --out "$TMP/kms2" --kms-uri kms.b.example --key-period 86400
verify_rc 1 "$EAR" --kms-pub "$TMP/kms2/kms.pub" --target-id "$TARGET"
grep -q '^ear.bad_signature' "$TMP/err" || fail "other KMS: $(cat "$TMP/err")"

# Garbage and nothing.
verify_rc 1 'not+base64' --kms-pub "$KMS/kms.pub" --target-id "$TARGET"
grep -q '^ear.malformed' "$TMP/err" || fail "garbage: $(cat "$TMP/err")"
verify_rc 1 '' --kms-pub "$KMS/kms.pub" --target-id "$TARGET"
grep -q '^ear.missing' "$TMP/err" || fail "empty: $(cat "$TMP/err")"

# Keys for another identity, and a readable SSK, are refused.
expect_rc 1 "$MCSECCTL" ear sign --keys "$KEYS" --source-id sip:other@b.example --source-role 2 \
    --target-id "$TARGET" --target-role 1
chmod 644 "$KEYS/ssk"
expect_rc 1 "$MCSECCTL" ear sign --keys "$KEYS" --source-id "$SRC_ID" --source-role 2 \
    --target-id "$TARGET" --target-role 1
grep -q 'chmod 600' "$TMP/err" || fail "readable ssk: $(cat "$TMP/err")"
chmod 600 "$KEYS/ssk"
expect_rc 2 "$MCSECCTL" ear sign --keys "$KEYS" --source-id "$SRC_ID" --source-role 2 \
    --target-id "$TARGET" --target-role 1 --request-type 3

cli_finish "mcsecctl ear"
