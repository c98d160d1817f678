#!/bin/bash
# Admission control (partners[].limits, docs/policy-reference.md): a partner
# sending above its rate is shed with 503 + Retry-After (the sipp scenario
# fails a 503 without it), each shed request counted as load.partner_limit
# and logged; priority requests (Resource-Priority mcpttp.N, RFC 8101) from
# a partner trusted to mark them are all admitted from the reserved share
# while its normal requests are shed; from an untrusted partner they are
# shed like normal ones; and beyond the partner's priority ceiling they are
# ordinary requests again; an MC emergency-ind in the mcptt-info body
# counts as a mark like Resource-Priority. Each case runs a normal flow (sipp -r 40/s) and a
# priority flow (-r 10/s) side by side for 3 s against rate 20/s.
. "$(dirname "$0")/lib.sh"
t_init "$@"

B_PAI="P-Asserted-Identity: <sip:bob@b.mcx.example>"
N_RATE=43 N_COUNT=129 P_RATE=10 P_COUNT=30

# policy_with_limits OUT LIMITS: the test policy, system-b with limits.
policy_with_limits() {
    t_policy "$1.tmp" "B_PROXY=$PARTNER_IP"
    awk -v l="    limits: $2" '{ print } /^    keys: \{\}$/ && !done { print l; done = 1 }' \
        "$1.tmp" >"$1"
    "$MCSEC_CTL" policy check "$1" >/dev/null || t_die "policy with limits loads: $(cat "$1")"
}

# run_case LABEL [PRIO_RP [PRIO_IND]]: both flows at once; sets N_OK N_SHED
# P_OK P_SHED. The priority flow carries PRIO_RP (default Resource-Priority
# wps.1, mcpttp.12) and PRIO_IND in its mcptt-info.
run_case() {
    local label=$1 prio_rp=${2:-"Resource-Priority: wps.1, mcpttp.12"} prio_ind=${3:-"<!---->"}
    local name
    for name in normal prio; do : >"$T_DIR/sipp-$label-$name.msg"; done
    uac_keys pai="$B_PAI" rp="X-Test: normal" ind="<!---->"
    local nkeys=("${UAC_KEYS[@]}")
    uac_keys pai="$B_PAI" rp="$prio_rp" ind="$prio_ind"
    local pkeys=("${UAC_KEYS[@]}")
    # shellcheck disable=SC2046
    sipp $(sipp_common "$label-normal" "$T_SCEN/uac_load.xml" "$PARTNER_IP" 5061 udp) \
        -r $N_RATE -m $N_COUNT "${nkeys[@]}" "$OUT_IP:$SIP_PORT" </dev/null \
        >"$T_DIR/sipp-$label-normal.out" 2>&1 &
    local npid=$!
    # shellcheck disable=SC2046
    sipp $(sipp_common "$label-prio" "$T_SCEN/uac_load.xml" "$PARTNER_IP" 5062 udp) \
        -r $P_RATE -m $P_COUNT "${pkeys[@]}" "$OUT_IP:$SIP_PORT" </dev/null \
        >"$T_DIR/sipp-$label-prio.out" 2>&1
    local prc=$? nrc
    wait $npid
    nrc=$?
    # sipp exits 0 when every call passed the scenario: a 200, or a 503
    # with Retry-After.
    N_OK=$(grep -c '^SIP/2.0 200' "$T_DIR/sipp-$label-normal.msg")
    N_SHED=$(grep -c '^SIP/2.0 503' "$T_DIR/sipp-$label-normal.msg")
    P_OK=$(grep -c '^SIP/2.0 200' "$T_DIR/sipp-$label-prio.msg")
    P_SHED=$(grep -c '^SIP/2.0 503' "$T_DIR/sipp-$label-prio.msg")
    t_log "$label: normal 200=$N_OK 503=$N_SHED (sipp $nrc), priority 200=$P_OK 503=$P_SHED (sipp $prc)"
    assert_eq "$label: every normal request answered 200 or 503 with Retry-After" 0 $nrc
    assert_eq "$label: every priority request answered 200 or 503 with Retry-After" 0 $prc
    assert_eq "$label: normal requests all answered" $N_COUNT $((N_OK + N_SHED))
    assert_eq "$label: priority requests all answered" $P_COUNT $((P_OK + P_SHED))
}

# set_limits LIMITS: rewrites the policy and reloads it (the cells stay).
set_limits() {
    policy_with_limits "$T_DIR/policy.yaml" "$1"
    assert_match "reload: $1" "generation" "$(kam_rpc mcsec.reload 2>&1)"
    sleep 1.2 # the bucket refills
}

core_responder_start
policy_with_limits "$T_DIR/policy.yaml" \
    "{rate: 20, priority: {trusted: true, reserved_percent: 50}}"
