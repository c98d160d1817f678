#!/bin/sh
# Makes every key and certificate the example policies (system-a.yaml,
# system-b.yaml) name, in keys/ beside this script (git-ignored):
#   keys/a/, keys/b/  per system: ca.pem + ca.key (the system's CA),
#                     border.pem + border.key (the border's TLS/IKE
#                     certificate, TS 33.310 Annex E profile: EC P-256,
#                     serverAuth and clientAuth, SAN dNSName = the host of
#                     the border identity, which is also its IKE identity),
#                     topology.key (mcsecctl key gen --topology),
#                     kms/ (a test KMS: mcsecctl kms init) and signing/ (the
#                     border's ECCSI keys for the current key period:
#                     mcsecctl kms issue)
#   keys/a-b.spk      the SPK A and B share (docs/spk.md format), 0600
# Then, from a fresh checkout:
#   policies/make-example-keys.sh
#   mcsecctl policy check policies/system-a.yaml
#   mcsecctl ipsec render --policy policies/system-a.yaml
#   mcsecctl policy pair policies/system-a.yaml policies/system-b.yaml
# Usage: make-example-keys.sh [--force]. Without --force, keys that are
# complete and whose certificates and signing keys still hold for a day are
# kept (exit 0 at once); otherwise everything is made anew, in keys.new/
# first and renamed to keys/ when complete. MCSECCTL names the mcsecctl to
# use (default: the one on PATH, else build/tools/mcsecctl of this tree).
# The certificate lines are the recipe docs/operator-guide.md shows.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
keys=$here/keys
if [ -z "${MCSECCTL:-}" ]; then
    MCSECCTL=$(command -v mcsecctl || echo "$here/../build/tools/mcsecctl")
fi
[ -x "$MCSECCTL" ] || { echo "make-example-keys.sh: no mcsecctl at $MCSECCTL (set MCSECCTL)" >&2; exit 1; }

# still_good: the keys are complete and hold for another day.
still_good() {
    [ -f "$keys/complete" ] || return 1
    for s in a b; do
        openssl x509 -checkend 86400 -noout -in "$keys/$s/border.pem" >/dev/null 2>&1 || return 1
        openssl x509 -checkend 86400 -noout -in "$keys/$s/ca.pem" >/dev/null 2>&1 || return 1
    done
    # The signing keys are for the key period they were issued in.
    [ "$(cat "$keys/complete")" = "$(period)" ]
}

# period: the current key period of the example KMSs (one day, offset 0).
period() {
    echo $(($(date +%s) / 86400))
}

if [ "${1:-}" != "--force" ] && still_good; then
    echo "make-example-keys.sh: $keys complete, kept (--force makes them anew)"
    exit 0
fi

umask 077
new=$keys.new
rm -rf "$new"
mkdir -p "$new"

# system NAME DOMAIN: CA, border certificate, topology key, KMS, signing keys.
system() {
    d=$new/$1
    mkdir -p "$d"
    # The system's CA (self-signed, EC P-256, a CA).
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
        -subj "/O=MC system $1/CN=$1 CA" -keyout "$d/ca.key" -out "$d/ca.pem" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
    # The border's certificate: TS 33.310 Annex E (both TLS key purposes,
    # SAN dNSName of the border identity's host = the IKE identity).
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -subj "/O=MC system $1/CN=$2" -keyout "$d/border.key" -out "$d/border.csr"
    printf '%s\n' 'basicConstraints=critical,CA:FALSE' \
        'keyUsage=critical,digitalSignature,keyAgreement' \
        'extendedKeyUsage=serverAuth,clientAuth' "subjectAltName=DNS:$2" >"$d/border.ext"
    openssl x509 -req -in "$d/border.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
        -CAcreateserial -days 90 -extfile "$d/border.ext" -out "$d/border.pem"
    rm -f "$d/border.csr" "$d/border.ext" "$d/ca.srl"
    "$MCSECCTL" key gen --topology --out "$d/topology.key"
    "$MCSECCTL" kms init --out "$d/kms" --kms-uri "kms.$2" --key-period 86400 --key-offset 0
    "$MCSECCTL" kms issue --kms "$d/kms" --id "sip:border@$2" --out "$d/signing"
    chmod 644 "$d/ca.pem" "$d/border.pem" "$d/kms/kms.pub" "$d/signing/kms.pub"
    chmod 755 "$d" "$d/kms"
}

system a a.mcx.example >/dev/null 2>&1 || { echo "make-example-keys.sh: system a failed" >&2; exit 1; }
system b b.mcx.example >/dev/null 2>&1 || { echo "make-example-keys.sh: system b failed" >&2; exit 1; }
# The SPK A and B share (docs/spk.md recipe), private to its owner.
printf '3%s %s\n' "$(openssl rand -hex 4 | cut -c2-8)" "$(openssl rand -hex 16)" >"$new/a-b.spk"
chmod 600 "$new/a-b.spk"
chmod 755 "$new"
period >"$new/complete"
rm -rf "$keys"
mv "$new" "$keys"
echo "make-example-keys.sh: keys for the example policies in $keys"
