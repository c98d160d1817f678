#!/bin/bash
# Replies are policed like requests (docs/replies.md), at system B's border
# with SPK required from system-a. sipp plays system A's IS proxy on A's
# outside address (127.0.10.1:5060; A's kamailio is not running) and B's
# core (127.0.20.2:5070 as UAS, :5071 as UAC):
#   a  B's core INVITEs A; A answers 200 with a content type B does not
#      accept -> B's core gets 502 at once (no 408 after a timer); A gets
#      the ACK and a BYE; sip.content_type_denied counted and logged
#   b  A answers B's INVITE 486 with a clear mcptt-info -> 502, spk.missing
#   c  A answers B's MESSAGE 200 with a protected mcptt-info -> B's core gets
#      it in clear; B's core answers A's MESSAGE 200 with a clear mcptt-info
#      -> it reaches A protected
#   d  A answers B's MESSAGE 200 asserting one of B's own users -> 502,
#      src.internal_id_spoof
#   i  A answers B's MESSAGE 200 with a protected mcptt-info naming a third
#      system's user -> 502, body.foreign_id (the reply rule)
#   e  B's core answers A's MESSAGE 200 with a type A does not accept -> A
#      gets 502, sip.content_type_denied counted outgoing
#   f  the same for A's INVITE: A gets 502, B's core the ACK and a BYE
#   h  A sends a 183 with a type B does not accept before its 486 -> the
#      183 is dropped (counted), the 486 reaches B's core
#   g  with A's border started too: B's core's clear 200 crosses protected
#      and reaches A's core in clear (two real borders, lib_two.sh)
# Each refused reply is counted for system-a and logged with its reason.
# Argument: udp (default) or tcp, the transport between B and A.
. "$(dirname "$0")/lib_two.sh"
two_init "$@"
TR=${1:-udp}

spk_id=3a5c0002
spk_key=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
two_spk_file "$T_DIR/b-shared-a.spk" "$spk_id" "$spk_key"
two_spk_file "$T_DIR/a-shared-b.spk" "$spk_id" "$spk_key"
# Topology hiding on: B tokenizes the Call-IDs of its core's dialogs, so the
# BYE of case a must carry the token the partner knows.
"$MCSEC_CTL" key gen --topology --out "$T_DIR/b-topo.key" >/dev/null ||
    t_die "mcsecctl key gen --topology"
two_policy b "$T_DIR/policy-b.yaml" SPK_FILE="$T_DIR/b-shared-a.spk" TRANSPORT="$TR" \
    TOPO_KEY="$T_DIR/b-topo.key"
border_start b "$T_DIR/policy-b.yaml"
A_ID=sip:border@a.mcx.example

cat >"$T_DIR/clear.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<mcpttinfo xmlns="urn:3gpp:ns:mcpttInfo:1.0"><mcptt-Params><mcptt-calling-user-id type="Normal"><mcpttURI>sip:hidden-caller@a.mcx.example</mcpttURI></mcptt-calling-user-id></mcptt-Params></mcpttinfo>
XML
printf 'boom\r\n' >"$T_DIR/evil.body"
# protect XML NAME: the body A's border would send for the mcptt-info
# document XML (P0 = A's identity): its Content-Type in $T_DIR/NAME.ct, its
# octets in $T_DIR/NAME.body.
protect() {
    { printf 'Content-Type: application/vnd.3gpp.mcptt-info+xml\r\n\r\n'; cat "$1"; } |
        "$MCSEC_CTL" spk protect --mime --key-file "$T_DIR/a-shared-b.spk" --identity "$A_ID" \
            >"$T_DIR/$2.mime" || t_die "mcsecctl spk protect --mime ($2)"
    $T_PY - "$T_DIR/$2.mime" "$T_DIR/$2" <<'PY' || t_die "split the protected body ($2)"
import sys
head, body = open(sys.argv[1], "rb").read().split(b"\r\n\r\n", 1)
open(sys.argv[2] + ".ct", "wb").write(head.split(b":", 1)[1].strip())
open(sys.argv[2] + ".body", "wb").write(body)
PY
}
protect "$T_DIR/clear.xml" protected
# The same, naming a third system's user (case i).
sed 's/hidden-caller@a.mcx.example/mallory@c.mcx.example/' "$T_DIR/clear.xml" >"$T_DIR/foreign.xml"
protect "$T_DIR/foreign.xml" foreign

