#!/bin/bash
# Egress over every IS proxy address of a partner (dispatcher, one set per
# partner written by mcsec.so from the policy): system-b has two addresses.
# While the first answers OPTIONS probes but 503 to requests, a request to
# system-b goes to it, gets 503, is counted as egress.partner_failure (and
# logged) and reaches the second (our core sees 200). Once the first answers
# 503 to the probes too, they mark it down and requests go to the second
# only, with no new failure. A partner's probe of this border is answered
# here (a stranger's refused). A reload writes the list again.
. "$(dirname "$0")/lib.sh"
t_init "$@"

BAD_IP=$PARTNER_IP
GOOD_IP=127.0.20.5
A_PAI="P-Asserted-Identity: <sip:alice@a.mcx.example>"

t_policy "$T_DIR/policy.yaml" "B_PROXY=$BAD_IP:$SIP_PORT, $GOOD_IP:$SIP_PORT"
bad_start() { # bad_start [--options-ok]: 503 at the first address
    rm -f "$T_DIR/bad.ready"
    $T_SIPTOOL respond --addr "$BAD_IP:$SIP_PORT" --udp --status "503 Service Unavailable" \
        "$@" --log "$T_DIR/bad-requests.log" --ready "$T_DIR/bad.ready" >"$T_DIR/bad.out" 2>&1 &
    BAD_PID=$!
    T_BG_PIDS+=($BAD_PID)
    for _ in $(seq 1 50); do [ -f "$T_DIR/bad.ready" ] && break; sleep 0.05; done
}
bad_start --options-ok
responder_start good "$GOOD_IP:$SIP_PORT"
core_responder_start
kam_start "$T_DIR/policy.yaml" -A DS_PING_INTERVAL=1
sleep 1.5 # a probe answered: the first address is active

t_check "the dispatcher list: set 1, first address preferred" \
    grep -q "^1 sip:$BAD_IP:$SIP_PORT 0 2 " "$KAM_RUNDIR/mcsec-partners.list"
t_check "the dispatcher list: set 1, second address" \
    grep -q "^1 sip:$GOOD_IP:$SIP_PORT 0 1 " "$KAM_RUNDIR/mcsec-partners.list"

send() { # send LABEL: one MESSAGE from our core to system-b; sipp's exit code
    uac_keys ruri=sip:bob@b.mcx.example to=sip:bob@b.mcx.example from=sip:alice@a.mcx.example \
        pai="$A_PAI"
    sipp_run "core-$1" "$T_SCEN/uac_message.xml" "$CORE_IP" 5071 udp "$IN_IP:$SIP_PORT" \
        "${UAC_KEYS[@]}"
}
not_grep() { ! grep -q "$1" "$2" 2>/dev/null; }
msgs() { grep -c '^udp MESSAGE' "$1" 2>/dev/null || true; }

f0=$(stat_get system-b egress.partner_failure)
log0=$(log_size)
send first
assert_eq "first request: 200 from the second address" 0 $?
assert_eq "first request: the first address answered 503" 1 "$(msgs "$T_DIR/bad-requests.log")"
assert_eq "first request: the second address got it" 1 "$(msgs "$T_DIR/good-requests.log")"
f1=$(stat_get system-b egress.partner_failure)
assert_delta "the 503 counted as egress.partner_failure" 1 "$f0" "$f1"
assert_match "the failure logged" "event=egress_failure reason=egress\.partner_failure partner=system-b" \
    "$(log_since "$log0")"

# Now the first address answers 503 to the probes too: they mark it down
# (dispatcher.list shows it inactive).
kill "$BAD_PID" 2>/dev/null
wait "$BAD_PID" 2>/dev/null
bad_start
for _ in $(seq 1 60); do
    kam_rpc dispatcher.list 2>/dev/null | grep -A3 "URI: sip:$BAD_IP:$SIP_PORT" |
        grep -q "FLAGS: I" && break
    sleep 0.1
done
assert_match "the first address marked inactive (the failure, the probes)" "FLAGS: I" \
    "$(kam_rpc dispatcher.list 2>/dev/null | grep -A3 "URI: sip:$BAD_IP:$SIP_PORT")"
t_check "the probes were OPTIONS" grep -q '^udp OPTIONS' "$T_DIR/bad-requests.log"
sleep 1.2 # one more probe: still down
send second
assert_eq "second request: 200" 0 $?
assert_eq "second request: the dead address skipped" 1 "$(msgs "$T_DIR/bad-requests.log")"
assert_eq "second request: the second address got it" 2 "$(msgs "$T_DIR/good-requests.log")"
assert_eq "no new failure counted" "$f1" "$(stat_get system-b egress.partner_failure)"

assert_match "mcsec.reload reloads the dispatcher list" "generation" "$(kam_rpc mcsec.reload 2>&1)"
send third
assert_eq "after the reload: 200" 0 $?
# The other side of probing: a partner's probe of this border (OPTIONS to
# the border's own address, no user) is answered 200 here, a stranger's 403.
cat >"$T_DIR/probe.sip" <<SIP
# description: dispatcher probe of this border
# transport: udp
OPTIONS sip:$OUT_IP:$SIP_PORT SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5060;branch=@BRANCH@
Max-Forwards: 70
From: <sip:dispatcher@localhost>;tag=p1
To: <sip:$OUT_IP:$SIP_PORT>
Call-ID: @CALLID@
CSeq: 1 OPTIONS
Content-Length: 0


SIP
probe() { $T_SIPTOOL send --proto udp --src "$1:$SIP_PORT" --dst "$OUT_IP:$SIP_PORT" \
    "$T_DIR/probe.sip" | awk '{ print $2 }'; }
kill "$BAD_PID" 2>/dev/null # its address sends the partner's probe now
wait "$BAD_PID" 2>/dev/null
assert_eq "a partner's probe answered 200 by the border" 200 "$(probe "$BAD_IP")"
assert_eq "a stranger's probe refused" 403 "$(probe "$STRANGER_IP")"
t_check "no probe relayed to our core" not_grep OPTIONS "$T_DIR/core-requests.log"

t_check "kamailio alive" kam_alive
t_finish
