#!/bin/bash
# The internal SPK on both sides, through two real borders: system A's MC
# server sends a MESSAGE whose mcptt-info it protected with A's internal
# SPK (P0 = sip:mcptt-server@a.mcx.example); A's border unprotects it and
# protects it again with the SPK shared with B; B's border unprotects that
# and, because B's policy says spk.reprotect_internal, protects it with B's
# internal SPK (P0 = sip:mcptt-server@b.mcx.example). B's core must get a
# body that B's internal key (and only it) opens: mcsecctl spk unprotect
# with B's internal key gives back the clear URIs; the capture between the
# borders names only the shared key.
. "$(dirname "$0")/lib_two.sh"
two_init "$@"

rand_key() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }
shared_key=$(rand_key)
two_spk_file "$T_DIR/a-shared-b.spk" 3a5c0001 "$shared_key"
two_spk_file "$T_DIR/b-shared-a.spk" 3a5c0001 "$shared_key"
two_spk_file "$T_DIR/a-internal.spk" 3a1a0001 "$(rand_key)"
two_spk_file "$T_DIR/b-internal.spk" 3b1b0001 "$(rand_key)"
two_policy a "$T_DIR/policy-a.yaml" SPK_FILE="$T_DIR/a-shared-b.spk" \
    INTERNAL_FILE="$T_DIR/a-internal.spk"
two_policy b "$T_DIR/policy-b.yaml" SPK_FILE="$T_DIR/b-shared-a.spk" \
    INTERNAL_FILE="$T_DIR/b-internal.spk" REPROTECT=true
border_start a "$T_DIR/policy-a.yaml"
border_start b "$T_DIR/policy-b.yaml"
capture_start "$T_DIR/sip3.pcap"

cat >"$T_DIR/clear.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<mcpttinfo xmlns="urn:3gpp:ns:mcpttInfo:1.0"><mcptt-Params><mcptt-request-uri type="Normal"><mcpttURI>sip:hidden-callee@b.mcx.example</mcpttURI></mcptt-request-uri><mcptt-calling-user-id type="Normal"><mcpttURI>sip:hidden-caller@a.mcx.example</mcpttURI></mcptt-calling-user-id></mcptt-Params></mcpttinfo>
XML
# A's MC server protects with A's internal SPK.
{ printf 'Content-Type: application/vnd.3gpp.mcptt-info+xml\r\n\r\n'; cat "$T_DIR/clear.xml"; } |
    "$MCSEC_CTL" spk protect --mime --key-file "$T_DIR/a-internal.spk" \
        --identity sip:mcptt-server@a.mcx.example >"$T_DIR/from-server.mime" ||
    t_die "mcsecctl spk protect (A's MC server)"
$T_PY - "$T_DIR/from-server.mime" "$T_DIR/from-server" <<'PY'
import sys
head, body = open(sys.argv[1], "rb").read().split(b"\r\n\r\n", 1)
open(sys.argv[2] + ".ct", "wb").write(head.split(b":", 1)[1].strip())
open(sys.argv[2] + ".body", "wb").write(body)
PY
scen=$T_DIR/uac-internal.xml
render_template "$T_SCEN/uac_spk_body.xml.in" "$scen" "CTYPE=$(cat "$T_DIR/from-server.ct")" \
    "BODY=$T_DIR/from-server.body" STATUS=200 REASON=none REASON_RE=none WARN=false

# B's core: any MESSAGE, answered 200; its body is read from sipp's trace.
sipp_bg b-core "$T_SCEN/uas_message.xml" "$B_CORE_IP" "$CORE_PORT" udp -m 1 ||
    t_die "B's core listens"
uac_keys ruri=sip:bob@b.mcx.example to=sip:bob@b.mcx.example from=sip:alice@a.mcx.example \
    pai="P-Asserted-Identity: <sip:alice@a.mcx.example>"
sipp_run a-core "$scen" "$A_CORE_IP" 5071 udp "$A_IN_IP:$SIP_PORT" "${UAC_KEYS[@]}"
assert_eq "A's core: the internally protected MESSAGE crossed (200)" 0 $?
sipp_wait b-core
assert_eq "B's core got the MESSAGE" 0 $?
capture_stop

# The MESSAGE as B's core received it, as a MIME entity for mcsecctl.
$T_PY - "$T_DIR/sipp-b-core.msg" "$T_DIR/at-b-core.mime" <<'PY'
import re, sys
text = open(sys.argv[1], "rb").read()
start = text.index(b"MESSAGE sip:")
msg = text[start:]
head, rest = msg.split(b"\r\n\r\n", 1)
ct = re.search(rb"(?im)^content-type:[ \t]*(.*?)\r?$", head).group(1)
length = int(re.search(rb"(?im)^content-length:[ \t]*([0-9]+)", head).group(1))
open(sys.argv[2], "wb").write(b"Content-Type: " + ct + b"\r\n\r\n" + rest[:length])
PY
body=$(cat "$T_DIR/at-b-core.mime")
assert_eq "B's core got no protected URI in clear" 0 "$(grep -c 'hidden-' "$T_DIR/at-b-core.mime")"
assert_match "B's core got B's internal key ($(spk_key_name 3b1b0001)) as KeyName" \
    "<ds:KeyName>$(spk_key_name 3b1b0001)</ds:KeyName>" "$body"
clear_at_b=$("$MCSEC_CTL" spk unprotect --mime --key-file "$T_DIR/b-internal.spk" \
    --identity sip:mcptt-server@b.mcx.example <"$T_DIR/at-b-core.mime" 2>&1)
assert_match "B's internal key opens it: the callee URI in clear" \
    "<mcpttURI>sip:hidden-callee@b\.mcx\.example</mcpttURI>" "$clear_at_b"
assert_match "B's internal key opens it: the caller URI in clear" \
    "<mcpttURI>sip:hidden-caller@a\.mcx\.example</mcpttURI>" "$clear_at_b"
pcap=$T_DIR/sip3.pcap
assert_eq "capture between the borders: no protected URI" 0 "$(grep -a -c 'hidden-' "$pcap")"
t_check "capture between the borders: the shared key names the protection" \
    test "$(grep -a -c "<ds:KeyName>$(spk_key_name 3a5c0001)</ds:KeyName>" "$pcap")" -ge 1
assert_eq "capture between the borders: A's internal key does not cross" 0 \
    "$(grep -a -c "<ds:KeyName>$(spk_key_name 3a1a0001)</ds:KeyName>" "$pcap")"
border_use a
t_check "A still up with all its processes" kam_alive
border_use b
t_check "B still up with all its processes" kam_alive

t_finish
