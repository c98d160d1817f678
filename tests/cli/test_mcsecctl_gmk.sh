#!/bin/sh
# mcsecctl gmk check on the public GMK vector: it passes in every input form
# (mikey <base64>, base64, hex, binary) with the vectors' KMS, its GMS and
# receiver, printing the decoded fields; a tampered copy, a wrong sender,
# receiver or KMS, a stale time and a CSK message exit 1 with their reason
# code; bad arguments exit 2.
# Usage: test_mcsecctl_gmk.sh MCSECCTL SOURCE_DIR
set -u
MCSECCTL=${1:?usage: $0 MCSECCTL SOURCE_DIR}
SRC=${2:?usage: $0 MCSECCTL SOURCE_DIR}
DATA=$SRC/tests/unit/data/gmk
. "$(dirname "$0")/lib.sh"
T=1759448872 # the vector's T

# check WANT_RC WANT_TEXT INPUT ARGS...: gmk check with INPUT on stdin.
check() {
    want=$1 text=$2 input=$3
    shift 3
    "$MCSECCTL" gmk check "$@" <"$input" >"$TMP/out" 2>"$TMP/err"
    got=$?
    [ "$got" -eq "$want" ] || fail "gmk check $* < $input exited $got, want $want: $(cat "$TMP/err")"
    grep -q -- "$text" "$TMP/out" "$TMP/err" || fail "gmk check $* < $input: no '$text' in output"
}

ok_args="--kms-pub $DATA/kms.pub --initiator gms@streamwide.com --responder sip:alice@streamwide.com --now $((T + 60)) --max-age 300"
# shellcheck disable=SC2086
{
    check 0 "verdict   ok" "$DATA/gmk.mikey" $ok_args
    check 0 "csb_id    06a12aea (purpose 0 GMK)" "$DATA/gmk.mikey" $ok_args
    check 0 "idrkmsi   kms.mydev.streamwide.com" "$DATA/gmk.bin" $ok_args
    check 0 "verdict   ok" "$DATA/gmk.hex" $ok_args
    cut -c7- "$DATA/gmk.mikey" >"$TMP/plain.b64"
    check 0 "verdict   ok" "$TMP/plain.b64" $ok_args --own-kms-pub "$DATA/kms.pub"

    # One octet of the signed part changed (a RAND octet in the hex form).
    sed 's/^\(.\{80\}\)./\1f/' "$DATA/gmk.hex" >"$TMP/tampered.hex"
    cmp -s "$TMP/tampered.hex" "$DATA/gmk.hex" && fail "tampering changed nothing"
    check 1 "gmk.bad_signature" "$TMP/tampered.hex" $ok_args
    printf 'mikey AAAA\n' >"$TMP/junk"
    check 1 "gmk.malformed" "$TMP/junk" $ok_args
    check 1 "gmk.stale" "$DATA/gmk.mikey" $ok_args --now $((T + 301))
    check 1 "gmk.wrong_purpose" "$DATA/csk.mikey" --kms-pub "$DATA/kms.pub" \
        --initiator sip:alice@streamwide.com --responder gms@streamwide.com --now "$T"
}
check 1 "gmk.wrong_sender" "$DATA/gmk.mikey" --kms-pub "$DATA/kms.pub" \
    --initiator gms@other.example --responder sip:alice@streamwide.com --now "$T"
check 1 "gmk.wrong_receiver" "$DATA/gmk.mikey" --kms-pub "$DATA/kms.pub" \
    --initiator gms@streamwide.com --responder sip:bob@streamwide.com --now "$T"
check 1 "gmk.wrong_kms" "$DATA/gmk.mikey" --kms-pub "$DATA/kms.pub" \
    --own-kms-pub "$DATA/other-kms.pub" --initiator gms@streamwide.com \
    --responder sip:alice@streamwide.com --now "$T"
check 2 "usage" "$DATA/gmk.mikey" --kms-pub "$DATA/kms.pub"
check 2 "usage" "$DATA/gmk.mikey" --kms-pub "$DATA/kms.pub" --initiator a --responder b --now x

cli_finish "mcsecctl gmk"
