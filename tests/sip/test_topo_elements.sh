#!/bin/bash
# Topology hiding of mcptt-info elements (issue 3, topology.hide_elements)
# through two real borders. Argument: off (default; SPK off, the topology
# stage rewrites the body) or spk (shared SPK required both ways: the SPK
# stage hides on the clear body before protecting it and restores after
# unprotecting; the capture then holds the elements encrypted):
#  1. A's core sends a MESSAGE whose mcptt-calling-group-id names A's
#     group server (sip:gms@gms.a.mcx.example; a group element, so that the
#     body identity check lets it cross, docs/policy-reference.md): B's core receives an element
#     token of border A instead (sip:<token>@border.a.mcx.example;
#     tokenized-by=border.a.mcx.example), also in an attribute of the
#     listed element (the callee refuses any gms.a.mcx.example; issue 14); the
#     element that is not listed (mcptt-calling-user-id) crosses as it is.
#  2. B's core sends a MESSAGE back to A naming that token URI in the
#     element: B leaves a URI tokenized by another border as it is, border A
#     restores it, A's core receives sip:gms@gms.a.mcx.example exactly.
#  3. The same with the token tampered: border A answers 400
#     (topo.bad_token, counted).
#  4. A group-call INVITE from A's core with a multipart/mixed body (SDP,
#     mcptt-info naming sip:gms@gms.a.mcx.example, resource-lists): B's core
#     receives A's element token in the mcptt-info part, the SDP part (and
#     with SPK off the resource-lists part) octet for octet, the boundary
#     and part headers as sent. B's 200 carries mcptt-info naming B's
#     internal sip:grp@gms.b.mcx.example: A's core receives B's token (reply
#     bodies are hidden). B's core then sends an INFO in the dialog with a
#     multipart body naming A's token: A's core receives
#     sip:gms@gms.a.mcx.example; A's 200 to it names B's token, and B's core
#     receives sip:grp@gms.b.mcx.example (reply bodies are restored). The
#     capture holds neither internal URI.
# Every MESSAGE also carries "X-Origin: <core IP>:<port> sip:<user>@<our
# domain>", listed in topology.rewrite_headers: the other core sees the
# sending border's topology host in both places (the callee checks it).
# A capture between the borders (steps 1 and 2) never holds the internal
# URI nor any other inside name.
. "$(dirname "$0")/test_topo_lib.sh"
two_init "$@"

mode=${1:-off}
HIDE='[mcptt-request-uri, mcptt-calling-group-id, associated-group-id]'
topo_key "$T_DIR/a-topology.key"
topo_key "$T_DIR/b-topology.key"
spk_a=() spk_b=()
if [ "$mode" = spk ]; then
    spk_key=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    two_spk_file "$T_DIR/a-shared-b.spk" 3a5c0001 "$spk_key"
    two_spk_file "$T_DIR/b-shared-a.spk" 3a5c0001 "$spk_key"
    spk_a=(SPK_FILE="$T_DIR/a-shared-b.spk")
    spk_b=(SPK_FILE="$T_DIR/b-shared-a.spk")
fi
topo_policy a "$T_DIR/policy-a.yaml" "$T_DIR/a-topology.key" HIDE="$HIDE" REWRITE='[X-Origin]' \
    "${spk_a[@]}"
topo_policy b "$T_DIR/policy-b.yaml" "$T_DIR/b-topology.key" HIDE="$HIDE" REWRITE='[X-Origin]' \
    "${spk_b[@]}"
border_start a "$T_DIR/policy-a.yaml"
border_start b "$T_DIR/policy-b.yaml"
capture_start "$T_DIR/sip3.pcap"

internal_uri=sip:gms@gms.a.mcx.example
token_re='sip:[a-z2-7]+@border\.a\.mcx\.example;tokenized-by=border\.a\.mcx\.example'
user_uri=sip:alice@a.mcx.example

# 1. A -> B: the token arrives, not the internal URI.
caller_200=$(topo_render topo_element_caller.xml.in 200 STATUS=200)
callee_tok=$(topo_render topo_element_callee.xml.in tok EXPECT="$token_re" ABSENT=gms.a.mcx.example)
topo_cross elements-a-to-b a "$caller_200" "$callee_tok" -key elemuri "$internal_uri" \
    -key useruri "$user_uri"
token_uri=$(sed -n 's/^.*elemuri=\(sip:[^ ]*\).*$/\1/p' "$T_DIR/sipp-elements-a-to-b-callee.log" |
    head -1)
t_check "B's core received A's element token ($token_uri)" \
    test -n "$token_uri"
t_check "the attribute of the listed element crossed as the token too" \
    grep -q -F "origin=\"$token_uri\"" "$T_DIR/sipp-elements-a-to-b-callee.msg"
t_check "the unlisted element crossed unchanged" \
    grep -q -F "<mcpttURI>$user_uri</mcpttURI>" "$T_DIR/sipp-elements-a-to-b-callee.msg"

