#!/bin/bash
# Shared-SPK protection between two real borders (issue 4): a MESSAGE with
# mcptt-info and a group-call INVITE dialog (mcptt-info + SDP multipart) go
# from system A's core through A's IS proxy (egress: protect with the SPK
# shared with B, P0 = A's identity) over TCP to B's IS proxy (ingress:
# verify + decrypt, P0 = A's identity) and arrive in clear at B's core,
# whose sipp UAS checks the clear URIs (scenarios/uas_spk_*.xml). A tcpdump
# capture between the two outside addresses must hold the messages, the
# EncryptedData and the signature part, and none of the protected URIs.
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

# MESSAGE + INVITE, ACK, BYE each way through each border.
border_use a
assert_eq "A counted 4 passed_out towards system-b" 4 "$(stat_get system-b passed_out)"
t_check "A still up with all its processes" kam_alive
border_use b
assert_eq "B counted 4 passed_in from system-a" 4 "$(stat_get system-a passed_in)"
assert_eq "B rejected nothing from system-a" 0 \
    "$(kam_rpc mcsec.stats | grep -E 'spk\.' | awk '{s += $2} END {print s + 0}')"
t_check "B still up with all its processes" kam_alive

t_finish
