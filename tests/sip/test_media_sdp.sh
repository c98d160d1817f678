#!/bin/bash
# Media through the border without a relay (issue 19, docs/media.md): the
# SDP rules of mcsec_ingress()/mcsec_egress() and the module functions
# mcsec_sdp_get()/mcsec_sdp_set() through real kamailios with SPK on. The
# cfg is the shipped one with a stand-in for rtpengine (route MEDIA_TEST):
# it reads the SDP with mcsec_sdp_get(), writes an anchored one (the
# border's own address on the side it goes to, ports of its range, the
# a=key-mgmt line copied) and hands it to mcsec_sdp_set(), as the relay's
# cfg does with rtpengine's read_sdp_pv/write_sdp_pv.
#   1. At B alone, siptool as partner A: each rule refused with its code
#      and status (third-party address 403, plain RTP 488, unknown line 488,
#      too many streams 488, 300 m-lines 488, broken SDP 400); a disabled
#      RTP/AVP stream (port 0) passes (RFC 3264).
#   2. Both borders: an SPK-protected multipart INVITE (SDP + mcptt-info)
#      from A's core: B's core gets the SDP anchored at B (none of A's
#      addresses, key-mgmt untouched) and the mcptt-info clear (the
#      protection verified at B after A replaced the SDP part); the 200
#      (SDP + mcptt-info) is protected by B and verified by A with its SDP
#      part replaced at both borders, and arrives anchored and clear.
#   3. A's core sends an INVITE whose SDP the stand-in leaves unanchored
#      (500, media.not_anchored), one to which it adds an a=crypto line
#      (500, media.keys_altered), one for which the relay "fails"
#      (mcsec_reject media.relay_unavailable, 500), and one the cfg sends on
#      without the relay: dropped at the outside socket (media.not_anchored).
#   4. SDES: an INVITE with a=crypto lines crosses both stand-ins, which
#      are never given them; B's core gets them octet for octet, in their
#      section and order; a stand-in that adds one, or changes the m-lines,
#      is refused (500, media.keys_altered).
. "$(dirname "$0")/lib_two.sh"
two_init "$@"

spk_id=3a5c0019
spk_key=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
two_spk_file "$T_DIR/a-shared-b.spk" "$spk_id" "$spk_key"
two_spk_file "$T_DIR/b-shared-a.spk" "$spk_id" "$spk_key"
two_policy a "$T_DIR/policy-a.yaml" SPK_FILE="$T_DIR/a-shared-b.spk" MEDIA=true
two_policy b "$T_DIR/policy-b.yaml" SPK_FILE="$T_DIR/b-shared-a.spk" MEDIA=true

# The shipped cfg with the relay stand-in before route(RELAY) and after
# mcsec_reply_check().
$T_PY - "$MCSEC_CFG" "$T_DIR/media-test.cfg" <<'PY' || t_die "test cfg"
import sys
cfg = open(sys.argv[1]).read()
assert cfg.count("\troute(RELAY);\n") == 2
cfg = cfg.replace("\troute(RELAY);\n", "\troute(MEDIA_TEST);\n\troute(RELAY);\n")
old = "onreply_route {\n\tif (!mcsec_reply_check()) {\n\t\tdrop;\n\t}\n"
assert old in cfg
cfg = cfg.replace(old, old + "\troute(MEDIA_REPLY_TEST);\n")
cfg += r'''
# ---- test only (tests/sip/test_media_sdp.sh): a stand-in for rtpengine
route[MEDIA_ANCHOR] {
	$var(new) = "v=0\r\no=- 1 1 IN IP4 " + $var(ip) + "\r\ns=-\r\nc=IN IP4 " + $var(ip)
		+ "\r\nt=0 0\r\nm=audio " + $var(p) + " RTP/SAVP 96\r\na=rtpmap:96 AMR-WB/16000\r\n"
		+ $(var(sdp){line.sw,a=key-mgmt}) + "\nm=application " + ($var(p) + 2)
		+ " udp MCPTT\r\n";
	if (is_present_hf("X-Test-Unanchored")) {
		$var(new) = $var(sdp);
	}
	if (is_present_hf("X-Test-Add-Sdes")) {
		$var(new) = $var(new) + "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WFla\r\n";
	}
}
route[MEDIA_TEST] {
	if (is_present_hf("X-Test-Relay-Down")) {
		mcsec_reject("$var(mcsec_dir)", "media.relay_unavailable");
		route(REJECT);
	}
	if (is_present_hf("X-Test-Skip-Relay")) {
		return;
	}
	if (!mcsec_sdp_get("$var(sdp)")) {
		return;
	}
	xlog("L_NOTICE", "media-test: sdp_get $var(mcsec_dir) $rm: $(var(sdp){line.sw,o=})\n");
	if ($var(sdp) =~ "a=crypto") {
		xlog("L_NOTICE", "media-test: the relay was given an a=crypto line\n");
	}
	if ($var(mcsec_dir) == "out") {
		$var(ip) = $def(OUTSIDE_ADDR);
		$var(p) = $(def(MEDIA_PORT){s.int});
	} else {
		$var(ip) = $def(INSIDE_ADDR);
		$var(p) = $(def(MEDIA_PORT){s.int}) + 10;
	}
	route(MEDIA_ANCHOR);
	if (!mcsec_sdp_set("$var(new)")) {
		route(REJECT);
	}
}
route[MEDIA_REPLY_TEST] {
	if (!mcsec_sdp_get("$var(sdp)")) {
		return;
	}
	if ($Rn == "outside" || $Rn == "outside-tcp") {
		$var(ip) = $def(INSIDE_ADDR);
		$var(p) = $(def(MEDIA_PORT){s.int}) + 20;
	} else {
		$var(ip) = $def(OUTSIDE_ADDR);
		$var(p) = $(def(MEDIA_PORT){s.int}) + 30;
	}
	route(MEDIA_ANCHOR);
	if (!mcsec_sdp_set("$var(new)")) {
		drop;
	}
	xlog("L_NOTICE", "media-test: reply sdp_set $rs: $mcsec(reason)\n");
}
'''
open(sys.argv[2], "w").write(cfg)
PY

