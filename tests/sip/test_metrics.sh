#!/bin/bash
# The IS proxy's /metrics (docs/metrics-is-proxy.md) on a real scrape of
# kamailio with mcsec.so, its alarms and its reload audit:
#   - promtool check metrics passes on the page; Content-Type is 0.0.4;
#   - the counters of the messages sent move by exactly their number, with
#     the right partner, direction, kind, method, result and reason labels;
#     the idle partner (system-c) has its zeros;
#   - the page is served on the admin address only: nothing on the outside
#     socket's address (neither the metrics port nor the SIP port);
#     404 for another path, 405 for another method;
#   - the expiry gauge of a test CA that expires in two days shows its
#     seconds left, and the expiry.critical alarm names it once;
#   - an RPC reload moves the reload counter and the generation and logs the
#     audit line (old and new hash, partners changed); a refused reload
#     logs reload.failed with the file position and sets last_reload_success
#     to 0; the generation grows across a restart (state file);
#   - logging.format json / logging.level warning: JSON lines, no refusal
#     lines (notice) any more.
. "$(dirname "$0")/lib.sh"
t_init "$@"

for tool in curl promtool openssl; do
    command -v $tool >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done

METRICS_PORT=9610
METRICS_URL="http://$IN_IP:$METRICS_PORT/metrics"

# A CA of system-c that expires in two days (172800 s).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=near-expiry-test-ca" -keyout "$T_DIR/near-ca.key" -out "$T_DIR/near-ca.pem" \
    >"$T_DIR/openssl.log" 2>&1 || t_die "openssl makes the test CA"
NEAR_NAME="$T_DIR/near-ca.pem CN=near-expiry-test-ca"

# make_policy OUT [SED-EXPR...]: the test policy with system-c's CA.
make_policy() {
    local out=$1
    shift
    t_policy "$out.in"
    # system-c is the last partner: its "keys: {}" is the last one.
    awk -v ca="$T_DIR/near-ca.pem" '{ lines[NR] = $0 } /keys: \{\}/ { last = NR }
        END { for (i = 1; i <= NR; i++) { if (i == last) sub(/keys: \{\}/, "keys: {ca: " ca "}", lines[i]); print lines[i] } }' \
        "$out.in" >"$out"
    local e
    for e in "$@"; do sed -i "$e" "$out"; done
}
make_policy "$T_DIR/policy.yaml"

core_responder_start
kam_start "$T_DIR/policy.yaml"

# scrape FILE: GET /metrics into FILE (headers into FILE.headers).
scrape() {
    curl -sS --max-time 5 -D "$1.headers" -o "$1" "$METRICS_URL"
}
# value FILE SERIES: the value of one exact series line ("" when absent).
value() {
    awk -v s="$2" 'substr($0, 1, length(s) + 1) == s " " { print $NF; exit }' "$1"
}
# delta DESC EXPECTED SERIES: the series moved by EXPECTED between
# $T_DIR/before.prom and $T_DIR/after.prom (absent = fails).
delta() {
    local b a
    b=$(value "$T_DIR/before.prom" "$3")
    a=$(value "$T_DIR/after.prom" "$3")
    if [ -z "$b" ] || [ -z "$a" ]; then
        t_fail "$1: series $3 missing (before '$b', after '$a')"
        return
    fi
    assert_delta "$1" "$2" "${b%.*}" "${a%.*}"
}

