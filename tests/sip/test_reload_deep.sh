#!/bin/bash
# The deep check (mcsec/config/config_check.h) guards mcsec.reload and the
# start of kamailio, with the policy file itself unchanged and only a key
# file it names broken:
#  1. the internal SPK file gets a garbage line: mcsec.reload is refused
#     with the key file's FILE:LINE, kamcmd still exits 0 but
#     `mcsecctl reload` exits 1, the generation stays and MESSAGEs still
#     pass;
#  2. the key file repaired: mcsecctl reload exits 0, a new generation;
#  3. kamailio started on the broken key file exits non-zero with the same
#     problem line in its log.
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
t_check "kamailio keeps its main pid and all children" kam_alive
kam_stop

t_log "=== 3. kamailio start on the broken key file"
printf '%s\nnot a key line\n' "$GOOD_KEY" >"$KEYS"
start_log=$T_DIR/start-refused.log
timeout 30 kamailio -DD -E -f "$MCSEC_CFG" \
    -P "$KAM_RUNDIR/kamailio2.pid" -Y "$KAM_RUNDIR" -w "$KAM_RUNDIR" \
    -A "OUTSIDE_ADDR=$OUT_IP" -A "OUTSIDE_PORT=$SIP_PORT" \
    -A "INSIDE_ADDR=$IN_IP" -A "INSIDE_PORT=$SIP_PORT" \
    -A "MCSEC_POLICY=\"$POLICY\"" -A "MCSEC_MODULE=\"$MCSEC_MODULE\"" \
    -A "CHILDREN=1" -A "RUNDIR=\"$KAM_RUNDIR\"" >"$start_log" 2>&1
rc=$?
t_log "kamailio exited with $rc"
t_check "kamailio refuses to start (exit $rc, not 0 and not the timeout)" \
    test "$rc" -ne 0 -a "$rc" -ne 124
t_check "its log names the key file and line" grep -qF -- "$want" "$start_log"
t_finish
