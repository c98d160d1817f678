# shellcheck shell=bash
# Shared set-up of the IPsec tests (sourced). Two borders A and B, each in
# a network namespace of its own, linked by a veth pair:
#   A: gateway 203.0.113.1 (veth), service address 198.51.100.1 (on lo)
#   B: gateway 203.0.113.2 (veth), service address 198.51.100.2 (on lo)
# Each namespace also routes the other's service address via the other's
# gateway in clear, as a real network would: only the tunnel and the
# nftables rules keep traffic off the link in clear. Certificates (a CA per
# system, border certificates, a rogue CA) and policies are made per run.
# Nothing is routed out of the namespaces.
#
# The test script sets MCSECCTL and SRC, sources this file, calls ipsec_setup
# and defines its checks; cleanup runs on every exit (trap).
set -u

# Exit 77 (ctest: skipped) when this machine cannot run the tests.
ipsec_prerequisites() {
  local tool
  if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: needs root (network namespaces)"
    exit 77
  fi
  for tool in /usr/lib/ipsec/charon swanctl pki nft socat tcpdump ip; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "SKIP: $tool not installed (scripts/setup.sh)"
      exit 77
    fi
  done
  if ! "$MCSECCTL" --help 2>/dev/null | grep -q "ipsec render"; then
    echo "FAIL: $MCSECCTL has no 'ipsec render'"
    exit 1
  fi
}
ipsec_prerequisites

IPSEC_DIR="$SRC/ipsec"
RUN_ID="$$"
NS_A="mcsec-ipa-$RUN_ID"
NS_B="mcsec-ipb-$RUN_ID"
WORK=$(mktemp -d /tmp/mcsec-ipsec.XXXXXX)
CAPTURE_PID=""
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

pass() {
  echo "ok: $*"
}

note() {
  echo "--- $*"
}

