#!/bin/bash
# The deep check (mcsec/config/config_check.h) guards mcsec.reload and the
# start of kamailio, with the policy file itself unchanged and only a key
# file it names broken:
#  1. the internal SPK file gets a garbage line: mcsec.reload is refused
#     with the key file's FILE:LINE, kamcmd still exits 0 but
#     `mcsecctl reload` exits 1, the generation stays and MESSAGEs still
#     pass;
#  2. the key file repaired: mcsecctl reload exits 0, a new generation;
#  3. each other key type in turn, broken in a new policy that names it (a
#     topology key with a garbage line, a garbage kms.pub of an explicit
#     partner, a garbage certificate): reload refused with the same line
#     as policy check, generation kept;
#  4. kamailio started on a broken key file exits non-zero with the same
#     problem line in its log (each key type).
. "$(dirname "$0")/lib.sh"
t_init "$@"

POLICY=$T_DIR/policy.yaml
KEYS=$T_DIR/internal.spk
GOOD_KEY="30000002 ffeeddccbbaa99887766554433221100"
B_PAI="P-Asserted-Identity: <sip:bob@b.mcx.example>"
printf '%s\n' "$GOOD_KEY" >"$KEYS"
chmod 600 "$KEYS"
t_policy "$POLICY"
# The internal SPK of system A: system keys.spk and spk.internal_identity.
sed -i "0,/^  keys: {}/s||  keys: {spk: $KEYS}\n  spk: {internal_identity: \"sip:mcptt@a.mcx.example\"}|" \
    "$POLICY"
"$MCSEC_CTL" policy check "$POLICY" >/dev/null || t_die "the test policy passes policy check"

generation() { kam_rpc mcsec.stats 2>/dev/null | awk '/generation/ {gsub(/[^0-9]/, "", $2); print $2; exit}'; }
message_passes() {
    uac_keys pai="$B_PAI"
    sipp_run "$1" "$T_SCEN/uac_message.xml" "$PARTNER_IP" "$SIP_PORT" udp "$OUT_IP:$SIP_PORT" \
        "${UAC_KEYS[@]}" -m 5 -r 100 -l 5
}

core_responder_start
kam_start "$POLICY"
ctl=(--ctl "unix:$KAM_RUNDIR/kamailio_ctl")
gen0=$(generation)
t_check "MESSAGEs pass before any reload" message_passes pass0

t_log "=== 1. a garbage line in the internal SPK file"
printf '%s\nnot a key line\n' "$GOOD_KEY" >"$KEYS"
want="$KEYS:2: system.keys.spk: expected '<SPK-ID 8 hex digits> <key 32 hex digits>'"
out=$(kam_rpc mcsec.reload 2>&1)
assert_eq "kamcmd itself exits 0 on the refused reload" 0 $?
assert_match "kamcmd shows the RPC fault" "^error: 400" "$out"
out=$("$MCSEC_CTL" reload "${ctl[@]}" 2>&1)
rc=$?
echo "$out" | sed 's/^/    mcsecctl reload: /'
assert_eq "mcsecctl reload exits 1 when the reload is refused" 1 $rc
t_check "the refusal names the key file and line" grep -qF -- "$want" <<<"$out"
out=$("$MCSEC_CTL" policy check "$POLICY" 2>&1)
assert_eq "mcsecctl policy check refuses it alike" "$want" "$out"
assert_eq "generation kept" "$gen0" "$(generation)"
t_check "MESSAGEs still pass on the running generation" message_passes pass1

t_log "=== 2. the key file repaired"
printf '%s\n' "$GOOD_KEY" >"$KEYS"
out=$("$MCSEC_CTL" reload "${ctl[@]}" 2>&1)
assert_eq "mcsecctl reload exits 0 on a good reload" 0 $?
gen2=$(generation)
t_check "a new generation ($gen0 -> $gen2)" test "$gen2" -gt "$gen0"
t_check "MESSAGEs pass on the new generation" message_passes pass2

t_log "=== 3. every other key type, broken in a new policy"
"$MCSEC_CTL" key gen --topology --out "$T_DIR/topo.keys" >/dev/null || t_die "key gen"
echo "02 not-a-key" >>"$T_DIR/topo.keys"
"$MCSEC_CTL" kms init --out "$T_DIR/kms-a" --kms-uri kms.a.example >/dev/null &&
    "$MCSEC_CTL" kms issue --kms "$T_DIR/kms-a" --id sip:border@a.mcx.example \
        --out "$T_DIR/signing" >/dev/null || t_die "kms init/issue"
