#!/usr/bin/env bash
# ctest media.two_borders: media through two borders (issue 19). The
# two-system demo's network (deploy/demo/lib: namespaces, charon over
# IPsec, kamailio + mcsec.so) with MEDIA=1: each border also runs Debian's
# rtpengine (lib/media.sh), its policy has system.media and the partner's
# media section, and kamailio runs the cfg with -A WITH_MEDIA.
# tests/media/mc_call.py plays the MC servers, mcsec-srtp-peer the media:
#   group    an MCPTT group call from A to B: INVITE with SDP + mcptt-info
#            (SPK-protected by A, unprotected by B), SRTP audio (AES-128-GCM,
#            RFC 7714) and SRTCP floor control both ways, decrypted at the
#            far end with octets unchanged; a re-INVITE moving A's audio to
#            a new port; hold (sendonly/recvonly) and resume; a re-INVITE
#            without SDP (the 200 offers, the ACK answers); BYE
#   cancel   a call answered 180 with SDP (early media), then CANCEL, 487:
#            both relays free the session
#   private  a private call from B to A (a=key-mgmt MIKEY stand-in) with
#            media both ways, BYE
#   prack    a private call from B to A: INVITE without SDP, a reliable 183
#            (RFC 3262) offers, the PRACK answers; media; an UPDATE (RFC
#            3311) moves the audio, media again; BYE
#   sdes     a private call from A to B whose SDPs carry SDES a=crypto
#            (RFC 4568, AES_CM_128_HMAC_SHA1_80) and a=key-mgmt: each core
#            gets the a=crypto lines octet for octet in their section
#            (mcsec_sdp_get holds them back from rtpengine, mcsec_sdp_set
#            puts them back), the audio SRTP keyed by them decrypts at the
#            far end with packets unchanged (rtpengine did not re-key)
# Checked besides: each core got SDP anchored at its own relay only; the
# SDP that crossed between the borders names only the relays' outside
# addresses (inside the SA: B's libipsec TUN device); on the A-B link only
# ESP while media flows; after BYE both rtpengines hold no session; bad SDP
# (hundreds of m-lines, broken, unknown profile, plain RTP/AVP) refused
# with its reason code, a declined stream (port 0) in the group call kept
# at port 0 (RFC 3264), and afterwards
# kamailio and rtpengine still run on both borders. Last: rtpengine
# stopped, an INVITE with SDP is refused 500 media.relay_unavailable.
#
# usage: test_media_two_borders.sh   (root; exit 77 when the machine cannot
# run it). Environment: MCSEC_BUILD (build directory), MCSEC_DEMO_KEEP=1.
# shellcheck source-path=SCRIPTDIR disable=SC2034 # (variables the demo libraries read)
set -u
DEMO_FAMILY=4
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$here/../.." && pwd)
demo=$SRC/deploy/demo
BUILD=${MCSEC_BUILD:-$SRC/build}
KEEP=${MCSEC_DEMO_KEEP:-0}
MEDIA=1
# the cfg anchors SDP in PRACK and UPDATE too: the partners allow them here
DEMO_SIP_METHODS="INVITE, ACK, BYE, CANCEL, MESSAGE, OPTIONS, PRACK, UPDATE"

# shellcheck source=../../deploy/demo/lib/common.sh
. "$demo/lib/common.sh"
# shellcheck source=../../deploy/demo/lib/net.sh
. "$demo/lib/net.sh"
# shellcheck source=../../deploy/demo/lib/keys.sh
. "$demo/lib/keys.sh"
# shellcheck source=../../deploy/demo/lib/border.sh
. "$demo/lib/border.sh"
# shellcheck source=../../deploy/demo/lib/http.sh
. "$demo/lib/http.sh"
# shellcheck source=../../deploy/demo/lib/media.sh
. "$demo/lib/media.sh"

MCSECCTL=$BUILD/tools/mcsecctl
MODULE=$BUILD/kamailio-mod-mcsec/mcsec.so
PEER=$BUILD/tests/media/mcsec-srtp-peer
KAM_CFG=${MCSEC_KAM_CFG:-$SRC/deploy/kamailio/mcsec-is-proxy.cfg}
TOPOLOGY=1
KAM_DEFS=(-A WITH_MEDIA)

cannot_run() {
    echo "SKIP: cannot run here: $*"
    exit 77
}
[ "$(id -u)" -eq 0 ] || cannot_run "needs root (network namespaces, charon, nftables)"
for tool in ip nft tcpdump kamailio kamcmd swanctl pki /usr/lib/ipsec/charon rtpengine \
    rtpengine-ctl python3; do
    command -v "$tool" >/dev/null 2>&1 || cannot_run "$tool not installed (bash scripts/setup.sh)"
