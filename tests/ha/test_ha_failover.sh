#!/bin/bash
# Two border nodes behind one service address (issue 20,
# docs/high-availability.md): border A is a pair of nodes, each with its own
# kamailio and keepalived (deploy/ha/keepalived.conf.in rendered per node,
# VRRP over unicast, nopreempt, a track_script on the local kamailio), the
# same policy and key files and one Redis replay store; border B is one node.
# Topology hiding and explicit authentication (both borders sign on behalf
# of their cores and check the other's EARs) are on.
#  - An EAR from partner B is accepted through node 1.
#  - A dialog A to B is set up through node 1; node 1's kamailio and
#    keepalived are killed with SIGKILL; node 2 takes the service addresses;
#    the dialog completes through node 2 (re-INVITE from A's core, BYE from
#    B's core).
#  - Node 2 refuses the EAR node 1 accepted as ear.replay (the replay store
#    is shared; with HA_STORE=shm, the per-node store, this check fails).
#  - Node 1 comes back and stays backup (nopreempt); a dialog B to A is set
#    up through node 2, node 2 is killed, node 1 takes over and the dialog
#    completes (re-INVITE from B's core, BYE from A's core): BYE both ways.
#  - The track_script: only node 1's kamailio dies; its keepalived gives the
#    addresses up to node 2 (mcsec-ha-check fails).
#  - Record-Route and Via name the service addresses, never a node's own.
#  - Switch-over of signalling, measured: an OPTIONS probe every 20 ms from
#    A's core through both borders (B refuses OPTIONS, so B answers 403):
#    the time from each kill to the first answered probe, and to the other
#    node's MASTER state; printed as "MEASURED: ..." (docs/high-availability.md).
. "$(dirname "$0")/lib_ha.sh"
ha_init "$@"
ha_net_setup
ha_redis_start
ha_capture_start

for sys in a b; do
    "$MCSEC_CTL" kms init --out "$T_DIR/kms-$sys" --kms-uri "kms.$sys.mcx.example" \
        >>"$T_DIR/keys.log" 2>&1 || t_die "mcsecctl kms init kms-$sys"
    "$MCSEC_CTL" kms issue --kms "$T_DIR/kms-$sys" --id "sip:border@$sys.mcx.example" \
        --out "$T_DIR/border-$sys" >>"$T_DIR/keys.log" 2>&1 || t_die "mcsecctl kms issue border-$sys"
    topo_key "$T_DIR/$sys-topology.key"
done
"$MCSEC_CTL" kms issue --kms "$T_DIR/kms-b" --id sip:mcptt@b.mcx.example --out "$T_DIR/srv-b" \
    >>"$T_DIR/keys.log" 2>&1 || t_die "mcsecctl kms issue srv-b"
# A: partner B at its border and at a second address (the crafted EARs);
# the replay store in Redis when this build has it (HA_STORE=shm forces the
# embedded store: then the replay check below must fail).
store=${HA_STORE:-redis}
[ "$store" = redis ] && replay="store: redis, redis: {address: $HA_REDIS, timeout_ms: 200}"
topo_policy a "$T_DIR/policy-a.yaml" "$T_DIR/a-topology.key" EAR_DIR="$T_DIR" EAR_TYPES=3 \
    PEER_PROXY="$B_OUT_IP:$SIP_PORT, $B_SENDER_IP:$SIP_PORT" REPLAY="${replay:-store: shm}"
# B refuses OPTIONS from A: the probe's answer (403) comes from beyond A.
topo_policy b "$T_DIR/policy-b.yaml" "$T_DIR/b-topology.key" EAR_DIR="$T_DIR" \
    METHODS="[INVITE, ACK, BYE, CANCEL, UPDATE, MESSAGE]"
border_start b "$T_DIR/policy-b.yaml"
ha_node_start 1 "$T_DIR/policy-a.yaml"
ha_node_start 2 "$T_DIR/policy-a.yaml"
ha_keepalived_start 1
ha_wait_master 1 || t_die "node 1 takes the service addresses"
ha_keepalived_start 2
sleep 1
t_check "node 2 stays backup while node 1 is up" test -n "$(ha_has_vip 2 || echo backup)"

