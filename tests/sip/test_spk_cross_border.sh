#!/bin/bash
# Shared-SPK protection between two real borders (issue 4): a MESSAGE with
# mcptt-info and a group-call INVITE dialog (mcptt-info + SDP multipart) go
# from system A's core through A's IS proxy (egress: protect with the SPK
# shared with B, P0 = A's identity) over TCP to B's IS proxy (ingress:
# verify + decrypt, P0 = A's identity) and arrive in clear at B's core,
# whose sipp UAS checks the clear URIs (scenarios/uas_spk_*.xml). A tcpdump
# capture between the two outside addresses must hold the messages, the
# EncryptedData and the signature part, and none of the protected URIs.
# The same for an mcvideo-info MESSAGE and an MCData SDS MESSAGE, whose
# mcdata-signalling and mcdata-payload parts arrive byte-identical.
. "$(dirname "$0")/lib_two.sh"
two_init "$@"

spk_id=3a5c0001
spk_key=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
two_spk_file "$T_DIR/a-shared-b.spk" "$spk_id" "$spk_key"
two_spk_file "$T_DIR/b-shared-a.spk" "$spk_id" "$spk_key"
two_policy a "$T_DIR/policy-a.yaml" SPK_FILE="$T_DIR/a-shared-b.spk"
two_policy b "$T_DIR/policy-b.yaml" SPK_FILE="$T_DIR/b-shared-a.spk"
border_start a "$T_DIR/policy-a.yaml"
border_start b "$T_DIR/policy-b.yaml"
capture_start "$T_DIR/sip3.pcap"

uac_keys ruri=sip:bob@b.mcx.example to=sip:bob@b.mcx.example from=sip:alice@a.mcx.example \
    pai="P-Asserted-Identity: <sip:alice@a.mcx.example>"

# cross KIND: A core UAC -> A inside ... B core UAS, both must complete.
cross() {
    local kind=$1
    sipp_bg "b-core-$kind" "$T_SCEN/uas_spk_$kind.xml" "$B_CORE_IP" "$CORE_PORT" udp -m 1 ||
        { t_fail "$kind: B's core listens"; return; }
    sipp_run "a-core-$kind" "$T_SCEN/uac_spk_$kind.xml" "$A_CORE_IP" 5071 udp \
        "$A_IN_IP:$SIP_PORT" "${UAC_KEYS[@]}"
    local rc_uac=$?
    sipp_wait "b-core-$kind"
    local rc_uas=$?
    assert_eq "$kind: A's core UAC completes (200 came back through both borders)" 0 $rc_uac
    assert_eq "$kind: B's core got the mcptt-info URIs in clear, nothing of the protection" \
        0 $rc_uas
}

cross message
cross invite

# The other protectable types (docs/protectable-types.md): a MESSAGE with a
# single mcvideo-info body, and an MCData SDS MESSAGE with mcdata-info,
# mcdata-signalling and mcdata-payload parts. The info documents arrive in
# clear at B's core; the signalling and payload parts (TS 33.180 clause 8,
# end to end) arrive byte for byte as A's core sent them.
$T_PY - "$T_DIR" <<'PY' || t_die "mcvideo and mcdata bodies"
import sys
d = sys.argv[1]
def write(name, ct, body):
    open(d + "/" + name + ".body", "wb").write(body)
    open(d + "/" + name + ".ct", "wb").write(ct)
video = (b'<?xml version="1.0" encoding="UTF-8"?>\r\n<mcvideoinfo xmlns="urn:3gpp:ns:mcvideoInfo:1.0">'
         b'<mcvideo-Params><session-type>prearranged</session-type>'
         b'<mcvideo-request-uri type="Normal"><mcvideoURI>sip:hidden-vgroup@b.mcx.example'
         b'</mcvideoURI></mcvideo-request-uri><mcvideo-calling-user-id type="Normal"><mcvideoURI>'
         b'sip:hidden-vcaller@a.mcx.example</mcvideoURI></mcvideo-calling-user-id>'
         b'</mcvideo-Params></mcvideoinfo>')
write("video", b"application/vnd.3gpp.mcvideo-info+xml", video)
data = (b'<?xml version="1.0" encoding="UTF-8"?>\r\n<mcdatainfo xmlns="urn:3gpp:ns:mcdataInfo:1.0">'
        b'<mcdata-Params><request-type>one-to-one-sds</request-type>'
        b'<mcdata-request-uri type="Normal"><mcdataURI>sip:hidden-dcallee@b.mcx.example'
        b'</mcdataURI></mcdata-request-uri><mcdata-calling-user-id type="Normal"><mcdataURI>'
        b'sip:hidden-dcaller@a.mcx.example</mcdataURI></mcdata-calling-user-id>'
        b'</mcdata-Params></mcdatainfo>')
# Binary octets but no NUL (sipp's message trace, read below, ends at one).
signalling = bytes([0x01, 0x02, 0x10]) + bytes(range(0x80, 0xa0)) + b"sds-signalling"
payload = bytes([0x03, 0x01, 0x78, 0x01, 0x06, 0x01]) + b"hello" + bytes([0xfe, 0xff, 0x7f])
open(d + "/signalling.bin", "wb").write(signalling)
open(d + "/payload.bin", "wb").write(payload)
write("sds", b"multipart/mixed;boundary=sds-1",
      b"--sds-1\r\nContent-Type: application/vnd.3gpp.mcdata-info+xml\r\n\r\n" + data +
      b"\r\n--sds-1\r\nContent-Type: application/vnd.3gpp.mcdata-signalling\r\n\r\n" +
      signalling + b"\r\n--sds-1\r\nContent-Type: application/vnd.3gpp.mcdata-payload\r\n\r\n" +
      payload + b"\r\n--sds-1--\r\n")