# uas NAME IP PORT METHOD STATUS PHRASE CTYPE BODY EXTRA [none|ack|bye|prov]:
# a background sipp answering one METHOD (see scenarios/uas_reply.xml.in;
# prov: a refused 183 first, then the answer and its ACK);
# on A's address over TR, on B's core over UDP.
uas() {
    local name=$1 ip=$2 port=$3 method=$4 status=$5 phrase=$6 ctype=$7 body=$8 extra=$9
    local dialog=${10:-none} scen=$T_DIR/uas-$1.xml
    render_template "$T_SCEN/uas_reply.xml.in" "$scen" "METHOD=$method" "STATUS=$status" \
        "PHRASE=$phrase" "CTYPE=$ctype" "BODY=$body" "EXTRA=$extra"
    [ "$dialog" = prov ] && sed -i 's/^ *<!--PROV-->//' "$scen" && dialog=ack
    sed -i '/<!--PROV-->/d' "$scen"
    case $dialog in
    none) sed -i -e '/<!--ACK-->/d' -e '/<!--BYE-->/d' "$scen" ;;
    ack) sed -i -e 's/^ *<!--ACK-->//' -e '/<!--BYE-->/d' "$scen" ;;
    bye) sed -i -e 's/^ *<!--ACK-->//' -e 's/^ *<!--BYE-->//' "$scen" ;;
    esac
    local tr=udp
    [ "$ip" = "$A_OUT_IP" ] && tr=$TR
    sipp_bg "$name" "$scen" "$ip" "$port" "$tr" -m 1
}

# uac NAME IP PORT TARGET METHOD STATUS BODY_RE BODY_NOT_RE: one request
# (see scenarios/uac_reply.xml.in) with UAC_KEYS; returns sipp's status.
uac() {
    local name=$1 ip=$2 port=$3 target=$4 method=$5 status=$6 scen=$T_DIR/uac-$1.xml
    render_template "$T_SCEN/uac_reply.xml.in" "$scen" "METHOD=$method" "STATUS=$status" \
        "BODY_RE=$7" "BODY_NOT_RE=$8"
    [ "$method" = INVITE ] || sed -i '/<!--ACK-->/d' "$scen"
    sed -i 's/^ *<!--ACK-->//' "$scen"
    local tr=udp
    [ "$ip" = "$A_OUT_IP" ] && tr=$TR
    sipp_run "$name" "$scen" "$ip" "$port" "$tr" "$target" "${UAC_KEYS[@]}"
}

# refused CASE REASON DIR STATUS: REASON counted once for system-a since the
# last mark, and the log line names it with the refused status.
refused() {
    assert_delta "$1: $2 counted for system-a" 1 "$mark_count" "$(stat_get system-a "$2")"
    assert_match "$1: logged with its reason" \
        "event=refused reason=$2 partner=system-a direction=$3 kind=reply method=[A-Za-z]+ status=$4 .*outcome=\"replaced by 502\"" \
        "$(log_since "$mark_log")"
}
mark() {
    mark_count=$(stat_get system-a "$1")
    mark_log=$(log_size)
}

border_use b
from_core() {
    uac_keys ruri=sip:alice@a.mcx.example to=sip:alice@a.mcx.example from=sip:bob@b.mcx.example \
        pai="P-Asserted-Identity: <sip:bob@b.mcx.example>"
}
from_partner() {
    uac_keys ruri=sip:bob@b.mcx.example to=sip:bob@b.mcx.example from=sip:alice@a.mcx.example \
        pai="P-Asserted-Identity: <sip:alice@a.mcx.example>"
}
MCPTT=application/vnd.3gpp.mcptt-info+xml

# a: a refused 200 to an INVITE.
mark sip.content_type_denied
from_core
uas a-partner "$A_OUT_IP" "$SIP_PORT" INVITE 200 OK application/x-evil "$T_DIR/evil.body" \
    "X-Case: a" bye || t_die "A's UAS listens"
