#!/bin/sh
# mcsecctl key gen --topology: creates a 0600 file, appends one key line per
# run with a fresh ID and key, refuses loose files, taken IDs and usage
# errors, and never prints key material.
# Usage: test_mcsecctl_key.sh MCSECCTL
set -u
MCSECCTL=${1:?usage: $0 MCSECCTL}
. "$(dirname "$0")/lib.sh"
K="$TMP/topology.keys"

expect_rc 0 "$MCSECCTL" key gen --topology --out "$K"
[ "$(stat -c %a "$K")" = 600 ] || fail "new key file mode $(stat -c %a "$K"), want 600"
expect_rc 0 "$MCSECCTL" key gen --topology --out "$K" --id 7f
expect_rc 1 "$MCSECCTL" key gen --topology --out "$K" --id 7f
expect_rc 0 "$MCSECCTL" key gen --topology --out "$K"
[ "$(grep -c '^[0-9a-f][0-9a-f] [0-9a-f]\{64\} since=[0-9]*$' "$K")" = 3 ] || fail "want 3 key lines"
[ "$(cut -c1-2 "$K" | tr '\n' ' ')" = "01 7f 80 " ] || fail "IDs $(cut -c1-2 "$K" | tr '\n' ' ')"
[ "$(cut -d' ' -f2 "$K" | sort -u | wc -l)" = 3 ] || fail "keys not distinct"
key=$(head -n1 "$K" | cut -d' ' -f2)
"$MCSECCTL" key gen --topology --out "$K" >"$TMP/out" 2>&1
grep -q "$key" "$TMP/out" && fail "key material printed"
expect_rc 1 "$MCSECCTL" key gen --topology --out "$K" --since 1
chmod 644 "$K"
expect_rc 1 "$MCSECCTL" key gen --topology --out "$K"
grep -q "chmod 600" "$TMP/err" || fail "no chmod hint for a loose file"
printf '01 %s\n01 %s\n' "$key" "$key" >"$TMP/dup.keys"
chmod 600 "$TMP/dup.keys"
expect_rc 1 "$MCSECCTL" key gen --topology --out "$TMP/dup.keys"
grep -q ":2: duplicate key ID 01" "$TMP/err" || fail "duplicate not reported with its line"
expect_rc 2 "$MCSECCTL" key gen --out "$K"
expect_rc 2 "$MCSECCTL" key gen --topology --out "$K" --id 1

cli_finish "mcsecctl key"
