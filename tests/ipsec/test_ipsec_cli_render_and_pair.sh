#!/usr/bin/env bash
# mcsecctl ipsec render and mcsecctl policy pair from the command line: exit
# codes, output to stdout or -o, problems as FILE[:LINE:COL]: message. No
# namespaces, no daemons.
# usage: test_ipsec_cli_render_and_pair.sh MCSECCTL SOURCE_DIR
set -u
MCSECCTL=${1:?usage: $0 MCSECCTL SOURCE_DIR}
SRC=${2:?usage: $0 MCSECCTL SOURCE_DIR}
# shellcheck source=../cli/lib.sh
. "$SRC/tests/cli/lib.sh"
DATA="$SRC/tests/unit/data/ipsec"
printf 'key\n' >"$TMP/key.pem"
chmod 600 "$TMP/key.pem"

# policy SELF OTHER: a policy of system-SELF naming system-OTHER
policy() {
  local self=$1 other=$2 n=1 o=2
  [ "$self" = b ] && n=2 o=1
  cat <<POLICY
version: 1
system:
  name: system-$self
  identity: sip:border@$self.mcx.example
  domains: [$self.mcx.example]
  addresses:
    is_proxy: 198.51.100.$n:5060
    http_proxy: 198.51.100.$n:8443
    gateway: 203.0.113.$n
  keys:
    cert: $DATA/border-$self.pem
    key: $TMP/key.pem
partners:
  - name: system-$other
    identity: sip:border@$other.mcx.example
    domains: [$other.mcx.example]
    addresses:
      is_proxy: [198.51.100.$o:5060]
      http_proxy: 198.51.100.$o:8443
      gateway: 203.0.113.$o
    auth: implicit
    sip:
      methods: [INVITE, MESSAGE]
      content_types: [text/plain]
      max_body: 4096
    keys:
      ca: $DATA/ca-$other.pem
POLICY
}
policy a b >"$TMP/a.yaml"
policy b a >"$TMP/b.yaml"

expect_rc 0 "$MCSECCTL" --help
grep -q 'ipsec render' "$TMP/out" || fail "--help does not list 'ipsec render'"
grep -q 'policy pair' "$TMP/out" || fail "--help does not list 'policy pair'"

expect_rc 2 "$MCSECCTL" ipsec render
expect_rc 2 "$MCSECCTL" ipsec render --policy "$TMP/a.yaml" --backend esp
expect_rc 2 "$MCSECCTL" ipsec render --policy "$TMP/a.yaml" --frobnicate
expect_rc 0 "$MCSECCTL" ipsec render --policy "$TMP/a.yaml"
grep -q '^ *start_action = trap$' "$TMP/out" || fail "kernel back end is not the default"
grep -q '^ *cacerts = ".*/ca-b.pem"$' "$TMP/out" || fail "render: no pinned CA"
expect_rc 0 "$MCSECCTL" ipsec render --policy "$TMP/a.yaml" --backend libipsec -o "$TMP/swanctl.conf"
[ -s "$TMP/out" ] && fail "render -o also wrote to stdout"
# --partner is a view: never a file (loaded, it would unload the other
# partners), and printed commented out, so no copy of it loads either.
expect_rc 2 "$MCSECCTL" ipsec render --policy "$TMP/a.yaml" --partner system-b -o "$TMP/view.conf"
[ -e "$TMP/view.conf" ] && fail "render --partner -o wrote a file"
expect_rc 0 "$MCSECCTL" ipsec render --policy "$TMP/a.yaml" --partner system-b
grep -q '^# *cacerts = ".*/ca-b.pem"$' "$TMP/out" || fail "--partner view lacks the partner's part"
grep -v -q '^#' "$TMP/out" && fail "--partner view has a line that is not a comment"
grep -q '^ *start_action = start$' "$TMP/swanctl.conf" || fail "render -o: libipsec file not written"
expect_rc 0 "$MCSECCTL" ipsec render --policy "$TMP/a.yaml" --backend libipsec --nft
grep -q 'oifname != "ipsec0"' "$TMP/out" || fail "--nft: no TUN rule"
if command -v nft >/dev/null && [ "$(id -u)" -eq 0 ]; then
  ns="mcsec-cli-$$"
  ip netns add "$ns"
  ip netns exec "$ns" nft -f "$TMP/out" || fail "nft does not accept the libipsec rules"
  ip netns exec "$ns" nft -f "$TMP/out" || fail "nft does not accept the rules twice"
  "$MCSECCTL" ipsec render --policy "$TMP/a.yaml" --nft >"$TMP/kernel.nft"
  ip netns exec "$ns" nft -f "$TMP/kernel.nft" || fail "nft does not accept the kernel rules"
  ip netns del "$ns"
fi
# Relative key paths, as `policy check` takes them, render too, whatever the
# working directory: they resolve against the policy file's directory.
mkdir -p "$TMP/rel/work"
cp "$DATA/border-a.pem" "$DATA/ca-b.pem" "$TMP/key.pem" "$TMP/rel/"
sed -e "s|cert: .*|cert: border-a.pem|" -e "s|key: $TMP/key.pem|key: key.pem|" \
    -e "s|ca: .*ca-b.pem|ca: ca-b.pem|" "$TMP/a.yaml" >"$TMP/rel/a.yaml"
grep -q 'cert: border-a.pem' "$TMP/rel/a.yaml" || fail "relative policy not written"
(cd "$TMP/rel/work" && "$MCSECCTL" ipsec render --policy ../a.yaml) >"$TMP/out" 2>"$TMP/err" ||
  fail "render of relative key paths: $(cat "$TMP/err")"
grep -q "^ *cacerts = \"$(cd "$TMP/rel" && pwd -P)/ca-b.pem\"$" "$TMP/out" ||
  fail "relative CA not rendered as its absolute path"
