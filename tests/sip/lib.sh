# SIP test harness: Debian's kamailio with mcsec.so and
# deploy/kamailio/mcsec-is-proxy.cfg, driven by sipp and siptool.py.
#
# Source it from a test script, then call t_init "$@" first: the script
# re-runs itself inside a fresh network namespace with only loopback up
# (a SIP server answers whatever host a Via names; the corpus names foreign
# hosts), and the namespace is deleted when the script ends. Inside, all of
# 127.0.0.0/8 is local:
#   127.0.10.1:5060 our outside socket (SIP-3, from partners)  -> ingress
#   127.0.10.3:5060 our inside socket (from our core)          -> egress
#   127.0.10.2:5070 our SIP core (sipp UAS / siptool responder)
#   127.0.20.1:5060 partner system-b's IS proxy (sipp UAC / UAS)
#   127.0.99.9      a stranger (a direct MC client)
#
# Environment (set by CMakeLists.txt; defaults suit a build in build/):
#   MCSEC_SRC     source tree            MCSEC_MODULE  path of mcsec.so
#   MCSEC_CTL     mcsecctl               MCSEC_CFG     the IS proxy cfg
#   MCSEC_KEEP=1  keep the temp dir even when the test passes
#
# Every check prints "PASS: ..." or "FAIL: ..."; t_finish exits 1 when any
# check failed. Helpers never exit on a failed check (so one run shows all
# failures) except the ones named *_or_die.

set -u

T_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MCSEC_SRC=${MCSEC_SRC:-$(cd "$T_LIB_DIR/../.." && pwd)}
MCSEC_MODULE=${MCSEC_MODULE:-$MCSEC_SRC/build/kamailio-mod-mcsec/mcsec.so}
MCSEC_CTL=${MCSEC_CTL:-$MCSEC_SRC/build/tools/mcsecctl}
MCSEC_CFG=${MCSEC_CFG:-$MCSEC_SRC/deploy/kamailio/mcsec-is-proxy.cfg}
T_SCEN=$T_LIB_DIR/scenarios
T_PY=/usr/bin/python3
T_SIPTOOL="$T_PY $T_LIB_DIR/siptool.py"

OUT_IP=127.0.10.1
IN_IP=127.0.10.3
CORE_IP=127.0.10.2
CORE_PORT=5070
PARTNER_IP=127.0.20.1
STRANGER_IP=127.0.99.9
SIP_PORT=5060

T_FAILS=0
T_CHECKS=0
T_BG_PIDS=()
KAM_PID=
KAM_CHILDREN=4

# ------------------------------------------------------------------ basics

t_log() { printf '[%s] %s\n' "$(date +%H:%M:%S.%3N)" "$*"; }
t_pass() { T_CHECKS=$((T_CHECKS + 1)); printf 'PASS: %s\n' "$*"; }
t_fail() {
    T_CHECKS=$((T_CHECKS + 1))
    T_FAILS=$((T_FAILS + 1))
    printf 'FAIL: %s\n' "$*"
}
t_die() {
    t_fail "$*"
    exit 1
}

# t_check DESC CMD...: PASS when CMD exits 0.
t_check() {
    local desc=$1
    shift
    if "$@"; then t_pass "$desc"; else t_fail "$desc (command: $*)"; fi
}

# assert_eq DESC EXPECTED ACTUAL
assert_eq() {
    if [ "$2" = "$3" ]; then t_pass "$1 (= $3)"; else t_fail "$1: expected '$2', got '$3'"; fi
}

# assert_match DESC ERE TEXT
assert_match() {
    if printf '%s' "$3" | grep -Eq -- "$2"; then
        t_pass "$1"
    else
        t_fail "$1: /$2/ not found in: $(printf '%s' "$3" | head -c 600)"
    fi
}

# assert_delta DESC EXPECTED BEFORE AFTER: counter moved by EXPECTED.
assert_delta() {
    local d=$(($4 - $3))
    if [ "$d" -eq "$2" ]; then
        t_pass "$1 (counter $3 -> $4)"
    else
        t_fail "$1: counter moved by $d ($3 -> $4), expected $2"
    fi
}

# ------------------------------------------------------ namespace and setup

