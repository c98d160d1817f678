#!/bin/bash
# Every SPK reason code produced by a real message at system B's border:
# a sipp UAC on system A's outside address (127.0.10.1:5060, the address
# B's policy lists for system-a; A's kamailio is not running) sends MESSAGEs
# with crafted bodies (made with mcsecctl spk protect --mime, then altered)
# straight to B's outside socket. B requires SPK from system-a:
#   a correctly protected body            -> 200, clear at B's core
#   unprotected mcptt-info                -> spk.missing
#   unprotected mcvideo-info, and unprotected mcdata-info beside
#   mcdata-signalling and mcdata-payload parts -> spk.missing
#   protected with a key B does not have  -> spk.unknown_key
#   signed, but a ciphertext flipped before signing -> spk.bad_tag
#   ciphertext flipped after signing      -> spk.bad_signature
#   a clear mcptt-info inside a nested multipart/mixed (issue 14 item 3)
#                                         -> spk.malformed
#   multipart without its boundary        -> sip.malformed
#   signature wrapping (issue 14 item 2): the genuine protected mcptt-info
#   relabelled text/plain keeping its Content-ID, plus a clear mcptt-info
#   with the same Content-ID                                -> sip.malformed
#   a part whose first Content-Type is mcptt-info, last text/plain
#   (issue 14 item 3)                                        -> sip.malformed
#   (the last three: the SIP check walks the body with the same MIME walker
#   as the SPK stage, before it, and refuses what the walker refuses; the
#   SPK stage's own refusal of them is in tests/unit/test_xmlprot.c);
#   none of them reaches B's core (passed_in unchanged).
# The same socket also shows that every part of a body is judged (issue 14
# items 9 and 4, the SIP check before the SPK stage):
#   an application/x-evil part in multipart/mixed, at depth 1 or 2,
#   in from A and out from B's core              -> sip.content_type_denied
#   mcptt-info declared and encoded IBM037 (EBCDIC) -> sip.unsupported_encoding
#   a body with a Content-Encoding: gzip header     -> sip.unsupported_encoding
#   mcptt-info whose IBM037 declaration follows a line break, a text/plain
#   part opening with a UTF-16 declaration, mcptt-info holding an overlong
#   octet pair (the walker's one UTF-8 rule)      -> sip.unsupported_encoding
# Each rejection answers 403 (400 for spk.malformed) with Warning: 399 ... "<code>" and moves that
# code's counter for system-a by one.
. "$(dirname "$0")/lib_two.sh"
two_init "$@"

spk_id=3a5c0001
spk_key=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
two_spk_file "$T_DIR/b-shared-a.spk" "$spk_id" "$spk_key"
two_spk_file "$T_DIR/a-shared-b.spk" "$spk_id" "$spk_key"
two_spk_file "$T_DIR/stranger.spk" 3bad0001 "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
# UDP towards A: replies go back to the sipp UAC on A's address.
two_policy b "$T_DIR/policy-b.yaml" SPK_FILE="$T_DIR/b-shared-a.spk" TRANSPORT=udp
border_start b "$T_DIR/policy-b.yaml"
A_ID=sip:border@a.mcx.example

# The clear document: the same URIs as scenarios/uac_spk_message.xml.
cat >"$T_DIR/clear.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<mcpttinfo xmlns="urn:3gpp:ns:mcpttInfo:1.0"><mcptt-Params><mcptt-request-uri type="Normal"><mcpttURI>sip:hidden-callee@b.mcx.example</mcpttURI></mcptt-request-uri><mcptt-calling-user-id type="Normal"><mcpttURI>sip:hidden-caller@a.mcx.example</mcpttURI></mcptt-calling-user-id><mcptt-client-id type="Normal"><mcpttString>hidden-client-1</mcpttString></mcptt-client-id></mcptt-Params></mcpttinfo>
XML

# protect_mime KEYFILE IN_CT IN_BODY OUT: mcsecctl spk protect --mime;
# writes OUT.body (octets) and OUT.ct (the Content-Type value).
protect_mime() {
    local keys=$1 ct=$2 in=$3 out=$4
    { printf 'Content-Type: %s\r\n\r\n' "$ct"; cat "$in"; } |
        "$MCSEC_CTL" spk protect --mime --key-file "$keys" --identity "$A_ID" >"$out.mime" ||
        t_die "mcsecctl spk protect --mime $out"
    split_mime "$out.mime" "$out"
}