expect_rc 1 "$MCSECCTL" ipsec render --policy "$TMP/a.yaml" --partner system-x
grep -q "a.yaml: ipsec: no partner named 'system-x'" "$TMP/err" || fail "unknown partner not reported"
expect_rc 1 "$MCSECCTL" ipsec render --policy "$TMP/nonexistent.yaml"

expect_rc 2 "$MCSECCTL" policy pair "$TMP/a.yaml"
expect_rc 0 "$MCSECCTL" policy pair "$TMP/a.yaml" "$TMP/b.yaml"
grep -q 'agree' "$TMP/out" || fail "pair: no 'agree'"
sed 's/gateway: 203.0.113.2/gateway: 203.0.113.9/' "$TMP/a.yaml" >"$TMP/a-bad.yaml"
sed -i 's/ca-b.pem/ca-rogue.pem/' "$TMP/a-bad.yaml"
expect_rc 1 "$MCSECCTL" policy pair "$TMP/a-bad.yaml" "$TMP/b.yaml"
grep -q "a-bad.yaml:[0-9]*:[0-9]*: partner 'system-b' addresses.gateway is 203.0.113.9" "$TMP/err" ||
  fail "pair: gateway mismatch not reported with position"
grep -q "did not issue system-b's certificate" "$TMP/err" || fail "pair: wrong CA not reported"
expect_rc 1 "$MCSECCTL" policy pair "$TMP/a.yaml" "$TMP/nonexistent.yaml"

# Media (docs/media.md): with system.media and the partner's media section,
# a media CHILD_SA between the two relays (UDP; the port ranges held by
# nftables), the relays in the no-cleartext rules, and policy pair compares
# the relay addresses and ranges both sides name.
media() {
  local self=$1 n=1 o=2 mine=30000 theirs=40000
  [ "$self" = b ] && n=2 o=1 mine=40000 theirs=30000
  sed -e "s|^  keys:$|  media: {outside_address: 198.51.100.1$n, inside_address: 10.0.$n.10, port_min: $mine, port_max: $((mine + 999))}\n  keys:|" \
      -e "s|^    keys:$|    media: {relay_addresses: [198.51.100.1$o], port_min: $theirs, port_max: $((theirs + 999))}\n    keys:|" \
      "$TMP/$self.yaml" >"$TMP/$self-media.yaml"
}
media a
media b
expect_rc 0 "$MCSECCTL" ipsec render --policy "$TMP/a-media.yaml"
grep -q '^ *system-b-media {$' "$TMP/out" || fail "media: no media CHILD_SA"
grep -q '^ *local_ts = 198.51.100.11/32\[udp\]$' "$TMP/out" || fail "media: our relay not in local_ts"
grep -q '^ *remote_ts = 198.51.100.12/32\[udp\]$' "$TMP/out" || fail "media: partner relay not in remote_ts"
grep -q 'ours udp 30000-30999, theirs udp 40000-40999' "$TMP/out" || fail "media: ranges not named"
expect_rc 0 "$MCSECCTL" ipsec render --policy "$TMP/a.yaml"
grep -q 'media' "$TMP/out" && fail "no media: a media child rendered anyway"
expect_rc 0 "$MCSECCTL" ipsec render --policy "$TMP/a-media.yaml" --nft
grep -q 'set partner_media4' "$TMP/out" || fail "media --nft: no relay set"
grep -q 'elements = { 198.51.100.12 }' "$TMP/out" || fail "media --nft: partner relay not listed"
grep -q 'ip daddr @partner_media4 rt ipsec missing counter drop' "$TMP/out" ||
  fail "media --nft: clear media to the partner relay not dropped"
grep -q 'ip saddr 198.51.100.11 udp sport 30000-30999 ip daddr != @partner_media4 counter drop' \
  "$TMP/out" || fail "media --nft: our relay's range not held to partner relays"
grep -q 'ip daddr 198.51.100.11 udp dport 30000-30999 ip saddr != @partner_media4 counter drop' \
  "$TMP/out" || fail "media --nft: media from a third party not dropped"
if command -v nft >/dev/null && [ "$(id -u)" -eq 0 ]; then
  ns="mcsec-cli-media-$$"
  ip netns add "$ns"
  ip netns exec "$ns" nft -f "$TMP/out" || fail "nft does not accept the media rules"
  "$MCSECCTL" ipsec render --policy "$TMP/a-media.yaml" --backend libipsec --nft >"$TMP/lib.nft"
  ip netns exec "$ns" nft -f "$TMP/lib.nft" || fail "nft does not accept the libipsec media rules"
  ip netns del "$ns"
fi
expect_rc 0 "$MCSECCTL" policy pair "$TMP/a-media.yaml" "$TMP/b-media.yaml"
sed 's/relay_addresses: \[198.51.100.12\], port_min: 40000/relay_addresses: [198.51.100.99], port_min: 40001/' \
  "$TMP/a-media.yaml" >"$TMP/a-media-bad.yaml"
expect_rc 1 "$MCSECCTL" policy pair "$TMP/a-media-bad.yaml" "$TMP/b-media.yaml"
grep -q "media.relay_addresses does not include 198.51.100.12" "$TMP/err" ||
  fail "pair: relay address mismatch not reported"
grep -q "media ports are 40001-40999 but .* says 40000-40999" "$TMP/err" ||
  fail "pair: relay range mismatch not reported"
expect_rc 1 "$MCSECCTL" policy pair "$TMP/a-media.yaml" "$TMP/b.yaml"
grep -q "has a media section but .* sets no system.media" "$TMP/err" ||
  fail "pair: media on one side only not reported"

cli_finish "mcsecctl ipsec render, policy pair"
