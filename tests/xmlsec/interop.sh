#!/usr/bin/env bash
# Interoperability of mcsec's shared-SPK protection with the xmlsec1 command
# line tool, an implementation we did not write. Keys are derived here with
# openssl (S = FC || P0 || L0 || P1 || L1, HMAC-SHA-256, last 16 octets),
# independently of libmcsec's KDF.
#   encryption: mcsec -> xmlsec1 decrypt and xmlsec1 encrypt -> mcsec, for
#               every protected element type;
#   signature:  xmlsec1 verify (--hmackey, --url-map cid:) accepts mcsec's,
#               mcsec accepts xmlsec1 sign's; tampering is refused;
#   and the same, both ways, for mcvideo-info and mcdata-info bodies;
#   resource-lists (integrity only, --signed-types as spk.signed_types):
#               signed with mcptt-info in one multipart, verified both ways,
#               tampering, a signature that leaves it out and a clear body
#               refused.
# usage: interop.sh MCSECCTL
set -euo pipefail
mcsecctl=$1
py=/usr/bin/python3
work=$(mktemp -d /tmp/mcsec-xmlsec-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

identity="sip:border@a.mcx.example"
spk_id=30000001
spk=000102030405060708090a0b0c0d0e0f
key_name="MAAAAQ==" # base64 of the SPK-ID
printf '# test SPK\n%s %s\n' "$spk_id" "$spk" >spk
chmod 600 spk
fails=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

hex_to_bin() { printf '%b' "$(sed 's/../\\x&/g' <<<"$1")"; }

# Derived key: HMAC-SHA-256(SPK, FC || P0 || L0 || P1 || L1), last 16 octets.
derive() {
  local fc=$1 p0_hex l0
  p0_hex=$(printf '%s' "$identity" | od -An -tx1 | tr -d ' \n')
  l0=$(printf '%04x' "${#identity}")
  hex_to_bin "${fc}${p0_hex}${l0}${spk_id}0004" >"s_$fc"
  openssl dgst -sha256 -mac HMAC -macopt "hexkey:$spk" -r "s_$fc" | cut -c33-64
}
conf_hex=$(derive 51)
integ_hex=$(derive 52)
hex_to_bin "$conf_hex" >conf.bin
hex_to_bin "$integ_hex" >integ.bin
# Our CLI's derivation must agree (same inputs, different code).
[ "$("$mcsecctl" spk derive --key-file spk --identity "$identity" --fc 0x51)" = "$conf_hex" ] &&
  [ "$("$mcsecctl" spk derive --key-file spk --identity "$identity" --fc 0x52)" = "$integ_hex" ] &&
  pass "KDF: openssl and mcsecctl derive the same keys" || fail "KDF mismatch"

elements=(mcptt-request-uri mcptt-calling-user-id mcptt-called-party-id mcptt-calling-group-id
  associated-group-id originated-by mcptt-client-id functional-alias-URI emergency-ind
  alert-ind imminentperil-ind)

child_of() {
  case $1 in
  *-ind) echo mcpttBoolean ;;
  mcptt-client-id) echo mcpttString ;;
  *) echo mcpttURI ;;
  esac
}

{
  echo '<?xml version="1.0" encoding="UTF-8"?>'
  echo '<mcpttinfo xmlns="urn:3gpp:ns:mcpttInfo:1.0"><mcptt-Params>'
  for e in "${elements[@]}"; do
    c=$(child_of "$e")
    echo "<$e type=\"Normal\"><$c>value-of-$e@b.mcx.example</$c></$e>"
  done
  echo '</mcptt-Params></mcpttinfo>'
} >info.xml

cat >enc-tmpl.xml <<'XML'
<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Type="http://www.w3.org/2001/04/xmlenc#Element"><xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes128-gcm"/><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:KeyName>KEYNAME</ds:KeyName></ds:KeyInfo><xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedData>
XML
sed -i "s|KEYNAME|$key_name|" enc-tmpl.xml

