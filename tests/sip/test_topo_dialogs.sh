#!/bin/bash
# Topology hiding through two real borders (issue 3): whole dialogs in both
# directions cross system A's and system B's IS proxies, each hiding its
# own inside from the other with authenticated tokens, and complete:
# INVITE/100/180/200/ACK, re-INVITE and UPDATE from each side, BYE from each
# side, CANCEL before answer, 3xx redirect to an internal target, 4xx and
# 5xx failures (500: a proxy turns 503 into 500), SUBSCRIBE/NOTIFY, MESSAGE, OPTIONS, and a dialog that
# outlives a restart of border A (same key file); an ACK from A's core in no
# dialog through the border (no Route) crosses with its Call-ID hidden. A tcpdump capture between
# the borders must hold none of either side's inside addresses, host names,
# Call-IDs or leaking headers (Server, User-Agent, Organization, Warning,
# P-Charging-Vector, the policy's X-Internal-Route and P-Private-*).
# REFER: A's core refers B's core, in a dialog, to an internal conference
# server with an escaped Replaces naming that dialog: B's core receives a
# token URI of border A and, in the Replaces, exactly the Call-ID token the
# dialog carries at B; the INVITE B's core then sends to that URI with that
# Replaces reaches A's core with the internal URI and our own Call-ID, and
# an INVITE from A's core with a Replaces header naming the dialog reaches
# B's core with the dialog's Call-ID token.
# Argument: udp (default) or tcp, the transport between the borders.
. "$(dirname "$0")/test_topo_lib.sh"
two_init "$@"
transport=${1:-udp}

topo_key "$T_DIR/a-topology.key"
topo_key "$T_DIR/b-topology.key"
topo_policy a "$T_DIR/policy-a.yaml" "$T_DIR/a-topology.key" TRANSPORT="$transport"
topo_policy b "$T_DIR/policy-b.yaml" "$T_DIR/b-topology.key" TRANSPORT="$transport"
border_start a "$T_DIR/policy-a.yaml"
border_start b "$T_DIR/policy-b.yaml"
capture_start "$T_DIR/sip3.pcap"

topo_cross dialog-a-to-b a topo_caller.xml topo_callee.xml
topo_cross dialog-b-to-a b topo_caller.xml topo_callee.xml
topo_cross cancel-a-to-b a topo_cancel_caller.xml topo_cancel_callee.xml
topo_cross cancel-b-to-a b topo_cancel_caller.xml topo_cancel_callee.xml
topo_cross redirect-b-to-a b topo_redirect_caller.xml topo_redirect_callee.xml
topo_cross redirect-a-to-b a topo_redirect_caller.xml topo_redirect_callee.xml
topo_cross busy-a-to-b a "$(topo_render topo_fail_caller.xml.in 486 STATUS=486 PHRASE=Busy)" \
    "$(topo_render topo_fail_callee.xml.in 486 STATUS=486 PHRASE=Busy)"
topo_cross error-b-to-a b "$(topo_render topo_fail_caller.xml.in 500 STATUS=500 PHRASE=Server-Error)" \
    "$(topo_render topo_fail_callee.xml.in 500 STATUS=500 PHRASE=Server-Error)"