# 2. B -> A with the token: A's core gets the internal URI back exactly.
callee_back=$(topo_render topo_element_callee.xml.in back EXPECT='sip:gms@gms\.a\.mcx\.example' \
    ABSENT='@border\.a\.mcx\.example;tokenized-by')
topo_cross elements-token-b-to-a b "$caller_200" "$callee_back" -key elemuri "$token_uri" \
    -key useruri sip:bob@b.mcx.example

# 4. Group call: multipart INVITE, mcptt-info in the 200, INFO back, 200.
gms_b=sip:grp@gms.b.mcx.example
token_b_re='sip:[a-z2-7]+@border\.b\.mcx\.example;tokenized-by=border\.b\.mcx\.example'
group_caller=$(topo_render topo_group_caller.xml.in grp REPLY_EXPECT="$token_b_re" \
    REPLY_ABSENT=gms.b.mcx.example BACK_EXPECT='sip:gms@gms\.a\.mcx\.example')
group_callee=$(topo_render topo_group_callee.xml.in grp EXPECT="$token_re" ABSENT=gms.a.mcx.example \
    REPLY_BACK='sip:grp@gms\.b\.mcx\.example')
topo_cross group-a-to-b a "$group_caller" "$group_callee" -key elemuri "$internal_uri" \
    -key reply_uri "$gms_b"
callee_msg=$T_DIR/sipp-group-a-to-b-callee.msg
t_check "group call: the SDP part crossed octet for octet" topo_msg_has "$callee_msg" \
    '--mcsec-grp-b1\nContent-Type: application/sdp\n\nv=0\no=user1 53655765 2353687637 IN IP4 127.0.40.1\ns=-\nc=IN IP4 127.0.40.1\nt=0 0\nm=audio 6000 RTP/AVP 0\n\n--mcsec-grp-b1\nContent-Type: application/vnd.3gpp.mcptt-info+xml'
t_check "group call: the resource-lists content crossed unchanged" topo_msg_has "$callee_msg" \
    '<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists"><list><entry uri="sip:bob@b.mcx.example"/></list></resource-lists>\n--mcsec-grp-b1--'
if [ "$mode" != spk ]; then
    t_check "group call: the resource-lists part and its headers crossed octet for octet" \
        topo_msg_has "$callee_msg" \
        '\n--mcsec-grp-b1\nContent-Type: application/resource-lists+xml\n\n<?xml version="1.0" encoding="UTF-8"?><resource-lists'
    t_check "group call: the mcptt-info part headers crossed as sent" topo_msg_has "$callee_msg" \
        '\n--mcsec-grp-b1\nContent-Type: application/vnd.3gpp.mcptt-info+xml\n\n'
fi
t_check "group call: B's core received A's element token in the multipart INVITE" \
    grep -q -E "elemuri=$token_re" "$T_DIR/sipp-group-a-to-b-callee.log"
t_check "group call: A's core received B's token in the 200 (reply body hidden)" \
    grep -q -E "replyuri=$token_b_re" "$T_DIR/sipp-group-a-to-b-caller.log"
t_check "group call: A's core received its URI back in B's INFO" \
    grep -q -F "backuri=sip:gms@gms.a.mcx.example" "$T_DIR/sipp-group-a-to-b-caller.log"
t_check "group call: B's core received its URI back in A's 200 (reply body restored)" \
    grep -q -F "replyback=$gms_b" "$T_DIR/sipp-group-a-to-b-callee.log"

capture_stop
for needle in gms.a.mcx.example gms.b.mcx.example; do
    n=$(grep -a -c -F -- "$needle" "$T_DIR/sip3.pcap")
    assert_eq "capture between the borders holds no '$needle'" 0 "$n"
done
if [ "$mode" = spk ]; then
    t_check "capture holds the elements encrypted (aes128-gcm)" \
        grep -a -q -F 'xmlenc11#aes128-gcm' "$T_DIR/sip3.pcap"
else
    t_check "capture holds the element token" grep -a -q -E "$token_re" "$T_DIR/sip3.pcap"
fi
topo_capture_clean "$T_DIR/sip3.pcap"

# 3. A tampered token: 400 topo.bad_token at border A (after the capture:
#    the 400 carries border A's own Warning with the reason code).
border_use a
bad_before=$(stat_get '*' topo.bad_token)
tok=${token_uri#sip:}
tok=${tok%%@*}
case ${tok:5:1} in a) c=b ;; *) c=a ;; esac
bad_uri="sip:${tok:0:5}$c${tok:6}@${token_uri#*@}"
caller_400=$(topo_render topo_element_caller.xml.in 400 STATUS=400)
topo_keys_b
sipp_run elements-bad-b-to-a "$caller_400" "$B_CORE_IP" "$CORE_PORT" udp "$B_IN_IP:$SIP_PORT" \
    "${UAC_KEYS[@]}" -cid_str "topo-%u-%p@$TOPO_B_ME" -key elemuri "$bad_uri" \
    -key useruri sip:bob@b.mcx.example
assert_eq "a tampered element token is answered 400" 0 $?
border_use a
assert_eq "border A counted one topo.bad_token" 1 $(($(stat_get '*' topo.bad_token) - bad_before))
t_finish
