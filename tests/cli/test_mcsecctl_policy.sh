#!/bin/sh
# mcsecctl policy check|show: exit codes, "FILE: ok", FILE:LINE:COL lines on
# stderr, and that `show` output is accepted by `check` again.
# Usage: test_mcsecctl_policy.sh MCSECCTL SOURCE_DIR
set -u
MCSECCTL=${1:?usage: $0 MCSECCTL SOURCE_DIR}
SRC=${2:?usage: $0 MCSECCTL SOURCE_DIR}
. "$(dirname "$0")/lib.sh"

A="$SRC/policies/system-a.yaml"
B="$SRC/policies/system-b.yaml"
BAD="$SRC/tests/unit/data/policy/bad"

expect_rc 0 "$MCSECCTL" --help
grep -q "policy check" "$TMP/out" || fail "--help does not list 'policy check'"

# --version: the project version CMakeLists.txt declares (read here from
# the file itself, not from the binary), with "+git.<describe>" in a checkout
# (cmake/Version.cmake); mcsec-httpd beside it says the same.
VERSION=$(sed -n 's/^project(mcsec VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
[ -n "$VERSION" ] || fail "no project version in CMakeLists.txt"
expect_rc 0 "$MCSECCTL" --version
grep -qxE "mcsecctl $VERSION(\+git\.[0-9a-z.]+)?" "$TMP/out" || fail "--version printed '$(cat "$TMP/out")'"
HTTPD="$(dirname "$MCSECCTL")/../http-proxy/mcsec-httpd"
cp "$TMP/out" "$TMP/out.v"
expect_rc 0 "$HTTPD" --version
grep -qxF "mcsec-httpd $(sed 's/^mcsecctl //' "$TMP/out.v")" "$TMP/out" || fail "mcsec-httpd --version printed '$(cat "$TMP/out")'"
# --help on every command and subcommand --help lists: its own usage, exit
# 0, never taken for an argument (policy check --help once opened a file).
"$MCSECCTL" --help | sed -n 's/^  \([a-z][a-z]*\) \([a-z][a-z]*\) .*/\1 \2/p' >"$TMP/cmds"
[ "$(wc -l <"$TMP/cmds")" -ge 10 ] || fail "--help lists fewer than 10 subcommands"
while read -r group cmd; do
    expect_rc 0 "$MCSECCTL" "$group" "$cmd" --help
    grep -q "^usage: mcsecctl $group $cmd" "$TMP/out" || fail "$group $cmd --help: $(cat "$TMP/out")"
    [ "$(grep -c '^usage:' "$TMP/out")" -eq 1 ] || fail "$group $cmd --help printed other usages"
    expect_rc 0 "$MCSECCTL" "$group" --help
    grep -q "^usage: mcsecctl $group $cmd" "$TMP/out" || fail "$group --help misses $cmd"
done <"$TMP/cmds"
expect_rc 0 "$MCSECCTL" policy check "$A" --help
[ -s "$TMP/err" ] && fail "policy check FILE --help wrote errors: $(cat "$TMP/err")"

expect_rc 2 "$MCSECCTL"
expect_rc 2 "$MCSECCTL" policy
grep -q "^usage: mcsecctl policy check" "$TMP/err" || fail "'mcsecctl policy' shows no policy usage"
expect_rc 2 "$MCSECCTL" policy check
expect_rc 2 "$MCSECCTL" policy frobnicate "$A"
expect_rc 2 "$MCSECCTL" nosuchcommand check
expect_rc 2 "$MCSECCTL" policy show "$A" "$B"

expect_rc 0 "$MCSECCTL" policy check "$A" "$B"
grep -qx "$A: ok" "$TMP/out" || fail "no '$A: ok' line"
grep -qx "$B: ok" "$TMP/out" || fail "no '$B: ok' line"
[ -s "$TMP/err" ] && fail "stderr not empty for valid policies"

expect_rc 1 "$MCSECCTL" policy check "$BAD/register_method.yaml"
grep -qx "$BAD/register_method.yaml:20:25: REGISTER is never allowed across the border" \
    "$TMP/err" || fail "register_method: unexpected stderr: $(cat "$TMP/err")"

# A valid and an invalid file: exit 1, the valid one still reported ok.
expect_rc 1 "$MCSECCTL" policy check "$A" "$SRC/tests/unit/data/policy/several_problems.yaml"
grep -qx "$A: ok" "$TMP/out" || fail "mixed check: no ok line for $A"
[ "$(wc -l <"$TMP/err")" -eq 4 ] || fail "several_problems: want 4 lines, got $(cat "$TMP/err")"
grep -v -q -E '^[^:]+:[0-9]+:[0-9]+: ' "$TMP/err" && fail "a line is not FILE:LINE:COL: message"

expect_rc 1 "$MCSECCTL" policy check "$TMP/missing.yaml"
grep -q "missing.yaml: cannot open policy file: not found" "$TMP/err" || fail "missing file"

expect_rc 0 "$MCSECCTL" policy show "$A"
cp "$TMP/out" "$TMP/shown.yaml"
grep -q "max_body: 16384" "$TMP/shown.yaml" || fail "show: no max_body"
expect_rc 0 "$MCSECCTL" policy check "$TMP/shown.yaml"
expect_rc 0 "$MCSECCTL" policy show "$TMP/shown.yaml"
cmp -s "$TMP/out" "$TMP/shown.yaml" || fail "show is not stable across a round trip"

# Key paths are shown resolved: absolute, against the policy file's own
# directory, whatever the working directory and however the file was named.
mkdir -p "$TMP/keys/sub"
sed 's|keys/a/topology.key|sub/topo.key|' "$A" >"$TMP/keys/p.yaml"
ln -s "$SRC/policies/keys" "$TMP/keys/keys" # the example's other keys
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TMP/keys/sub/topo.key")
real=$(cd "$TMP/keys" && pwd -P)
(cd "$TMP/keys/sub" && "$MCSECCTL" policy show ../p.yaml) >"$TMP/out" 2>"$TMP/err" ||
    fail "show of a relative policy path: $(cat "$TMP/err")"
grep -qx "    topology: $real/sub/topo.key" "$TMP/out" ||
    fail "show: key path not absolute and resolved: $(grep -A1 '^  keys' "$TMP/out")"

# docs/spk.md's key recipe, run as written: a 0600 file the key store takes.
recipe=$(grep -m1 '^  (umask 077 && printf' "$SRC/docs/spk.md" | sed 's/^  //')
[ -n "$recipe" ] || fail "docs/spk.md: no key recipe found"
(cd "$TMP" && umask 022 && sh -c "$recipe" && sh -c "$recipe") || fail "the recipe failed"
[ "$(stat -c %a "$TMP/system-b.spk")" = 600 ] || fail "recipe wrote mode $(stat -c %a "$TMP/system-b.spk")"
[ "$(grep -c '^3[0-9a-f]\{7\} [0-9a-f]\{32\}$' "$TMP/system-b.spk")" = 2 ] || fail "recipe lines malformed"
expect_rc 0 "$MCSECCTL" spk derive --key-file "$TMP/system-b.spk" --identity sip:border@a.mcx.example --fc 0x51

# show reports every expiry (the lines of `policy expiry`) as YAML comments.
expect_rc 0 "$MCSECCTL" policy show "$A"
grep -q '^# days_left expires kind what path' "$TMP/out" || fail "show: no expiry header"
grep -q '^# [0-9-]* [0-9T:-]*Z certificate system.keys.cert ' "$TMP/out" ||
    fail "show: our certificate's expiry not reported"

expect_rc 1 "$MCSECCTL" policy show "$BAD/bad_auth.yaml"
[ -s "$TMP/out" ] && fail "show printed a policy for an invalid file"

cli_finish "mcsecctl policy"