topo_cross subscribe-a-to-b a topo_subscribe_caller.xml topo_subscribe_callee.xml
topo_cross subscribe-b-to-a b topo_subscribe_caller.xml topo_subscribe_callee.xml
for req in MESSAGE:a OPTIONS:b MESSAGE:b OPTIONS:a; do
    method=${req%:*} from=${req#*:}
    topo_cross "$method-from-$from" "$from" \
        "$(topo_render topo_request_caller.xml.in "$method" METHOD="$method")" \
        "$(topo_render topo_request_callee.xml.in "$method" METHOD="$method")"
done

# REFER with Refer-To and an escaped Replaces, then the transfer INVITEs.
topo_cross refer-a-to-b a topo_refer_caller.xml topo_refer_callee.xml
refer_log=$(grep -o 'referto=.*' "$T_DIR/sipp-refer-a-to-b-callee.log" | head -1)
referto=$(sed -n 's/^referto=\([^ ]*\) .*$/\1/p' <<<"$refer_log")
rcid=$(sed -n 's/^.* rcid=\([^ ]*\) .*$/\1/p' <<<"$refer_log")
dcid=$(sed -n 's/^.* dcid=\([^ ]*\)$/\1/p' <<<"$refer_log")
our_cid=$(sed -n 's/^callid=\([^ ]*\) .*$/\1/p' "$T_DIR/sipp-refer-a-to-b-caller.log" | head -1)
t_check "REFER: B's core received a Refer-To token URI of border A ($referto)" \
    test -n "$referto" -a -n "$our_cid"
assert_eq "REFER: the Replaces in the Refer-To names the dialog's Call-ID token at B" "$dcid" "$rcid"
tags=${referto#*%3Bto-tag%3D}
to_tag=${tags%%%3B*}
from_tag=${tags#*from-tag%3D}
re_escape() { sed -e 's/[].[\*^$()+?{|]/\\&/g' <<<"$1"; }
# B's core acts on the REFER: INVITE to the target with the Replaces.
topo_cross transfer-b-to-a b "$(topo_render topo_transfer_caller.xml.in 486 STATUS=486)" \
    "$(topo_render topo_transfer_callee.xml.in b-to-a STATUS=486 \
        RURI='sip:conf-1@conf\.a\.internal;transport=udp' \
        REPLACES="$(re_escape "$our_cid;to-tag=$to_tag;from-tag=$from_tag")")" \
    -key target "${referto%%\?*}" \
    -key replaces "$dcid@border.a.mcx.example;to-tag=$to_tag;from-tag=$from_tag"
# A's core names the same dialog in a Replaces header.
topo_cross transfer-a-to-b a "$(topo_render topo_transfer_caller.xml.in 486 STATUS=486)" \
    "$(topo_render topo_transfer_callee.xml.in a-to-b STATUS=486 RURI='sip:bob@b\.mcx\.example' \
        REPLACES="$(re_escape "$dcid@border.a.mcx.example;to-tag=$to_tag;from-tag=$from_tag")")" \
    -key target sip:bob@b.mcx.example -key replaces "$our_cid;to-tag=$to_tag;from-tag=$from_tag"

# An ACK from A's core that belongs to no dialog through the border (no
# Route, so no ;mcsec-cid= to take the token from): it crosses, and its
# inside Call-ID must not (the capture check below greps for a.internal).
cat >"$T_DIR/stray-ack.sip" <<EOF
# description: ACK with a to-tag and no Route, inside Call-ID
# transport: udp
ACK sip:bob@b.mcx.example SIP/2.0
Via: SIP/2.0/UDP $A_CORE_IP:5079;branch=@BRANCH@
Max-Forwards: 70
From: <sip:alice@a.mcx.example>;tag=strayfrom
To: <sip:bob@b.mcx.example>;tag=strayto
Call-ID: stray-ack-1@$TOPO_A_ME
CSeq: 1 ACK
Content-Length: 0


EOF
$T_SIPTOOL send --proto udp --src "$A_CORE_IP:5079" --dst "$A_IN_IP:$SIP_PORT" --timeout 1 \
    "$T_DIR/stray-ack.sip" >/dev/null 2>&1
sleep 0.5

# A dialog from A's core, then border A restarts (same policy and key file)
# while the dialog is up: the re-INVITE from A's core and the BYE from B's
# core must still find their way (no per-dialog state anywhere).
topo_keys_b
sipp_bg restart-callee "$T_SCEN/topo_restart_callee.xml" "$B_CORE_IP" "$CORE_PORT" udp -m 1 \
    "${UAC_KEYS[@]}" || t_fail "restart: the callee listens"
topo_keys_a
sipp_bg restart-caller "$T_SCEN/topo_restart_caller.xml" "$A_CORE_IP" "$CORE_PORT" udp -m 1 \
    "${UAC_KEYS[@]}" -cid_str "topo-%u-%p@$TOPO_A_ME" "$A_IN_IP:$SIP_PORT" ||
    t_fail "restart: the caller starts"
sleep 1.5
border_use a
kam_stop >/dev/null 2>&1
t_log "border A stopped in the middle of the dialog"
border_start a "$T_DIR/policy-a.yaml"
sipp_wait restart-caller
assert_eq "restart: the caller completes (re-INVITE after the restart, BYE from B)" 0 $?
sipp_wait restart-callee
assert_eq "restart: the callee completes" 0 $?

capture_stop
topo_capture_clean "$T_DIR/sip3.pcap"
t_check "the stray ACK crossed border A" \
    test "$(grep -a -c 'tag=strayfrom' "$T_DIR/sip3.pcap")" -ge 1
# The border's internal headers (Mcsec-Topo-Ruri on every request whose
# request-URI was restored, Mcsec-Topo-Fault) never reach a core.
t_check "no Mcsec-Topo-* header reached a core or a partner" \
    test -z "$(grep -l -i 'Mcsec-Topo' "$T_DIR"/sipp-*.msg)"

for sys in a b; do
    border_use $sys
    assert_eq "border $sys counted no topo.bad_token" 0 "$(stat_get '*' topo.bad_token)"
done
t_finish
