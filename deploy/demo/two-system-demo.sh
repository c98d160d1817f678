#!/usr/bin/env bash
# The two-system demo: system A and system B, each with its border (IS proxy
# = Debian's kamailio + mcsec.so, charon for IPsec, and the HTTP proxy
# mcsec-httpd once it is built), in network namespaces of their own, linked
# by one veth "wire"; their MC servers are sipp (and curl for HTTP). Keys,
# certificates and policies are made at run time. It plays a short story and
# prints, for each step, what was sent, what crossed the wire (a capture on
# the link: ESP only), what arrived and how the counters moved:
#   1. A's MC server starts a group call to a group hosted in B (INVITE with
#      mcptt-info + SDP, EAR signed by the MC server, shared SPK)
#   2. A's MC server sends a MESSAGE (EAR signed by A's border on its behalf)
#   3. B's GMS fetches a group document from A over HTTP-3 (mutual TLS)
#   4. attack: an MC client connects directly to B's IS proxy
#   5. attack: a request from A's side asserts one of B's own identities
#   6. attack: a request with a tampered EAR
# The story is also a test: the exit status is 0 only when every step
# behaved; the work directory is kept when one did not.
#
# usage: two-system-demo.sh [--build] [--keep]   (as root)
#   --build   configure and build into MCSEC_BUILD first
#   --keep    keep the work directory (keys, policies, logs, captures)
# environment:
#   MCSEC_BUILD          build directory (default: build/ of this checkout)
#   MCSEC_IPSEC_BACKEND  kernel|libipsec (default: ipsec/detect-backend.sh)
#   MCSEC_DEMO_TOPOLOGY  auto|on|off: topology hiding (default auto: on when
#                        the module does it)
#   MCSEC_DEMO_KEEP=1    same as --keep
# exit status: 0 story as expected, 1 a step did not behave or set-up
# failed, 2 usage, 77 this machine cannot run it (not root, tool missing).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$here/../.." && pwd)
BUILD=${MCSEC_BUILD:-$SRC/build}
KEEP=${MCSEC_DEMO_KEEP:-0}
DO_BUILD=0
for arg in "$@"; do
    case $arg in
        --build) DO_BUILD=1 ;;
        --keep) KEEP=1 ;;
        -h | --help)
            sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "usage: $0 [--build] [--keep]" >&2
            exit 2
            ;;
    esac
done

# shellcheck source=lib/common.sh
. "$here/lib/common.sh"
# shellcheck source=lib/net.sh
DEMO_FAMILY=4 # the story's HTTP step is IPv4 only; IPv6: test_mc_services.sh 6
. "$here/lib/net.sh"
# shellcheck source=lib/keys.sh
. "$here/lib/keys.sh"
# shellcheck source=lib/border.sh
. "$here/lib/border.sh"
# shellcheck source=lib/http.sh
. "$here/lib/http.sh"
# shellcheck source=lib/media.sh
MEDIA=1 # media anchored by rtpengine on both borders (lib/media.sh)
. "$here/lib/media.sh"
KAM_DEFS=(-A WITH_MEDIA)
PEER=$BUILD/tests/media/mcsec-srtp-peer

SCEN=$here/scenarios
MCSECCTL=$BUILD/tools/mcsecctl
MODULE=$BUILD/kamailio-mod-mcsec/mcsec.so
KAM_CFG=$SRC/deploy/kamailio/mcsec-is-proxy.cfg
GROUP=sip:fire-group@b.mcx.example
CALLER=sip:officer-7@a.mcx.example

# --- prerequisites --------------------------------------------------------------

cannot_run() {
    echo "two-system-demo: cannot run here: $*" >&2
    exit 77
}
[ "$(id -u)" -eq 0 ] || cannot_run "needs root (network namespaces, charon, nftables)"
for tool in ip nft tcpdump sipp kamailio kamcmd swanctl pki /usr/lib/ipsec/charon od ss \
    rtpengine rtpengine-ctl python3; do
    command -v "$tool" >/dev/null 2>&1 || cannot_run "$tool not installed (bash scripts/setup.sh)"
done
if [ "$DO_BUILD" = 1 ]; then
    cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
        cmake --build "$BUILD" -j"$(nproc)" >/dev/null || {
        echo "two-system-demo: build into $BUILD failed" >&2
        exit 1
    }
fi
demo_require_built_and_backend
# Topology hiding: on when the module does it (its cfg calls or its code).
case ${MCSEC_DEMO_TOPOLOGY:-auto} in
    on) TOPOLOGY=1 ;;
    off) TOPOLOGY=0 ;;
    *)
        TOPOLOGY=0
        if grep -q -e mcsec_topo -e Mcsec-Topo "$KAM_CFG" || grep -qa mcsec_topo_ "$MODULE"; then
            TOPOLOGY=1
        fi
        ;;
