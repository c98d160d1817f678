#!/bin/sh
# mcsecctl partner add: onboarding a partner as docs/operator-guide.md
# shows it. The border certificates come from the guide's recipe, run as
# written; A and C each add the other (C with the SPK A made, --spk-from),
# the written policies pass the deep check (policy check) and the pair
# check (--pair); the key files have their modes (directory 0700, SPK
# 0600, CA and kms.pub 0644) and --owner's owner; a second add of a name is
# refused and changes nothing; a section that does not load leaves no
# files; --write onto --policy keeps a backup; a pair disagreement exits 1;
# the guide's alarm section names every reason code.
# Usage: test_mcsecctl_partner.sh MCSECCTL SOURCE_DIR
set -u
MCSECCTL=${1:?usage: $0 MCSECCTL SOURCE_DIR}
SRC=${2:?usage: $0 MCSECCTL SOURCE_DIR}
. "$(dirname "$0")/lib.sh"

# The guide's certificate recipe, with HOST set for each system.
sed -n '/^<!-- recipe: border-certificate/,/^```$/p' "$SRC/docs/operator-guide.md" |
    sed '1,2d;$d' >"$TMP/recipe.sh"
grep -q '^HOST=' "$TMP/recipe.sh" || fail "docs/operator-guide.md: no certificate recipe"
for s in a c; do
    mkdir -p "$TMP/$s"
    (cd "$TMP/$s" && sed "s/^HOST=[^ ]*/HOST=$s.mcx.example/" "$TMP/recipe.sh" | sh) \
        >"$TMP/out" 2>&1 || fail "recipe for $s: $(cat "$TMP/out")"
    [ "$(stat -c %a "$TMP/$s/border.key")" = 600 ] || fail "recipe: border.key not 0600"
done

# base S OTHER: system S's policy, one unrelated partner, partners: last.
base() {
    cat <<EOY
version: 1
system:
  name: system-$1
  identity: sip:border@$1.mcx.example
  domains: [$1.mcx.example]
  addresses: {is_proxy: "127.0.0.$2:5060", gateway: "192.0.2.$2"}
  keys: {cert: $1/border.pem, key: $1/border.key, ca: $1/ca.pem}
partners:
  - name: system-x
    identity: sip:border@x.mcx.example
    domains: [x.mcx.example]
    addresses: {is_proxy: ["127.0.0.9:5060"]}
    auth: implicit
    sip: {methods: [MESSAGE], content_types: [text/plain]}
EOY
}
base a 1 >"$TMP/A.yaml"
base c 3 >"$TMP/C.yaml"
expect_rc 0 "$MCSECCTL" policy check "$TMP/A.yaml" "$TMP/C.yaml"

# add POLICY NAME HOST N CA KEYS [ARGS...]: partner add with the usual
# values, --auth $AUTH.
AUTH=implicit
add() {
    policy=$1 name=$2 host=$3 n=$4 ca=$5 keys=$6
    shift 6
    "$MCSECCTL" partner add --policy "$policy" --name "$name" --identity "sip:border@$host" \
        --domains "$host" --is-proxy "127.0.0.$n:5060" --gateway "192.0.2.$n" --auth "$AUTH" \
        --ca "$ca" --keys-dir "$keys" "$@"
}

expect_rc 0 add "$TMP/A.yaml" system-c c.mcx.example 3 "$TMP/c/ca.pem" "$TMP/a/partners" \
    --write "$TMP/A2.yaml"
grep -q '^  - name: system-c$' "$TMP/out" || fail "add: no section printed: $(cat "$TMP/out")"
K=$TMP/a/partners/system-c
[ "$(stat -c %a "$K")" = 700 ] || fail "partner directory mode $(stat -c %a "$K")"
[ "$(stat -c %a "$K/spk")" = 600 ] || fail "SPK mode $(stat -c %a "$K/spk")"
[ "$(stat -c %a "$K/ca.pem")" = 644 ] || fail "CA mode $(stat -c %a "$K/ca.pem")"
grep -q '^3[0-9a-f]\{7\} [0-9a-f]\{32\}$' "$K/spk" || fail "SPK line: $(cat "$K/spk")"
cmp -s "$K/ca.pem" "$TMP/c/ca.pem" || fail "CA not copied"
expect_rc 0 "$MCSECCTL" policy check "$TMP/A2.yaml"
[ -z "$(find "$TMP" -maxdepth 1 -name 'A.yaml.*.bak')" ] || fail "a backup of a policy not written"

# C adds A with the SPK A made, and checks the pair against A's new policy.
expect_rc 0 add "$TMP/C.yaml" system-a a.mcx.example 1 "$TMP/a/ca.pem" "$TMP/c/partners" \
    --spk-from "$K/spk" --write "$TMP/C2.yaml" --pair "$TMP/A2.yaml"
