# shellcheck shell=bash disable=SC2034 # (variables used by two-system-demo.sh)
# Two-system demo: the network (sourced by deploy/demo/two-system-demo.sh).
#
#   namespace A                         namespace B                 namespace X
#   lo  198.51.100.1   IS/HTTP proxy    lo  198.51.100.2            (a stranger:
#       198.51.100.11  IS proxy inside      198.51.100.21            a direct MC
#       198.51.100.12  MC server, GMS       198.51.100.22            client)
#   veth-a 203.0.113.1/29 ==== link ==== veth-b 203.0.113.2/29
#                                       veth-bx 203.0.113.65/29 -- veth-x 203.0.113.66/29
#
# With DEMO_FAMILY=6 (set before sourcing) the same layout uses IPv6
# documentation addresses (RFC 3849): services 2001:db8:a::1/11/12 and
# 2001:db8:b::2/21/22 on lo, the link 2001:db8:ff::1 <-> ::2/64, the
# stranger's link 2001:db8:fe::1 <-> ::2/64.
#
# Only addresses of 198.51.100.0/24 and 203.0.113.0/24; no default route,
# nothing is routed out of the namespaces. Each border also routes the
# other's service address in clear via the other's gateway, as a real
# network would: only the IPsec SA and the nftables rules keep SIP-3 and
# HTTP-3 off the link in clear. Names carry the demo's pid, so runs do not
# collide.

NS_A="mcsec-demo-a-$$"
NS_B="mcsec-demo-b-$$"
NS_X="mcsec-demo-x-$$"

DEMO_FAMILY=${DEMO_FAMILY:-4}
if [ "$DEMO_FAMILY" = 6 ]; then
    A_SVC=2001:db8:a::1  A_IN=2001:db8:a::11  A_CORE=2001:db8:a::12  A_GW=2001:db8:ff::1
    B_SVC=2001:db8:b::2  B_IN=2001:db8:b::21  B_CORE=2001:db8:b::22  B_GW=2001:db8:ff::2
    B_XGW=2001:db8:fe::1 X_ADDR=2001:db8:fe::2
    HOST_LEN=128 LINK_LEN=64 NODAD=nodad
else
    A_SVC=198.51.100.1   A_IN=198.51.100.11   A_CORE=198.51.100.12   A_GW=203.0.113.1
    B_SVC=198.51.100.2   B_IN=198.51.100.21   B_CORE=198.51.100.22   B_GW=203.0.113.2
    B_XGW=203.0.113.65   X_ADDR=203.0.113.66
    HOST_LEN=32 LINK_LEN=29 NODAD=
fi

# hostport ADDR PORT: ADDR:PORT, or [ADDR]:PORT for an IPv6 address.
hostport() {
    case $1 in
        *:*) printf '[%s]:%s\n' "$1" "$2" ;;
        *) printf '%s:%s\n' "$1" "$2" ;;
    esac
}

CAPTURE_PIDS=()

ns_of() {
    case $1 in
        a) echo "$NS_A" ;;
        b) echo "$NS_B" ;;
        x) echo "$NS_X" ;;
    esac
}

# in_ns SIDE CMD...: runs CMD in the namespace of system SIDE (a, b or x).
in_ns() {
    local ns
    ns=$(ns_of "$1")
    shift
    ip netns exec "$ns" "$@"
}

# ns_bg SIDE CMD...: starts CMD in the background in SIDE's namespace and
# sets BG_PID to its pid (ip netns exec execs CMD, so it is CMD's pid).
# Redirect the call itself: ns_bg a cmd >log 2>&1.
ns_bg() {
    local ns
    ns=$(ns_of "$1")
    shift
    ip netns exec "$ns" "$@" &
    BG_PID=$!
}

