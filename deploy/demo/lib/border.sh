# shellcheck shell=bash
# Two-system demo: the border daemons of each system (sourced by
# deploy/demo/two-system-demo.sh): charon (ipsec/border-*.sh), the IS proxy
# (Debian's kamailio + mcsec.so + deploy/kamailio/mcsec-is-proxy.cfg) and
# the sipp MC servers.

declare -A KAM_PID=()
# Extra cfg defines for kamailio (lib/media.sh: -A WITH_MEDIA).
KAM_DEFS=()
SIPP_PIDS=()

# --- IPsec ------------------------------------------------------------------

ipsec_up() {
    local side=$1
    "$SRC/ipsec/border-up.sh" "system-$side" "$(ns_of "$side")" "$WORK/$side/ipsec" \
        >"$WORK/$side/ipsec/up.out" 2>&1 ||
        die "charon of system $side did not start: $(cat "$WORK/$side/ipsec/up.out")"
}

ipsec_down() {
    [ -f "$WORK/$1/ipsec/charon.pid" ] || return 0
    "$SRC/ipsec/border-down.sh" "system-$1" "$(ns_of "$1")" "$WORK/$1/ipsec" >/dev/null 2>&1
}

# sas SIDE: the raw SA list of system SIDE's charon.
sas() {
    "$SRC/ipsec/border-status.sh" "system-$1" "$(ns_of "$1")" "$WORK/$1/ipsec" --raw 2>/dev/null
}

child_installed() {
    sas "$1" | grep -q 'state=ESTABLISHED.*child-sas.*state=INSTALLED'
}

# sa_summary SIDE: "IKE AES_GCM_16/256 ECP_384, ESP AES_GCM_16 tunnel" style.
sa_summary() {
    sas "$1" | awk '
        { ike = ""; child = ""
          if (match($0, /encr-alg=[A-Z0-9_]+ encr-keysize=[0-9]+/)) ike = substr($0, RSTART + 9, RLENGTH - 9)
          if (match($0, /dh-group=[A-Z0-9_]+/)) dh = substr($0, RSTART + 9, RLENGTH - 9)
          if (match($0, /remote-id=[^ ]+/)) rid = substr($0, RSTART + 10, RLENGTH - 10)
          if (match($0, /mode=[A-Z]+ protocol=ESP/)) mode = substr($0, RSTART + 5, RLENGTH - 18)
          sub(/ encr-keysize=/, "/", ike)
          printf "peer %s, IKEv2 %s %s, ESP %s", rid, ike, dh, tolower(mode); exit }'
}

# --- IS proxy ---------------------------------------------------------------

kam_ctl() { kamcmd -s "unix:$WORK/$1/kam/kamailio_ctl" "${@:2}"; }

# kam_start SIDE: kamailio + mcsec.so of system SIDE; with KAM_METRICS_LISTEN
# (IP:PORT, an admin address) set, the module's /metrics listens there.
kam_start() {
    local side=$1 out in pid metrics=()
    if [ "$side" = a ]; then out=$A_SVC in=$A_IN; else out=$B_SVC in=$B_IN; fi
    [ -n "${KAM_METRICS_LISTEN:-}" ] && metrics=(-A "METRICS_LISTEN=\"$KAM_METRICS_LISTEN\"")
    # the cfg's listen= and force_send_socket() take IPv6 as [addr]
    case $out in *:*) out="[$out]" in="[$in]" ;; esac
    mkdir -p "$WORK/$side/kam"
    ns_bg "$side" kamailio -DD -E -f "$KAM_CFG" \
        -P "$WORK/$side/kam/kamailio.pid" -Y "$WORK/$side/kam" -w "$WORK/$side/kam" \
        -A "OUTSIDE_ADDR=$out" -A "OUTSIDE_PORT=5060" \
        -A "INSIDE_ADDR=$in" -A "INSIDE_PORT=5060" \
        -A "MCSEC_POLICY=\"$WORK/$side/policy.yaml\"" -A "MCSEC_MODULE=\"$MODULE\"" \
        -A "CHILDREN=2" -A "RUNDIR=\"$WORK/$side/kam\"" -A "BORDER_HOST=border.$side.mcx.example" \
        -A "MCSEC_STATE_FILE=\"$WORK/$side/kam/mcsec.generation\"" \
        "${KAM_DEFS[@]}" "${metrics[@]}" \
        </dev/null >>"$WORK/$side/kamailio.log" 2>&1
    pid=$BG_PID
    KAM_PID[$side]=$pid
    local _
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null ||
            die "kamailio of system $side exited during start; end of $WORK/$side/kamailio.log:
