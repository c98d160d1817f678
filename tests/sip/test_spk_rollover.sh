#!/bin/bash
# SPK rollover without a flag day, through two real borders: a stream of
# MESSAGEs with mcptt-info runs from system A's core to system B's core
# while (1) B adds the new key as a non-last line of its SPK file and
# reloads (B now accepts old and new, still protects with the old one), and
# (2) A moves the new key last and reloads (A now protects with the new
# one). Every message of the stream must arrive in clear at B's core (none
# lost, none rejected), and the capture between the borders must show both
# KeyNames: the old one before A's switch, the new one after.
. "$(dirname "$0")/lib_two.sh"
two_init "$@"

old_id=3a5c0001
new_id=3a5c0002
old_key=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
new_key=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
two_spk_file "$T_DIR/a-shared-b.spk" "$old_id" "$old_key"
two_spk_file "$T_DIR/b-shared-a.spk" "$old_id" "$old_key"
two_policy a "$T_DIR/policy-a.yaml" SPK_FILE="$T_DIR/a-shared-b.spk"
two_policy b "$T_DIR/policy-b.yaml" SPK_FILE="$T_DIR/b-shared-a.spk"
border_start a "$T_DIR/policy-a.yaml"
border_start b "$T_DIR/policy-b.yaml"
capture_start "$T_DIR/sip3.pcap"

n=60
rate=20
border_use b
in0=$(stat_get system-a passed_in)
sipp_bg b-core "$T_SCEN/uas_spk_message.xml" "$B_CORE_IP" "$CORE_PORT" udp -m $n ||
    t_die "B's core listens"
uac_keys ruri=sip:bob@b.mcx.example to=sip:bob@b.mcx.example from=sip:alice@a.mcx.example \
    pai="P-Asserted-Identity: <sip:alice@a.mcx.example>"
sipp_bg a-core "$T_SCEN/uac_spk_message.xml" "$A_CORE_IP" 5071 udp -m $n -r $rate -rp 1000 \
    "${UAC_KEYS[@]}" "$A_IN_IP:$SIP_PORT" || t_die "A's core UAC starts"

sleep 0.8
t_log "B: new key added as a non-last line, reload"
two_spk_file "$T_DIR/b-shared-a.spk" "$new_id" "$new_key" "$old_id" "$old_key"
border_use b
assert_match "B reloads (old + new key)" "generation: 2" "$(kam_rpc mcsec.reload)"
sleep 0.8
t_log "A: new key moved last (protects with it), reload"
two_spk_file "$T_DIR/a-shared-b.spk" "$old_id" "$old_key" "$new_id" "$new_key"
border_use a
assert_match "A reloads (protects with the new key)" "generation: 2" "$(kam_rpc mcsec.reload)"

sipp_wait a-core
assert_eq "A's core: all $n MESSAGEs of the stream answered 200" 0 $?
sipp_wait b-core
assert_eq "B's core: all $n MESSAGEs arrived with the mcptt-info in clear" 0 $?
capture_stop

border_use b
assert_delta "B passed every message of the stream" $n "$in0" "$(stat_get system-a passed_in)"
assert_eq "B rejected nothing during the rollover" 0 \
    "$(kam_rpc mcsec.stats | grep -E 'spk\.|policy\.' | awk '{s += $2} END {print s + 0}')"
pcap=$T_DIR/sip3.pcap
old_name=$(spk_key_name $old_id)
new_name=$(spk_key_name $new_id)
old_uses=$(grep -a -c "<ds:KeyName>$old_name</ds:KeyName>" "$pcap")
new_uses=$(grep -a -c "<ds:KeyName>$new_name</ds:KeyName>" "$pcap")
t_log "capture: KeyName $old_name in $old_uses lines, $new_name in $new_uses lines"
t_check "messages before A's switch were protected with the old key" test "$old_uses" -ge 1
t_check "messages after A's switch were protected with the new key" test "$new_uses" -ge 1
assert_eq "capture holds none of the protected URIs" 0 "$(grep -a -c 'hidden-' "$pcap")"
# The stream's last message was protected with the new key only.
last=$(tcpdump -r "$pcap" -A -nn 2>/dev/null | grep -a -o '<ds:KeyName>[^<]*</ds:KeyName>' | tail -n 1)
assert_eq "the last message used the new key" "<ds:KeyName>$new_name</ds:KeyName>" "$last"
t_check "B still up with all its processes" kam_alive
border_use a
t_check "A still up with all its processes" kam_alive

t_finish