esac

# --- clean-up (every exit) ---------------------------------------------------------

demo_work_begin demo demo_teardown http

# --- set-up ------------------------------------------------------------------------

say "mcsec two-system demo: MC system A (a.mcx.example) and MC system B (b.mcx.example)"
say ""
say "-- setting up (work dir $WORK)"
t0=$(date +%s%N)
http_detect
keys_and_policies
topo_text="topology hiding off (the module does not do it yet)"
[ "$TOPOLOGY" = 1 ] && topo_text="topology hidden (key per border)"
row keys "CA + border certificate per system (pki), shared SPK $SPK_ID, KMS per system (EAR)"
row policies "partner auth explicit (EAR), SPK required, $topo_text; mcsecctl policy pair: they agree"
net_up || die "could not make the network namespaces"
media_net_up || die "could not add the media relays' addresses"
row network "namespaces $NS_A / $NS_B / $NS_X; the wire: $A_GW <-> $B_GW; nothing routed out"
ipsec_up b
ipsec_up a
wait_for 20 child_installed a && wait_for 5 child_installed b ||
    die "no CHILD_SA between the borders within 25 s; see $WORK/{a,b}/ipsec/charon.log"
row IPsec "back end $BACKEND; SA up: $(sa_summary a)"
row "" "nftables: traffic between the service addresses that did not cross the SA is dropped"
rtp_start a
rtp_start b
row "media" "rtpengine: A $A_IN (inside) | $A_MEDIA (outside, its own CHILD_SA), B $B_IN | $B_MEDIA"
kam_start a
kam_start b
row "IS proxy" "A $A_SVC:5060 (inside $A_IN), B $B_SVC:5060 (inside $B_IN): kamailio + mcsec.so"
http_setup
row "MC server" "sipp at $A_CORE (A) and $B_CORE (B)"
row "ready" "in $((($(date +%s%N) - t0) / 1000000)) ms"

# --- what a step shows ---------------------------------------------------------------

# tunnel_rows NAME: what crossed inside the SA (B's TUN device, libipsec
# only): SPK protection, clear URIs, A's internal addresses.
tunnel_rows() {
    local f=$WORK/cap/$1-ipsec0.pcap enc sig caller sdp internal
    if [ ! -f "$f" ]; then
        row tunnel "(kernel back end: no TUN device to look inside the SA)"
        return
    fi
    enc=$(pcap_text "$f" 'EncryptedData')
    sig=$(pcap_text "$f" 'mcptt-signed\+xml')
    caller=$(pcap_text "$f" "${CALLER#sip:}")
    sdp=$(pcap_text "$f" 'm=audio')
    # in SIP headers (Via, Contact, Record-Route); SDP's media address is not topology
    internal=$(pcap_text "$f" "(Via: SIP/2\\.0/[A-Z]+ |@|<sip:)(${A_CORE//./\\.}|${A_IN//./\\.})[;:>]")
    row tunnel "inside the SA (capture on B's ipsec0): mcptt-info encrypted ($enc pkts with EncryptedData, KeyName = SPK-ID $SPK_ID), signature part $([ "$sig" -gt 0 ] && echo yes || echo NO)"
    row "" "caller URI in clear: $([ "$caller" -eq 0 ] && echo none || echo "$caller packets")$([ "$2" = invite ] && echo ", SDP in clear: $([ "$sdp" -gt 0 ] && echo yes || echo no)"), A's internal addresses in SIP headers: $([ "$internal" -eq 0 ] && echo "none (topology hidden)" || echo "in $internal packets$([ "$TOPOLOGY" = 0 ] && echo " (topology hiding off)")")"
    [ "$enc" -gt 0 ] || bad "no EncryptedData inside the SA: the SPK did not protect the mcptt-info"
    [ "$sig" -gt 0 ] || bad "no signature part inside the SA"
    [ "$caller" -eq 0 ] || bad "the calling user's URI crossed in clear inside the SA"
    if [ "$TOPOLOGY" = 1 ] && [ "$internal" -ne 0 ]; then
        bad "topology hiding is on, but A's internal addresses crossed"
    fi
}