# t_init "$@": re-exec inside a fresh namespace, then set up the temp dir
# and the cleanup trap. Exit 77 (ctest: skipped) without root or tools.
t_init() {
    if [ -z "${MCSEC_T_NETNS:-}" ]; then
        if [ "$(id -u)" != 0 ]; then
            echo "SKIP: SIP tests need root (ip netns)"
            exit 77
        fi
        local ns="mcsec-t-$$-1" rc
        ip netns add "$ns" || { echo "FAIL: ip netns add $ns"; exit 1; }
        # shellcheck disable=SC2064
        trap "t_netns_cleanup $ns" EXIT
        trap 'exit 143' TERM INT
        ip -n "$ns" link set lo up || exit 1
        MCSEC_T_NETNS=$ns ip netns exec "$ns" /bin/bash "$0" "$@"
        rc=$?
        exit $rc
    fi
    local tool
    for tool in kamailio kamcmd sipp; do
        command -v $tool >/dev/null || { echo "FAIL: $tool not installed"; exit 1; }
    done
    [ -f "$MCSEC_MODULE" ] || { echo "FAIL: module not built: $MCSEC_MODULE"; exit 1; }
    [ -f "$MCSEC_CFG" ] || { echo "FAIL: cfg missing: $MCSEC_CFG"; exit 1; }
    T_DIR=$(mktemp -d "/tmp/mcsec-sip-$(basename "$0" .sh)-XXXXXX")
    trap t_cleanup EXIT
    trap 'exit 143' TERM INT
    t_log "namespace $MCSEC_T_NETNS, temp dir $T_DIR"
}