# split_mime IN OUT: header/body of a MIME entity into OUT.ct and OUT.body.
split_mime() {
    $T_PY - "$1" "$2" <<'PY'
import sys
raw = open(sys.argv[1], "rb").read()
head, body = raw.split(b"\r\n\r\n", 1)
ct = head.split(b":", 1)[1].strip()
open(sys.argv[2] + ".ct", "wb").write(ct)
open(sys.argv[2] + ".body", "wb").write(body)
PY
}

# flip_cipher IN OUT: flips one base64 character in the first CipherValue.
flip_cipher() {
    $T_PY - "$1" "$2" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
at = data.index(b"<xenc:CipherValue>") + len(b"<xenc:CipherValue>") + 20
data[at] = ord("B") if data[at] != ord("B") else ord("C")
open(sys.argv[2], "wb").write(bytes(data))
PY
}

# ok: a body A would send.
protect_mime "$T_DIR/a-shared-b.spk" application/vnd.3gpp.mcptt-info+xml "$T_DIR/clear.xml" \
    "$T_DIR/ok"
# missing: the clear document as it is.
cp "$T_DIR/clear.xml" "$T_DIR/missing.body"
printf 'application/vnd.3gpp.mcptt-info+xml' >"$T_DIR/missing.ct"
# unknown_key: protected with a key B was never given.
protect_mime "$T_DIR/stranger.spk" application/vnd.3gpp.mcptt-info+xml "$T_DIR/clear.xml" \
    "$T_DIR/unknown"
# bad_tag: encrypt, flip a ciphertext octet, then sign what is there (the
# signature is valid, the GCM tag is not).
"$MCSEC_CTL" spk protect --key-file "$T_DIR/a-shared-b.spk" --identity "$A_ID" \
    <"$T_DIR/clear.xml" >"$T_DIR/encrypted.xml" || t_die "mcsecctl spk protect"
flip_cipher "$T_DIR/encrypted.xml" "$T_DIR/flipped.xml"
protect_mime "$T_DIR/a-shared-b.spk" application/vnd.3gpp.mcptt-info+xml "$T_DIR/flipped.xml" \
    "$T_DIR/badtag"
# bad_signature: the signed mcptt-info part changed after signing.
flip_cipher "$T_DIR/ok.body" "$T_DIR/badsig.body"
cp "$T_DIR/ok.ct" "$T_DIR/badsig.ct"
# malformed: multipart whose boundary never appears.
printf 'this is not\r\na multipart body\r\n' >"$T_DIR/malformed.body"
printf 'multipart/mixed;boundary=never-there' >"$T_DIR/malformed.ct"

# wrapped, nested, twotypes: the structure attacks of issue 14 items 2, 3.
$T_PY - "$T_DIR" <<'PY' || t_die "structure attack bodies"
import re, sys
d = sys.argv[1]
ok = open(d + "/ok.body", "rb").read()
ct = open(d + "/ok.ct", "rb").read()
clear = open(d + "/clear.xml", "rb").read().replace(b"hidden-caller", b"forged-caller")
boundary = re.search(rb'boundary="?([^";]+)', ct).group(1)
info = b"Content-Type: application/vnd.3gpp.mcptt-info+xml\r\nContent-ID: <"
at = ok.index(info) + len(info)
cid = ok[at:ok.index(b">", at)]
sig = b"--" + boundary + b"\r\nContent-Type: application/vnd.3gpp.mcptt-signed+xml"
wrapped = ok.replace(info, b"Content-Type: text/plain\r\nContent-ID: <", 1)
wrapped = wrapped.replace(sig, b"--" + boundary + b"\r\nContent-Type: "
    b"application/vnd.3gpp.mcptt-info+xml\r\nContent-ID: <" + cid + b">\r\n\r\n" + clear +
    b"\r\n" + sig, 1)
open(d + "/wrapped.body", "wb").write(wrapped)
open(d + "/wrapped.ct", "wb").write(ct)
nested = (b"--outer\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
          b"--outer\r\nContent-Type: multipart/mixed;boundary=inner\r\n\r\n"
          b"--inner\r\nContent-Type: application/vnd.3gpp.mcptt-info+xml\r\n\r\n" + clear +
          b"\r\n--inner--\r\n\r\n--outer--\r\n")
