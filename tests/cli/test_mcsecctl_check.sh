#!/bin/sh
# mcsecctl policy check runs the deep check (mcsec/config/config_check.h):
# a policy with every kind of key (internal and partner SPK, topology key,
# an explicit partner's kms.pub, our signing keys, our certificate, key and
# CA, all made here with mcsecctl and openssl) passes; each broken object
# in turn is refused with FILE[:LINE]: message and exit 1; --defaults sizes
# the replay caches against SHM_MEMORY; --as-user nobody refuses a
# root-owned 0600 key that root reads; mcsecctl reload exits 1 when kamcmd
# reports the refused reload (which kamcmd itself exits 0 on).
# Usage: test_mcsecctl_check.sh MCSECCTL
set -u
MCSECCTL=${1:?usage: $0 MCSECCTL}
. "$(dirname "$0")/lib.sh"
D=$TMP/keys
mkdir -p "$D"

# ---- keys ------------------------------------------------------------------
printf '30000001 00112233445566778899aabbccddeeff\n' >"$D/b.spk"
printf '30000002 ffeeddccbbaa99887766554433221100\n' >"$D/internal.spk"
chmod 600 "$D/b.spk" "$D/internal.spk"
"$MCSECCTL" key gen --topology --out "$D/topo.keys" >/dev/null || fail "key gen"
"$MCSECCTL" kms init --out "$D/kms-a" --kms-uri kms.a.example >/dev/null || fail "kms init a"
"$MCSECCTL" kms init --out "$D/kms-b" --kms-uri kms.b.example >/dev/null || fail "kms init b"
"$MCSECCTL" kms issue --kms "$D/kms-a" --id sip:border@a.mcx.example --out "$D/sign" >/dev/null ||
    fail "kms issue"
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
# shellcheck disable=SC2086 # $ec is a list of options
(
    cd "$D" || exit 1
    for ca in ca other-ca; do
        openssl req -x509 $ec -days 30 -subj /CN=$ca -keyout $ca.key -out $ca.pem \
            -addext basicConstraints=critical,CA:TRUE
    done
    openssl req $ec -subj /CN=a -keyout a.key -out a.csr
    openssl req $ec -subj /CN=o -keyout other.key -out other.csr
    printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:a.mcx.example\n' >leaf.ext
    openssl x509 -req -in a.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
        -extfile leaf.ext -out a.pem
    openssl x509 -req -in a.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days -1 \
        -extfile leaf.ext -out expired.pem
    openssl x509 -req -in a.csr -CA other-ca.pem -CAkey other-ca.key -CAcreateserial -days 30 \
        -extfile leaf.ext -out stranger.pem
    chmod 600 ./*.key
) >/dev/null 2>&1 || fail "openssl"

# policy OUT [NAME=PATH...]: the policy with SPK, TOPO, KMS, SIGNING (""
# = none), CERT, KEY, CA, REPLAY replaced.
policy() {
    out=$1
    shift
    SPK=$D/b.spk TOPO=$D/topo.keys KMS=$D/kms-b/kms.pub SIGNING=$D/sign CERT=$D/a.pem
    KEY=$D/a.key CA=$D/ca.pem REPLAY=65536
    for kv in "$@"; do eval "${kv%%=*}=\${kv#*=}"; done
    signing=""
    [ -n "$SIGNING" ] && signing=", signing: $SIGNING"
    cat >"$out" <<EOF
version: 1
system:
  name: system-a
  identity: sip:border@a.mcx.example
  domains: [a.mcx.example]
  addresses: {is_proxy: 127.0.0.1:5060}
  spk: {internal_identity: "sip:mcptt@a.mcx.example"}
  ear: {replay_entries: $REPLAY}
  keys: {spk: $D/internal.spk, topology: $TOPO$signing, cert: $CERT, key: $KEY, ca: $CA}
partners:
  - name: system-b
    identity: sip:border@b.mcx.example
    domains: [b.mcx.example]
    addresses: {is_proxy: [127.0.0.2:5060]}
    auth: explicit
    spk: {mode: required}
    sip: {methods: [MESSAGE], content_types: [text/plain]}
    keys: {spk: $SPK, kms: $KMS}
EOF
}

P=$TMP/policy.yaml
policy "$P"
expect_rc 0 "$MCSECCTL" policy check "$P"
grep -qx "$P: ok" "$TMP/out" || fail "good policy: no '$P: ok'"

# refused NAME LINE [SWITCH...]: check refuses the policy with exactly one
# problem line, LINE (a grep -x pattern).
refused() {
    what=$1 line=$2
    shift 2
    policy "$P" "$@"
    expect_rc 1 "$MCSECCTL" policy check "$P"
    [ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "$what: want one problem line, got: $(cat "$TMP/err")"
    grep -qx -- "$line" "$TMP/err" || fail "$what: want '$line', got: $(cat "$TMP/err")"
    grep -q ": ok" "$TMP/out" && fail "$what: check says ok"
}

cp "$D/b.spk" "$D/bad.spk"
echo "garbage" >>"$D/bad.spk"
refused "garbage SPK line" \
    "$D/bad.spk:2: partner 'system-b' keys.spk: expected '<SPK-ID 8 hex digits> <key 32 hex digits>'" \
    SPK="$D/bad.spk"
cp "$D/topo.keys" "$D/bad.keys"
echo "02 not-hex" >>"$D/bad.keys"
refused "garbage topology key" "$D/bad.keys:2: system.keys.topology: .*" TOPO="$D/bad.keys"
printf 'kms_uri=kms.b.example\nkpak=04zz\nkey_period=86400\n' >"$D/bad.pub"
refused "garbage kms.pub" "$D/bad.pub:2: partner 'system-b' keys.kms: bad value for 'kpak'" \
    KMS="$D/bad.pub"
refused "explicit partner without signing keys" \
    "$P:11:5: partner 'system-b' is explicit but system.keys.signing is not set .*" SIGNING=
refused "certificate and key mismatch" \
    "$D/a.pem: system.keys.cert: does not match the private key $D/other.key (system.keys.key)" \
    KEY="$D/other.key"
refused "expired certificate" "$D/expired.pem: system.keys.cert: certificate expired on .*" \
    CERT="$D/expired.pem"
refused "certificate of another CA" \
    "$D/stranger.pem: system.keys.cert: does not chain to the CA $D/ca.pem: unable to get local issuer certificate" \
    CERT="$D/stranger.pem"

# --defaults: the caches against SHM_MEMORY (MB) of the IS proxy's defaults.
policy "$P" REPLAY=1048576
printf 'OUTSIDE_ADDR=198.51.100.1\nSHM_MEMORY=64\n' >"$TMP/defaults"
expect_rc 1 "$MCSECCTL" policy check --defaults "$TMP/defaults" "$P"
grep -q "^$P: replay caches (ear.replay_entries 1048576, gmk.replay_entries 4096) need 161 MB of shared memory, more than half of the 64 MB kamailio gets from $TMP/defaults:2\$" "$TMP/err" ||
    fail "cache sizing: $(cat "$TMP/err")"
expect_rc 0 "$MCSECCTL" policy check "$P"
sed -i 's/^SHM_MEMORY=64/SHM_MEMORY=512/' "$TMP/defaults"
expect_rc 0 "$MCSECCTL" policy check --defaults "$TMP/defaults" "$P"
printf 'OUTSIDE_ADDR=198.51.100.1\n' >"$TMP/defaults"
expect_rc 1 "$MCSECCTL" policy check --defaults "$TMP/defaults" "$P"
grep -q "^$TMP/defaults: no SHM_MEMORY=<megabytes> line" "$TMP/err" || fail "no SHM_MEMORY: $(cat "$TMP/err")"

# --as-user: root reads the 0600 keys, nobody does not.
if [ "$(id -u)" = 0 ]; then
    policy "$P"
    chmod 755 "$TMP" "$D"
    chmod 644 "$P"
    expect_rc 0 "$MCSECCTL" policy check "$P"
    expect_rc 1 "$MCSECCTL" policy check --as-user nobody "$P"
    grep -q "key file '$D/topo.keys' not readable (permission denied)" "$TMP/err" ||
        fail "--as-user nobody: no key file problem: $(cat "$TMP/err")"
    grep -q ": ok" "$TMP/out" && fail "--as-user nobody says ok"
    expect_rc 1 "$MCSECCTL" policy check --as-user no-such-user-here "$P"
fi

# mcsecctl reload: kamcmd's "error: NNN" is a failure, a generation is not.
printf '#!/bin/sh\necho "error: 400 - policy rejected, generation 3 kept (1 problem)"\necho "$2"\n' >"$TMP/kamcmd-refuses"
printf '#!/bin/sh\necho 4\n' >"$TMP/kamcmd-takes"
chmod 755 "$TMP"/kamcmd-*
MCSEC_KAMCMD=$TMP/kamcmd-refuses expect_rc 1 "$MCSECCTL" reload --ctl unix:/x/ctl
grep -q "^error: 400 - policy rejected" "$TMP/err" || fail "reload: kamcmd's fault not shown"
grep -qx "unix:/x/ctl" "$TMP/err" || fail "reload: --ctl not passed as -s"
MCSEC_KAMCMD=$TMP/kamcmd-takes expect_rc 0 "$MCSECCTL" reload
grep -qx 4 "$TMP/out" || fail "reload: generation not shown"
MCSEC_KAMCMD=$TMP/no-such-kamcmd expect_rc 1 "$MCSECCTL" reload
expect_rc 2 "$MCSECCTL" reload --bogus x

cli_finish test_mcsecctl_check