for e in "${elements[@]}"; do
  c=$(child_of "$e")
  clear="<$c>value-of-$e@b.mcx.example</$c>"
  # mcsec encrypts, xmlsec1 decrypts.
  "$mcsecctl" spk protect --key-file spk --identity "$identity" --elements "$e" <info.xml >m.xml
  if ! grep -q "value-of-$e@" m.xml && grep -q "<$e type=\"Encrypted\"><xenc:EncryptedData" m.xml &&
    xmlsec1 decrypt --aeskey:"$key_name" conf.bin --output x.xml m.xml 2>err.txt &&
    grep -q "$clear" x.xml; then
    pass "mcsec -> xmlsec1 decrypt: $e"
  else
    fail "mcsec -> xmlsec1 decrypt: $e ($(head -c 300 err.txt))"
  fi
  # xmlsec1 encrypts, mcsec decrypts.
  if xmlsec1 encrypt --aeskey:"$key_name" conf.bin --xml-data info.xml \
    --node-xpath "//*[local-name()='$e']/*" --output x.xml enc-tmpl.xml 2>err.txt; then
    sed -i "s|<$e type=\"Normal\">|<$e type=\"Encrypted\">|" x.xml
    if ! grep -q "value-of-$e@" x.xml &&
      "$mcsecctl" spk unprotect --key-file spk --identity "$identity" <x.xml >m.xml 2>err.txt &&
      grep -q "<$e type=\"Normal\">$clear" m.xml; then
      pass "xmlsec1 encrypt -> mcsec: $e"
    else
      fail "xmlsec1 encrypt -> mcsec: $e ($(cat err.txt))"
    fi
  else
    fail "xmlsec1 encrypt: $e ($(head -c 300 err.txt))"
  fi
done

# split_protected FILE: the parts of a protected multipart body as xmlsec1
# reads them: the signature part into sig.xml, the signed part into
# part.xml and its Content-ID into cid.txt (a resource-lists part into
# rl.xml and rl-cid.txt).
split_protected() {
  "$py" - "$1" <<'PY'
import re, sys
data = open(sys.argv[1], 'rb').read()
head, body = data.split(b'\r\n\r\n', 1)
boundary = re.search(rb'boundary="?([^";\r\n]+)', head).group(1)
parts = body.split(b'\r\n--' + boundary)
parts[0] = parts[0][len(b'--' + boundary):]
for part in parts[:-1]:
    headers, content = part.lstrip(b'\r\n').split(b'\r\n\r\n', 1)
    if b'mcptt-signed+xml' in headers:
        open('sig.xml', 'wb').write(content)
    elif b'resource-lists+xml' in headers:
        open('rl.xml', 'wb').write(content)
        cid = re.search(rb'Content-ID: <([^>]+)>', headers)
        open('rl-cid.txt', 'wb').write(cid.group(1) if cid else b'')
    else:
        open('part.xml', 'wb').write(content)
        open('cid.txt', 'wb').write(re.search(rb'Content-ID: <([^>]+)>', headers).group(1))
PY
}

# Signature, mcsec -> xmlsec1 verify.
printf 'Content-Type: application/vnd.3gpp.mcptt-info+xml\r\n\r\n' | cat - info.xml >in.mime
"$mcsecctl" spk protect --mime --key-file spk --identity "$identity" <in.mime >out.mime
split_protected out.mime
cid=$(cat cid.txt)
if xmlsec1 verify --hmackey:"$key_name" integ.bin --url-map:"cid:$cid" part.xml \
  --enabled-reference-uris remote sig.xml >verify.txt 2>&1; then
  pass "mcsec signature -> xmlsec1 verify"
else
  fail "mcsec signature -> xmlsec1 verify ($(head -c 300 verify.txt))"
fi
printf ' ' >>part.xml
if xmlsec1 verify --hmackey:"$key_name" integ.bin --url-map:"cid:$cid" part.xml sig.xml \
  >/dev/null 2>&1; then
  fail "xmlsec1 verify accepted a changed part"
else
  pass "xmlsec1 verify refuses a changed part"
fi

