#!/bin/sh
# The example policies on a fresh checkout: a copy of policies/ without
# keys/, make-example-keys.sh run in it, then policy check of both, ipsec
# render (swanctl and nft) of both, policy pair of the two; a second run
# keeps the keys (still good), --force makes new ones.
# Usage: test_example_policies.sh MCSECCTL SOURCE_DIR
set -u
MCSECCTL=${1:?usage: $0 MCSECCTL SOURCE_DIR}
SRC=${2:?usage: $0 MCSECCTL SOURCE_DIR}
. "$(dirname "$0")/lib.sh"

P=$TMP/policies
mkdir -p "$P"
cp "$SRC/policies/system-a.yaml" "$SRC/policies/system-b.yaml" "$SRC/policies/make-example-keys.sh" "$P/"
export MCSECCTL
expect_rc 0 sh "$P/make-example-keys.sh"
[ "$(stat -c %a "$P/keys/a-b.spk")" = 600 ] || fail "SPK mode $(stat -c %a "$P/keys/a-b.spk")"
[ "$(stat -c %a "$P/keys/a/border.key")" = 600 ] || fail "border.key mode"
expect_rc 0 "$MCSECCTL" policy check "$P/system-a.yaml" "$P/system-b.yaml"
cp "$TMP/out" "$TMP/checked"
for s in a b; do
    grep -qx "$P/system-$s.yaml: ok" "$TMP/checked" || fail "check system-$s: $(cat "$TMP/checked")"
    (cd / && "$MCSECCTL" ipsec render --policy "$P/system-$s.yaml" -o "$TMP/$s.swanctl.conf") ||
        fail "ipsec render system-$s"
    grep -q "certs = \"$P/keys/$s/border.pem\"" "$TMP/$s.swanctl.conf" ||
        fail "render system-$s: not our certificate: $(grep certs "$TMP/$s.swanctl.conf")"
    expect_rc 0 "$MCSECCTL" ipsec render --nft --policy "$P/system-$s.yaml"
done
expect_rc 0 "$MCSECCTL" policy pair "$P/system-a.yaml" "$P/system-b.yaml"
grep -q ": agree" "$TMP/out" || fail "pair: $(cat "$TMP/err")"

# Kept while still good, made anew with --force.
before=$(cksum <"$P/keys/a-b.spk")
expect_rc 0 sh "$P/make-example-keys.sh"
grep -q "kept" "$TMP/out" || fail "second run did not keep the keys: $(cat "$TMP/out")"
[ "$(cksum <"$P/keys/a-b.spk")" = "$before" ] || fail "second run changed the keys"
expect_rc 0 sh "$P/make-example-keys.sh" --force
[ "$(cksum <"$P/keys/a-b.spk")" = "$before" ] && fail "--force kept the SPK"
expect_rc 0 "$MCSECCTL" policy pair "$P/system-a.yaml" "$P/system-b.yaml"

cli_finish test_example_policies