# ---- 1. the rules at B, siptool as partner A (its outside address)
KAM_EXTRA_ARGS='-A MEDIA_PORT=40000' MCSEC_CFG=$T_DIR/media-test.cfg \
    border_start b "$T_DIR/policy-b.yaml"
responder_start b-core "$B_CORE_IP:$CORE_PORT"

# sdp_case NAME SDP-LINES...: an INVITE from A's outside with that SDP
# (lines after v=, o=, s=, t=); prints the status line B answered.
sdp_case() {
    local name=$1
    shift
    {
        printf '# description: media rule %s\n# transport: udp\n' "$name"
        printf 'INVITE sip:bob@b.mcx.example SIP/2.0\n'
        printf 'Via: SIP/2.0/UDP %s:%s;branch=@BRANCH@\n' "$A_OUT_IP" "$SIP_PORT"
        printf 'Max-Forwards: 70\nFrom: <sip:alice@a.mcx.example>;tag=m1\n'
        printf 'To: <sip:bob@b.mcx.example>\nCall-ID: @CALLID@\nCSeq: 1 INVITE\n'
        printf 'Contact: <sip:alice@%s:%s>\n' "$A_OUT_IP" "$SIP_PORT"
        printf 'P-Asserted-Identity: <sip:alice@a.mcx.example>\n'
        printf 'Content-Type: application/sdp\nContent-Length: @CLEN@\n\n'
        printf 'v=0\no=- 1 1 IN IP4 %s\ns=-\nt=0 0\n' "$A_OUT_IP"
        local line
        for line in "$@"; do printf '%s\n' "$line"; done
    } >"$T_DIR/case-$name.sip"
    $T_SIPTOOL send --proto udp --src "$A_OUT_IP:$SIP_PORT" --dst "$B_OUT_IP:$SIP_PORT" \
        --timeout 3 "$T_DIR/case-$name.sip" 2>&1 | head -n 1
}
C="c=IN IP4 $A_OUT_IP"
AUDIO="m=audio 30000 RTP/SAVP 96"
many=()
for i in $(seq 1 300); do many+=("m=video 0 RTP/SAVP 97"); done
nine=()
for i in $(seq 0 8); do nine+=("m=video $((30100 + i * 2)) RTP/SAVP 97"); done

before=$(log_size)
assert_match "third-party c= address: 403" '^SIP/2.0 403 ' \
    "$(sdp_case third "c=IN IP4 203.0.113.5" "$AUDIO")"
assert_match "plain RTP/AVP: 488" '^SIP/2.0 488 Not Acceptable Here' \
    "$(sdp_case avp "$C" "m=audio 30000 RTP/AVP 0")"
assert_match "an m=image line: 488" '^SIP/2.0 488 ' \
    "$(sdp_case image "$C" "$AUDIO" "m=image 30002 udptl t38")"
assert_match "nine streams (max_streams 8): 488" '^SIP/2.0 488 ' \
    "$(sdp_case nine "$C" "${nine[@]}")"