done
[ -x "$PEER" ] || cannot_run "$PEER not built (libsrtp2-dev)"
demo_require_built_and_backend

demo_work_begin media

t0=$(date +%s)
say "== media through two borders (rtpengine, SRTP relayed untouched, ESP only on the link)"
keys_and_policies
net_up || die "could not make the network namespaces"
media_net_up || die "could not add the media relays' addresses"
ipsec_up b
ipsec_up a
wait_for 20 child_installed a && wait_for 5 child_installed b ||
    die "no CHILD_SA between the borders within 25 s; see $WORK/{a,b}/ipsec/charon.log"
rtp_start a
rtp_start b
kam_start a
kam_start b
row set-up "IPsec ($BACKEND) $(sa_summary a); rtpengine A $A_IN|$A_MEDIA, B $B_IN|$B_MEDIA"

# call LABEL ARGS...: one mc_call.py call; its lines as rows.
call() {
    local label=$1 out rc
    shift
    out=$(python3 "$here/mc_call.py" call --peer "$PEER" --work "$WORK" "$@" 2>&1)
    rc=$?
    printf '%s\n' "$out" | sed 's/^/   /'
    [ "$rc" -eq 0 ] || bad "$label: $(printf '%s\n' "$out" | grep -E '^FAIL|Error' | head -n 3 | tr '\n' ' ')"
}

say ""
say "-- group call A -> B (SPK-protected multipart INVITE), media, re-INVITE, hold/resume, late offer, BYE"
cap_start group a:veth-a "$(tunnel_spec)"
call "group call" --kind group --caller-ns "$NS_A" --callee-ns "$NS_B" \
    --caller "$A_CORE" --callee "$B_CORE" --caller-border "$A_IN" \
    --caller-relay "$A_IN" --callee-relay "$B_IN" \
    --caller-range 30000-30199 --callee-range 40000-40199 --caller-dom a --callee-dom b
cap_stop
wire_rows group 1
# inside the SA: the SDP between the borders names only the relays' outside
# addresses (c=/o= lines), never a core or an inside address
if [ -f "$WORK/cap/group-ipsec0.pcap" ]; then
    inner=$(grep -a -c -E "c=IN IP4 ($A_CORE|$A_IN|$A_SVC|$B_CORE|$B_IN|$B_SVC)\\b" "$WORK/cap/group-ipsec0.pcap" || true)
    outer=$(grep -a -c -E "c=IN IP4 ($A_MEDIA|$B_MEDIA)\\b" "$WORK/cap/group-ipsec0.pcap" || true)
    row tunnel "SDP inside the SA: $outer lines naming the relays' outside addresses, $inner another address"
    [ "$inner" -eq 0 ] || bad "an inside address crossed in SDP between the borders"
    [ "$outer" -gt 0 ] || bad "no SDP seen inside the SA"
    # the multipart INVITE crossed SPK-protected (with the SDP rtpengine
    # wrote): the caller's identity never in clear inside the SA
    enc=$(grep -a -c 'EncryptedData' "$WORK/cap/group-ipsec0.pcap" || true)
    clear=$(grep -a -c '<mcpttURI>sip:mcptt@a.mcx.example</mcpttURI>' "$WORK/cap/group-ipsec0.pcap" || true)
    row spk "inside the SA: $enc packets with EncryptedData, caller's identity in clear in $clear"
    [ "$enc" -gt 0 ] && [ "$clear" -eq 0 ] || bad "the mcptt-info did not cross SPK-protected"
fi
sa=$(rtp_sessions a) sb=$(rtp_sessions b)
row ports "after BYE: rtpengine A $sa session(s), B $sb"
[ "$sa" = 0 ] && [ "$sb" = 0 ] || bad "the relays still hold sessions after BYE (A $sa, B $sb)"

say ""
say "-- private call B -> A (a=key-mgmt), media both ways, BYE"
call "private call" --kind private --caller-ns "$NS_B" --callee-ns "$NS_A" \
    --caller "$B_CORE" --callee "$A_CORE" --caller-border "$B_IN" \
    --caller-relay "$B_IN" --callee-relay "$A_IN" \
    --caller-range 40000-40199 --callee-range 30000-30199 --caller-dom b --callee-dom a \
    --steps media,bye
sa=$(rtp_sessions a) sb=$(rtp_sessions b)
[ "$sa" = 0 ] && [ "$sb" = 0 ] || bad "the relays still hold sessions after BYE (A $sa, B $sb)"