# send_from SRC FILE-TEMPLATE METHOD: one request from SRC:5060 to the
# outside socket; prints the status line.
send_from() {
    local src=$1 method=$2 f="$T_DIR/send-$2-$RANDOM.sip"
    {
        echo "$method sip:alice@a.mcx.example SIP/2.0"
        echo "Via: SIP/2.0/@PROTO@ $src:$SIP_PORT;branch=@BRANCH@"
        echo "Max-Forwards: 70"
        echo "From: <sip:bob@b.mcx.example>;tag=m1"
        echo "To: <sip:alice@a.mcx.example>"
        echo "Call-ID: @CALLID@"
        echo "CSeq: 1 $method"
        echo "P-Asserted-Identity: <sip:bob@b.mcx.example>"
        echo "Content-Type: text/plain"
        echo "Content-Length: @CLEN@"
        echo ""
        echo "metrics test"
    } >"$f"
    $T_SIPTOOL send --proto udp --src "$src:$SIP_PORT" --dst "$OUT_IP:$SIP_PORT" --timeout 3 "$f" 2>&1
}

t_log "=== counters move by exactly the traffic sent"
scrape "$T_DIR/before.prom" || t_die "first scrape of $METRICS_URL"
for i in 1 2 3; do
    assert_match "MESSAGE $i from system-b answered 200" '^SIP/2.0 200' "$(send_from "$PARTNER_IP" MESSAGE)"
done
assert_match "PUBLISH from system-b refused" '^SIP/2.0 403' "$(send_from "$PARTNER_IP" PUBLISH)"
assert_match "MESSAGE from a stranger refused" '^SIP/2.0 403' "$(send_from "$STRANGER_IP" MESSAGE)"
sleep 0.2
scrape "$T_DIR/after.prom" || t_die "second scrape"

assert_match "Content-Type is the 0.0.4 text format" \
    '^[Cc]ontent-[Tt]ype: text/plain; version=0\.0\.4; charset=utf-8' "$(cat "$T_DIR/after.prom.headers")"
t_check "promtool check metrics passes" sh -c "promtool check metrics <'$T_DIR/after.prom' >'$T_DIR/promtool.out' 2>&1"
[ -s "$T_DIR/promtool.out" ] && t_log "promtool: $(head -c 600 "$T_DIR/promtool.out")"

B='partner="system-b",direction="in",kind="request"'
delta "3 MESSAGEs passed in from system-b" 3 "mcsec_sip_messages_total{$B,method=\"MESSAGE\",result=\"passed\"}"
delta "their 3 replies passed out to system-b" 3 \
    'mcsec_sip_messages_total{partner="system-b",direction="out",kind="reply",method="MESSAGE",result="passed"}'
delta "no MESSAGE of system-b refused" 0 "mcsec_sip_messages_total{$B,method=\"MESSAGE\",result=\"refused\"}"
delta "1 PUBLISH refused from system-b" 1 "mcsec_sip_messages_total{$B,method=\"PUBLISH\",result=\"refused\"}"
delta "refusal reason sip.method_denied of system-b" 1 \
    'mcsec_sip_refusals_total{partner="system-b",direction="in",reason="sip.method_denied"}'
delta "the stranger's MESSAGE: no partner, refused" 1 \
    'mcsec_sip_messages_total{partner="",direction="in",kind="request",method="MESSAGE",result="refused"}'
delta "the stranger's reason src.not_partner" 1 \
    'mcsec_sip_refusals_total{partner="",direction="in",reason="src.not_partner"}'
delta "the check stage timed every request and reply (5 + 3)" 8 \
    'mcsec_sip_stage_seconds_count{stage="check"}'
C='partner="system-c"'
assert_eq "idle system-c: zero INVITEs in" 0 \
    "$(value "$T_DIR/after.prom" "mcsec_sip_messages_total{$C,direction=\"in\",kind=\"request\",method=\"INVITE\",result=\"passed\"}")"
assert_eq "idle system-c: zero refusals src.foreign_id out" 0 \
    "$(value "$T_DIR/after.prom" "mcsec_sip_refusals_total{$C,direction=\"out\",reason=\"src.foreign_id\"}")"
assert_eq "idle system-c: zero EAR verifications" 0 \
    "$(value "$T_DIR/after.prom" "mcsec_ear_operations_total{$C,op=\"verify\",result=\"ok\"}")"