assert_match "300 m-lines: 488" '^SIP/2.0 488 ' "$(sdp_case many "$C" "$AUDIO" "${many[@]}")"
assert_match "broken SDP: 400" '^SIP/2.0 400 ' "$(sdp_case broken "$C" "m=audio x RTP/SAVP 96")"
assert_match "a port outside A's range: 403" '^SIP/2.0 403 ' \
    "$(sdp_case port "$C" "m=audio 50000 RTP/SAVP 96")"
log=$(log_since "$before")
for reason in third_party_address insecure_profile line_not_allowed too_many_streams malformed; do
    assert_match "logged with media.$reason" "reason=media\\.$reason " "$log"
done
assert_eq "counted: media.too_many_streams twice" 2 \
    "$(stat_get system-a media.too_many_streams 2>/dev/null || echo "?")"
assert_match "a disabled RTP/AVP stream (port 0) and MCPTT pass to B's core" '^SIP/2.0 200 ' \
    "$(sdp_case disabled "$C" "$AUDIO" "a=key-mgmt:mikey QUFB" "m=audio 0 RTP/AVP 0" \
        "m=application 30002 udp MCPTT")"
t_check "kamailio B alive after the bad SDPs" kam_alive
kill "$RESPONDER_PID" 2>/dev/null
wait "$RESPONDER_PID" 2>/dev/null
kam_stop >/dev/null 2>&1
BORDER_PID[b]=

# ---- 2. both borders, SPK on
KAM_EXTRA_ARGS='-A MEDIA_PORT=30000' MCSEC_CFG=$T_DIR/media-test.cfg \
    border_start a "$T_DIR/policy-a.yaml"
KAM_EXTRA_ARGS='-A MEDIA_PORT=40000' MCSEC_CFG=$T_DIR/media-test.cfg \
    border_start b "$T_DIR/policy-b.yaml"
uac_keys ruri=sip:bob@b.mcx.example to=sip:bob@b.mcx.example from=sip:alice@a.mcx.example \
    pai="P-Asserted-Identity: <sip:alice@a.mcx.example>"
sipp_bg b-core "$T_SCEN/uas_media_invite.xml" "$B_CORE_IP" "$CORE_PORT" udp -m 1 ||
    t_fail "B's core listens"
sipp_run a-core "$T_SCEN/uac_media_invite.xml" "$A_CORE_IP" 5071 udp "$A_IN_IP:$SIP_PORT" \
    "${UAC_KEYS[@]}"
rc_uac=$?
sipp_wait b-core
rc_uas=$?
assert_eq "A's core: the 200's SDP anchored at A, nothing of B" 0 $rc_uac
assert_eq "B's core: SDP anchored at B, key-mgmt untouched, mcptt-info verified and clear" 0 $rc_uas
border_use a
assert_match "A: mcsec_sdp_get gave the core's clear SDP" \
    "media-test: sdp_get out INVITE: o=user1 53655765 2353687637 IN IP4 $A_CORE_IP" \
    "$(cat "$KAM_LOG")"

# ---- 3. refusals of mcsec_sdp_set and of the cfg
inv() {
    local name=$1 header=$2
    {
        printf '# description: %s\n# transport: udp\n' "$name"
        printf 'INVITE sip:bob@b.mcx.example SIP/2.0\n'
        printf 'Via: SIP/2.0/UDP %s:5072;branch=@BRANCH@\n' "$A_CORE_IP"
        printf 'Max-Forwards: 70\nFrom: <sip:alice@a.mcx.example>;tag=m2\n'
        printf 'To: <sip:bob@b.mcx.example>\nCall-ID: @CALLID@\nCSeq: 1 INVITE\n'
        printf 'Contact: <sip:alice@%s:5072>\n%s\n' "$A_CORE_IP" "$header"
        printf 'P-Asserted-Identity: <sip:alice@a.mcx.example>\n'
        printf 'Content-Type: application/sdp\nContent-Length: @CLEN@\n\n'
        printf 'v=0\no=- 1 1 IN IP4 %s\ns=-\nc=IN IP4 %s\nt=0 0\n' "$A_CORE_IP" "$A_CORE_IP"
        printf '%s' "${INV_SDP:-m=audio 6000 RTP/SAVP 96
a=key-mgmt:mikey QUFB
}"
    } >"$T_DIR/inv-$name.sip"
    $T_SIPTOOL send --proto udp --src "$A_CORE_IP:5072" --dst "$A_IN_IP:$SIP_PORT" \
        --timeout 3 "$T_DIR/inv-$name.sip" 2>&1 | head -n 1
}
before=$(log_size)
assert_match "the relay's SDP still names our core: 500" '^SIP/2.0 500 Media Relay Error' \
    "$(inv unanchored "X-Test-Unanchored: 1")"
