#!/bin/bash
# mcsec.reload at run time, proved by traffic, with 4 children:
#  1. a broken policy file is refused: the RPC fails with the FILE:LINE:COL
#     problem lines, the generation stays, and traffic behaves exactly as
#     before (a MESSAGE still passes, a PUBLISH is still method_denied);
#  2. a good file without MESSAGE in the partner's methods is taken: a burst
#     of MESSAGEs (UDP and TCP, concurrent, so several kamailio processes
#     handle them) is now rejected with sip.method_denied, every single one;
#  3. a good file that moves the partner's IS proxy to 127.0.20.5: requests
#     from the old address are src.not_partner, from the new one they pass;
#  throughout, kamailio keeps its main pid and every child (no restart).
. "$(dirname "$0")/lib.sh"
t_init "$@"

POLICY=$T_DIR/policy.yaml
B_PAI="P-Asserted-Identity: <sip:bob@b.mcx.example>"
ALL_METHODS="INVITE, ACK, BYE, CANCEL, UPDATE, INFO, MESSAGE, OPTIONS, NOTIFY, SUBSCRIBE, REFER, PRACK"
NO_MESSAGE="INVITE, ACK, BYE, CANCEL, UPDATE, INFO, OPTIONS, NOTIFY, SUBSCRIBE, REFER, PRACK"
# A bare IP = any source port: TCP connections come from ephemeral ports.
t_policy "$POLICY" "B_PROXY=$PARTNER_IP" "B_METHODS=$ALL_METHODS"

generation() { kam_rpc mcsec.stats 2>/dev/null | awk '/generation/ {gsub(/[^0-9]/, "", $2); print $2; exit}'; }

# burst NAME TR COUNT SRC_IP SCENARIO [KEY=VALUE...]: COUNT concurrent
# calls of SCENARIO (one MESSAGE each) from SRC_IP to the outside socket;
# returns sipp's exit code (0 = every call ended as the scenario expects).
burst() {
    local name=$1 tr=$2 count=$3 src=$4 scen=$5 port=$SIP_PORT
    shift 5
    uac_keys pai="$B_PAI" "$@"
    # TCP: one connection per call (tn), each from its own port
    local extra=()
    [ "$tr" = tcp ] && { extra=(-t tn); port=0; }
    sipp_run "$name" "$scen" "$src" "$port" "$tr" "$OUT_IP:$SIP_PORT" \
        "${UAC_KEYS[@]}" -m "$count" -r 400 -l "$count" "${extra[@]}"
}

# distinct kamailio pids that logged a rejection with REASON after OFFSET
reject_pids() {
    log_since "$1" | grep "event=refused reason=$2 " |
        sed -nE 's/^ *[0-9]+\(([0-9]+)\).*/\1/p' | sort -u | tr '\n' ' '
}

core_responder_start
kam_start "$POLICY"
pid0=$KAM_PID
gen0=$(generation)
t_log "running generation $gen0"
# mcsec.version: the version CMakeLists.txt declares (read from the file).
version=$(sed -n 's/^project(mcsec VERSION \([0-9.]*\).*/\1/p' "$MCSEC_SRC/CMakeLists.txt")
assert_match "mcsec.version says the project version" "^mcsec.so $version(\+git\.[0-9a-z.]+)?\$" "$(kam_rpc mcsec.version)"

t_log "=== before any reload"
t_check "MESSAGE passes (udp burst of 10)" burst pass0-udp udp 10 "$PARTNER_IP" "$T_SCEN/uac_message.xml"
t_check "PUBLISH is sip.method_denied" burst deny0 udp 1 "$PARTNER_IP" \
    "$(reject_scenario sip.method_denied 403 yes PUBLISH)"

t_log "=== 1. broken policy file"
cp "$POLICY" "$POLICY.good"
cat >"$POLICY" <<'EOF'
version: 1
system:
  name: system-a
  identity: sip:border@a.mcx.example
  domains: [a.mcx.example]
  colour: blue
partners:
  - name: system-b
    identity: sip:border@b.mcx.example
    domains: b.mcx.example
    addresses: {is_proxy: [127.0.20.1:5060]}
    sip: {methods: [INVITE], content_types: [text/plain], max_body: lots}