open(d + "/nested.body", "wb").write(nested)
open(d + "/nested.ct", "wb").write(b"multipart/mixed;boundary=outer")
twotypes = (b"--outer\r\nContent-Type: application/vnd.3gpp.mcptt-info+xml\r\n"
            b"Content-Type: text/plain\r\n\r\n" + clear + b"\r\n--outer--\r\n")
open(d + "/twotypes.body", "wb").write(twotypes)
open(d + "/twotypes.ct", "wb").write(b"multipart/mixed;boundary=outer")
PY
# evilpart, deepevil, ebcdic, gzip: issue 14 items 9 and 4.
$T_PY - "$T_DIR" <<'PY' || t_die "part type and encoding bodies"
import sys
d = sys.argv[1]
def write(name, ct, body):
    open(d + "/" + name + ".body", "wb").write(body)
    open(d + "/" + name + ".ct", "wb").write(ct)
mixed = b"multipart/mixed;boundary=outer"
write("evilpart", mixed, b"--outer\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
      b"--outer\r\nContent-Type: application/x-evil\r\n\r\nboom\r\n--outer--\r\n")
write("deepevil", mixed, b"--outer\r\nContent-Type: multipart/mixed;boundary=inner\r\n\r\n"
      b"--inner\r\nContent-Type: application/x-evil\r\n\r\nboom\r\n--inner--\r\n"
      b"\r\n--outer--\r\n")
clear = open(d + "/clear.xml", "rb").read().decode()
write("ebcdic", b"application/vnd.3gpp.mcptt-info+xml",
      clear.replace('encoding="UTF-8"', 'encoding="IBM037"').encode("cp037"))
write("gzip", b"text/plain", b"hello\r\n")
# The one UTF-8 rule of both proxies (docs/mime.md): a declaration after
# white space, a leaf labelled text/plain that opens with a declaration,
# an overlong (not strict UTF-8) octet pair in an XML leaf.
mcptt = b"application/vnd.3gpp.mcptt-info+xml"
write("latedecl", mcptt, b"\r\n" + clear.replace('encoding="UTF-8"', 'encoding="IBM037"').encode())
write("plaindecl", mixed, b"--outer\r\nContent-Type: text/plain\r\n\r\n"
      b"<?xml version=\"1.0\" encoding=\"UTF-16\"?><x/>\r\n--outer--\r\n")
write("overlong", mcptt, clear.replace("hidden-client-1", "hidden\u2024client").encode()
      .replace(b"\xe2\x80\xa4", b"\xc0\xae"))
open(d + "/gzip.extra", "w").write("Content-Encoding: gzip")
# Clear mcvideo-info and mcdata-info (docs/protectable-types.md): refused
# like clear mcptt-info, alone or beside MCData's opaque parts.
write("vmissing", b"application/vnd.3gpp.mcvideo-info+xml",
      b'<mcvideoinfo xmlns="urn:3gpp:ns:mcvideoInfo:1.0"><mcvideo-Params>'
      b'<mcvideo-calling-user-id type="Normal"><mcvideoURI>sip:hidden-caller@a.mcx.example'
      b'</mcvideoURI></mcvideo-calling-user-id></mcvideo-Params></mcvideoinfo>')
write("dmissing", mixed, b"--outer\r\nContent-Type: application/vnd.3gpp.mcdata-info+xml\r\n\r\n"
      b'<mcdatainfo xmlns="urn:3gpp:ns:mcdataInfo:1.0"><mcdata-Params>'
      b'<mcdata-calling-user-id type="Normal"><mcdataURI>sip:hidden-caller@a.mcx.example'
      b'</mcdataURI></mcdata-calling-user-id></mcdata-Params></mcdatainfo>\r\n'
      b"--outer\r\nContent-Type: application/vnd.3gpp.mcdata-signalling\r\n\r\n\x01\x02sig\r\n"
      b"--outer\r\nContent-Type: application/vnd.3gpp.mcdata-payload\r\n\r\n\x03\x01hi\r\n"
      b"--outer--\r\n")
PY

uac_keys ruri=sip:bob@b.mcx.example to=sip:bob@b.mcx.example from=sip:alice@a.mcx.example \
    pai="P-Asserted-Identity: <sip:alice@a.mcx.example>"

