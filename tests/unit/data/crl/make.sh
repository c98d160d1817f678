#!/bin/bash
# Makes the CRL fixtures of test_crl.c (run once; the files are committed):
# a root CA and an intermediate under it (chain.pem holds both), a CRL of
# each (root PEM, intermediate DER), a stale one, one of another CA, one
# forged under the root's name with another key, one of a CA without
# cRLSign, one without authorityKeyIdentifier, and garbage. Every certificate is valid for 100 years.
set -eu
cd "$(dirname "$0")"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ca() { # name subject [issuer] [keyusage]
  local ku=${4:-critical,keyCertSign,cRLSign}
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$2" \
    -keyout "$T/$1-key.pem" -out "$T/$1.csr" 2>/dev/null
  printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=%s\n' "$ku" >"$T/$1.ext"
  if [ -n "${3:-}" ]; then
    openssl x509 -req -in "$T/$1.csr" -CA "$3.pem" -CAkey "$T/$3-key.pem" -set_serial 0x$RANDOM \
      -days 36500 -extfile "$T/$1.ext" -out "$1.pem" 2>/dev/null
  else
    openssl x509 -req -in "$T/$1.csr" -signkey "$T/$1-key.pem" -days 36500 \
      -extfile "$T/$1.ext" -out "$1.pem" 2>/dev/null
  fi
}
crl() { # ca out [lastupdate nextupdate [noaki]]
  local d=$T/db-$1-$2 ext='crl_extensions=ext\n[ext]\nauthorityKeyIdentifier=keyid:always\n'
  [ -n "${5:-}" ] && ext=''
  mkdir -p "$d"; : >"$d/index.txt"; echo 01 >"$d/crlnumber"
  printf "[ca]\\ndefault_ca=d\\n[d]\\ndatabase=%s/index.txt\\ncrlnumber=%s/crlnumber\\ndefault_md=sha256\\n$ext" \
    "$d" "$d" >"$d/cnf"
  openssl ca -config "$d/cnf" -gencrl -keyfile "$T/$1-key.pem" -cert "$1.pem" \
    -crl_lastupdate "${3:-20240101000000Z}" -crl_nextupdate "${4:-21240101000000Z}" \
    -out "$2" 2>/dev/null
}
ca root "/CN=Test Root CA"
ca inter "/CN=Test Intermediate CA" root
ca other "/CN=Other CA"
ca nosign "/CN=No CRL Sign CA" "" critical,keyCertSign
cat root.pem inter.pem >chain.pem
crl root root.crl.pem
crl inter inter.crl.pem
openssl crl -in inter.crl.pem -outform DER -out inter.crl.der
rm inter.crl.pem
crl root stale.crl.pem 20200101000000Z 20200102000000Z
crl other other.crl.pem
crl root noaki.crl.pem 20240101000000Z 21240101000000Z noaki
crl nosign nosign.crl.pem
# Same issuer name as the root, another key: the signature must fail.
mv root.pem root.keep; cp "$T/root-key.pem" "$T/root-key.keep"
ca root "/CN=Test Root CA"
crl root forged.crl.pem
mv root.keep root.pem
printf -- '-----BEGIN X509 CRL-----\nbm90IGEgQ1JM\n-----END X509 CRL-----\n' >garbage.crl.pem