# Signature, xmlsec1 sign -> mcsec (over a part mcsec encrypted).
"$mcsecctl" spk protect --key-file spk --identity "$identity" <info.xml >signed-part.xml
cat >sig-tmpl.xml <<XML
<?xml version="1.0" encoding="UTF-8"?>
<signatures xmlns="urn:3gpp:ns:mcpttSignedDoc:1.0"><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"/><ds:Reference URI="cid:info-1@b.mcx.example"><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:KeyName>$key_name</ds:KeyName></ds:KeyInfo></ds:Signature></signatures>
XML
build_mime() { # PART SIG > entity
  printf 'Content-Type: multipart/mixed;boundary=b0undary\r\n\r\n'
  printf -- '--b0undary\r\nContent-Type: application/vnd.3gpp.mcptt-info+xml\r\n'
  printf 'Content-ID: <info-1@b.mcx.example>\r\n\r\n'
  cat "$1"
  printf '\r\n--b0undary\r\nContent-Type: application/vnd.3gpp.mcptt-signed+xml\r\n\r\n'
  cat "$2"
  printf '\r\n--b0undary--\r\n'
}
if xmlsec1 sign --hmackey:"$key_name" integ.bin --url-map:cid:info-1@b.mcx.example \
  signed-part.xml --enabled-reference-uris remote --output xsig.xml sig-tmpl.xml 2>err.txt; then
  build_mime signed-part.xml xsig.xml >x.mime
  if "$mcsecctl" spk unprotect --mime --key-file spk --identity "$identity" <x.mime >clear.mime \
    2>err.txt && grep -q "value-of-mcptt-calling-user-id@" clear.mime; then
    pass "xmlsec1 sign -> mcsec verify and decrypt"
  else
    fail "xmlsec1 sign -> mcsec ($(cat err.txt))"
  fi
  # Change one ciphertext character of the signed part.
  "$py" -c "
d=open('signed-part.xml').read(); i=d.index('<xenc:CipherValue>')+25
open('changed.xml','w').write(d[:i]+('A' if d[i]!='A' else 'B')+d[i+1:])"
  build_mime changed.xml xsig.xml >x.mime
  if "$mcsecctl" spk unprotect --mime --key-file spk --identity "$identity" <x.mime \
    >/dev/null 2>err.txt; then
    fail "mcsec accepted a changed signed part"
  elif grep -q '^spk.bad_signature' err.txt; then
    pass "mcsec refuses a changed signed part (spk.bad_signature)"
  else
    fail "changed signed part: unexpected error $(cat err.txt)"
  fi
else
  fail "xmlsec1 sign ($(head -c 300 err.txt))"
fi

