#!/bin/bash
# GMK transfer across the border (issue 9, docs/gmk.md), through real
# kamailio + mcsec.so: a sipp UAC on system B's IS proxy address
# (127.0.20.1:5060) sends system A's outside socket group information
# notifications (NOTIFY, Event: xcap-diff) whose body is the public
# vector's GKTP document (tests/unit/data/gmk/notify-gktp.xml, a MIKEY-SAKKE
# I_MESSAGE signed by gms@streamwide.com for sip:alice@streamwide.com under
# the vector's KMS, kms.pub there). A's policy: system-b's gmk transfer is
# check, its GMS gms@streamwide.com under the vector's KMS (keys.kms), our
# GMS sip:alice@streamwide.com under the same KMS (system.gmk.kms).
#
# The vector's T is 2025-10-02T23:47:52Z and max_age is at most 366 days,
# so kamailio runs under libfaketime with its clock set to T + 60 s
# (FAKETIME offset; monotonic clocks untouched); skipped (77) without
# libfaketime. Expected:
#   the vector                    -> 200 from A's core, whose sipp UAS checks
#                                    that the GKTP arrived unaltered
#   the same again (new Call-ID)  -> gmk.replay
#   one hex digit flipped         -> gmk.bad_signature
#   a non-hex character           -> gmk.malformed (400)
#   the vector declared and encoded IBM037 (EBCDIC: no ASCII "GKTP" in
#   it; libxml2, and so the GMS, would decode it): a replay
#                                 -> sip.unsupported_encoding (415, the SIP
#                                    check refuses XML not in UTF-8 before
#                                    any stage; issue 14 item 4)
#   egress of the vector from our core (our GMS is not its sender)
#                                 -> gmk.wrong_sender
# then, after mcsec.reload of a changed policy (keys rebuilt per process):
#   our GMS sip:bob@streamwide.com -> gmk.wrong_receiver
#   max_age 30 (T is 60 s old)     -> gmk.stale
#   transfer: deny                 -> gmk.wrong_sender; a MESSAGE without
#                                    GKTP still passes; the EBCDIC vector
#                                    -> sip.unsupported_encoding
#   roles swapped (our GMS is the vector's sender), egress of the vector
#                                 -> gmk.replay: signature, sender and
#                                    receiver passed in the egress roles,
#                                    and the shared cache survived the reloads
#   shared SPK required from B; multipart/mixed of a protected mcptt-info
#   part and the GKTP document (mcsecctl spk protect --mime; the SPK
#   signature covers the mcptt-info part only). The SPK stage rewrites the
#   body, so the GMK stage reads its clear copy (mcsec_spk_clear_body):
#     the vector                  -> gmk.replay (checked through to the end)
#     one hex digit flipped       -> gmk.bad_signature
# Each rejection answers 403 (400 for gmk.malformed) with Warning: 399 ...
# "<code>", moves that code's counter by one and logs the reason.
# Replies (issue 14), after a reload to the first policy: a 200 from B
# carrying the vector again (gmk.replay), with a digit flipped
# (gmk.bad_signature) or a non-hex character (gmk.malformed), and a 200
# from A's core to B carrying the vector (our GMS is not its sender:
# gmk.wrong_sender) are refused: replaced by a 502 without the payload
# (docs/replies.md), counted, logged; a 200 without GKTP is delivered.
. "$(dirname "$0")/lib.sh"