# send NAME STATUS [REASON]: sends NAME.body with NAME.ct from A's address.
send() {
    local name=$1 status=$2 reason=${3:-} warn=true
    [ -z "$reason" ] && warn=false
    local scen=$T_DIR/uac-$name.xml
    render_template "$T_SCEN/uac_spk_body.xml.in" "$scen" "CTYPE=$(cat "$T_DIR/$name.ct")" \
        "BODY=$T_DIR/$name.body" "STATUS=$status" "REASON=${reason:-none}" \
        "REASON_RE=$(printf '%s' "${reason:-none}" | sed 's/\./\\./g')" "WARN=$warn"
    [ -f "$T_DIR/$name.extra" ] && sed -i "/^ *Content-Type: /a\\      $(cat "$T_DIR/$name.extra")" "$scen"
    sipp_run "a-$name" "$scen" "$A_OUT_IP" "$SIP_PORT" udp "$B_OUT_IP:$SIP_PORT" "${UAC_KEYS[@]}"
}

border_use b
sipp_bg b-core "$T_SCEN/uas_spk_message.xml" "$B_CORE_IP" "$CORE_PORT" udp -m 1 ||
    t_die "B's core listens"
in0=$(stat_get system-a passed_in)
send ok 200
assert_eq "a correctly protected body passes (200)" 0 $?
sipp_wait b-core
assert_eq "B's core got it in clear" 0 $?
assert_delta "system-a passed_in" 1 "$in0" "$(stat_get system-a passed_in)"

# NAME:REASON:STATUS (a malformed body is a 400, mcsec_reason_sip_status).
in1=$(stat_get system-a passed_in)
for case in missing:spk.missing:403 vmissing:spk.missing:403 dmissing:spk.missing:403 unknown:spk.unknown_key:403 badtag:spk.bad_tag:403 \
    badsig:spk.bad_signature:403 nested:spk.malformed:400 malformed:sip.malformed:400 \
    wrapped:sip.malformed:400 twotypes:sip.malformed:400 \
    evilpart:sip.content_type_denied:403 deepevil:sip.content_type_denied:403 \
    ebcdic:sip.unsupported_encoding:415 gzip:sip.unsupported_encoding:415 \
    latedecl:sip.unsupported_encoding:415 plaindecl:sip.unsupported_encoding:415 \
    overlong:sip.unsupported_encoding:415; do
    IFS=: read -r name reason status <<<"$case"
    before=$(stat_get system-a "$reason")
    log0=$(log_size)
    send "$name" "$status" "$reason"
    assert_eq "$name: $status with Warning \"$reason\"" 0 $?
    assert_delta "$name: $reason counter for system-a" 1 "$before" "$(stat_get system-a "$reason")"
    assert_match "$name: logged with the partner and reason" \
        "event=refused reason=$reason partner=system-a direction=in " "$(log_since "$log0")"
done
# Egress: B's core sends the evil part towards A (the check runs both ways).
before=$(stat_get system-a sip.content_type_denied)
log0=$(log_size)
scen=$T_DIR/uac-out-evilpart.xml
render_template "$T_SCEN/uac_spk_body.xml.in" "$scen" "CTYPE=$(cat "$T_DIR/evilpart.ct")" \
    "BODY=$T_DIR/evilpart.body" STATUS=403 REASON=sip.content_type_denied \
    'REASON_RE=sip\.content_type_denied' WARN=true
uac_keys ruri=sip:alice@a.mcx.example to=sip:alice@a.mcx.example from=sip:bob@b.mcx.example \
    pai="P-Asserted-Identity: <sip:bob@b.mcx.example>"
sipp_run b-out-evilpart "$scen" "$B_CORE_IP" 5071 udp "$B_IN_IP:$SIP_PORT" "${UAC_KEYS[@]}"
assert_eq "out evilpart: 403 with Warning \"sip.content_type_denied\"" 0 $?
assert_delta "out evilpart: counter for system-a" 1 "$before" \
    "$(stat_get system-a sip.content_type_denied)"
assert_match "out evilpart: logged" "event=refused reason=sip.content_type_denied partner=system-a direction=out " \
    "$(log_since "$log0")"
assert_delta "no refused body reached B's core (passed_in)" 0 "$in1" \
    "$(stat_get system-a passed_in)"
assert_eq "no key material in B's log" 0 "$(grep -c -i -e "$spk_key" "$KAM_LOG")"
t_check "B still up with all its processes" kam_alive

t_finish