assert_match "the relay adds SDES (a=crypto): 500" '^SIP/2.0 500 Media Relay Error' \
    "$(inv sdes "X-Test-Add-Sdes: 1")"
assert_match "the relay fails: 500" '^SIP/2.0 500 Media Relay Error' \
    "$(inv relay-down "X-Test-Relay-Down: 1")"
# (tm answers its send error: 477)
assert_match "a cfg that skips the relay: the core's SDP never leaves" \
    '^(none|SIP/2.0 4[0-9][0-9] )' "$(inv skip "X-Test-Skip-Relay: 1")"
log=$(log_since "$before")
assert_match "dropped at the outside socket as media.not_anchored" \
    'reason=media\.not_anchored .*method=INVITE .*detail=".*: not anchored at the outside socket" outcome=dropped' \
    "$log"
assert_match "logged: media.not_anchored" 'reason=media\.not_anchored .*detail="sdp line' "$log"
assert_match "logged: media.relay_unavailable" 'reason=media\.relay_unavailable ' "$log"
assert_match "logged: media.keys_altered" 'reason=media\.keys_altered .*detail="sdp key lines: 1 given, 2' "$log"

# ---- 4. SDES (a=crypto) through both borders' relay stand-ins: the relay
# never sees the lines (mcsec_sdp_get holds them), mcsec_sdp_set puts them
# back into their section, B's core gets them octet for octet.
rm -f "$T_DIR/b-core.ready"
$T_SIPTOOL respond --addr "$B_CORE_IP:$CORE_PORT" --udp --dump "$T_DIR/b-core-dump" \
    --ready "$T_DIR/b-core.ready" >/dev/null 2>&1 &
RESPONDER_PID=$!
T_BG_PIDS+=("$RESPONDER_PID")
for i in $(seq 1 50); do [ -f "$T_DIR/b-core.ready" ] && break; sleep 0.05; done
CRYPTO1="a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
CRYPTO2="a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzFBUzJcMEgpOyU1MkJVfSp9"
SDES_SDP="m=audio 6000 RTP/SAVP 96
a=rtpmap:96 AMR-WB/16000
a=key-mgmt:mikey QUFB
$CRYPTO1
$CRYPTO2
m=application 6002 udp MCPTT
"
before=$(log_size)
assert_match "SDES offer through both borders: 200" '^SIP/2.0 200 ' \
    "$(INV_SDP=$SDES_SDP inv sdes-pass "X-Test: sdes")"
log=$(log_since "$before")
assert_match "A's relay stand-in got the SDP" 'media-test: sdp_get out INVITE' "$log"
assert_eq "A's relay stand-in was given no a=crypto line" 0 \
    "$(grep -c 'the relay was given an a=crypto' <<<"$log")"
# B's core: the audio section as A's core wrote it but anchored, the two
# a=crypto lines back in it, in order, after its last a= line.
audio=$($T_PY - "$T_DIR/b-core-dump" <<'PY'
import sys
msg = open(sys.argv[1], "rb").read().split(b"\n=====\n")[0].decode("latin-1")
body = msg.split("\r\n\r\n", 1)[1].replace("\r\n", "\n")
print(body.split("m=audio ", 1)[1].split("m=application", 1)[0].split("\n", 1)[1], end="")
PY
)
assert_eq "B's core: the a=crypto lines octet for octet, in their section and order" \
    "a=rtpmap:96 AMR-WB/16000
a=key-mgmt:mikey QUFB
$CRYPTO1
$CRYPTO2" "$audio"
# A relay that adds an a=crypto of its own beside the held ones: refused;
# a relay whose SDP has other m-lines: the held lines cannot go back.
before=$(log_size)
assert_match "SDES held, the relay adds one: 500" '^SIP/2.0 500 Media Relay Error' \
    "$(INV_SDP=$SDES_SDP inv sdes-add "X-Test-Add-Sdes: 1")"
assert_match "SDES held, the relay changed the m-lines: 500" '^SIP/2.0 500 Media Relay Error' \
    "$(INV_SDP="m=audio 6000 RTP/SAVP 96
$CRYPTO1
" inv sdes-mlines "X-Test: mlines")"
log=$(log_since "$before")
assert_match "logged: media.keys_altered (SDES added to held ones)" \
    'reason=media\.keys_altered .*detail="sdp key lines: 3 given, 4 from the relay' "$log"
assert_match "logged: media.keys_altered (m-lines changed)" \
    'reason=media\.keys_altered .*detail="sdp from the relay has 2 m-lines, 1 given' "$log"
t_check "kamailio A alive" kam_alive
t_finish