grep -q "pair check with $TMP/A2.yaml: agree" "$TMP/err" || fail "pair: $(cat "$TMP/err")"
cmp -s "$K/spk" "$TMP/c/partners/system-a/spk" || fail "--spk-from: not the same SPK"
expect_rc 0 "$MCSECCTL" policy check "$TMP/C2.yaml"
expect_rc 0 "$MCSECCTL" policy pair "$TMP/A2.yaml" "$TMP/C2.yaml"

# A second add of system-c: refused, by the policy and by the key directory.
cp "$K/spk" "$TMP/spk.before"
expect_rc 1 add "$TMP/A2.yaml" system-c c.mcx.example 3 "$TMP/c/ca.pem" "$TMP/a/partners" \
    --write "$TMP/A3.yaml"
grep -q "a partner named 'system-c' exists" "$TMP/err" || fail "second add: $(cat "$TMP/err")"
[ -e "$TMP/A3.yaml" ] && fail "second add wrote a policy"
expect_rc 1 add "$TMP/A.yaml" system-c c.mcx.example 3 "$TMP/c/ca.pem" "$TMP/a/partners"
grep -q "added before" "$TMP/err" || fail "second add (key directory): $(cat "$TMP/err")"
cmp -s "$K/spk" "$TMP/spk.before" || fail "second add changed the SPK"

# A section that does not load (explicit without kms.pub): no files left.
AUTH=explicit
expect_rc 1 add "$TMP/A2.yaml" system-d d.mcx.example 4 "$TMP/c/ca.pem" "$TMP/a/partners"
AUTH=implicit
grep -q "needs 'partner.keys.kms'" "$TMP/err" || fail "explicit without --kms: $(cat "$TMP/err")"
[ -e "$TMP/a/partners/system-d" ] && fail "a refused add left its key directory"

# In place: only after a backup that holds the policy as it was.
cp "$TMP/A2.yaml" "$TMP/A4.yaml"
expect_rc 0 add "$TMP/A4.yaml" system-e e.mcx.example 5 "$TMP/c/ca.pem" "$TMP/a/partners" \
    --write "$TMP/A4.yaml" --spk-mode off
backup=$(find "$TMP" -maxdepth 1 -name 'A4.yaml.*.bak' | head -1)
if [ -z "$backup" ] || ! cmp -s "$backup" "$TMP/A2.yaml"; then
    fail "in place: no backup of the old policy"
fi
grep -q '^  - name: system-e$' "$TMP/A4.yaml" || fail "in place: section not appended"
# Another file that exists is never overwritten.
expect_rc 1 add "$TMP/A2.yaml" system-f f.mcx.example 6 "$TMP/c/ca.pem" "$TMP/a/partners" \
    --write "$TMP/C2.yaml"
grep -q "not overwritten" "$TMP/err" || fail "--write onto another file: $(cat "$TMP/err")"

# --owner: the files belong to the service user.
if [ "$(id -u)" = 0 ]; then
    expect_rc 0 add "$TMP/A2.yaml" system-g g.mcx.example 7 "$TMP/c/ca.pem" "$TMP/a/partners" \
        --owner nobody
    [ "$(stat -c %U "$TMP/a/partners/system-g/spk")" = nobody ] || fail "--owner: SPK owner"
    [ "$(stat -c %U "$TMP/a/partners/system-g")" = nobody ] || fail "--owner: directory owner"
fi

# The pair check sees a disagreement (C lists a domain A's system lacks).
expect_rc 1 "$MCSECCTL" partner add --policy "$TMP/C.yaml" --name system-a \
    --identity sip:border@a.mcx.example --domains "a.mcx.example,other.example" \
    --is-proxy 127.0.0.1:5060 --gateway 192.0.2.1 --auth implicit --ca "$TMP/a/ca.pem" \
    --keys-dir "$TMP/c/other" --spk-from "$K/spk" --pair "$TMP/A2.yaml"
grep -q "disagree" "$TMP/err" || fail "pair disagreement not reported: $(cat "$TMP/err")"
expect_rc 2 "$MCSECCTL" partner add --policy "$TMP/A.yaml" --name system-z

# The guide answers every alarm: each code of docs/reason-codes.md is in
# its section 5 (a new code needs its answer there).
sed -n 's/^| `\([a-z_.]*\)` |.*/\1/p' "$SRC/docs/reason-codes.md" >"$TMP/codes"
[ -s "$TMP/codes" ] || fail "no reason codes read from docs/reason-codes.md"
while read -r code; do
    grep -q "\`$code\`" "$SRC/docs/operator-guide.md" ||
        fail "docs/operator-guide.md: no answer to the alarm $code (section 5)"
done <"$TMP/codes"

cli_finish test_mcsecctl_partner
