#!/usr/bin/env bash
# ctest demo.mc_services and demo.mc_services_ipv6: MCVideo and MCData
# signalling across two borders, over IPsec, with the shared SPK required
# and topology hiding on, both ways. The two systems of the two-system demo
# (deploy/demo/lib/*.sh: namespaces, charon, kamailio + mcsec.so, sipp MC
# servers) are brought up once, over IPv4 (198.51.100.0/24, 203.0.113.0/24)
# or, with "6", over IPv6 (2001:db8::/32, every socket and the IPsec SA).
# A's MC server sends, through A's border and B's border, to B's MC server:
#   video  an MCVideo group call INVITE (SDP + mcvideo-info; ACK, BYE)
#   sds    an MCData one-to-one SDS MESSAGE (mcdata-info, mcdata-signalling,
#          mcdata-payload with octets 0x01..0xff)
#   fd     an MCData group FD request over HTTP (MESSAGE: mcdata-info and
#          the FD SIGNALLING PAYLOAD with the file URL)
# (bodies: lib/mc_bodies.py). For each, it checks: the request arrived and
# completed; at B's MC server every info element A sent arrived in clear
# with its value, the SDP, mcdata-signalling and mcdata-payload parts byte
# for byte, no trace of the protection; on the link ESP only; inside the SA
# (the capture on B's libipsec TUN device, where SIP-3 between the borders
# is plain text) the info elements are EncryptedData and none of the user
# and group IDs the table of docs/protectable-types.md protects appears in
# clear (TCP streams reassembled), and A's internal addresses are in no SIP
# header (topology hiding); both borders counted the requests. Last, a
# stranger's request straight to B's IS proxy is refused (src.not_partner).
# With DEMO_SPK_MODE=off (by hand: no SPK on either border) it must fail.
#
# usage: test_mc_services.sh [4|6]   (as root; exit 77 when the machine
# cannot run it). Environment: MCSEC_BUILD (build directory), MCSEC_DEMO_KEEP=1.
set -u
DEMO_FAMILY=${1:-4}
case $DEMO_FAMILY in 4 | 6) ;; *)
    echo "usage: $0 [4|6]" >&2
    exit 2
    ;;
esac
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$here/../.." && pwd)
BUILD=${MCSEC_BUILD:-$SRC/build}
KEEP=${MCSEC_DEMO_KEEP:-0}

# shellcheck source=lib/common.sh
. "$here/lib/common.sh"
# shellcheck source=lib/net.sh
. "$here/lib/net.sh"
# shellcheck source=lib/keys.sh
. "$here/lib/keys.sh"
# shellcheck source=lib/border.sh
. "$here/lib/border.sh"
# shellcheck source=lib/http.sh
. "$here/lib/http.sh" # its policy sections stay empty: HTTP=0

SCEN=$here/scenarios
MCSECCTL=$BUILD/tools/mcsecctl
MODULE=$BUILD/kamailio-mod-mcsec/mcsec.so
KAM_CFG=$SRC/deploy/kamailio/mcsec-is-proxy.cfg
TOPOLOGY=1
SDS_FROM=sip:dispatcher-2@a.mcx.example

cannot_run() {
    echo "SKIP: cannot run here: $*"
    exit 77
}
[ "$(id -u)" -eq 0 ] || cannot_run "needs root (network namespaces, charon, nftables)"
for tool in ip nft tcpdump sipp kamailio kamcmd swanctl pki /usr/lib/ipsec/charon od ss python3; do
    command -v "$tool" >/dev/null 2>&1 || cannot_run "$tool not installed (bash scripts/setup.sh)"
done
demo_require_built_and_backend

demo_work_begin mcs

# --- the two systems ----------------------------------------------------------------

t0=$(date +%s)
say "== MCVideo and MCData across two borders over IPv$DEMO_FAMILY (SPK required, topology hidden)"
keys_and_policies
net_up || die "could not make the network namespaces"
ipsec_up b
ipsec_up a
wait_for 20 child_installed a && wait_for 5 child_installed b ||
    die "no CHILD_SA between the borders within 25 s; see $WORK/{a,b}/ipsec/charon.log"
kam_start a
kam_start b
row set-up "A $(hostport "$A_SVC" 5060), B $(hostport "$B_SVC" 5060), IPsec ($BACKEND): $(sa_summary a)"
python3 "$here/lib/mc_bodies.py" make "$WORK" "$A_CORE" || die "mc_bodies.py make failed"

# render NAME TEMPLATE ICSI: $WORK/uac-NAME.xml with NAME's body and type.
render() {
    sed -e "s|@CTYPE@|$(cat "$WORK/$1.ct")|" -e "s|@BODY@|$WORK/$1.body|" -e "s|@ICSI@|$3|" \
        "$SCEN/$2" >"$WORK/uac-$1.xml"
}