# stop_pid PID [SIGNAL]: SIGNAL (TERM), SIGKILL after 3 s, then reaps it.
stop_pid() {
    local pid=$1 _
    [ -n "$pid" ] || return 0
    kill "-${2:-TERM}" "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 30); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

net_up() {
    local ns
    for ns in "$NS_A" "$NS_B" "$NS_X"; do
        ip netns add "$ns" || return 1
        if [ "$DEMO_FAMILY" = 6 ]; then
            # No duplicate address detection (addresses usable at once), no
            # router solicitations on the wire.
            ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
                net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.default.router_solicitations=0 >/dev/null 2>&1
        else
            # IPv4 only: no IPv6 link-local chatter on the wire.
            ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
                net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
        fi
        ip -n "$ns" link set lo up || return 1
    done
    ip link add veth-a netns "$NS_A" type veth peer name veth-b netns "$NS_B" || return 1
    ip link add veth-x netns "$NS_X" type veth peer name veth-bx netns "$NS_B" || return 1
    # A: gateway on the link, service addresses on lo (no dummy devices here).
    ip -n "$NS_A" addr add "$A_GW/$LINK_LEN" dev veth-a
    ip -n "$NS_A" link set veth-a up
    # shellcheck disable=SC2086 # NODAD: empty or one word
    ip -n "$NS_A" addr add "$A_SVC/$HOST_LEN" $NODAD dev lo
    ip -n "$NS_A" addr add "$A_IN/$HOST_LEN" $NODAD dev lo
    ip -n "$NS_A" addr add "$A_CORE/$HOST_LEN" $NODAD dev lo
    ip -n "$NS_A" route add "$B_SVC/$HOST_LEN" via "$B_GW" src "$A_SVC"
    # B, and its second link towards the stranger.
    ip -n "$NS_B" addr add "$B_GW/$LINK_LEN" dev veth-b
    ip -n "$NS_B" link set veth-b up
    ip -n "$NS_B" addr add "$B_XGW/$LINK_LEN" dev veth-bx
    ip -n "$NS_B" link set veth-bx up
    ip -n "$NS_B" addr add "$B_SVC/$HOST_LEN" $NODAD dev lo
    ip -n "$NS_B" addr add "$B_IN/$HOST_LEN" $NODAD dev lo
    ip -n "$NS_B" addr add "$B_CORE/$HOST_LEN" $NODAD dev lo
    ip -n "$NS_B" route add "$A_SVC/$HOST_LEN" via "$A_GW" src "$B_SVC"
    # X: a host that can reach B's service address, nothing else.
    ip -n "$NS_X" addr add "$X_ADDR/$LINK_LEN" dev veth-x
    ip -n "$NS_X" link set veth-x up
    ip -n "$NS_X" route add "$B_SVC/$HOST_LEN" via "$B_XGW"
}

# net_down: ends whatever still runs in the namespaces, then deletes them.
net_down() {
    local ns pids
    for ns in "$NS_A" "$NS_B" "$NS_X"; do
        ip netns pids "$ns" >/dev/null 2>&1 || continue
        pids=$(ip netns pids "$ns" 2>/dev/null)
        if [ -n "$pids" ]; then
            # shellcheck disable=SC2086 # a list of pids
            kill -TERM $pids 2>/dev/null
            sleep 0.3
            pids=$(ip netns pids "$ns" 2>/dev/null)
            # shellcheck disable=SC2086
            [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
        fi
        ip netns del "$ns" 2>/dev/null
    done
}

# --- captures ---------------------------------------------------------------

# cap_start NAME SIDE:IFACE...: one tcpdump per interface, into
# $WORK/cap/NAME-IFACE.pcap; returns when all listen.
cap_start() {
    local name=$1 spec side ifc out
    shift
    mkdir -p "$WORK/cap"
    CAPTURE_PIDS=()
    for spec in "$@"; do
        [ -n "$spec" ] || continue
        side=${spec%%:*} ifc=${spec#*:}
        out=$WORK/cap/$name-$ifc
        ns_bg "$side" tcpdump -i "$ifc" --immediate-mode -U -s 0 -w "$out.pcap" \
            >"$out.log" 2>&1 </dev/null
        CAPTURE_PIDS+=("$BG_PID")
        wait_for 5 grep -q 'listening on' "$out.log" ||
            die "tcpdump on $ifc of system $side did not start: $(cat "$out.log")"
    done
}

cap_stop() {
    local pid
    sleep 0.3
    for pid in "${CAPTURE_PIDS[@]}"; do
        stop_pid "$pid" INT
    done
    CAPTURE_PIDS=()
}

# tunnel_spec: the capture inside the SA (B's TUN device with libipsec;
# nothing with the kernel back end, where ESP is decrypted in XFRM).
tunnel_spec() {
    [ "$BACKEND" = libipsec ] && echo b:ipsec0
}

# pcap_count FILE FILTER: packets of FILE matching the tcpdump FILTER.
pcap_count() {
    tcpdump -r "$1" -nn "$2" 2>/dev/null | wc -l
}

# ESP: raw ESP, or UDP 4500 whose payload does not start with the non-ESP
# marker (4 zero octets = IKE, RFC 3948) and is not a 1-octet keepalive.
ESP_FILTER='esp or (udp port 4500 and udp[4:2] > 12 and udp[8:4] != 0)'
IKE_FILTER='udp port 500 or (udp port 4500 and udp[8:4] = 0)'
OTHER_FILTER='not (esp or udp port 500 or udp port 4500 or arp)'
# IPv6: libpcap has no udp[] over IPv6, so the UDP header is ip6[40..]
# (no extension headers on this link); neighbour discovery and MLD (ICMPv6,
# MLD behind a hop-by-hop header) are the link's own ARP.
if [ "$DEMO_FAMILY" = 6 ]; then
    ESP_FILTER='esp or (udp port 4500 and ip6[44:2] > 12 and ip6[48:4] != 0)'
    IKE_FILTER='udp port 500 or (udp port 4500 and ip6[48:4] = 0)'
    OTHER_FILTER='not (esp or udp port 500 or udp port 4500 or icmp6 or ip6 proto 0)'
fi

# pcap_text FILE ERE: packets whose raw octets match ERE (grep -a lines).
pcap_text() { grep -a -c -E -- "$2" "$1" 2>/dev/null || true; }

# wire_rows NAME [EXPECT_ESP]: the "wire" line of a step from the capture
# $WORK/cap/NAME-veth-a.pcap on the link between A and B (row and bad of
# common.sh); with EXPECT_ESP=1 there must be ESP.
wire_rows() {
    local f=$WORK/cap/$1-veth-a.pcap esp ike other sip
    esp=$(pcap_count "$f" "$ESP_FILTER")
    ike=$(pcap_count "$f" "$IKE_FILTER")
    other=$(pcap_count "$f" "$OTHER_FILTER")
    sip=$(pcap_text "$f" 'SIP/2\.0|sips?:[a-z0-9.-]+@|HTTP/1\.1|mcx\.example')
    row wire "A-B link: $esp ESP packets (UDP 4500), $ike IKE, $other other; SIP/HTTP text on the link: $([ "$sip" -eq 0 ] && echo none || echo "$sip packets")"
    [ "$sip" -eq 0 ] || bad "SIP or HTTP text crossed the link in clear"
    [ "$other" -eq 0 ] || bad "$other packets on the link that are neither ESP nor IKE"
    if [ "${2:-0}" = 1 ]; then
        [ "$esp" -gt 0 ] || bad "no ESP on the link"
    fi
}