# ear_fields EAR TARGET KMS_SIDE: "source ID, role N" of a valid EAR.
ear_fields() {
    local out
    out=$(printf '%s' "$1" | "$MCSECCTL" ear verify --kms-pub "$WORK/kms-$3/kms.pub" --target-id "$2" 2>&1)
    if printf '%s\n' "$out" | grep -q '^result=ok'; then
        printf '%s\n' "$out" | awk -F= '
            $1 == "source_id" { s = $2 } $1 == "source_role" { r = $2 } $1 == "request_type" { t = $2 }
            END { printf "EAR valid: signed by %s (role %s%s)", s, r, (t != "" ? ", request type " t : "") }'
    else
        printf 'EAR NOT valid: %s' "$(printf '%s' "$out" | tail -n 1)"
    fi
}

# arrived_rows NAME METHOD TARGET: what B's MC server got.
arrived_rows() {
    local msg first caller ear contact
    msg=$(msg_received "$1" "$2")
    if [ -z "$msg" ]; then
        row arrived "nothing at B's MC server"
        bad "the $2 did not arrive at B's MC server"
        return
    fi
    first=$(printf '%s\n' "$msg" | head -n 1)
    caller=$(printf '%s\n' "$msg" | grep -o 'mcptt-calling-user-id type="[A-Za-z]*"><mcpttURI>[^<]*' |
        sed -e 's/.*type="\([A-Za-z]*\)"><mcpttURI>/\1: /' | head -n 1)
    ear=$(printf '%s\n' "$msg" | sed -n 's/^MCX-EAR: *//p' | head -n 1)
    contact=$(printf '%s\n' "$msg" | sed -n 's/^Contact: *//p' | head -n 1)
    row arrived "at B's MC server $B_CORE: $first"
    row "" "calling user ($caller), $([ -n "$ear" ] && ear_fields "$ear" "$3" a || echo "no EAR")"
    row "" "Contact: $contact"
    [ -n "$ear" ] || bad "no EAR reached B's MC server"
    case $caller in Normal:*) ;; *) bad "the calling user did not arrive in clear" ;; esac
}

# attack_rows NAME SIDE EXPECTED_REASON BEFORE_OFFSET: the answer, B's log
# and the counters of an attack (B must refuse with EXPECTED_REASON).
attack_rows() {
    local name=$1 reason=$3 reply status warning logged
    reply=$(msg_reply "$name")
    status=${reply%%|*} warning=${reply#*|}
    logged=$(kam_log_since b "$4" | grep -a 'mcsec: event=refused' | head -n 1 | grep -oE 'reason=[a-z_.]+' | cut -d= -f2)
    local note=""
    if [ -z "$warning" ]; then
        if [ "$2" = x ]; then
            note=" (no Warning: the sender is no partner, it learns nothing)"
        elif [ "$TOPOLOGY" = 1 ]; then
            note=" (no Warning: B's topology hiding strips it towards partners)"
        else
            bad "B's policy says warning_reason, but the answer carries no Warning"
        fi
    elif [ "${warning#*\"}" != "$reason\"" ]; then
        bad "the Warning names another reason: $warning"
    fi
    row answer "$status${warning:+ with Warning: $warning}$note"
    row "B logs" "$(kam_log_since b "$4" | grep -a 'mcsec: event=refused' | head -n 1 |
        sed -e 's/^.*mcsec: //' -e 's/ call_id=.*//' -e 's/ detail=.*//')"
    [ "$status" = 403 ] || bad "expected 403, got $status"
    [ "$logged" = "$reason" ] || bad "expected reason $reason, B logged '${logged:-nothing}'"
}

# group_request STEP NAME UAS_XML UAC_XML EAR_HEADER TUNNEL_KIND METHOD OK_TEXT FAIL_TEXT
# A's MC server sends METHOD to $GROUP through both borders, B's MC server
# answers; the wire, the tunnel, what arrived and the counters become rows.
group_request() {
    local step=$1 name=$2 uas=$3 uac=$4 ear_header=$5 kind=$6 method=$7 uac_rc uas_rc
    stats_snap "$step-before"
    uas_start "b-$name" b "$SCEN/$uas" "$B_CORE" 5070
    cap_start "$step" a:veth-a "$(tunnel_spec)"
    uac_run "a-$name" a "$SCEN/$uac" "$A_CORE" 5071 udp "$A_IN:5060" \
        -key ruri "$GROUP" -key to "$GROUP" -key from "$A_SERVER" \
        -key pai "P-Asserted-Identity: <$A_SERVER>" -key ear "$ear_header" \
        -key caller "$CALLER" -key group "$GROUP"
    uac_rc=$?
    uas_wait
    uas_rc=$?
    cap_stop
    stats_snap "$step-after"
    wire_rows "$step" 1
    tunnel_rows "$step" "$kind"
    arrived_rows "b-$name" "$method" "$GROUP"
    if [ "$uac_rc" -eq 0 ] && [ "$uas_rc" -eq 0 ]; then
        row result "$8"
    else
        row result "$9"
        [ "$uac_rc" -eq 0 ] || bad "A's MC server: $(sipp_why "a-$name")"
        [ "$uas_rc" -eq 0 ] || bad "B's MC server: $(sipp_why "b-$name")"
    fi
    counters_row "$step-before" "$step-after"
}