PY

# cross_body NAME: NAME.body with NAME.ct from A's core to B's core.
cross_body() {
    local name=$1 scen=$T_DIR/uac-$1.xml
    render_template "$T_SCEN/uac_spk_body.xml.in" "$scen" "CTYPE=$(cat "$T_DIR/$name.ct")" \
        "BODY=$T_DIR/$name.body" STATUS=200 REASON=none REASON_RE=none WARN=false
    sipp_bg "b-core-$name" "$T_SCEN/uas_spk_any.xml" "$B_CORE_IP" "$CORE_PORT" udp -m 1 ||
        { t_fail "$name: B's core listens"; return; }
    sipp_run "a-core-$name" "$scen" "$A_CORE_IP" 5071 udp "$A_IN_IP:$SIP_PORT" "${UAC_KEYS[@]}"
    assert_eq "$name: A's core UAC completes (200 came back through both borders)" 0 $?
    sipp_wait "b-core-$name"
    assert_eq "$name: B's core got it without a trace of the protection" 0 $?
}
# received_body NAME > octets: the body of the MESSAGE B's core received.
received_body() {
    $T_PY - "$T_DIR/sipp-b-core-$1.msg" <<'PY'
import re, sys
log = open(sys.argv[1], "rb").read()
at = log.index(b"MESSAGE sip:")
head, rest = log[at:].split(b"\r\n\r\n", 1)
n = int(re.search(rb"(?im)^(?:Content-Length|l) *: *([0-9]+)", head).group(1))
sys.stdout.buffer.write(rest[:n])
PY
}
cross_body video
cross_body sds
received_body video >"$T_DIR/video.got"
t_check "video: mcvideo-info arrived in clear at B's core" \
    grep -q 'mcvideo-calling-user-id type="Normal"><mcvideoURI>sip:hidden-vcaller@a.mcx.example<' \
    "$T_DIR/video.got"
received_body sds >"$T_DIR/sds.got"
t_check "sds: mcdata-info arrived in clear at B's core" \
    grep -q 'mcdata-calling-user-id type="Normal"><mcdataURI>sip:hidden-dcaller@a.mcx.example<' \
    "$T_DIR/sds.got"
for part in signalling payload; do
    t_check "sds: the mcdata-$part part arrived byte for byte" \
        $T_PY -c 'import sys; b = open(sys.argv[1], "rb").read(); p = open(sys.argv[2], "rb").read()
sys.exit(0 if ("\r\n\r\n".encode() + p + "\r\n--sds-1".encode()) in b else 1)' \
        "$T_DIR/sds.got" "$T_DIR/$part.bin"
done
capture_stop

pcap=$T_DIR/sip3.pcap
count() { grep -a -c -- "$1" "$pcap"; }
t_check "capture between the borders holds the MESSAGE" \
    test "$(count 'MESSAGE sip:bob@b.mcx.example')" -ge 1
t_check "capture between the borders holds the INVITE" \
    test "$(count 'INVITE sip:bob@b.mcx.example')" -ge 1
assert_eq "capture holds none of the protected URIs (hidden-*)" 0 "$(count 'hidden-')"
t_check "capture holds xenc:EncryptedData with aes128-gcm" \
    test "$(count 'xmlenc11#aes128-gcm')" -ge 2
t_check "capture holds the signature part (mcptt-signed+xml, hmac-sha256)" \
    test "$(count 'hmac-sha256')" -ge 2
t_check "capture names the shared SPK as KeyName $(spk_key_name $spk_id)" \
    test "$(count "<ds:KeyName>$(spk_key_name $spk_id)</ds:KeyName>")" -ge 2
t_check "the INVITE kept its SDP part in clear between the borders" \
    test "$(count 'm=audio')" -ge 1

# MESSAGE + INVITE, ACK, BYE + two MESSAGEs each way through each border.
border_use a
assert_eq "A counted 6 passed_out towards system-b" 6 "$(stat_get system-b passed_out)"
ops=$(metric_get "mcsec_spk_operations_total{partner=\"system-b\",key_id=\"$spk_id\",op=\"protect\",result=\"ok\"}")
t_check "A's /metrics counted its protects with key $spk_id ($ops)" test "${ops:-0}" -ge 4
assert_eq "A's /metrics: no protect failed" 0 \
    "$(metric_get "mcsec_spk_operations_total{partner=\"system-b\",key_id=\"$spk_id\",op=\"protect\",result=\"failed\"}")"
t_check "A still up with all its processes" kam_alive
border_use b
assert_eq "B counted 6 passed_in from system-a" 6 "$(stat_get system-a passed_in)"
ops=$(metric_get "mcsec_spk_operations_total{partner=\"system-a\",key_id=\"$spk_id\",op=\"unprotect\",result=\"ok\"}")
t_check "B's /metrics counted its unprotects with key $spk_id ($ops)" test "${ops:-0}" -ge 4
assert_eq "B rejected nothing from system-a" 0 \
    "$(kam_rpc mcsec.stats | grep -E 'spk\.' | awk '{s += $2} END {print s + 0}')"
t_check "B still up with all its processes" kam_alive

t_finish