# cross NAME METHOD RURI ICSI TEXT: A's MC server sends NAME's body in a
# METHOD to RURI, B's MC server answers; then every check of this test.
cross() {
    local name=$1 method=$2 ruri=$3 uac_rc uas_rc out
    say ""
    say "-- $name: $5"
    if [ "$method" = INVITE ]; then
        render "$name" uac_mc_invite.xml.in "$4"
        uas_start "b-$name" b "$SCEN/uas_mc_invite.xml" "$B_CORE" 5070
    else
        render "$name" uac_mc_message.xml.in "$4"
        uas_start "b-$name" b "$SCEN/uas_mc_message.xml" "$B_CORE" 5070
    fi
    stats_snap "$name-before"
    cap_start "$name" a:veth-a "$(tunnel_spec)"
    uac_run "a-$name" a "$WORK/uac-$name.xml" "$A_CORE" 5071 udp "$(hostport "$A_IN" 5060)" \
        -key ruri "$ruri" -key from "$A_SERVER" -key pai "$A_SERVER"
    uac_rc=$?
    uas_wait
    uas_rc=$?
    cap_stop
    stats_snap "$name-after"
    [ "$uac_rc" -eq 0 ] || bad "A's MC server: $(sipp_why "a-$name")"
    [ "$uas_rc" -eq 0 ] || bad "B's MC server: $(sipp_why "b-$name")"
    # What B's MC server got.
    out=$(python3 "$here/lib/mc_bodies.py" check "$WORK/$name.body" "$WORK/$name.ct" \
        "$WORK/sipp/b-$name.msg" "$method" 2>&1) || bad "$name at B's MC server: $(printf '%s\n' "$out" | grep -v '^ok' | head -n 3 | tr '\n' ' ')"
    printf '%s\n' "$out" | sed 's/^/   at B     /'
    # The link, and inside the SA.
    wire_rows "$name" 1
    if [ -f "$WORK/cap/$name-ipsec0.pcap" ]; then
        out=$(python3 "$here/lib/mc_bodies.py" tunnel "$WORK/cap/$name-ipsec0.pcap" "$WORK/secrets" \
            "$A_CORE" "$A_IN" 2>&1) ||
            bad "inside the SA: $(printf '%s\n' "$out" | grep -v '^sip=' | tr '\n' ' ')"
        row tunnel "inside the SA (B's ipsec0, TCP reassembled): $(printf '%s\n' "$out" | head -n 1)"
        case $out in
            *" encrypted=0 "*) bad "no EncryptedData inside the SA" ;;
        esac
        case $out in
            *" normal=0"*) ;;
            *) bad "an element marked type=\"Normal\" crossed inside the SA" ;;
        esac
    else
        row tunnel "(kernel back end: no TUN device to look inside the SA)"
    fi
    counters_row "$name-before" "$name-after"
    local want=1
    [ "$method" = INVITE ] && want=3
    [ "$(moved "$name-before" "$name-after" a system-b passed_out)" -eq "$want" ] ||
        bad "A did not count $want passed_out towards system-b"
    [ "$(moved "$name-before" "$name-after" b system-a passed_in)" -eq "$want" ] ||
        bad "B did not count $want passed_in from system-a"
}

cross video INVITE sip:mcvideo-cf@b.mcx.example \
    'urn%3Aurn-7%3A3gpp-service.ims.icsi.mcvideo' \
    "MCVideo group call INVITE (SDP + mcvideo-info), ACK, BYE"
cross sds MESSAGE sip:mcdata-pf@b.mcx.example \
    'urn%3Aurn-7%3A3gpp-service.ims.icsi.mcdata.sds' \
    "MCData SDS MESSAGE (mcdata-info + mcdata-signalling + mcdata-payload)"
cross fd MESSAGE sip:mcdata-pf@b.mcx.example \
    'urn%3Aurn-7%3A3gpp-service.ims.icsi.mcdata.fd' \
    "MCData FD request over HTTP (mcdata-info + FD signalling payload with the file URL)"

# The refusal path over the same addresses: a host that is no partner (X)
# sends an MCData MESSAGE straight to B's IS proxy; B answers 403 to it
# (its own refusal may leave the outside socket to a stranger) and counts it.
say ""
say "-- stranger: an MCData MESSAGE from $X_ADDR straight to B's IS proxy"
stats_snap x-before
uac_run x-direct x "$SCEN/attack.xml" "$X_ADDR" 5060 udp "$(hostport "$B_SVC" 5060)" \
    -key ruri sip:mcdata-pf@b.mcx.example -key to sip:mcdata-pf@b.mcx.example \
    -key from "$SDS_FROM" -key pai "P-Asserted-Identity: <$SDS_FROM>" -key ear "X-Demo: no-ear"
stats_snap x-after
reply=$(msg_reply x-direct)
row answer "${reply%%|*} at the stranger"
counters_row x-before x-after
[ "${reply%%|*}" = 403 ] || bad "the stranger got ${reply%%|*}, expected 403"
[ "$(moved x-before x-after b no-partner src.not_partner)" -eq 1 ] ||
    bad "B's counter no-partner src.not_partner did not move by 1"

say ""
if [ "$DEMO_FAILS" -eq 0 ]; then
    say "PASS: MCVideo and MCData across two borders over IPv$DEMO_FAMILY in $(($(date +%s) - t0)) s"
    exit 0
fi
say "FAIL: $DEMO_FAILS problem(s)"
exit 1