# ---- an EAR accepted through node 1
EAR_KEYS=$T_DIR
responder_start a-core-ear "$A_CORE_IP:5070"
ear=$(ear_sign srv-b "$B_SRV" "$A_USER" --request-id 77) || t_die "mcsecctl ear sign"
uac_keys ruri="$A_USER" to="$A_USER" from="$B_USER" pai="P-Asserted-Identity: <$B_SRV>" \
    ear="MCX-EAR: $ear"
EAR_KEYS_UAC=("${UAC_KEYS[@]}")
sipp_run ear-node1 "$T_SCEN/uac_ear_message.xml" "$B_SENDER_IP" "$SIP_PORT" udp \
    "$A_OUT_IP:$SIP_PORT" "${EAR_KEYS_UAC[@]}"
assert_eq "node 1 accepts a fresh EAR (200 from A's core)" 0 $?
kill "$RESPONDER_PID" 2>/dev/null
wait "$RESPONDER_PID" 2>/dev/null

# ha_dialog FROM NAME: a dialog from FROM's core (a or b) to the other core,
# through the current master of A (tests/sip/scenarios/topo_restart_*.xml:
# after the ACK the caller pauses 5 s, then sends a re-INVITE, then the
# callee sends the BYE); started in the background.
ha_dialog() {
    local from=$1 name=$2 uac_ip uas_ip uac_in me
    if [ "$from" = a ]; then
        uac_ip=$A_CORE_IP uas_ip=$B_CORE_IP uac_in=$A_IN_IP me=$TOPO_A_ME
        topo_keys_b
    else
        uac_ip=$B_CORE_IP uas_ip=$A_CORE_IP uac_in=$B_IN_IP me=$TOPO_B_ME
        topo_keys_a
    fi
    sipp_bg "$name-callee" "$T_SCEN/topo_restart_callee.xml" "$uas_ip" "$CORE_PORT" udp -m 1 \
        "${UAC_KEYS[@]}" || t_fail "$name: the callee listens"
    if [ "$from" = a ]; then topo_keys_a; else topo_keys_b; fi
    sipp_bg "$name-caller" "$T_SCEN/topo_restart_caller.xml" "$uac_ip" "$CORE_PORT" udp -m 1 \
        "${UAC_KEYS[@]}" -cid_str "topo-%u-%p@$me" "$uac_in:$SIP_PORT" ||
        t_fail "$name: the caller starts"
}

$T_PY "$(dirname "$0")/ha_probe.py" "$A_CORE_IP:5090" "$A_IN_IP:$SIP_PORT" \
    sip:bob@b.mcx.example 20 60 "$T_DIR/probe.stop" "$T_DIR/probe.txt" &
probe=$!
T_BG_PIDS+=("$probe")

# ---- 1: a dialog A to B through node 1, then node 1 dies
ha_dialog a ab
sleep 1.5
kill1_ts=$(date +%s.%N)
ha_kill_node 1
t_log "node 1 killed (kamailio and keepalived, SIGKILL)"
ha_wait_master 2 50
t_check "node 2 takes the service addresses" ha_has_vip 2
sipp_wait ab-caller
assert_eq "A to B: the caller completes through node 2 (re-INVITE from A's core)" 0 $?
sipp_wait ab-callee
assert_eq "A to B: the callee completes through node 2 (BYE from B's core)" 0 $?

# ---- the EAR node 1 accepted, at node 2: a replay
responder_start a-core-ear2 "$A_CORE_IP:5070"
border_use a2
before=$(stat_get system-b ear.replay)
sipp_run ear-node2 "$(ear_reject_scenario ear.replay 403)" "$B_SENDER_IP" "$SIP_PORT" udp \
    "$A_OUT_IP:$SIP_PORT" "${EAR_KEYS_UAC[@]}"
assert_eq "node 2 refuses the EAR node 1 accepted (403 ear.replay)" 0 $?
assert_delta "node 2 counted system-b/ear.replay" 1 "$before" "$(stat_get system-b ear.replay)"
kill "$RESPONDER_PID" 2>/dev/null
wait "$RESPONDER_PID" 2>/dev/null