printf 'kms_uri=kms.b.example\nkpak=not-a-point\nkey_period=86400\n' >"$T_DIR/kms-b.pub"
printf 'not a certificate\n' >"$T_DIR/cert.pem"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T_DIR/cert.key" 2>/dev/null ||
    t_die "openssl genpkey"
chmod 600 "$T_DIR/cert.key"
cp "$POLICY" "$T_DIR/policy.good"
# broken NAME: writes the good policy plus the broken key NAME as $POLICY
# and sets want, the problem line policy check prints.
broken() {
    cp "$T_DIR/policy.good" "$POLICY"
    case $1 in
    topology)
        sed -i "s|^  keys: {spk: $KEYS}|  keys: {spk: $KEYS, topology: $T_DIR/topo.keys}|" "$POLICY"
        want="$T_DIR/topo.keys:2: system.keys.topology: key must be 64 hex digits" ;;
    kms)
        sed -i -e "s|^  keys: {spk: $KEYS}|  keys: {spk: $KEYS, signing: $T_DIR/signing}|" \
            -e "0,/auth: implicit/s||auth: explicit|" \
            -e "0,/^    keys: {}/s||    keys: {kms: $T_DIR/kms-b.pub}|" "$POLICY"
        want="$T_DIR/kms-b.pub:2: partner 'system-b' keys.kms: bad value for 'kpak'" ;;
    cert)
        sed -i "s|^  keys: {spk: $KEYS}|  keys: {spk: $KEYS, cert: $T_DIR/cert.pem, key: $T_DIR/cert.key}|" "$POLICY"
        want="$T_DIR/cert.pem: system.keys.cert: no PEM certificate" ;;
    esac
}
gen=$(generation)
for kind in topology kms cert; do
    broken $kind
    out=$("$MCSEC_CTL" policy check "$POLICY" 2>&1)
    assert_eq "$kind: policy check names the broken file" "$want" "$out"
    out=$("$MCSEC_CTL" reload "${ctl[@]}" 2>&1)
    assert_eq "$kind: mcsecctl reload exits 1" 1 $?
    t_check "$kind: the reload fault has the same line" grep -qF -- "$want" <<<"$out"
    assert_eq "$kind: generation kept" "$gen" "$(generation)"
done
t_check "MESSAGEs still pass" message_passes pass3
t_check "kamailio keeps its main pid and all children" kam_alive
kam_stop

t_log "=== 4. kamailio start on a broken key file"
# start_refused NAME: kamailio on $POLICY exits non-zero (not the timeout)
# and its log has $want.
start_refused() {
    local log=$T_DIR/start-$1.log rc
    timeout 30 kamailio -DD -E -f "$MCSEC_CFG" \
        -P "$KAM_RUNDIR/kamailio2.pid" -Y "$KAM_RUNDIR" -w "$KAM_RUNDIR" \
        -A "OUTSIDE_ADDR=$OUT_IP" -A "OUTSIDE_PORT=$SIP_PORT" \
        -A "INSIDE_ADDR=$IN_IP" -A "INSIDE_PORT=$SIP_PORT" \
        -A "MCSEC_POLICY=\"$POLICY\"" -A "MCSEC_MODULE=\"$MCSEC_MODULE\"" \
        -A "CHILDREN=1" -A "RUNDIR=\"$KAM_RUNDIR\"" >"$log" 2>&1
    rc=$?
    t_check "$1: kamailio refuses to start (exit $rc, not 0 and not the timeout)" \
        test "$rc" -ne 0 -a "$rc" -ne 124
    t_check "$1: its log names the key file and line" grep -qF -- "$want" "$log"
}
cp "$T_DIR/policy.good" "$POLICY"
printf '%s\nnot a key line\n' "$GOOD_KEY" >"$KEYS"
want="$KEYS:2: system.keys.spk: expected '<SPK-ID 8 hex digits> <key 32 hex digits>'"
start_refused spk
printf '%s\n' "$GOOD_KEY" >"$KEYS"
for kind in topology kms cert; do
    broken $kind
    start_refused $kind
done
t_finish