# The other protectable types (docs/protectable-types.md): mcvideo-info
# (TS 24.281) and mcdata-info (TS 24.282), as whole bodies (--mime), both
# ways, each element, and the signature over the part both ways.
kind_test() { # CONTENT-TYPE NAMESPACE ROOT PREFIX
  local ct=$1 ns=$2 root=$3 p=$4 e c clear
  local kelements=("$p-request-uri" "$p-calling-user-id" "$p-called-party-id"
    "$p-calling-group-id" "$p-client-id")
  {
    echo '<?xml version="1.0" encoding="UTF-8"?>'
    echo "<$root xmlns=\"$ns\"><$p-Params>"
    for e in "${kelements[@]}"; do
      c=${p}URI
      [ "$e" = "$p-client-id" ] && c=${p}String
      echo "<$e type=\"Normal\"><$c>value-of-$e@b.mcx.example</$c></$e>"
    done
    echo "</$p-Params></$root>"
  } >kinfo.xml
  kmime() { # PART-FILE [SIG-FILE] > entity
    printf 'Content-Type: multipart/mixed;boundary=b0undary\r\n\r\n'
    printf -- '--b0undary\r\nContent-Type: %s\r\nContent-ID: <info-1@b.mcx.example>\r\n\r\n' "$ct"
    cat "$1"
    if [ -n "${2:-}" ]; then
      printf '\r\n--b0undary\r\nContent-Type: application/vnd.3gpp.mcptt-signed+xml\r\n\r\n'
      cat "$2"
    fi
    printf '\r\n--b0undary--\r\n'
  }
  for e in "${kelements[@]}"; do
    c=${p}URI
    [ "$e" = "$p-client-id" ] && c=${p}String
    clear="<$c>value-of-$e@b.mcx.example</$c>"
    # mcsec protects the body, xmlsec1 decrypts the element and verifies
    # the signature over the part.
    printf 'Content-Type: %s\r\n\r\n' "$ct" | cat - kinfo.xml >in.mime
    "$mcsecctl" spk protect --mime --key-file spk --identity "$identity" --elements "$e" \
      <in.mime >out.mime
    split_protected out.mime
    if ! grep -q "value-of-$e@" part.xml && grep -q "<$e type=\"Encrypted\"><xenc:EncryptedData" part.xml &&
      xmlsec1 decrypt --aeskey:"$key_name" conf.bin --output x.xml part.xml 2>err.txt &&
      grep -q "$clear" x.xml; then
      pass "$p-info: mcsec -> xmlsec1 decrypt: $e"
    else
      fail "$p-info: mcsec -> xmlsec1 decrypt: $e ($(head -c 300 err.txt))"
    fi
    if xmlsec1 verify --hmackey:"$key_name" integ.bin --url-map:"cid:$(cat cid.txt)" part.xml \
      --enabled-reference-uris remote sig.xml >verify.txt 2>&1; then
      pass "$p-info: mcsec signature -> xmlsec1 verify ($e)"
    else
      fail "$p-info: mcsec signature -> xmlsec1 verify ($(head -c 300 verify.txt))"
    fi
    # xmlsec1 encrypts the element and signs the part, mcsec verifies and
    # decrypts (required).
    if xmlsec1 encrypt --aeskey:"$key_name" conf.bin --xml-data kinfo.xml \
      --node-xpath "//*[local-name()='$e']/*" --output x.xml enc-tmpl.xml 2>err.txt &&
      sed -i "s|<$e type=\"Normal\">|<$e type=\"Encrypted\">|" x.xml &&
      xmlsec1 sign --hmackey:"$key_name" integ.bin --url-map:cid:info-1@b.mcx.example x.xml \
        --enabled-reference-uris remote --output xsig.xml sig-tmpl.xml 2>err.txt; then
      kmime x.xml xsig.xml >x.mime
      if ! grep -q "value-of-$e@" x.xml &&
        "$mcsecctl" spk unprotect --mime --key-file spk --identity "$identity" <x.mime \
          >clear.mime 2>err.txt &&
        grep -q "<$e type=\"Normal\">$clear" clear.mime; then
        pass "$p-info: xmlsec1 encrypt+sign -> mcsec: $e"
      else
        fail "$p-info: xmlsec1 encrypt+sign -> mcsec: $e ($(cat err.txt))"
      fi
    else
      fail "$p-info: xmlsec1 encrypt/sign: $e ($(head -c 300 err.txt))"
    fi
  done
  # Clear, required: refused.
  kmime kinfo.xml >x.mime
  if "$mcsecctl" spk unprotect --mime --key-file spk --identity "$identity" <x.mime \
    >/dev/null 2>err.txt; then
    fail "$p-info: a clear body passed with SPK required"
  elif grep -q '^spk.missing' err.txt; then
    pass "$p-info: a clear body is refused with SPK required (spk.missing)"
  else
    fail "$p-info: clear body: unexpected error $(cat err.txt)"
  fi
}
kind_test application/vnd.3gpp.mcvideo-info+xml urn:3gpp:ns:mcvideoInfo:1.0 mcvideoinfo mcvideo
kind_test application/vnd.3gpp.mcdata-info+xml urn:3gpp:ns:mcdataInfo:1.0 mcdatainfo mcdata