start=$(date +%s%N)
uac a-core "$B_CORE_IP" 5071 "$B_IN_IP:$SIP_PORT" INVITE 502 '^' '.'
assert_eq "a: B's core gets 502 for the refused 200" 0 $?
took=$((($(date +%s%N) - start) / 1000000))
t_check "a: at once (${took} ms), not after the 10 s fr_timer" test "$took" -lt 2500
sipp_wait a-partner
assert_eq "a: A gets the ACK and a BYE for its 200" 0 $?
refused a sip.content_type_denied in 200

# b: a 486 with a clear mcptt-info while SPK is required.
mark spk.missing
uas b-partner "$A_OUT_IP" "$SIP_PORT" INVITE 486 "Busy Here" "$MCPTT" "$T_DIR/clear.xml" \
    "X-Case: b" ack || t_die "A's UAS listens"
uac b-core "$B_CORE_IP" 5071 "$B_IN_IP:$SIP_PORT" INVITE 502 '^' 'hidden-caller'
assert_eq "b: B's core gets 502 for the 486 (no clear mcptt-info crosses)" 0 $?
sipp_wait b-partner
assert_eq "b: A's 486 is acknowledged" 0 $?
refused b spk.missing in 486

# h: a refused 183 is dropped (the final answer follows and is judged in
# turn).
mark sip.content_type_denied
printf 'v=0\r\n' >"$T_DIR/sdp.body"
uas h-partner "$A_OUT_IP" "$SIP_PORT" INVITE 486 "Busy Here" application/sdp "$T_DIR/sdp.body" \
    "X-Case: h" prov || t_die "A's UAS listens"
uac h-core "$B_CORE_IP" 5071 "$B_IN_IP:$SIP_PORT" INVITE 486 '^v=0' 'boom'
assert_eq "h: B's core gets the 486" 0 $?
assert_eq "h: B's core never gets the refused 183" 0 "$(grep -c '^SIP/2.0 183' "$T_DIR/sipp-h-core.msg")"
sipp_wait h-partner
assert_eq "h: A's 486 is acknowledged" 0 $?
assert_delta "h: sip.content_type_denied counted for system-a" 1 "$mark_count" \
    "$(stat_get system-a sip.content_type_denied)"
assert_match "h: the 183 logged as dropped" \
    "event=refused reason=sip.content_type_denied partner=system-a direction=in kind=reply method=[A-Za-z]+ status=183 .*outcome=dropped" \
    "$(log_since "$mark_log")"

# c: protected from A arrives clear at B's core ...
in0=$(stat_get system-a spk.missing)
uas c-partner "$A_OUT_IP" "$SIP_PORT" MESSAGE 200 OK "$(cat "$T_DIR/protected.ct")" \
    "$T_DIR/protected.body" "X-Case: c" || t_die "A's UAS listens"
uac c-core-uac "$B_CORE_IP" 5071 "$B_IN_IP:$SIP_PORT" MESSAGE 200 \
    'mcpttURI&gt;sip:hidden-caller@a\.mcx\.example&lt;' 'EncryptedData|mcptt-signed'
assert_eq "c: A's protected 200 reaches B's core in clear" 0 $?
sipp_wait c-partner
# ... and clear from B's core leaves protected towards A.
from_partner
uas c-core-uas "$B_CORE_IP" "$CORE_PORT" MESSAGE 200 OK "$MCPTT" "$T_DIR/clear.xml" "X-Case: c" ||
    t_die "B's core listens"
uac c-partner-out "$A_OUT_IP" "$SIP_PORT" "$B_OUT_IP:$SIP_PORT" MESSAGE 200 \
    'EncryptedData.*mcptt-signed\+xml' 'hidden-caller'
assert_eq "c: B's core's clear 200 reaches A protected" 0 $?
sipp_wait c-core-uas
assert_delta "c: nothing refused (spk.missing)" 0 "$in0" "$(stat_get system-a spk.missing)"

# d: a 200 from A asserting one of B's users.
mark src.internal_id_spoof
from_core
uas d-partner "$A_OUT_IP" "$SIP_PORT" MESSAGE 200 OK "$(cat "$T_DIR/protected.ct")" \
    "$T_DIR/protected.body" "P-Asserted-Identity: <sip:bob@b.mcx.example>" ||
    t_die "A's UAS listens"