say ""
say "-- private call A -> B with SDES a=crypto and a=key-mgmt: the lines cross untouched, SRTP keyed by them"
call "SDES call" --kind private --sdes --caller-ns "$NS_A" --callee-ns "$NS_B" \
    --caller "$A_CORE" --callee "$B_CORE" --caller-border "$A_IN" \
    --caller-relay "$A_IN" --callee-relay "$B_IN" \
    --caller-range 30000-30199 --callee-range 40000-40199 --caller-dom a --callee-dom b \
    --steps media,move,bye
sa=$(rtp_sessions a) sb=$(rtp_sessions b)
[ "$sa" = 0 ] && [ "$sb" = 0 ] || bad "the relays still hold sessions after the SDES call (A $sa, B $sb)"

say ""
say "-- private call B -> A: INVITE without SDP, reliable 183 offers, PRACK answers; UPDATE moves the audio"
out=$(python3 "$here/mc_call.py" prack --peer "$PEER" --work "$WORK" --kind private \
    --caller-ns "$NS_B" --callee-ns "$NS_A" --caller "$B_CORE" --callee "$A_CORE" \
    --caller-border "$B_IN" --caller-relay "$B_IN" --callee-relay "$A_IN" \
    --caller-range 40000-40199 --callee-range 30000-30199 --caller-dom b --callee-dom a 2>&1) ||
    bad "prack/update: $(printf '%s\n' "$out" | grep -E '^FAIL|Error' | head -n 3 | tr '\n' ' ')"
printf '%s\n' "$out" | sed 's/^/   /'
sa=$(rtp_sessions a) sb=$(rtp_sessions b)
[ "$sa" = 0 ] && [ "$sb" = 0 ] || bad "the relays still hold sessions after the PRACK/UPDATE call (A $sa, B $sb)"

say ""
say "-- call A -> B cancelled after a 180 with SDP (early media answer): CANCEL, 487"
out=$(python3 "$here/mc_call.py" cancel --peer "$PEER" --work "$WORK" --kind group \
    --caller-ns "$NS_A" --callee-ns "$NS_B" --caller "$A_CORE" --callee "$B_CORE" \
    --caller-border "$A_IN" --caller-relay "$A_IN" --callee-relay "$B_IN" \
    --caller-range 30000-30199 --callee-range 40000-40199 2>&1) || bad "cancel: $(printf '%s\n' "$out" | grep FAIL | head -n 2 | tr '\n' ' ')"
printf '%s\n' "$out" | sed 's/^/   /'
relays_idle() { [ "$(rtp_sessions a)" = 0 ] && [ "$(rtp_sessions b)" = 0 ]; }
wait_for 3 relays_idle
sa=$(rtp_sessions a) sb=$(rtp_sessions b)
row ports "after CANCEL: rtpengine A $sa session(s), B $sb"
[ "$sa" = 0 ] && [ "$sb" = 0 ] || bad "the relays still hold sessions after CANCEL (A $sa, B $sb)"

say ""
say "-- bad SDP from A's MC server"
log_bad=$(kam_log_size a)
out=$(python3 "$here/mc_call.py" bad --caller-ns "$NS_A" --caller "$A_CORE" --border "$A_IN" 2>&1)
printf '%s\n' "$out" | sed 's/^/   answer    /'
expect_bad() {
    local got
    got=$(printf '%s\n' "$out" | awk -v n="$1" '$1 == n { print $2 " " $3 }')
    case " $got" in
        *" $2"*) ;;
        *) bad "$1: got '$got', expected '$2'" ;;
    esac
}
expect_bad hundreds_of_m_lines "488 media.too_many_streams"
expect_bad broken_sdp "400 media.malformed"
expect_bad unknown_profile "488 media.line_not_allowed"
expect_bad plain_rtp_avp "488 media.insecure_profile"
for side in a b; do
    kill -0 "${KAM_PID[$side]}" 2>/dev/null || bad "kamailio of system $side died"
    rtp_alive "$side" || bad "rtpengine of system $side died or does not answer"
done

say ""
say "-- rtpengine of A stopped: fail closed"
rtp_stop a
log_a=$(kam_log_size a)
out=$(python3 "$here/mc_call.py" bad --valid --caller-ns "$NS_A" --caller "$A_CORE" --border "$A_IN" 2>&1)
row answer "$out"
case $out in
    *" 500 "*) ;;
    *) bad "without rtpengine: '$out', expected 500" ;;
esac
kam_log_since a "$log_a" | grep -q 'reason=media.relay_unavailable' ||
    bad "A's IS proxy did not log media.relay_unavailable"

say ""
if [ "$DEMO_FAILS" -eq 0 ]; then
    say "PASS: media through two borders in $(($(date +%s) - t0)) s"
    exit 0
fi
say "FAIL: $DEMO_FAILS problem(s)"
exit 1