# ---- 2: node 1 comes back as the backup (nopreempt, though its priority
# is higher); a dialog B to A through node 2, then node 2 dies
ha_node_start 1 "$T_DIR/policy-a.yaml"
ha_keepalived_start 1
sleep 1.5
t_check "node 1 back: node 2 keeps the service addresses (nopreempt)" ha_has_vip 2
ha_dialog b ba
sleep 1.5
kill2_ts=$(date +%s.%N)
ha_kill_node 2
t_log "node 2 killed (kamailio and keepalived, SIGKILL)"
ha_wait_master 1 50
t_check "node 1 takes the service addresses back" ha_has_vip 1
sipp_wait ba-caller
assert_eq "B to A: the caller completes through node 1 (re-INVITE from B's core)" 0 $?
sipp_wait ba-callee
assert_eq "B to A: the callee completes through node 1 (BYE from A's core)" 0 $?
touch "$T_DIR/probe.stop"
wait "$probe"

# ---- 3: the track_script: node 2 back as backup; only node 1's kamailio
# dies (its keepalived lives on): mcsec-ha-check fails twice (fall 2, 1 s
# apart) and node 1 gives the addresses up to node 2.
ha_node_start 2 "$T_DIR/policy-a.yaml"
ha_keepalived_start 2
sleep 1
border_use a1
# shellcheck disable=SC2046 # one pid per word
kill -KILL "$KAM_PID" $(kam_children) 2>/dev/null
wait "$KAM_PID" 2>/dev/null
KAM_PID= BORDER_PID[a1]=
t_log "node 1's kamailio killed, its keepalived still runs"
ha_wait_master 2 80
t_check "node 1's keepalived gives the addresses up when its kamailio is gone (track_script)" \
    ha_has_vip 2
t_check "node 1 no longer holds them" test -z "$(ha_has_vip 1 && echo held)"

# Record-Route and Via: the service addresses, never a node's own.
msgs=("$T_DIR"/sipp-a*-c*.msg "$T_DIR"/sipp-b*-c*.msg)
assert_eq "no message at a core names node 1 or node 2" 0 \
    "$(cat "${msgs[@]}" | grep -c -E '10\.77\.0\.[12]([^0-9]|$)')"
t_check "the cores saw A's service addresses in Record-Route" \
    grep -q -E '^Record-Route:.*10\.77\.0\.5[01]' "${msgs[@]}"

# ---- switch-over times (node 1 killed, then node 2)
ha_measure() {
    local n=$1 kill_ts=$2 master_ts first lost sig_ms vrrp_ms
    master_ts=$(awk -v k="$kill_ts" '$2 == "MASTER" && $1 > k { print $1; exit }' \
        "$T_DIR/node-$n/keepalived/state.log" 2>/dev/null)
    first=$(awk -v k="$kill_ts" '$2 > k && $3 != "-" { print $3; exit }' "$T_DIR/probe.txt")
    lost=$(awk -v k="$kill_ts" '$2 > k - 0.5 && $2 < k + 5 && $3 == "-"' "$T_DIR/probe.txt" | wc -l)
    t_check "node $n: a probe sent after the kill was answered" test -n "$first"
    [ -n "$first" ] && [ -n "$master_ts" ] || return 0
    sig_ms=$(awk -v a="$first" -v k="$kill_ts" 'BEGIN { printf "%d", (a - k) * 1000 }')
    vrrp_ms=$(awk -v a="$master_ts" -v k="$kill_ts" 'BEGIN { printf "%d", (a - k) * 1000 }')
    echo "MEASURED: advert_int $HA_ADVERT s, node $n takes over: MASTER after $vrrp_ms ms;" \
        "first request answered after the kill: $sig_ms ms; probes unanswered: $lost (one per 20 ms)"
}
ha_measure 2 "$kill1_ts"
ha_measure 1 "$kill2_ts"
border_use a2
t_check "node 2 up with all its processes" kam_alive
t_finish