# --- the story -------------------------------------------------------------------------

# 1. Group call.
step_begin "A's MC server starts a group call to $GROUP (hosted in B)"
ear=$("$MCSECCTL" ear sign --keys "$WORK/a/mcserver-ear" --source-id "$A_SERVER" --source-role 2 \
    --target-id "$GROUP" --target-role 2 --request-type 3 --request-id 1 --expiry 60) ||
    die "mcsecctl ear sign failed"
row sent "INVITE $GROUP, from A's MC server $A_CORE to A's IS proxy (inside $A_IN)"
row "" "body: SDP + mcptt-info (calling user $CALLER); MCX-EAR signed by $A_SERVER (role 2, group call)"
group_request s1 group uas_group_call.xml uac_group_call.xml "MCX-EAR: $ear" invite INVITE \
    "200 OK back at A's MC server; ACK and BYE crossed the same way: call set up and ended" \
    "the call did not complete"
n=$(moved s1-before s1-after a system-b passed_out)
[ "$n" -eq 3 ] || bad "A counted $n passed_out towards system-b, expected 3 (INVITE, ACK, BYE)"
n=$(moved s1-before s1-after b system-a passed_in)
[ "$n" -eq 3 ] || bad "B counted $n passed_in from system-a, expected 3 (INVITE, ACK, BYE)"
step_end

# 1b. Media through the border.
step_begin "a group call with media: SRTP voice and floor control through both borders"
if [ ! -x "$PEER" ]; then
    step_skip "$PEER not built (libsrtp2-dev)"
else
    row sent "INVITE (SDP: SRTP audio, m=application udp MCPTT; + mcptt-info) from $A_CORE; each border's rtpengine anchors the media"
    cap_start s1b a:veth-a "$(tunnel_spec)"
    out=$(python3 "$SRC/tests/media/mc_call.py" call --kind group --steps media,bye \
        --caller-ns "$NS_A" --callee-ns "$NS_B" --caller "$A_CORE" --callee "$B_CORE" \
        --caller-border "$A_IN" --caller-relay "$A_IN" --callee-relay "$B_IN" \
        --caller-range 30000-30199 --callee-range 40000-40199 --peer "$PEER" --work "$WORK" 2>&1)
    rc=$?
    cap_stop
    printf '%s\n' "$out" | grep -E 'initial (audio|floor)' | sed -e 's/^ok initial /media     /' \
        -e 's/^FAIL initial /media     FAIL /' -e 's/^/   /'
    wire_rows s1b 1
    if [ -f "$WORK/cap/s1b-ipsec0.pcap" ]; then
        row partner "SDP B's border got (inside the SA): $(grep -a -o -E '^(c=IN IP4 [0-9.]+|m=[a-z]+ [0-9]+ [A-Za-z/]+)' \
            "$WORK/cap/s1b-ipsec0.pcap" | sort -u | tr '\n' ' ')"
    fi
    row arrived "SDP at B's MC server: $(grep -E '^(c=|m=)' "$WORK/group-offer-at-callee.sdp" 2>/dev/null | tr -d '\r' | tr '\n' ' ')"
    row ports "after BYE: rtpengine sessions A $(rtp_sessions a), B $(rtp_sessions b)"
    [ "$rc" -eq 0 ] || bad "media call: $(printf '%s\n' "$out" | grep '^FAIL' | head -n 2 | tr '\n' ' ')"
fi
step_end

# 2. MESSAGE, the border signs the EAR.
step_begin "A's MC server sends a MESSAGE to the group"
row sent "MESSAGE $GROUP with mcptt-info, no EAR: A's border signs one on its behalf (sign_on_behalf)"
group_request s2 message uas_message.xml uac_message.xml "X-Demo: no-ear" message MESSAGE \
    "200 OK back at A's MC server" "the MESSAGE did not get through"
n=$(moved s2-before s2-after b system-a passed_in)
[ "$n" -eq 1 ] || bad "B counted $n passed_in from system-a, expected 1"
step_end

# 3. HTTP-3.
http_step