# resource-lists (RFC 4826 list, RFC 5366 URI list of an ad hoc group call,
# TS 24.379): integrity only when the partner's spk.signed_types lists it
# (docs/protectable-types.md). One multipart/mixed body with an mcptt-info
# part and a resource-lists part, both ways.
rl_type=application/resource-lists+xml
rl_doc='<?xml version="1.0" encoding="UTF-8"?>
<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists"><list><entry uri="sip:bob@a.mcx.example"/><entry uri="sip:carol@a.mcx.example"/></list></resource-lists>'
printf '%s' "$rl_doc" >rl-clear.xml
rl_mime() { # INFO-FILE RL-FILE [SIG-FILE] > entity (parts with the Content-IDs sig-rl-tmpl.xml names)
  printf 'Content-Type: multipart/mixed;boundary=b0undary\r\n\r\n'
  printf -- '--b0undary\r\nContent-Type: application/vnd.3gpp.mcptt-info+xml\r\n'
  printf 'Content-ID: <info-1@b.mcx.example>\r\n\r\n'
  cat "$1"
  printf '\r\n--b0undary\r\nContent-Type: %s\r\nContent-ID: <rl-1@b.mcx.example>\r\n\r\n' "$rl_type"
  cat "$2"
  if [ -n "${3:-}" ]; then
    printf '\r\n--b0undary\r\nContent-Type: application/vnd.3gpp.mcptt-signed+xml\r\n\r\n'
    cat "$3"
  fi
  printf '\r\n--b0undary--\r\n'
}
rl_unprotect() { # ENTITY [ARGS...]: mcsec unprotect, SPK required, stderr in err.txt
  local in=$1
  shift
  "$mcsecctl" spk unprotect --mime --key-file spk --identity "$identity" "$@" <"$in" \
    >clear.mime 2>err.txt
}
expect_refused() { # WHAT REASON ENTITY [ARGS...]
  local what=$1 reason=$2 in=$3
  shift 3
  if rl_unprotect "$in" "$@"; then
    fail "resource-lists: mcsec accepted $what"
  elif grep -q "^$reason" err.txt; then
    pass "resource-lists: mcsec refuses $what ($reason)"
  else
    fail "resource-lists: $what: unexpected error $(cat err.txt)"
  fi
}

# (a) mcsec protects, xmlsec1 verifies the References to both parts.
{
  printf 'Content-Type: multipart/mixed;boundary=b0undary\r\n\r\n'
  printf -- '--b0undary\r\nContent-Type: application/vnd.3gpp.mcptt-info+xml\r\n\r\n'
  cat info.xml
  printf '\r\n--b0undary\r\nContent-Type: %s\r\n\r\n' "$rl_type"
  cat rl-clear.xml
  printf '\r\n--b0undary--\r\n'
} >in.mime
rm -f rl.xml rl-cid.txt
"$mcsecctl" spk protect --mime --key-file spk --identity "$identity" --signed-types "$rl_type" \
  <in.mime >out.mime
split_protected out.mime
if [ -s rl-cid.txt ] && cmp -s rl.xml rl-clear.xml &&
  grep -q "<ds:Reference URI=\"cid:$(cat rl-cid.txt)\">" sig.xml &&
  grep -q "<ds:Reference URI=\"cid:$(cat cid.txt)\">" sig.xml &&
  ! grep -q 'value-of-mcptt-calling-user-id@' part.xml &&
  xmlsec1 verify --hmackey:"$key_name" integ.bin --url-map:"cid:$(cat cid.txt)" part.xml \
    --url-map:"cid:$(cat rl-cid.txt)" rl.xml --enabled-reference-uris remote sig.xml \
    >verify.txt 2>&1; then
  pass "resource-lists: mcsec signature over mcptt-info and resource-lists -> xmlsec1 verify"
else
  fail "resource-lists: mcsec signature -> xmlsec1 verify ($(head -c 300 verify.txt))"
fi
sed 's/bob@/mallory@/' rl.xml >rl-changed.xml
if xmlsec1 verify --hmackey:"$key_name" integ.bin --url-map:"cid:$(cat cid.txt)" part.xml \
  --url-map:"cid:$(cat rl-cid.txt)" rl-changed.xml --enabled-reference-uris remote sig.xml \
  >/dev/null 2>&1; then
  fail "resource-lists: xmlsec1 verify accepted a changed resource-lists part"
else
  pass "resource-lists: xmlsec1 verify refuses a changed resource-lists part"
fi

# --signed-types takes what spk.signed_types takes: XML types, any case.
rc=0
"$mcsecctl" spk protect --mime --key-file spk --identity "$identity" \
  --signed-types "$rl_type,application/sdp" <in.mime >/dev/null 2>err.txt || rc=$?