$(tail -n 20 "$WORK/$side/kamailio.log")"
        if [ -S "$WORK/$side/kam/kamailio_ctl" ] && kam_ctl "$side" core.uptime >/dev/null 2>&1; then
            # all processes forked: the stats RPC answers from every child
            kam_ctl "$side" mcsec.stats >/dev/null 2>&1 && return 0
        fi
        sleep 0.1
    done
    die "kamailio of system $side did not answer on its ctl socket within 10 s"
}

kam_stop() {
    stop_pid "${KAM_PID[$1]:-}"
    KAM_PID[$1]=
}

# kam_log_size SIDE / kam_log_since SIDE OFFSET: the IS proxy's log after OFFSET.
kam_log_size() { stat -c %s "$WORK/$1/kamailio.log"; }
kam_log_since() { tail -c +$(($2 + 1)) "$WORK/$1/kamailio.log"; }

# stats_flat SIDE: "scope key value" for every non-zero counter of
# kamcmd mcsec.stats (scope: a partner name, "no-partner" or "total").
stats_flat() {
    kam_ctl "$1" mcsec.stats 2>/dev/null | awk '
        /^[ \t]*total: *\{/ { cur = "total"; next }
        /^[ \t]*unmatched: *\{/ { cur = "no-partner"; next }
        /^[ \t]*partners: *\{/ { cur = ""; next }
        /^[ \t]*name: / { cur = $2; next }
        {
            k = $1; sub(/:$/, "", k)
            if (cur != "" && k != "generation" && $2 ~ /^[0-9]+$/ && $2 > 0) print cur, k, $2
        }'
}

# stats_delta BEFORE AFTER: "scope key +N" for every counter that moved,
# totals left out.
stats_delta() {
    awk 'FILENAME == ARGV[1] { v[$1 " " $2] = $3; next }
         $1 != "total" && $3 - v[$1 " " $2] > 0 { printf "%s %s +%d\n", $1, $2, $3 - v[$1 " " $2] }' \
        "$1" "$2"
}

# stats_snap NAME: saves both borders' counters as $WORK/stats/NAME-{a,b}.
stats_snap() {
    mkdir -p "$WORK/stats"
    stats_flat a >"$WORK/stats/$1-a"
    stats_flat b >"$WORK/stats/$1-b"
}

# counters_row BEFORE AFTER: the "counters" line of a step.
counters_row() {
    local side line text="" part
    for side in a b; do
        part=$(stats_delta "$WORK/stats/$1-$side" "$WORK/stats/$2-$side" |
            awk '{ printf "%s%s %s %s", (NR > 1 ? ", " : ""), $1, $2, $3 }')
        line="${side^^}: ${part:-no change}"
        text="${text:+$text   }$line"
    done
    row counters "$text"
}

# moved BEFORE AFTER SIDE SCOPE KEY: the counter's increase.
moved() {
    stats_delta "$WORK/stats/$1-$3" "$WORK/stats/$2-$3" |
        awk -v s="$4" -v k="$5" '$1 == s && $2 == k { n = $3 + 0 } END { print n + 0 }'
}

# --- MC servers (sipp) --------------------------------------------------------

# sipp_opts NAME: the trace options of one sipp run under $WORK/sipp.
sipp_opts() {
    printf '%s\n' -trace_err -error_file "$WORK/sipp/$1.err" \
        -trace_msg -message_file "$WORK/sipp/$1.msg" \
        -trace_logs -log_file "$WORK/sipp/$1.log" \
        -trace_screen -screen_file "$WORK/sipp/$1.screen"
}

# uas_start NAME SIDE SCENARIO IP PORT: a sipp UAS for one call.
uas_start() {
    local name=$1 side=$2 scen=$3 ip=$4 port=$5 opts
    mkdir -p "$WORK/sipp"
    mapfile -t opts < <(sipp_opts "$name")
    ns_bg "$side" sipp -sf "$scen" -i "$ip" -p "$port" -t u1 -m 1 -nostdin -nd \
        -timeout 25s -timeout_error "${opts[@]}" </dev/null >"$WORK/sipp/$name.out" 2>&1
    SIPP_PIDS+=("$BG_PID")
    UAS_PID=$BG_PID
    wait_for 5 uas_bound "$side" "$ip" "$port" || die "sipp $name did not bind $ip:$port"
}
uas_bound() { in_ns "$1" ss -H -lnu "src $(hostport "$2" "$3")" | grep -q .; }

# uas_wait: exit status of the last UAS (killed after 15 s).
uas_wait() {
    local _
    for _ in $(seq 1 150); do
        kill -0 "$UAS_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$UAS_PID" 2>/dev/null
    wait "$UAS_PID" 2>/dev/null
}

# uac_run NAME SIDE SCENARIO IP PORT TRANSPORT DEST [-key K V]...: one call.
uac_run() {
    local name=$1 side=$2 scen=$3 ip=$4 port=$5 tr=$6 dest=$7 opts t=u1
    shift 7
    [ "$tr" = tcp ] && t=t1
    mkdir -p "$WORK/sipp"
    mapfile -t opts < <(sipp_opts "$name")
    in_ns "$side" sipp -sf "$scen" -i "$ip" -p "$port" -t "$t" -m 1 -nostdin -nd \
        -timeout 20s -timeout_error "${opts[@]}" "$@" "$dest" \
        </dev/null >"$WORK/sipp/$name.out" 2>&1
}

# sipp_why NAME: the first lines of a failed sipp run's error trace.
sipp_why() {
    { cat "$WORK/sipp/$1.err" 2>/dev/null; grep -hiE 'error|unexpected|timeout|abort' \
        "$WORK/sipp/$1.out" "$WORK/sipp/$1.screen" 2>/dev/null; } | grep -v '^ *$' | head -n 3 |
        tr '\n' ' ' | cut -c1-200
}

# msg_received NAME METHOD: the first METHOD request sipp NAME received
# (from its message trace), CRs removed.
msg_received() {
    awk -v m="$2" '
        /^-----+ [0-9]/ { if (started) exit; state = 0; next }
        state == 0 && / message received / { state = 1; next }
        state == 0 && / message sent / { state = 9; next }
        state == 1 && !started && /^[ \t\r]*$/ { next }
        state == 1 && !started { if (index($0, m " ") == 1) started = 1; else { state = 9; next } }
        started { print }' "$WORK/sipp/$1.msg" | tr -d '\r'
}

# msg_reply NAME: "STATUS|WARNING" of the last final reply sipp NAME received.
msg_reply() {
    local status warning
    status=$(grep -aoE '^SIP/2.0 [0-9]{3}' "$WORK/sipp/$1.msg" 2>/dev/null | tail -n 1 | cut -d' ' -f2)
    warning=$(grep -a '^Warning:' "$WORK/sipp/$1.msg" 2>/dev/null | tail -n 1 | tr -d '\r' |
        sed 's/^Warning: *//')
    printf '%s|%s\n' "${status:-none}" "$warning"
}