# 4. A direct MC client connection.
step_begin "attack: an MC client ($X_ADDR) connects directly to B's IS proxy"
row sent "MESSAGE $GROUP asserting $CALLER, straight to $B_SVC:5060 (not through A's border)"
stats_snap s4-before
off=$(kam_log_size b)
cap_start s4 a:veth-a x:veth-x
uac_run x-direct x "$SCEN/attack.xml" "$X_ADDR" 5060 udp "$B_SVC:5060" \
    -key ruri "$GROUP" -key to "$GROUP" -key from "$CALLER" \
    -key pai "P-Asserted-Identity: <$CALLER>" -key ear "X-Demo: no-ear"
cap_stop
stats_snap s4-after
row wire "the stranger's own link: $(pcap_count "$WORK/cap/s4-veth-x.pcap" 'udp port 5060') SIP packets in clear (its MESSAGE, B's answer); A-B link: $(pcap_count "$WORK/cap/s4-veth-a.pcap" "$ESP_FILTER") ESP packets"
attack_rows x-direct x src.not_partner "$off"
counters_row s4-before s4-after
[ "$(moved s4-before s4-after b no-partner src.not_partner)" -eq 1 ] ||
    bad "B's counter no-partner src.not_partner did not move by 1"
step_end

# 5. A spoofed internal identity.
step_begin "attack: a host at A's border address asserts one of B's own users"
row sent "MESSAGE $GROUP with P-Asserted-Identity <sip:chief@b.mcx.example>, from $A_SVC:5099 through the SA"
stats_snap s5-before
off=$(kam_log_size b)
cap_start s5 a:veth-a
uac_run a-spoof a "$SCEN/attack.xml" "$A_SVC" 5099 udp "$B_SVC:5060" \
    -key ruri "$GROUP" -key to "$GROUP" -key from sip:chief@b.mcx.example \
    -key pai "P-Asserted-Identity: <sip:chief@b.mcx.example>" -key ear "X-Demo: no-ear"
cap_stop
stats_snap s5-after
wire_rows s5 1
attack_rows a-spoof a src.internal_id_spoof "$off"
counters_row s5-before s5-after
[ "$(moved s5-before s5-after b system-a src.internal_id_spoof)" -eq 1 ] ||
    bad "B's counter system-a src.internal_id_spoof did not move by 1"
step_end

# 6. A tampered EAR.
step_begin "attack: a request from A's side with a tampered EAR"
ear=$("$MCSECCTL" ear sign --keys "$WORK/a/mcserver-ear" --source-id "$A_SERVER" --source-role 2 \
    --target-id "$GROUP" --target-role 2 --request-type 3 --request-id 2 --expiry 60) ||
    die "mcsecctl ear sign failed"
# One character of the signature's s part changed (still base64url).
pos=$((${#ear} - 100))
c=${ear:$pos:1}
if [ "$c" = A ]; then c=B; else c=A; fi
bad_ear=${ear:0:$pos}$c${ear:$((pos + 1))}
row sent "MESSAGE $GROUP asserting $A_SERVER, MCX-EAR of A's MC server with one signature octet changed"
stats_snap s6-before
off=$(kam_log_size b)
cap_start s6 a:veth-a
uac_run a-tamper a "$SCEN/attack.xml" "$A_SVC" 5099 udp "$B_SVC:5060" \
    -key ruri "$GROUP" -key to "$GROUP" -key from "$A_SERVER" \
    -key pai "P-Asserted-Identity: <$A_SERVER>" -key ear "MCX-EAR: $bad_ear"
cap_stop
stats_snap s6-after
wire_rows s6 1
attack_rows a-tamper a ear.bad_signature "$off"
counters_row s6-before s6-after
[ "$(moved s6-before s6-after b system-a ear.bad_signature)" -eq 1 ] ||
    bad "B's counter system-a ear.bad_signature did not move by 1"
step_end

# --- the end ------------------------------------------------------------------------------

say ""
say "== counters at the end (kamcmd mcsec.stats, non-zero)"
for side in a b; do
    stats_flat "$side" | awk -v s="${side^^}" '$1 != "total" { printf "   %s  %-12s %-24s %s\n", s, $1, $2, $3 }'
done
child_installed a || bad "the SA is gone at the end of the story"
say ""
if [ "$DEMO_FAILS" -eq 0 ]; then
    say "== result: the story went as expected: $((STEP_N - STEP_SKIPPED)) steps played${HTTP_SKIPPED:+, 1 skipped (HTTP-3: $HTTP_WHY)}, in $((($(date +%s%N) - t0) / 1000000000)) s"
    exit 0
fi
say "== result: $DEMO_FAILS problem(s): the story did NOT go as expected"
exit 1
