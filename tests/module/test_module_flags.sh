#!/bin/sh
# module.flags_match_kamailio: the version and compile-flags strings baked
# into mcsec.so by MODULE_VERSION must equal what the installed kamailio
# prints with -V (kamailio refuses the module otherwise: "module compile
# flags mismatch"), and kamailio must accept the IS proxy config with the
# module loaded (kamailio -c).
#
# Usage: test_module_flags.sh MCSEC_SO SOURCE_DIR CFG
# Env:   KAMAILIO (default: kamailio from PATH or /usr/sbin/kamailio)
set -eu

so=$1
src=$2
cfg=$3
kamailio=${KAMAILIO:-$(command -v kamailio || echo /usr/sbin/kamailio)}

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

[ -r "$so" ] || fail "module not found: $so"
[ -x "$kamailio" ] || fail "kamailio not found: $kamailio"
command -v readelf >/dev/null || fail "readelf (binutils) is needed"

# Prints the NUL-terminated string that the pointer variable SYMBOL of the
# module points to: symbol address -> R_X86_64_RELATIVE relocation at that
# address -> addend = string address -> file offset through the section table.
module_string() {
    symbol=$1
    addr=$(readelf -sW "$so" | awk -v s="$symbol" '$8 == s && $4 == "OBJECT" {print $2; exit}')
    [ -n "$addr" ] || fail "symbol $symbol not in $so (MODULE_VERSION missing?)"
    target=$(readelf -rW "$so" | awk -v a="$addr" '
        { off = $1; sub(/^0+/, "", off); want = a; sub(/^0+/, "", want) }
        off == want && $3 ~ /RELATIVE/ {print $4; exit}')
    [ -n "$target" ] || fail "no relocation for $symbol at 0x$addr"
    target=$((0x$target))
    readelf -SW "$so" | sed 's/\[ */[/' | awk '$1 ~ /^\[[0-9]+\]$/ {print $4, $5, $6}' |
        while read -r saddr soff ssize; do
            saddr=$((0x$saddr)); soff=$((0x$soff)); ssize=$((0x$ssize))
            if [ "$saddr" -ne 0 ] && [ "$target" -ge "$saddr" ] &&
               [ "$target" -lt $((saddr + ssize)) ]; then
                dd if="$so" bs=1 skip=$((target - saddr + soff)) count=1024 2>/dev/null |
                    tr '\000' '\n' | head -n 1
                break
            fi
        done
}

mod_version=$(module_string module_version)
mod_flags=$(module_string module_flags)
kam_out=$("$kamailio" -V)
kam_version=$(printf '%s\n' "$kam_out" | sed -n 's/^version: //p' | sed 's/[[:space:]]*$//')
kam_flags=$(printf '%s\n' "$kam_out" | sed -n 's/^flags: //p' | sed 's/[[:space:]]*$//')

echo "kamailio -V version: $kam_version"
echo "mcsec.so   version: $mod_version"
echo "kamailio -V flags:   $kam_flags"
echo "mcsec.so   flags:    $mod_flags"
[ -n "$kam_version" ] && [ -n "$kam_flags" ] || fail "cannot read version/flags from $kamailio -V"
[ "$mod_version" = "$kam_version" ] ||
    fail "version differs: module '$mod_version' vs kamailio '$kam_version' (rebuild against the matching apt-get source kamailio)"
[ "$mod_flags" = "$kam_flags" ] ||
    fail "compile flags differ: module '$mod_flags' vs kamailio '$kam_flags' (cmake/KamailioModuleFlags.cmake)"

# Load test: config check with the module, the example policy and ports that
# are never bound (-c only parses and loads modules).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! "$kamailio" -c -f "$cfg" -A "MCSEC_MODULE=\"$so\"" \
    -A "MCSEC_POLICY=\"$src/policies/system-a.yaml\"" -A "RUNDIR=\"$work\"" \
    >"$work/out" 2>&1; then
    cat "$work/out" >&2
    fail "kamailio -c -f $cfg with mcsec.so failed"
fi
grep -q "mismatch" "$work/out" && { cat "$work/out" >&2; fail "kamailio reported a mismatch"; }
echo "PASS: mcsec.so matches $kamailio and $cfg passes the config check"