kam_start "$T_DIR/policy.yaml"

# 1. trusted partner: priority all admitted, normal shed and counted
before=$(stat_get system-b load.partner_limit)
log0=$(log_size)
run_case trusted
after=$(stat_get system-b load.partner_limit)
t_check "trusted: normal requests shed above the rate ($N_SHED)" [ "$N_SHED" -ge 30 ]
assert_eq "trusted: every priority request admitted while normal ones are shed" $P_COUNT "$P_OK"
assert_delta "trusted: each 503 counted as load.partner_limit" $((N_SHED + P_SHED)) "$before" "$after"
assert_match "trusted: log line" \
    "event=refused reason=load\.partner_limit partner=system-b direction=in " "$(log_since "$log0")"
assert_match "trusted: alarm load.shedding" "alarm=load\.shedding .*partner=system-b" \
    "$(log_since "$log0")"
assert_match "mcsec.load shows the reserve used" "admitted_reserve: [1-9]" "$(kam_rpc mcsec.load)"

# 2. untrusted partner: its marks count for nothing
set_limits "{rate: 20, priority: {trusted: false, reserved_percent: 50}}"
run_case untrusted
t_check "untrusted: priority requests shed like normal ones ($P_SHED of $P_COUNT)" \
    [ "$P_SHED" -ge 5 ]

# 3. trusted, but beyond its ceiling of 3/s priority requests are ordinary
set_limits "{rate: 20, priority: {trusted: true, reserved_percent: 50, ceiling: 3}}"
run_case ceiling
t_check "ceiling: priority requests beyond 3/s shed ($P_SHED of $P_COUNT)" [ "$P_SHED" -ge 5 ]
t_check "ceiling: the ceiling's share still admitted ($P_OK)" [ "$P_OK" -ge 9 ]

# 4. trusted: MC emergency in the mcptt-info body (TS 24.379 emergency-ind),
# no Resource-Priority, is priority too
set_limits "{rate: 20, priority: {trusted: true, reserved_percent: 50}}"
run_case emergency "X-Test: emergency" \
    "<emergency-ind><mcpttBoolean>true</mcpttBoolean></emergency-ind>"
assert_eq "emergency-ind: every such request admitted while normal ones are shed" \
    $P_COUNT "$P_OK"
t_check "emergency: normal requests shed ($N_SHED)" [ "$N_SHED" -ge 30 ]

# 5. concurrent INVITE transactions: 4, half reserved. With our core silent
# the INVITEs stay pending (100 Trying only): two normal ones pass, the third is shed, two
# priority ones still pass, a third priority one is shed; once the core
# answers, the transactions end and their slots come back.
invite_file() { # invite_file FILE RP-LINE
    cat >"$1" <<SIP
# description: initial INVITE from the partner (admission test)
# transport: udp
INVITE sip:alice@a.mcx.example SIP/2.0
Via: SIP/2.0/UDP $PARTNER_IP:5063;branch=@BRANCH@
Max-Forwards: 70
From: <sip:bob@b.mcx.example>;tag=inv1
To: <sip:alice@a.mcx.example>
Call-ID: @CALLID@
CSeq: 1 INVITE
Contact: <sip:bob@$PARTNER_IP:5063>
P-Asserted-Identity: <sip:bob@b.mcx.example>
$2
Content-Length: 0


SIP
}
invite_file "$T_DIR/invite-normal.sip" "X-Test: normal"
invite_file "$T_DIR/invite-prio.sip" "Resource-Priority: mcpttq.3"
invite() { # invite KIND: the status of the first answer (100 while pending)
    $T_SIPTOOL send --proto udp --src "$PARTNER_IP:5063" --dst "$OUT_IP:$SIP_PORT" \
        --timeout 0.4 "$T_DIR/invite-$1.sip" | awk '{ print $2 }'
}
kill "$RESPONDER_PID" 2>/dev/null
wait "$RESPONDER_PID" 2>/dev/null
set_limits "{invites: 4, priority: {trusted: true, reserved_percent: 50}}"
got=$(for k in normal normal normal prio prio prio; do invite $k; done | tr '\n' ' ')
assert_eq "INVITEs: 2 normal pending, the 3rd shed, 2 priority pending, the 3rd shed" \
    "100 100 503 100 100 503 " "$got"
assert_match "mcsec.load: 4 INVITE transactions held" "invites_active: 4" "$(kam_rpc mcsec.load)"
core_responder_start
for _ in $(seq 1 50); do
    kam_rpc mcsec.load | grep -q "invites_active: 0" && break
    sleep 0.1
done
assert_match "the core answered: every slot given back" "invites_active: 0" \
    "$(kam_rpc mcsec.load)"
assert_eq "a normal INVITE passes again" 200 "$(invite normal)"

t_check "kamailio alive" kam_alive
t_finish
