#!/bin/bash
# Malformed and hostile input: every message of tests/sip/corpus/ is sent
# from the partner's IS proxy address (so it gets past the source check and
# reaches the deeper parsing) to the outside socket, over UDP and, unless the
# file says otherwise, TCP. Each must get a SIP response (any status; the
# table records which) or a logged drop within the timeout (TCP messages
# that are incomplete by design may instead be waited on); after EACH one
# kamailio must still have its main pid (= the pid file) and every child,
# and a valid MESSAGE must still pass to the core and get its 200.
# The corpus names foreign hosts (192.0.2.x, 255.255.255.255, example.com):
# that is why this runs in the namespace with only loopback up.
. "$(dirname "$0")/lib.sh"
t_init "$@"

CORPUS=$T_LIB_DIR/corpus
n_files=$(ls "$CORPUS"/*.sip | wc -l)
t_check "corpus has at least 30 messages ($n_files)" test "$n_files" -ge 30

# A bare IP: any source port (each TCP message comes on a new connection).
t_policy "$T_DIR/policy.yaml" "B_PROXY=$PARTNER_IP"
core_responder_start
kam_start "$T_DIR/policy.yaml"

mal0=$(stat_get system-b sip.malformed)
$T_SIPTOOL corpus --src "$PARTNER_IP:$SIP_PORT" --dst "$OUT_IP:$SIP_PORT" \
    --pid "$KAM_PID" --log "$KAM_LOG" --out "$T_DIR/corpus-table.txt" \
    --liveness "$T_LIB_DIR/messages/valid-message.sip" --timeout 1.5 \
    "$CORPUS"/*.sip
rc=$?
echo "--- corpus outcomes (message, transport, outcome, check | first log line)"
cat "$T_DIR/corpus-table.txt"
echo "---"
n_rows=$(($(wc -l <"$T_DIR/corpus-table.txt") - 1))
n_resp=$(grep -c ' response ' "$T_DIR/corpus-table.txt")
n_drop=$(grep -c ' drop, logged' "$T_DIR/corpus-table.txt")
n_wait=$(grep -c ' waits for the rest' "$T_DIR/corpus-table.txt")
t_log "$n_rows sends: $n_resp answered, $n_drop dropped with a log line, $n_wait waited on"
t_log "sip.malformed counter of system-b: $mal0 -> $(stat_get system-b sip.malformed)"
grep -E ' FAIL|NOTHING' "$T_DIR/corpus-table.txt" | sed 's/^/  /'
assert_eq "every corpus message answered or dropped with a log line, kamailio alive after each" 0 $rc
t_check "kamailio still up with all its processes at the end" kam_alive
t_finish
