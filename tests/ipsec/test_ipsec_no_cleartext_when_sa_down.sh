#!/usr/bin/env bash
# With the SA down (both charons stopped, nftables rules left in place) a
# SIP MESSAGE and a TCP connection between the service addresses do not
# reach the link: the marker is not in the capture, nothing arrives, the
# drop rule counts. Control: without the rules the same marker does cross
# in clear, so the capture would have caught it.
# usage: test_ipsec_no_cleartext_when_sa_down.sh MCSECCTL SOURCE_DIR
MCSECCTL=${1:?usage: $0 MCSECCTL SOURCE_DIR}
SRC=${2:?usage: $0 MCSECCTL SOURCE_DIR}
. "$SRC/tests/ipsec/lib.sh"
ipsec_setup

up b && up a || { fail "charon did not start"; exit 1; }
expect_sa_up || exit 1
down a
down b
ip -n "$NS_A" link show ipsec0 >/dev/null 2>&1 && fail "A's TUN device still there after charon stopped"

marker="mcsec-marker-$RUN_ID-down"
sip_listen
http_listen
capture_start sa-down
send_sip "$marker"
send_http "$marker" && fail "TCP connection to B's HTTP proxy address made without SA"
capture_stop
seen=$(marker_in_capture "$marker")
if [ "$seen" -eq 0 ]; then pass "SA down: marker not on the link"; else fail "SA down: marker on the link in clear"; fi
received sip "$marker" && fail "SA down: SIP MESSAGE arrived at B"
received http "$marker" && fail "SA down: HTTP request arrived at B"
if ip netns exec "$NS_A" nft list chain inet mcsec_ipsec output | grep -q 'counter packets [1-9]'; then
  pass "SA down: A's nftables output rule dropped the packets"
else
  fail "SA down: A's nftables output rule counted nothing"
fi

# Control: the same without the rules goes out in clear.
ip netns exec "$NS_A" nft delete table inet mcsec_ipsec
ip netns exec "$NS_B" nft delete table inet mcsec_ipsec
capture_start control
send_sip "$marker-control"
capture_stop
if [ "$(marker_in_capture "$marker-control")" -gt 0 ]; then
  pass "control: without the rules the marker crosses in clear and the capture sees it"
else
  fail "control: the capture did not see the marker sent in clear"
fi
ipsec_finish