assert_eq "start counted once" 1 \
    "$(value "$T_DIR/after.prom" 'mcsec_policy_reloads_total{result="ok",trigger="start"}')"
assert_eq "build info" 1 "$(grep -c '^mcsec_build_info{version="[0-9.]*"} 1$' "$T_DIR/after.prom")"

t_log "=== expiry gauge and alarm of the CA that expires in two days"
left=$(value "$T_DIR/after.prom" "mcsec_expiry_seconds{$C,kind=\"certificate\",name=\"$NEAR_NAME\"}")
if [ -n "$left" ] && [ "${left%.*}" -le 172800 ] && [ "${left%.*}" -ge $((172800 - 300)) ]; then
    t_pass "expiry gauge of system-c's CA: $left s (two days, 300 s tolerance)"
else
    t_fail "expiry gauge of system-c's CA: '$left', expected 172500..172800"
fi
assert_eq "expiry warning threshold (14 days)" 1209600 \
    "$(value "$T_DIR/after.prom" mcsec_expiry_warning_seconds)"
assert_eq "expiry.critical logged once for that CA" 1 \
    "$(grep -c "event=alarm alarm=expiry.critical severity=err partner=system-c kind=certificate name=\"$NEAR_NAME\"" "$KAM_LOG")"

t_log "=== served on the admin address only"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://$OUT_IP:$METRICS_PORT/metrics")
assert_eq "nothing on the outside address, metrics port" 000 "$code"
out=$(curl -s --max-time 3 "http://$OUT_IP:$SIP_PORT/metrics" 2>&1)
t_check "no page on the outside SIP socket (TCP)" sh -c "! printf '%s' '$out' | grep -q mcsec_"
assert_eq "404 for another path" 404 \
    "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://$IN_IP:$METRICS_PORT/stats")"
assert_eq "405 for POST" 405 \
    "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 -X POST -d x "$METRICS_URL")"

t_log "=== reloads: audit line, counters, generation"
gen0=$(value "$T_DIR/after.prom" mcsec_policy_generation)
hash0=$(sed -n 's/^mcsec_policy_info{hash="\([0-9a-f]*\)"} 1$/\1/p' "$T_DIR/after.prom")
assert_eq "policy hash is the file's SHA-256" "$(sha256sum "$T_DIR/policy.yaml" | cut -d' ' -f1)" "$hash0"
make_policy "$T_DIR/policy.yaml" 's/methods: \[INVITE, ACK, BYE, CANCEL, MESSAGE, OPTIONS\]/methods: [INVITE, ACK, BYE, CANCEL, MESSAGE]/'
log0=$(log_size)
kam_rpc mcsec.reload >/dev/null 2>&1
hash1=$(sha256sum "$T_DIR/policy.yaml" | cut -d' ' -f1)
assert_match "audit line of the RPC reload" \
    "event=reload result=ok trigger=rpc generation=$((gen0 + 1)) old_hash=$hash0 new_hash=$hash1 partners_added=\"\" partners_removed=\"\" partners_changed=system-c" \
    "$(log_since "$log0")"
good=$(cat "$T_DIR/policy.yaml")
printf 'version: 1\nsystem:\n  name: [broken\n' >"$T_DIR/policy.yaml"
log0=$(log_size)
kam_rpc mcsec.reload >/dev/null 2>&1
refused=$(log_since "$log0")
assert_match "reload.failed alarm with the file position" \
    "event=alarm alarm=reload.failed severity=err trigger=rpc generation=$((gen0 + 1)) error=\"$T_DIR/policy.yaml:[0-9]+:[0-9]+: " \
    "$refused"
t_check "each problem on one line (no continuation lines)" \
    sh -c "! printf '%s\n' \"\$1\" | grep -v 'mcsec: ' | grep -q ." _ "$refused"
