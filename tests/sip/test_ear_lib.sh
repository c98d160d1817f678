# shellcheck shell=bash
# The variables below are used by the scripts that source this file.
# shellcheck disable=SC2034
# Helpers for the EAR tests (test_ear_*.sh); source after lib.sh and t_init.
# Not a test itself (ctest does not run it).
#
# ear_keys_init makes, under $T_DIR/keys, with mcsecctl kms init|issue:
#   kms-b  partner B's KMS     srv-b  sip:mcptt@b.mcx.example (B's MC server)
#   kms-x  a rogue KMS         srv-x  sip:mcptt@b.mcx.example issued by kms-x
#   kms-c  system C's KMS      srv-c  sip:mcptt@c.mcx.example (a third system)
#   kms-a  our KMS             border-a  sip:border@a.mcx.example (our border,
#                              system.keys.signing, keys of this and the next
#                              key period)   srv-a  sip:mcptt@a.mcx.example
#                              (our MC server)   srv-xa  the same URI issued by kms-x
#   topology.key  our topology key (system.keys.topology): it makes the dialog
#                 token of our Record-Route that alone proves a request
#                 in-dialog (docs/ear.md "In-dialog or not")
# ear_policy renders a policy of system A in which system-b and system-c are
# explicit partners.

# shellcheck source=lib_policy.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_policy.sh"

EAR_KEYS=
B_SRV=sip:mcptt@b.mcx.example
C_SRV=sip:mcptt@c.mcx.example
A_SRV=sip:mcptt@a.mcx.example
A_BORDER=sip:border@a.mcx.example
A_USER=sip:alice@a.mcx.example
B_USER=sip:bob@b.mcx.example
C_USER=sip:carol@c.mcx.example

# ear_keys_init: the KMSs and key directories above (dies on failure).
ear_keys_init() {
    EAR_KEYS=$T_DIR/keys
    mkdir -p "$EAR_KEYS"
    local k
    for k in a b c x; do
        "$MCSEC_CTL" kms init --out "$EAR_KEYS/kms-$k" --kms-uri "kms.$k.mcx.example" \
            >>"$T_DIR/keys.log" 2>&1 || t_die "mcsecctl kms init kms-$k"
    done
    ear_issue kms-b srv-b "$B_SRV"
    ear_issue kms-x srv-x "$B_SRV"
    ear_issue kms-c srv-c "$C_SRV"
    # Our border's signing keys in the per-period layout: this key period
    # and the next (mcsecctl kms issue --period N, docs/ear.md).
    ear_issue kms-a border-a "$A_BORDER" --period 0
    ear_issue kms-a border-a "$A_BORDER" --period 1
    ear_issue kms-a srv-a "$A_SRV"
    ear_issue kms-x srv-xa "$A_SRV"
    "$MCSEC_CTL" key gen --topology --out "$EAR_KEYS/topology.key" >>"$T_DIR/keys.log" 2>&1 ||
        t_die "mcsecctl key gen --topology"
}

# ear_issue KMS OUT URI [--period N]
ear_issue() {
    "$MCSEC_CTL" kms issue --kms "$EAR_KEYS/$1" --id "$3" --out "$EAR_KEYS/$2" "${@:4}" \
        >>"$T_DIR/keys.log" 2>&1 || t_die "mcsecctl kms issue $2 for $3"
}

# ear_sign KEYDIR SOURCE_ID TARGET_ID [mcsecctl ear sign options]: prints the
# header value. Defaults: source role 2, target role 2, request type 3
# (group), request ID 1, expiry 60 s from now.
ear_sign() {
    local keys=$1 source=$2 target=$3
    shift 3
    local -A opt=([--source-role]=2 [--target-role]=2 [--request-type]=3
        [--request-id]=1 [--expiry]=60)
    while [ $# -ge 2 ]; do
        opt[$1]=$2
        shift 2
    done
    local args=() k
    for k in "${!opt[@]}"; do
        [ -n "${opt[$k]}" ] && args+=("$k" "${opt[$k]}")
    done
    "$MCSEC_CTL" ear sign --keys "$EAR_KEYS/$keys" --source-id "$source" \
        --target-id "$target" "${args[@]}" 2>>"$T_DIR/keys.log"
}

# ear_policy OUT [KEY=VALUE...]: policy of system A with EAR (keys of
# ear_keys_init): sip_policy (lib_policy.sh) with explicit partners system-b
# and system-c, logging.log_passed true, replay_entries 1024, system-b's
# request_types [3], nine methods, three content types and max_body 4096,
# our topology key with topology hiding off for system-b; sip_policy's
# switches (e.g. TRANSPORT, EAR_REPLAY, EAR_SIGN, EAR_IN_DIALOG, EAR_TYPES,
# TOPO_KEY) change that.
ear_policy() {
    local out=$1
    shift
    sip_policy a "$out" EAR_DIR="$EAR_KEYS" EAR_REPLAY=1024 EAR_TYPES=3 PARTNER_C=true \
        TOPO_KEY="$EAR_KEYS/topology.key" TOPO_ENABLED=false \
        LOG_PASSED=true MAX_BODY=4096 \
        METHODS="[INVITE, ACK, BYE, CANCEL, MESSAGE, OPTIONS, SUBSCRIBE, NOTIFY, REFER]" \
        CONTENT_TYPES="[application/sdp, application/vnd.3gpp.mcptt-info+xml, text/plain]" "$@"
}

# ear_reject_scenario REASON STATUS [METHOD]: renders uac_ear_reject.xml.in
# and prints its path (reply STATUS with Warning: 399 HOST "REASON").
ear_reject_scenario() {
    local reason=$1 status=$2 method=${3:-MESSAGE}
    local out=$T_DIR/ear-reject-$reason-$status-$method.xml
    render_template "$T_SCEN/uac_ear_reject.xml.in" "$out" "REASON=$reason" "STATUS=$status" \
        "METHOD=$method" "REASON_RE=$(printf '%s' "$reason" | sed 's/\./\\./g')"
    echo "$out"
}

# ear_flip VALUE: the header value with one character of the signature's s
# part changed (still base64url, same length).
ear_flip() {
    local v=$1 pos c
    pos=$((${#v} - 100))
    c=${v:$pos:1}
    if [ "$c" = A ]; then c=B; else c=A; fi
    printf '%s%s%s' "${v:0:$pos}" "$c" "${v:$((pos + 1))}"
}