uac d-core "$B_CORE_IP" 5071 "$B_IN_IP:$SIP_PORT" MESSAGE 502 '^' '.'
assert_eq "d: B's core gets 502 for a 200 asserting its own domain" 0 $?
sipp_wait d-partner
refused d src.internal_id_spoof in 200

# i: a protected 200 from A whose body names a third system's user: the
# identities of a reply's clear body are ours or the partner's.
mark body.foreign_id
uas i-partner "$A_OUT_IP" "$SIP_PORT" MESSAGE 200 OK "$(cat "$T_DIR/foreign.ct")" \
    "$T_DIR/foreign.body" "X-Case: i" || t_die "A's UAS listens"
uac i-core "$B_CORE_IP" 5071 "$B_IN_IP:$SIP_PORT" MESSAGE 502 '^' 'mallory'
assert_eq "i: B's core gets 502 for a 200 naming a third system's user" 0 $?
sipp_wait i-partner
refused i body.foreign_id in 200

# e: B's core answers A with a type A does not accept.
mark sip.content_type_denied
from_partner
uas e-core "$B_CORE_IP" "$CORE_PORT" MESSAGE 200 OK application/x-evil "$T_DIR/evil.body" \
    "X-Case: e" || t_die "B's core listens"
uac e-partner "$A_OUT_IP" "$SIP_PORT" "$B_OUT_IP:$SIP_PORT" MESSAGE 502 '^' '.'
assert_eq "e: A gets 502 for B's core's refused 200" 0 $?
sipp_wait e-core
refused e sip.content_type_denied out 200

# f: B's core answers A's INVITE 200 with a type A does not accept.
mark sip.content_type_denied
uas f-core "$B_CORE_IP" "$CORE_PORT" INVITE 200 OK application/x-evil "$T_DIR/evil.body" \
    "X-Case: f" bye || t_die "B's core listens"
uac f-partner "$A_OUT_IP" "$SIP_PORT" "$B_OUT_IP:$SIP_PORT" INVITE 502 '^' '.'
assert_eq "f: A gets 502 for B's core's refused 200 to its INVITE" 0 $?
sipp_wait f-core
assert_eq "f: B's core gets the ACK and a BYE for its 200" 0 $?
refused f sip.content_type_denied out 200

assert_eq "no key material in B's log" 0 "$(grep -c -i -e "$spk_key" "$KAM_LOG")"
t_check "B still up with all its processes" kam_alive

# g: two real borders. A's core MESSAGEs B's core; B's core answers 200 with
# a clear mcptt-info: B protects the reply, A unprotects it, A's core gets
# it in clear; between the borders only the protected form travels.
two_policy a "$T_DIR/policy-a.yaml" SPK_FILE="$T_DIR/a-shared-b.spk" TRANSPORT="$TR"
border_start a "$T_DIR/policy-a.yaml"
capture_start "$T_DIR/sip3.pcap"
uac_keys ruri=sip:bob@b.mcx.example to=sip:bob@b.mcx.example from=sip:alice@a.mcx.example \
    pai="P-Asserted-Identity: <sip:alice@a.mcx.example>"
uas g-core-b "$B_CORE_IP" "$CORE_PORT" MESSAGE 200 OK "$MCPTT" "$T_DIR/clear.xml" "X-Case: g" ||
    t_die "B's core listens"
uac g-core-a "$A_CORE_IP" 5071 "$A_IN_IP:$SIP_PORT" MESSAGE 200 \
    'mcpttURI&gt;sip:hidden-caller@a\.mcx\.example&lt;' 'EncryptedData|mcptt-signed'
assert_eq "g: B's core's 200 reaches A's core in clear through both borders" 0 $?
sipp_wait g-core-b
capture_stop
t_check "g: between the borders the 200 carries EncryptedData" \
    grep -a -q 'xmlenc11#aes128-gcm' "$T_DIR/sip3.pcap"
assert_eq "g: and none of its URIs in clear" 0 "$(grep -a -c 'hidden-caller' "$T_DIR/sip3.pcap")"
t_check "A still up with all its processes" kam_alive
t_finish