FAKETIME_LIB=
for lib in /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 \
    /usr/lib/*/faketime/libfaketime.so.1 /usr/local/lib/faketime/libfaketime.so.1; do
    [ -f "$lib" ] && FAKETIME_LIB=$lib && break
done
if [ -z "$FAKETIME_LIB" ]; then
    echo "SKIP: libfaketime not installed (apt-get install libfaketime)"
    exit 77
fi
t_init "$@"

VEC=$MCSEC_SRC/tests/unit/data/gmk
VEC_T=1759448872 # T of the vector's I_MESSAGE (mcsecctl gmk check prints it)
VEC_GMS=gms@streamwide.com
VEC_RECEIVER=sip:alice@streamwide.com
A_GMS_URI=sip:gms@a.mcx.example
B_GMS_URI=sip:gms@b.mcx.example

cp "$VEC/kms.pub" "$T_DIR/vector-kms.pub"
chmod 644 "$T_DIR/vector-kms.pub"
cp "$VEC/notify-gktp.xml" "$T_DIR/good.xml"

# tamper IN OUT MODE: MODE flip (one hex digit of the signed part, in the
# SAKKE payload) or nonhex (a 'z' in the hex).
tamper() {
    $T_PY - "$1" "$2" "$3" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
start = data.index(b">", data.index(b"<GKTP ")) + 1
at = start + 700  # octet 350 of 701: inside the SAKKE SED, before SIGN
if sys.argv[3] == "flip":
    data[at] = ord("%x" % (int(chr(data[at]), 16) ^ 1))
else:
    data[at] = ord("z")
open(sys.argv[2], "wb").write(bytes(data))
PY
}
tamper "$T_DIR/good.xml" "$T_DIR/flipped.xml" flip || t_die "tamper flip"
tamper "$T_DIR/good.xml" "$T_DIR/nonhex.xml" nonhex || t_die "tamper nonhex"
$T_PY - "$T_DIR/good.xml" "$T_DIR/ebcdic.xml" <<'PY' || t_die "EBCDIC vector"
import sys
text = open(sys.argv[1], encoding="utf-8").read()
text = text.replace('encoding="UTF-8"', 'encoding="IBM037"', 1)
open(sys.argv[2], "wb").write(text.encode("cp037"))
PY
t_check "the EBCDIC vector has no ASCII GKTP" sh -c "! grep -q GKTP '$T_DIR/ebcdic.xml'"
t_check "flipped body differs from the vector in one octet" \
    test "$(cmp -l "$T_DIR/good.xml" "$T_DIR/flipped.xml" | wc -l)" -eq 1

# gmk_policy OUT [KEY=VALUE...]: A's policy. Keys and defaults:
# OUR_GMS=$VEC_RECEIVER, B_GMS=$VEC_GMS, TRANSFER=check, MAX_AGE=3600,
# SPK=off (required: system-b's spk.mode, keys.spk $T_DIR/b.spk).
gmk_policy() {
    local out=$1 kv
    shift
    local -A val=([OUR_GMS]="$VEC_RECEIVER" [B_GMS]="$VEC_GMS" [TRANSFER]=check [MAX_AGE]=3600
        [SPK]=off)
    for kv in "$@"; do val[${kv%%=*}]=${kv#*=}; done
    local spk_key=""
    [ "${val[SPK]}" != off ] && spk_key="spk: $T_DIR/b.spk"
    cat >"$out" <<EOF
# GMK test policy of system A (tests/sip/test_gmk_cross_border.sh).
version: 1

system:
  name: system-a
  identity: sip:border@a.mcx.example
  domains: [a.mcx.example, "*.a.mcx.example"]
  addresses:
    is_proxy: $OUT_IP:$SIP_PORT
  sip:
    core: $CORE_IP:$CORE_PORT
    inside_peers: [$CORE_IP]
    transport: udp
  keys: {}
  gmk:
    gms: "${val[OUR_GMS]}"
    kms: $T_DIR/vector-kms.pub
    max_age: 86400
    replay_entries: 64

logging:
  level: notice
  log_passed: false

partners:
  - name: system-b
    identity: sip:border@b.mcx.example
    domains: [b.mcx.example, "*.b.mcx.example"]
    addresses:
      is_proxy: [$PARTNER_IP:$SIP_PORT]
    auth: implicit
    sip:
      methods: [INVITE, ACK, BYE, CANCEL, MESSAGE, OPTIONS, NOTIFY, SUBSCRIBE]
      content_types: [application/xml, application/vnd.3gpp.mcptt-info+xml, text/plain,
                      application/vnd.3gpp.mcptt-signed+xml, multipart/mixed]
      max_body: 8192
      warning_reason: true
    spk:
      mode: ${val[SPK]}
    keys:
      kms: $T_DIR/vector-kms.pub
      $spk_key
    gmk:
      transfer: ${val[TRANSFER]}
      gms: "${val[B_GMS]}"
      max_age: ${val[MAX_AGE]}
EOF
    if ! "$MCSEC_CTL" policy check "$out" >"$out.check" 2>&1; then
        t_die "mcsecctl policy check $out: $(cat "$out.check")"
    fi
}

# reload POLICY_ARGS...: writes the policy in place and reloads it.
reload() {
    gmk_policy "$T_DIR/policy.yaml" "$@"
    local out
    out=$(kam_rpc mcsec.reload 2>&1)
    assert_match "reload ($*)" "generation" "$out"
}

# notify_scenario REASON STATUS BODY: renders uac_gmk_notify.xml.in, prints its
# path. REASON "-" with STATUS 200: expect the pass, no Warning checked.
# The Content-Type is application/xml, or the content of BODY.ct if any.
notify_scenario() {
    local reason=$1 status=$2 body=$3 warn=true ctype=application/xml
    [ "$reason" = - ] && warn=false
    [ -f "$body.ct" ] && ctype=$(cat "$body.ct")
    local out
    out=$T_DIR/notify-$reason-$status-$(basename "$body" .xml).xml
    render_template "$T_SCEN/uac_gmk_notify.xml.in" "$out" "BODY=$body" "STATUS=$status" "CTYPE=$ctype" \
        "WARN=$warn" "REASON=$reason" "REASON_RE=$(printf '%s' "$reason" | sed 's/\./\\./g')"
    echo "$out"
}

# reject_case LABEL DIR REASON STATUS BODY: one NOTIFY the border must refuse.
# DIR in: from B's IS proxy to A's outside socket; out: from A's core to
# A's inside socket, towards B.
reject_case() {
    local label=$1 dir=$2 reason=$3 status=$4 body=$5
    local scen before after log0 rc
    scen=$(notify_scenario "$reason" "$status" "$body")
    before=$(stat_get system-b "$reason")
    log0=$(log_size)
    if [ "$dir" = in ]; then
        uac_keys ruri="$A_GMS_URI" to="$A_GMS_URI" from="$B_GMS_URI"
        sipp_run "$label" "$scen" "$PARTNER_IP" "$SIP_PORT" udp "$OUT_IP:$SIP_PORT" \
            "${UAC_KEYS[@]}"
    else
        uac_keys ruri="$B_GMS_URI" to="$B_GMS_URI" from="$A_GMS_URI"
        sipp_run "$label" "$scen" "$CORE_IP" "$CORE_PORT" udp "$IN_IP:$SIP_PORT" \
            "${UAC_KEYS[@]}"
    fi
    rc=$?
    sleep 0.1
    after=$(stat_get system-b "$reason")
    assert_eq "$label: $status with Warning \"$reason\"" 0 $rc
    assert_delta "$label: counter system-b/$reason" 1 "$before" "$after"
    assert_match "$label: log line" \
        "event=refused reason=${reason//./\\.} partner=system-b direction=$dir " "$(log_since "$log0")"
}

t_log "=== policy and kamailio at the vector's time + 60 s"
gmk_policy "$T_DIR/policy.yaml"
offset=$(($(date +%s) - VEC_T - 60))
KAM_PREFIX="env LD_PRELOAD=$FAKETIME_LIB FAKETIME=-$offset FAKETIME_DONT_FAKE_MONOTONIC=1"
kam_start "$T_DIR/policy.yaml"

t_log "=== the vector crosses into A and reaches A's core"
sipp_bg core "$T_SCEN/uas_gmk_notify.xml" "$CORE_IP" "$CORE_PORT" udp -m 1 ||
    t_fail "A's core sipp binds"
pass0=$(stat_get system-b passed_in)
gktp0=$(metric_get 'mcsec_gktp_checks_total{partner="system-b",result="ok"}')
uac_keys ruri="$A_GMS_URI" to="$A_GMS_URI" from="$B_GMS_URI"
sipp_run good "$(notify_scenario - 200 "$T_DIR/good.xml")" "$PARTNER_IP" "$SIP_PORT" udp \
    "$OUT_IP:$SIP_PORT" "${UAC_KEYS[@]}"
assert_eq "the vector's notification gets the core's 200" 0 $?
sipp_wait core
assert_eq "A's core got the GKTP unaltered (Event: xcap-diff)" 0 $?
assert_delta "counter system-b/passed_in" 1 "$pass0" "$(stat_get system-b passed_in)"
assert_delta "/metrics: one GKTP check ok" 1 "${gktp0:-x}" \
    "$(metric_get 'mcsec_gktp_checks_total{partner="system-b",result="ok"}')"

t_log "=== rejections at the border"
reject_case replay in gmk.replay 403 "$T_DIR/good.xml"
reject_case flipped in gmk.bad_signature 403 "$T_DIR/flipped.xml"
reject_case nonhex in gmk.malformed 400 "$T_DIR/nonhex.xml"
reject_case ebcdic-replay in sip.unsupported_encoding 415 "$T_DIR/ebcdic.xml"
reject_case egress-not-our-gms out gmk.wrong_sender 403 "$T_DIR/good.xml"

t_log "=== policy changes (mcsec.reload)"
reload OUR_GMS=sip:bob@streamwide.com
reject_case wrong-receiver in gmk.wrong_receiver 403 "$T_DIR/good.xml"
reload MAX_AGE=30
reject_case stale in gmk.stale 403 "$T_DIR/good.xml"
reload TRANSFER=deny
reject_case deny in gmk.wrong_sender 403 "$T_DIR/good.xml"
reject_case ebcdic-deny in sip.unsupported_encoding 415 "$T_DIR/ebcdic.xml"
sipp_bg core-msg "$T_SCEN/uas_message.xml" "$CORE_IP" "$CORE_PORT" udp -m 1 ||
    t_fail "A's core sipp binds (MESSAGE)"
# pad=x (now uac_keys' default too): a "-" would end the XML comment in
# "--->", not well-formed, and every XML leaf is parsed (a broken one is
# gmk.malformed).
uac_keys ruri=sip:alice@a.mcx.example to=sip:alice@a.mcx.example from=sip:bob@b.mcx.example \
    pai="P-Asserted-Identity: <sip:bob@b.mcx.example>" pad=x
sipp_run deny-no-gktp "$T_SCEN/uac_message.xml" "$PARTNER_IP" "$SIP_PORT" udp \
    "$OUT_IP:$SIP_PORT" "${UAC_KEYS[@]}"
assert_eq "deny: a MESSAGE without GKTP still passes" 0 $?
sipp_wait core-msg
reload OUR_GMS="$VEC_GMS" B_GMS="$VEC_RECEIVER"
reject_case egress-swapped out gmk.replay 403 "$T_DIR/good.xml"

t_log "=== behind the SPK stage: the clear body it produced"
(
    umask 077
    echo "3a5c0001 $(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" >"$T_DIR/b.spk"
)
# spk_body GKTP_DOC OUT: OUT (body) and OUT.ct as system B's border would
# send them: mcptt-info + the GKTP document, protected with the shared SPK.
spk_body() {
    {
        printf 'Content-Type: multipart/mixed;boundary=gmkb\r\n\r\n--gmkb\r\n'
        printf 'Content-Type: application/vnd.3gpp.mcptt-info+xml\r\n\r\n'
        printf '<?xml version="1.0" encoding="UTF-8"?>\r\n<mcpttinfo xmlns="urn:3gpp:ns:mcpttInfo:1.0">'
        printf '<mcptt-Params><mcptt-calling-user-id type="Normal"><mcpttURI>%s</mcpttURI>' \
            "$B_GMS_URI"
        printf '</mcptt-calling-user-id></mcptt-Params></mcpttinfo>\r\n'
        printf -- '--gmkb\r\nContent-Type: application/xml\r\n\r\n'
        cat "$1"
        printf '\r\n--gmkb--\r\n'
    } | "$MCSEC_CTL" spk protect --mime --key-file "$T_DIR/b.spk" \
        --identity sip:border@b.mcx.example >"$2.mime" || t_die "mcsecctl spk protect --mime $2"
    $T_PY - "$2.mime" "$2" <<'PY'
import sys
raw = open(sys.argv[1], "rb").read()
head, body = raw.split(b"\r\n\r\n", 1)
open(sys.argv[2] + ".ct", "wb").write(head.split(b":", 1)[1].strip())
open(sys.argv[2], "wb").write(body)
PY
}
spk_body "$T_DIR/good.xml" "$T_DIR/spk-good.body"
spk_body "$T_DIR/flipped.xml" "$T_DIR/spk-flipped.body"
t_check "the protected body holds EncryptedData" grep -q 'xenc:EncryptedData' "$T_DIR/spk-good.body"
t_check "the protected body holds the GKTP" grep -q '<GKTP ' "$T_DIR/spk-good.body"
reload SPK=required
reject_case spk-replay in gmk.replay 403 "$T_DIR/spk-good.body"
reject_case spk-flipped in gmk.bad_signature 403 "$T_DIR/spk-flipped.body"

t_log "=== replies (issue 14): GKTP in a 200 is checked, a failing reply becomes a 502"
reload
cat >"$T_DIR/answer.py" <<'PY'
"""Answers the first copy of each request (UDP) at argv[1] with a 200 whose
body is the file argv[2] ("-": none), Content-Type application/xml; ignores
retransmissions and ACKs; ends after one answer or 5 s."""
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((host, int(port)))
s.settimeout(5)
body = b"" if sys.argv[2] == "-" else open(sys.argv[2], "rb").read()
open(sys.argv[3], "w").close()  # ready
try:
    while True:
        req, peer = s.recvfrom(65535)
        if req.startswith(b"SIP/2.0") or req.startswith(b"ACK "):
            continue
        head = req.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
        keep = [l for l in head[1:] if l.split(b":", 1)[0].strip().lower() in
                (b"via", b"from", b"call-id", b"cseq", b"record-route")]
        to = [l for l in head[1:] if l.lower().startswith(b"to:")][0] + b";tag=gmk-answer"
        out = [b"SIP/2.0 200 OK"] + keep + [to]
        if body:
            out += [b"Content-Type: application/xml", b"Content-Length: %d" % len(body), b"", body]
        else:
            out += [b"Content-Length: 0", b"", b""]
        s.sendto(b"\r\n".join(out), peer)
        break
except socket.timeout:
    sys.exit(1)
PY
# reply_case LABEL DIR REASON BODY: a 200 carrying BODY ("-": none) crosses
# the border in DIR: in, B answers a MESSAGE of A's core; out, A's core
# answers a MESSAGE of B. A 502 without the payload must arrive instead,
# REASON's counter moves by one and the refusal is logged (REASON "-": the
# 200 must be delivered).
reply_case() {
    local label=$1 dir=$2 reason=$3 body=$4 before log0 out src dst answerer ruri from
    if [ "$dir" = in ]; then
        src=$CORE_IP:5071 dst=$IN_IP:$SIP_PORT answerer=$PARTNER_IP:$SIP_PORT
        ruri=$B_GMS_URI from=$A_GMS_URI
    else
        src=$PARTNER_IP:$SIP_PORT dst=$OUT_IP:$SIP_PORT answerer=$CORE_IP:$CORE_PORT
        ruri=$A_GMS_URI from=$B_GMS_URI
    fi
    before=$(stat_get system-b "$reason")
    log0=$(log_size)
    rm -f "$T_DIR/answer.ready"
    $T_PY "$T_DIR/answer.py" "$answerer" "$body" "$T_DIR/answer.ready" \
        >"$T_DIR/answer-$label.out" 2>&1 &
    local pid=$!
    T_BG_PIDS+=("$pid")
    for _ in $(seq 1 50); do [ -f "$T_DIR/answer.ready" ] && break; sleep 0.05; done
    {
        echo "# description: MESSAGE whose 200 carries a GKTP ($label)"
        echo "# transport: udp"
        echo "MESSAGE $ruri SIP/2.0"
        echo "Via: SIP/2.0/UDP $src;branch=@BRANCH@"
        echo "Max-Forwards: 70"
        echo "From: <$from>;tag=gmk-reply-$label"
        echo "To: <$ruri>"
        echo "Call-ID: @CALLID@"
        echo "CSeq: 1 MESSAGE"
        echo "P-Asserted-Identity: <$from>"
        echo "Content-Type: text/plain"
        echo "Content-Length: @CLEN@"
        echo ""
        echo "group keys, please"
    } >"$T_DIR/reply-$label.sip"
    out=$($T_SIPTOOL send --proto udp --src "$src" --dst "$dst" --timeout 1 \
        "$T_DIR/reply-$label.sip" 2>&1)
    wait "$pid"
    assert_eq "$label: the answerer got the request and answered" 0 $?
    if [ "$reason" = - ]; then
        assert_match "$label: the 200 is delivered" '^SIP/2.0 200' "$out"
        return
    fi
    assert_match "$label: a 502 arrives instead of the 200" '^SIP/2.0 502 Bad Gateway' "$out"
    assert_delta "$label: counter system-b/$reason" 1 "$before" "$(stat_get system-b "$reason")"
    assert_match "$label: log line" \
        "event=refused reason=${reason//./\\.} partner=system-b direction=$dir kind=reply method=[A-Za-z]+ status=200 " \
        "$(log_since "$log0")"
}
reply_case reply-replayed-from-b in gmk.replay "$T_DIR/good.xml"
reply_case reply-flipped-from-b in gmk.bad_signature "$T_DIR/flipped.xml"
reply_case reply-nonhex-from-b in gmk.malformed "$T_DIR/nonhex.xml"
reply_case reply-to-b-not-our-gms out gmk.wrong_sender "$T_DIR/good.xml"
reply_case reply-without-gktp in - -

t_check "kamailio still up with all its processes" kam_alive
t_finish