if [ "$rc" -eq 2 ] && grep -q 'XML content types' err.txt &&
  "$mcsecctl" spk protect --mime --key-file spk --identity "$identity" \
    --signed-types Application/Resource-Lists+XML <in.mime >out.mime &&
  [ "$(grep -c '<ds:Reference ' out.mime)" -eq 2 ]; then
  pass "resource-lists: --signed-types refuses a non-XML type, lower-cases"
else
  fail "resource-lists: --signed-types checks (exit $rc, $(cat err.txt))"
fi

# (b) xmlsec1 signs both parts (mcptt-info encrypted by mcsec above), mcsec
# verifies with --signed-types.
sed 's|<ds:Reference URI="cid:info-1@b.mcx.example"><ds:DigestMethod Algorithm="[^"]*"/><ds:DigestValue/></ds:Reference>|&<ds:Reference URI="cid:rl-1@b.mcx.example"><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>|' \
  sig-tmpl.xml >sig-rl-tmpl.xml
if [ "$(grep -o '<ds:Reference ' sig-rl-tmpl.xml | wc -l)" -eq 2 ] &&
  xmlsec1 sign --hmackey:"$key_name" integ.bin --url-map:cid:info-1@b.mcx.example \
    signed-part.xml --url-map:cid:rl-1@b.mcx.example rl-clear.xml \
    --enabled-reference-uris remote --output xsig-rl.xml sig-rl-tmpl.xml 2>err.txt &&
  xmlsec1 sign --hmackey:"$key_name" integ.bin --url-map:cid:info-1@b.mcx.example \
    signed-part.xml --enabled-reference-uris remote --output xsig-info.xml sig-tmpl.xml \
    2>err.txt; then
  rl_mime signed-part.xml rl-clear.xml xsig-rl.xml >x.mime
  if rl_unprotect x.mime --signed-types "$rl_type" &&
    grep -q "value-of-mcptt-calling-user-id@" clear.mime &&
    grep -qF "$rl_doc" clear.mime && ! grep -q 'mcptt-signed+xml' clear.mime; then
    pass "resource-lists: xmlsec1 sign (both parts) -> mcsec verify"
  else
    fail "resource-lists: xmlsec1 sign -> mcsec ($(cat err.txt))"
  fi
  sed 's/bob@/mallory@/' rl-clear.xml >rl-changed.xml
  rl_mime signed-part.xml rl-changed.xml xsig-rl.xml >x.mime
  expect_refused "a changed resource-lists part" spk.bad_signature x.mime \
    --signed-types "$rl_type"
  # A valid signature over the mcptt-info part only: enough without
  # --signed-types, refused with it.
  rl_mime signed-part.xml rl-clear.xml xsig-info.xml >x.mime
  if rl_unprotect x.mime && grep -qF "$rl_doc" clear.mime; then
    expect_refused "a signature that does not cover the resource-lists part" \
      spk.bad_signature x.mime --signed-types "$rl_type"
  else
    fail "resource-lists: signature over mcptt-info only refused without --signed-types ($(cat err.txt))"
  fi
else
  fail "resource-lists: xmlsec1 sign ($(head -c 300 err.txt))"
fi
# No signature at all, SPK required: with the mcptt-info part, and with the
# resource-lists part next to an opaque SDP part only.
rl_mime info.xml rl-clear.xml >x.mime
expect_refused "a clear mcptt-info and resource-lists body" spk.missing x.mime \
  --signed-types "$rl_type"
{
  printf 'Content-Type: multipart/mixed;boundary=b0undary\r\n\r\n'
  printf -- '--b0undary\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n'
  printf -- '\r\n--b0undary\r\nContent-Type: %s\r\n\r\n' "$rl_type"
  cat rl-clear.xml
  printf '\r\n--b0undary--\r\n'
} >x.mime
expect_refused "a clear resource-lists part next to SDP" spk.missing x.mime \
  --signed-types "$rl_type"

echo "interop: $fails failure(s)"
[ "$fails" -eq 0 ]