ipsec_cleanup() {
  local rc=$?
  [ -n "$CAPTURE_PID" ] && kill "$CAPTURE_PID" 2>/dev/null
  for side in a b; do
    [ -d "$WORK/$side" ] && "$IPSEC_DIR/border-down.sh" "system-$side" "x" "$WORK/$side" >/dev/null 2>&1
  done
  # Anything else still running in the namespaces (socat listeners).
  for ns in "$NS_A" "$NS_B"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
  if [ "$failures" -ne 0 ] || [ "$rc" -ne 0 ]; then
    for side in a b; do
      if [ -f "$WORK/$side/charon.log" ]; then
        echo "=== tail of charon.log of system-$side" >&2
        tail -n 40 "$WORK/$side/charon.log" >&2
      fi
    done
  fi
  if [ -n "${KEEP_WORK:-}" ]; then echo "work dir kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap ipsec_cleanup EXIT
trap 'exit 130' INT TERM

# --- certificates --------------------------------------------------------

# make_ca NAME CN: NAME.key, NAME.pem under $WORK/pki
make_ca() {
  pki --gen --type ecdsa --size 256 --outform pem >"$WORK/pki/$1.key"
  pki --self --ca --lifetime 30 --in "$WORK/pki/$1.key" --type ecdsa \
    --dn "C=XX, O=mcsec test, CN=$2" --outform pem >"$WORK/pki/$1.pem"
}

# make_cert NAME CA HOST: border certificate with subjectAltName HOST
make_cert() {
  pki --gen --type ecdsa --size 256 --outform pem >"$WORK/pki/$1.key"
  pki --pub --in "$WORK/pki/$1.key" --type ecdsa |
    pki --issue --lifetime 30 --cacert "$WORK/pki/$2.pem" --cakey "$WORK/pki/$2.key" \
      --dn "C=XX, O=mcsec test, CN=$3" --san "$3" --outform pem >"$WORK/pki/$1.pem"
}

make_pki() {
  mkdir -p "$WORK/pki"
  # pki loads only what it needs (the default list names absent plugins).
  printf 'pki {\n  load = random nonce pem pkcs1 pkcs8 x509 pubkey openssl\n}\n' >"$WORK/pki.conf"
  export STRONGSWAN_CONF="$WORK/pki.conf"
  make_ca ca-a "System A CA"
  make_ca ca-b "System B CA"
  make_ca ca-rogue "System B CA"
  make_cert border-a ca-a a.mcx.example
  make_cert border-b ca-b b.mcx.example
  make_cert rogue-b ca-rogue b.mcx.example
  chmod 600 "$WORK"/pki/*.key
  unset STRONGSWAN_CONF
}

# --- policies ------------------------------------------------------------

# write_policy SELF OTHER CERT_NAME: $WORK/SELF/policy.yaml for system-SELF
# (SELF/OTHER: a or b), using border certificate CERT_NAME and the other
# system's CA.
write_policy() {
  local self=$1 other=$2 cert=$3 self_n other_n
  if [ "$self" = a ]; then self_n=1 other_n=2; else self_n=2 other_n=1; fi
  mkdir -p "$WORK/$self"
  cat >"$WORK/$self/policy.yaml" <<POLICY
version: 1
system:
  name: system-$self
  identity: sip:border@$self.mcx.example
  domains: [$self.mcx.example]
  addresses:
    is_proxy: 198.51.100.$self_n:5060
    http_proxy: 198.51.100.$self_n:8443
    gateway: 203.0.113.$self_n
  sip:
    core: 198.51.100.$((self_n + 10)):5070
  keys:
    cert: $WORK/pki/$cert.pem
    key: $WORK/pki/$cert.key
partners:
  - name: system-$other
    identity: sip:border@$other.mcx.example
    domains: [$other.mcx.example]
    addresses:
      is_proxy: [198.51.100.$other_n:5060]
      http_proxy: 198.51.100.$other_n:8443
      gateway: 203.0.113.$other_n
    auth: implicit
    sip:
      methods: [INVITE, ACK, BYE, MESSAGE, OPTIONS]
      content_types: [text/plain]
      max_body: 4096
    keys:
      ca: $WORK/pki/ca-$other.pem
POLICY
}

# render SIDE: swanctl.conf and nft.conf of system-SIDE
render() {
  local dir="$WORK/$1"
  "$MCSECCTL" ipsec render --policy "$dir/policy.yaml" --backend "$BACKEND" \
    -o "$dir/swanctl.conf" || return 1
  "$MCSECCTL" ipsec render --policy "$dir/policy.yaml" --backend "$BACKEND" --nft \
    -o "$dir/nft.conf"
}

# --- namespaces ----------------------------------------------------------

make_netns() {
  ip netns add "$NS_A"
  ip netns add "$NS_B"
  ip link add veth-a netns "$NS_A" type veth peer name veth-b netns "$NS_B"
  local ns side n other
  for side in a b; do
    if [ $side = a ]; then ns=$NS_A n=1 other=2; else ns=$NS_B n=2 other=1; fi
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "203.0.113.$n/24" dev "veth-$side"
    ip -n "$ns" link set "veth-$side" up
    # Service address on lo: this kernel has no dummy interfaces.
    ip -n "$ns" addr add "198.51.100.$n/32" dev lo
    ip -n "$ns" route add "198.51.100.$other/32" via "203.0.113.$other" src "198.51.100.$n"
  done
}

ipsec_setup() {
  BACKEND=${MCSEC_IPSEC_BACKEND:-$("$IPSEC_DIR/detect-backend.sh")}
  export MCSEC_IPSEC_BACKEND=$BACKEND
  note "back end: $BACKEND, work dir $WORK"
  make_pki
  write_policy a b border-a
  write_policy b a border-b
  render a && render b || { fail "render"; exit 1; }
  make_netns
}

ns_of() { if [ "$1" = a ]; then echo "$NS_A"; else echo "$NS_B"; fi; }

up() { "$IPSEC_DIR/border-up.sh" "system-$1" "$(ns_of "$1")" "$WORK/$1" >/dev/null; }
down() { "$IPSEC_DIR/border-down.sh" "system-$1" "$(ns_of "$1")" "$WORK/$1" >/dev/null; }

# sas SIDE: the raw SA list of system-SIDE (one line per IKE_SA)
sas() {
  "$IPSEC_DIR/border-status.sh" "system-$1" "$(ns_of "$1")" "$WORK/$1" --raw 2>/dev/null
}

# child_installed SIDE: true when an IKE_SA is established with an
# installed CHILD_SA
child_installed() {
  sas "$1" | grep -q 'state=ESTABLISHED.*child-sas.*state=INSTALLED'
}

ike_established() {
  sas "$1" | grep -q 'state=ESTABLISHED'
}

# wait_for SECONDS CMD...: polls CMD every 0.2 s
wait_for() {
  local limit=$(($1 * 5))
  shift
  for _ in $(seq 1 "$limit"); do
    "$@" && return 0
    sleep 0.2
  done
  return 1
}

# child_spis SIDE: "spi-in spi-out" of the CHILD_SAs, sorted
child_spis() {
  sas "$1" | grep -o 'spi-in=[0-9a-f]* spi-out=[0-9a-f]*' | sort | tr '\n' ' '
}

# --- traffic and capture -------------------------------------------------

# capture_start NAME: tcpdump on A's veth into $WORK/NAME.pcap
capture_start() {
  CAPTURE_FILE="$WORK/$1.pcap"
  ip netns exec "$NS_A" tcpdump -i veth-a --immediate-mode -U -s 0 -w "$CAPTURE_FILE" >"$WORK/$1.tcpdump" 2>&1 &
  CAPTURE_PID=$!
  wait_for 5 grep -q 'listening on' "$WORK/$1.tcpdump"
}

capture_stop() {
  sleep 0.3
  kill "$CAPTURE_PID" 2>/dev/null
  wait "$CAPTURE_PID" 2>/dev/null
  CAPTURE_PID=""
}

# ESP packets in the capture: raw ESP, or UDP 4500 whose payload does not
# start with the non-ESP marker (4 zero octets = IKE, RFC 3948) and is not
# a 1-octet NAT keepalive.
esp_count() {
  tcpdump -r "$CAPTURE_FILE" -nn 'esp or (udp port 4500 and udp[4:2] > 12 and udp[8:4] != 0)' \
    2>/dev/null | wc -l
}

ike_count() {
  tcpdump -r "$CAPTURE_FILE" -nn 'udp port 500 or (udp port 4500 and udp[8:4] = 0)' \
    2>/dev/null | wc -l
}

# Packets with the marker anywhere in them (headers, payload, any protocol).
marker_in_capture() {
  grep -c -a -F "$1" "$CAPTURE_FILE" 2>/dev/null || true
}

# send_sip MARKER: a SIP MESSAGE over UDP from A's IS proxy address to B's,
# with MARKER in a plain header; B's listener writes what arrives to
# $WORK/sip.rx. Returns when sent.
sip_listen() {
  rm -f "$WORK/sip.rx"
  ip netns exec "$NS_B" socat -u UDP-RECV:5060,bind=198.51.100.2,reuseaddr \
    "OPEN:$WORK/sip.rx,creat,append" >/dev/null 2>&1 &
  sleep 0.3
}

send_sip() {
  printf 'MESSAGE sip:gms@b.mcx.example SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK-%s\r\nFrom: <sip:border@a.mcx.example>;tag=1\r\nTo: <sip:gms@b.mcx.example>\r\nCall-ID: %s@a.mcx.example\r\nCSeq: 1 MESSAGE\r\nX-Test-Marker: %s\r\nContent-Length: 0\r\n\r\n' \
    "$RUN_ID" "$RUN_ID" "$1" |
    ip netns exec "$NS_A" socat -u - UDP-SENDTO:198.51.100.2:5060,bind=198.51.100.1:5060 2>/dev/null
}

# HTTP-like request over TCP from A's HTTP proxy address to B's; the
# listener on B writes what arrives to $WORK/http.rx. Returns the client's
# exit status (non-zero when no connection could be made in 3 s).
http_listen() {
  rm -f "$WORK/http.rx"
  ip netns exec "$NS_B" socat -u TCP-LISTEN:8443,bind=198.51.100.2,reuseaddr,fork \
    "OPEN:$WORK/http.rx,creat,append" >/dev/null 2>&1 &
  sleep 0.3
}

send_http() {
  printf 'GET /group/1 HTTP/1.1\r\nHost: b.mcx.example\r\nX-Test-Marker: %s\r\n\r\n' "$1" |
    ip netns exec "$NS_A" timeout 5 socat -u - TCP:198.51.100.2:8443,bind=198.51.100.1,connect-timeout=3 2>/dev/null
}

received() { grep -q -F "$2" "$WORK/$1.rx" 2>/dev/null; }

# sas_none_for SECONDS SIDE...: true when no IKE_SA of the sides reaches
# ESTABLISHED during SECONDS (polled every 0.2 s)
no_ike_for() {
  local limit=$(($1 * 5)) side
  shift
  for _ in $(seq 1 "$limit"); do
    for side in "$@"; do
      ike_established "$side" && return 1
    done
    sleep 0.2
  done
  return 0
}

# edit_conf SIDE SED-EXPR: changes system-SIDE's rendered swanctl.conf (the
# tests' stand-in for a badly configured peer)
edit_conf() {
  sed -i "$2" "$WORK/$1/swanctl.conf"
}

# in_log SIDE TEXT: TEXT in system-SIDE's charon log
in_log() { grep -q -F "$2" "$WORK/$1/charon.log"; }

# expect_sa_up: both sides have an installed CHILD_SA within 20 s
expect_sa_up() {
  if wait_for 15 child_installed a && wait_for 5 child_installed b; then
    pass "${1:-SA} up on both sides"
    return 0
  fi
  fail "${1:-SA}: no CHILD_SA within 20 s"
  return 1
}

# expect_traffic_protected LABEL: SIP and HTTP with a fresh marker cross
# between the service addresses, ESP is seen and the marker is not.
expect_traffic_protected() {
  local marker="mcsec-marker-$RUN_ID-$RANDOM" esp seen
  sip_listen
  http_listen
  capture_start "$1"
  send_sip "$marker"
  send_http "$marker" || fail "$1: no TCP connection to B's HTTP proxy address"
  sleep 0.5
  capture_stop
  if received sip "$marker"; then pass "$1: SIP MESSAGE arrived at B"; else fail "$1: SIP MESSAGE did not arrive"; fi
  if received http "$marker"; then pass "$1: HTTP request arrived at B"; else fail "$1: HTTP request did not arrive"; fi
  esp=$(esp_count)
  if [ "$esp" -gt 0 ]; then pass "$1: $esp ESP packets on the link"; else fail "$1: no ESP packets on the link"; fi
  seen=$(marker_in_capture "$marker")
  if [ "$seen" -eq 0 ]; then pass "$1: marker never on the link"; else fail "$1: marker on the link in clear"; fi
  stop_listeners
}

stop_listeners() {
  local pid
  for pid in $(ip netns pids "$NS_B" 2>/dev/null); do
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q '^socat'; then kill "$pid" 2>/dev/null; fi
  done
}

ipsec_finish() {
  if [ "$failures" -eq 0 ]; then
    echo "PASS"
    exit 0
  fi
  echo "$failures failure(s)" >&2
  exit 1
}