# Outside the namespace: end whatever still runs in it (all started by this
# test), then delete it.
t_netns_cleanup() {
    local ns=$1 pids
    pids=$(ip netns pids "$ns" 2>/dev/null)
    if [ -n "$pids" ]; then
        # shellcheck disable=SC2086
        kill -TERM $pids 2>/dev/null
        sleep 0.5
        pids=$(ip netns pids "$ns" 2>/dev/null)
        # shellcheck disable=SC2086
        [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
    fi
    ip netns del "$ns" 2>/dev/null
}

t_cleanup() {
    local rc=$?
    local pid
    for pid in "${T_BG_PIDS[@]}"; do
        kill "$pid" 2>/dev/null
    done
    [ -n "$KAM_PID" ] && kam_stop >/dev/null 2>&1
    if [ "$rc" -ne 0 ] || [ "$T_FAILS" -ne 0 ]; then
        echo "--- temp dir kept: $T_DIR"
        if [ -f "$T_DIR/kamailio.log" ]; then
            echo "--- last 40 lines of kamailio.log"
            tail -n 40 "$T_DIR/kamailio.log"
        fi
    elif [ "${MCSEC_KEEP:-0}" != 1 ]; then
        rm -rf "$T_DIR"
    fi
}

# t_finish: summary line and exit status.
t_finish() {
    if [ "$T_FAILS" -eq 0 ]; then
        echo "ALL PASS: $T_CHECKS checks in $(basename "$0")"
        exit 0
    fi
    echo "FAILED: $T_FAILS of $T_CHECKS checks in $(basename "$0")"
    exit 1
}

. "$MCSEC_SRC/scripts/lib/template.sh"
. "$MCSEC_SRC/scripts/lib/proc.sh"

# t_policy OUT [KEY=VALUE...]: a test policy from policies/test-a.yaml.in.
# Keys and defaults: TRANSPORT=udp, B_PROXY=127.0.20.1:5060,
# B_METHODS=<the usual twelve>, B_MAX_BODY=4096.
t_policy() {
    local out=$1 kv
    shift
    local -A val=([TRANSPORT]=udp [B_PROXY]="$PARTNER_IP:$SIP_PORT"
        [B_METHODS]="INVITE, ACK, BYE, CANCEL, UPDATE, INFO, MESSAGE, OPTIONS, NOTIFY, SUBSCRIBE, REFER, PRACK"
        [B_MAX_BODY]=4096)
    for kv in "$@"; do val[${kv%%=*}]=${kv#*=}; done
    local args=()
    for kv in "${!val[@]}"; do args+=("$kv=${val[$kv]}"); done
    render_template "$T_LIB_DIR/policies/test-a.yaml.in" "$out" "${args[@]}"
    if [ -x "$MCSEC_CTL" ] && ! "$MCSEC_CTL" policy check "$out" >"$out.check" 2>&1; then
        t_log "note: mcsecctl policy check $out: $(cat "$out.check")"
    fi
}

# ----------------------------------------------------------------- kamailio

KAM_RUNDIR=
KAM_LOG=
KAM_METRICS=

# kam_start POLICY [extra kamailio args]: starts kamailio in the
# foreground (-DD -E) with KAM_CHILDREN children, KAM_PREFIX (e.g. a
# valgrind command line) in front; waits until the ctl socket answers and
# all processes are forked. Dies with the log on timeout.
kam_start() {
    local policy=$1
    shift
    KAM_RUNDIR=$T_DIR/run
    KAM_LOG=$T_DIR/kamailio.log
    # mcsec.so's /metrics (an admin address: the inside one in the tests).
    KAM_METRICS=${KAM_METRICS_LISTEN:-$IN_IP:9610}
    mkdir -p "$KAM_RUNDIR"
    local extra=()
    # KAM_EXTRA_ARGS is evaluated here, so it may name $KAM_RUNDIR.
    eval "extra=(${KAM_EXTRA_ARGS:-})"
    # shellcheck disable=SC2086
    # String values keep their double quotes inside -A (the cfg's #!trydef).
    ${KAM_PREFIX:-} kamailio -DD -E -f "$MCSEC_CFG" \
        -P "$KAM_RUNDIR/kamailio.pid" -Y "$KAM_RUNDIR" -w "$KAM_RUNDIR" \
        -A "OUTSIDE_ADDR=$OUT_IP" -A "OUTSIDE_PORT=$SIP_PORT" \
        -A "INSIDE_ADDR=$IN_IP" -A "INSIDE_PORT=$SIP_PORT" \
        -A "MCSEC_POLICY=\"$policy\"" -A "MCSEC_MODULE=\"$MCSEC_MODULE\"" \
        -A "CHILDREN=$KAM_CHILDREN" -A "RUNDIR=\"$KAM_RUNDIR\"" \
        -A "MCSEC_STATE_FILE=\"$KAM_RUNDIR/mcsec.generation\"" \
        -A "METRICS_LISTEN=\"$KAM_METRICS\"" \
        "${extra[@]}" "$@" >>"$KAM_LOG" 2>&1 &
    KAM_PID=$!
    local i ok=0 n_prev=-1 n
    for i in $(seq 1 ${KAM_START_TIMEOUT:-100}); do
        if ! kill -0 "$KAM_PID" 2>/dev/null; then
            wait "$KAM_PID"
            t_log "kamailio exited with $? during start; log:"
            cat "$KAM_LOG"
            KAM_PID=
            t_die "kamailio starts"
        fi
        if [ -S "$KAM_RUNDIR/kamailio_ctl" ] && kam_rpc core.uptime >/dev/null 2>&1; then
            n=$(kam_children | wc -l)
            if [ "$n" -gt 0 ] && [ "$n" -eq "$n_prev" ]; then
                ok=1
                break
            fi
            n_prev=$n
        fi
        sleep 0.1
    done
    if [ $ok != 1 ]; then
        t_log "kamailio did not answer on $KAM_RUNDIR/kamailio_ctl; log:"
        cat "$KAM_LOG"
        t_die "kamailio starts"
    fi
    KAM_KIDS0=$(kam_children | tr '\n' ' ')
    t_log "kamailio pid $KAM_PID up, children: $KAM_KIDS0"
}

# PIDs of kamailio's live children (one per line).
kam_children() { children_of "$KAM_PID"; }

# kam_alive: main pid alive, the pid file names it, and every child forked
# at start is still there. Prints the problem and returns 1 otherwise.
kam_alive() {
    if ! kill -0 "$KAM_PID" 2>/dev/null; then
        echo "kamailio main pid $KAM_PID is gone"
        return 1
    fi
    local filepid
    filepid=$(cat "$KAM_RUNDIR/kamailio.pid" 2>/dev/null)
    if [ "$filepid" != "$KAM_PID" ]; then
        echo "pid file says '$filepid', main pid is $KAM_PID"
        return 1
    fi
    local kids
    kids=$(kam_children | tr '\n' ' ')
    if [ "$kids" != "$KAM_KIDS0" ]; then
        echo "children changed: [$KAM_KIDS0] -> [$kids]"
        return 1
    fi
    return 0
}

# kam_stop: SIGTERM to the main pid, wait up to KAM_STOP_TIMEOUT (10 s),
# then SIGKILL. Returns kamailio's exit status.
kam_stop() {
    [ -n "$KAM_PID" ] || return 0
    local i rc
    kill -TERM "$KAM_PID" 2>/dev/null
    for i in $(seq 1 $((${KAM_STOP_TIMEOUT:-10} * 10))); do
        kill -0 "$KAM_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$KAM_PID" 2>/dev/null; then
        t_log "kamailio $KAM_PID ignored SIGTERM; killing"
        kill -KILL "$KAM_PID" 2>/dev/null
    fi
    wait "$KAM_PID" 2>/dev/null
    rc=$?
    KAM_PID=
    return $rc
}

# kam_rpc CMD [ARGS]: kamcmd over the test's ctl socket.
kam_rpc() {
    kamcmd -s "unix:$KAM_RUNDIR/kamailio_ctl" "$@"
}

# stat_get PARTNER REASON: one counter from mcsec.stats. PARTNER is a
# partner name, "-" for requests that matched no partner ("unmatched") or
# "*" for the totals; REASON a reason code, passed_in or passed_out.
# Prints 0 when the counter is absent. kamcmd prints:
#   { generation: N  total: { passed_in: N ... }  unmatched: { ... }
#     partners: { { name: system-b  passed_in: N ... } ... } }
stat_get() {
    kam_rpc mcsec.stats 2>/dev/null | awk -v p="$1" -v r="$2" '
        /^[ \t]*total: *\{/ { cur = "*"; next }
        /^[ \t]*unmatched: *\{/ { cur = "-"; next }
        /^[ \t]*partners: *\{/ { cur = ""; next }
        /^[ \t]*name: / { cur = $2; next }
        {
            k = $1; sub(/:$/, "", k)
            if (cur == p && k == r) { print $2 + 0; found = 1; exit }
        }
        END { if (!found) print 0 }'
}

# metric_get SERIES: one exact series of this kamailio's /metrics page
# (mcsec.so's metrics process on $IN_IP:9610, see kam_start), e.g.
#   metric_get 'mcsec_ear_operations_total{partner="system-b",op="verify",result="ok"}'
# Prints "" when the series is absent.
metric_get() {
    curl -s --max-time 5 "http://$KAM_METRICS/metrics" 2>/dev/null |
        awk -v s="$1" 'substr($0, 1, length(s) + 1) == s " " { print $NF; exit }'
}

# ---------------------------------------------------------------------- sipp

declare -A SIPP_BG=()

# sipp_args NAME SCENARIO LOCAL_IP LOCAL_PORT TRANSPORT: common options
# (one call, timeouts, error and message traces in the temp dir).
sipp_common() {
    local name=$1 scen=$2 ip=$3 port=$4 tr=$5
    local t=u1
    [ "$tr" = tcp ] && t=t1
    echo -sf "$scen" -i "$ip" -p "$port" -t "$t" -nostdin -nd \
        -timeout "${SIPP_TIMEOUT:-10}s" -timeout_error \
        -trace_err -error_file "$T_DIR/sipp-$name.err" \
        -trace_msg -message_file "$T_DIR/sipp-$name.msg" \
        -trace_logs -log_file "$T_DIR/sipp-$name.log" \
        -trace_screen -screen_file "$T_DIR/sipp-$name.screen" \
        -max_socket 32
}

# uac_keys [KEY=VALUE...]: sets the array UAC_KEYS to the -key options a
# UAC scenario needs: defaults (an ingress MESSAGE from bob@b to alice@a
# without asserted identity; pad "x", as a "-" would make the body's XML
# comment end in "--->", which the body identity check refuses as
# malformed XML) overridden by the arguments. Use it as
#   uac_keys pai="P-Asserted-Identity: <sip:bob@b.mcx.example>"
#   sipp_run ... "${UAC_KEYS[@]}"
uac_keys() {
    local -A key=([ruri]="sip:alice@a.mcx.example" [from]="sip:bob@b.mcx.example"
        [to]="sip:alice@a.mcx.example" [ctype]="application/vnd.3gpp.mcptt-info+xml"
        [method]=MESSAGE [pad]="x" [pai]="X-Test: no-asserted-identity")
    local kv k
    for kv in "$@"; do key[${kv%%=*}]=${kv#*=}; done
    UAC_KEYS=()
    for k in "${!key[@]}"; do UAC_KEYS+=(-key "$k" "${key[$k]}"); done
}

# sipp_run NAME SCENARIO LOCAL_IP LOCAL_PORT TRANSPORT REMOTE [sipp args]:
# runs a UAC for -m 1 (unless given) and returns sipp's exit code.
sipp_run() {
    local name=$1 scen=$2 ip=$3 port=$4 tr=$5 remote=$6
    shift 6
    local rc
    # shellcheck disable=SC2046
    sipp $(sipp_common "$name" "$scen" "$ip" "$port" "$tr") -m 1 "$@" "$remote" \
        </dev/null >"$T_DIR/sipp-$name.out" 2>&1
    rc=$?
    [ $rc -ne 0 ] && sipp_explain "$name" $rc
    return $rc
}

# sipp_bg NAME SCENARIO LOCAL_IP LOCAL_PORT TRANSPORT [sipp args]: starts a
# UAS in the background (-m 1 unless given) and waits until its port is bound.
sipp_bg() {
    local name=$1 scen=$2 ip=$3 port=$4 tr=$5
    shift 5
    # shellcheck disable=SC2046
    sipp $(sipp_common "$name" "$scen" "$ip" "$port" "$tr") "$@" \
        </dev/null >"$T_DIR/sipp-$name.out" 2>&1 &
    SIPP_BG[$name]=$!
    T_BG_PIDS+=($!)
    local i proto=u
    [ "$tr" = tcp ] && proto=t
    for i in $(seq 1 50); do
        ss -H -ln$proto "src $ip:$port" 2>/dev/null | grep -q . && return 0
        sleep 0.05
    done
    t_log "sipp $name did not bind $ip:$port ($tr)"
    return 1
}

# sipp_wait NAME: exit code of a background sipp (killed after SIPP_TIMEOUT+5 s).
sipp_wait() {
    local name=$1 pid=${SIPP_BG[$1]} i rc
    for i in $(seq 1 $(((${SIPP_TIMEOUT:-10} + 5) * 10))); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rc=$?
    [ $rc -ne 0 ] && sipp_explain "$name" $rc
    return $rc
}

# Prints why a sipp run failed: its error trace and the end of its output.
sipp_explain() {
    local name=$1 rc=$2
    echo "  sipp $name exit $rc; errors:"
    [ -f "$T_DIR/sipp-$name.err" ] && sed -n '1,30p' "$T_DIR/sipp-$name.err" | sed 's/^/    /'
    grep -hiE 'error|unexpected|timeout|abort' "$T_DIR/sipp-$name.out" "$T_DIR/sipp-$name.screen" 2>/dev/null |
        head -n 8 | sed 's/^/    /'
}

# responder_start NAME ADDR:PORT: a siptool responder that answers 200 to
# anything at ADDR:PORT (UDP and TCP) and logs each request it gets in
# $T_DIR/NAME-requests.log; its pid is in RESPONDER_PID.
responder_start() {
    local name=$1 addr=$2
    rm -f "$T_DIR/$name.ready"
    $T_SIPTOOL respond --addr "$addr" --udp --tcp \
        --log "$T_DIR/$name-requests.log" --ready "$T_DIR/$name.ready" \
        >"$T_DIR/$name-responder.out" 2>&1 &
    RESPONDER_PID=$!
    T_BG_PIDS+=("$RESPONDER_PID")
    local i
    for i in $(seq 1 50); do
        [ -f "$T_DIR/$name.ready" ] && return 0
        sleep 0.05
    done
    t_die "$name responder starts"
}

# Core responder: answers 200 to anything at CORE_IP:CORE_PORT and logs it
# in $T_DIR/core-requests.log.
core_responder_start() {
    responder_start core "$CORE_IP:$CORE_PORT"
}

# reject_scenario REASON [STATUS [WARNING [METHOD]]]: renders uac_reject.xml.in
# into the temp dir and prints its path. WARNING yes (default): the reply
# must carry Warning: 399 HOST "REASON"; no: the reply must carry no Warning.
# METHOD defaults to MESSAGE.
reject_scenario() {
    local reason=$1 status=${2:-403} warning=${3:-yes} method=${4:-MESSAGE} warn=true nowarn=false
    [ "$warning" = no ] && warn=false nowarn=true
    local out=$T_DIR/reject-$reason-$status-$warning-$method.xml
    render_template "$T_SCEN/uac_reject.xml.in" "$out" "REASON=$reason" "STATUS=$status" \
        "METHOD=$method" \
        "WARN=$warn" "NOWARN=$nowarn" \
        "REASON_RE=$(printf '%s' "$reason" | sed 's/\./\\./g')"
    echo "$out"
}

# log_since OFFSET: kamailio log text written after byte OFFSET.
log_size() { stat -c %s "$KAM_LOG"; }
log_since() { tail -c +$(($1 + 1)) "$KAM_LOG"; }