scrape "$T_DIR/reload.prom"
assert_eq "reload ok counted" 1 "$(value "$T_DIR/reload.prom" 'mcsec_policy_reloads_total{result="ok",trigger="rpc"}')"
assert_eq "reload failed counted" 1 "$(value "$T_DIR/reload.prom" 'mcsec_policy_reloads_total{result="failed",trigger="rpc"}')"
assert_eq "last reload failed" 0 "$(value "$T_DIR/reload.prom" mcsec_policy_last_reload_success)"
assert_eq "generation moved once" $((gen0 + 1)) "$(value "$T_DIR/reload.prom" mcsec_policy_generation)"
sleep 1.2 # the metrics process re-checks expiry for the new generation within a second
assert_eq "expiry.critical not repeated by the re-check (same state)" 1 \
    "$(grep -c "alarm=expiry.critical severity=err partner=system-c" "$KAM_LOG")"
t_check "no build path or file name in mcsec.so's lines" \
    sh -c "! grep -E 'mcsec(: | \\[)' '$KAM_LOG' | grep -q -e '$MCSEC_SRC' -e '\.c:[0-9]' -e 'mcsec \\['"

t_log "=== restart with logging.format json, level warning"
printf '%s\n' "$good" | sed 's/^  level: notice$/  level: warning\n  format: json/' >"$T_DIR/policy.yaml"
kam_stop
log0=$(log_size)
kam_start "$T_DIR/policy.yaml"
scrape "$T_DIR/restart.prom"
gen2=$(value "$T_DIR/restart.prom" mcsec_policy_generation)
t_check "generation grows across a restart ($gen0 -> $gen2)" test "${gen2:-0}" -gt $((gen0 + 1))
send_from "$STRANGER_IP" MESSAGE >/dev/null
printf 'version: 1\n' >"$T_DIR/policy.yaml"
kam_rpc mcsec.reload >/dev/null 2>&1
sleep 0.2
after=$(log_since "$log0")
assert_match "JSON alarm line" '\{"event":"alarm","alarm":"reload.failed","severity":"err"' "$after"
t_check "refusals (notice) not logged at level warning" sh -c "! printf '%s' \"\$1\" | grep -q '\"event\":\"refused\"'" _ "$after"
t_check "no logfmt line once JSON is asked for" sh -c "! printf '%s' \"\$1\" | grep -q 'mcsec: event='" _ "$after"

kam_stop

t_log "=== /metrics never on a partner-facing address: the start fails"
# bad_listen ADDR: kamailio with metrics_listen ADDR must exit at start.
bad_listen() {
    local run="$T_DIR/bad-$RANDOM" rc=0
    mkdir -p "$run"
    timeout 20 kamailio -DD -E -f "$MCSEC_CFG" -P "$run/kamailio.pid" -Y "$run" -w "$run" \
        -A "OUTSIDE_ADDR=$OUT_IP" -A "OUTSIDE_PORT=$SIP_PORT" \
        -A "INSIDE_ADDR=$IN_IP" -A "INSIDE_PORT=$SIP_PORT" \
        -A "MCSEC_POLICY=\"$T_DIR/policy.yaml\"" -A "MCSEC_MODULE=\"$MCSEC_MODULE\"" \
        -A "CHILDREN=1" -A "RUNDIR=\"$run\"" -A "MCSEC_STATE_FILE=\"$run/gen\"" \
        -A "METRICS_LISTEN=\"$1\"" >"$run/kamailio.log" 2>&1 || rc=$?
    t_check "metrics_listen $1: kamailio refuses to start (exit $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
    assert_match "metrics_listen $1: the reason is logged" "$2" "$(cat "$run/kamailio.log")"
}
printf '%s\n' "$good" >"$T_DIR/policy.yaml"
bad_listen "$OUT_IP:9610" "event=metrics msg=\"metrics_listen '$OUT_IP:9610' is the address of an outside"
bad_listen "0.0.0.0:9610" "event=metrics msg=\"metrics_listen '0.0.0.0:9610': a wildcard address"
t_finish