EOF
out=$(kam_rpc mcsec.reload 2>&1)
rc=$?
echo "$out" | sed 's/^/    reload: /'
assert_match "reload of a broken file fails (RPC fault)" "^error: 400" "$out"
assert_match "reload returns FILE:LINE:COL problem lines" "$POLICY:[0-9]+:[0-9]+: " "$out"
assert_eq "generation kept" "$gen0" "$(generation)"
t_check "old policy still lets MESSAGE pass (udp burst of 20)" \
    burst pass1-udp udp 20 "$PARTNER_IP" "$T_SCEN/uac_message.xml"
t_check "old policy still lets MESSAGE pass (tcp burst of 10)" \
    burst pass1-tcp tcp 10 "$PARTNER_IP" "$T_SCEN/uac_message.xml"
t_check "old policy still denies PUBLISH" burst deny1 udp 1 "$PARTNER_IP" \
    "$(reject_scenario sip.method_denied 403 yes PUBLISH)"

t_log "=== 2. good file: MESSAGE no longer allowed"
t_policy "$POLICY" "B_PROXY=$PARTNER_IP" "B_METHODS=$NO_MESSAGE"
off=$(log_size)
out=$(kam_rpc mcsec.reload 2>&1)
rc=$?
echo "$out" | sed 's/^/    reload: /'
assert_eq "reload of a good file succeeds" 0 $rc
gen2=$(generation)
t_check "generation advanced ($gen0 -> $gen2)" test "$gen2" -gt "$gen0"
b_methods=$(kam_rpc mcsec.policy | awk '/name: system-b/ {b = 1} /name: system-c/ {b = 0}
    b && /methods: *\{/ {m = 1; next} m && /\}/ {m = 0} b && m {printf "%s ", $1}')
t_log "mcsec.policy: system-b methods: $b_methods"
t_check "mcsec.policy lists INVITE but no MESSAGE for system-b" \
    bash -c "[[ ' $b_methods ' == *' INVITE '* && ' $b_methods ' != *' MESSAGE '* ]]"
scen=$(reject_scenario sip.method_denied)
t_check "every MESSAGE of a udp burst of 40 is now sip.method_denied" \
    burst deny2-udp udp 40 "$PARTNER_IP" "$scen"
t_check "every MESSAGE of a tcp burst of 20 is now sip.method_denied" \
    burst deny2-tcp tcp 20 "$PARTNER_IP" "$scen"
pids=$(reject_pids "$off" 'sip\.method_denied')
t_log "processes that applied the new policy: $pids"
t_check "several kamailio processes applied the reloaded policy ($pids)" \
    test "$(echo "$pids" | wc -w)" -ge 2
t_check "INVITE dialogs still pass after the reload" \
    burst inv2 udp 1 "$PARTNER_IP" "$T_SCEN/uac_invite.xml"

t_log "=== 3. good file: partner IS proxy moved to 127.0.20.5"
t_policy "$POLICY" "B_PROXY=127.0.20.5" "B_METHODS=$ALL_METHODS"
out=$(kam_rpc mcsec.reload 2>&1)
assert_eq "reload with the moved partner succeeds" 0 $?
t_check "old partner address now src.not_partner (udp burst of 20, no Warning)" \
    burst moved-old-udp udp 20 "$PARTNER_IP" "$(reject_scenario src.not_partner 403 no)"
t_check "old partner address now src.not_partner (tcp burst of 10)" \
    burst moved-old-tcp tcp 10 "$PARTNER_IP" "$(reject_scenario src.not_partner 403 no)"
t_check "new partner address passes (udp burst of 20)" \
    burst moved-new-udp udp 20 127.0.20.5 "$T_SCEN/uac_message.xml"
t_check "new partner address passes (tcp burst of 10)" \
    burst moved-new-tcp tcp 10 127.0.20.5 "$T_SCEN/uac_message.xml"

assert_eq "kamailio was not restarted (main pid)" "$pid0" "$KAM_PID"
t_check "kamailio keeps its main pid and all children" kam_alive
t_finish
