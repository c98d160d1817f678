# shellcheck shell=bash
# bench/run, SIP part: the configurations, kamailio, sipp and the rate search.
#
# Addresses inside the namespace (as in tests/sip/lib.sh):
#   127.0.20.1:5060  partner system-b's IS proxy: the sipp UAC
#   127.0.10.1:5060  kamailio's outside socket (SIP-3, from the partner)
#   127.0.10.3:5060  kamailio's inside socket (towards our core)
#   127.0.10.2:5070  our SIP core: the sipp UAS, answers 200
# Every configuration relays the same flow: a MESSAGE from the partner with
# a ~1 KB mcptt-info body (SPK-protected with the shared key where SPK is
# on) to our core, and the core's 200 back.
#
# Every kamailio runs with the same memory manager and sizes:
#   -x tlsf -X tlsf -m $B_SHM_MB -M $B_PKG_MB
# (measured: Debian's default qm_malloc with memory joining spends most of
# a message's instructions on bookkeeping).

OUT_IP=127.0.10.1
IN_IP=127.0.10.3
CORE_IP=127.0.10.2
CORE_PORT=5070
PARTNER_IP=127.0.20.1
SIP_PORT=5060
B_SHM_MB=1024
B_PKG_MB=64
B_MEM_ARGS=(-x tlsf -X tlsf -m "$B_SHM_MB" -M "$B_PKG_MB")

A_USER=sip:alice@a.mcx.example
B_USER=sip:bob@b.mcx.example
B_SRV=sip:mcptt@b.mcx.example
B_BORDER=sip:border@b.mcx.example

KAM_PID=
KAM_RUNDIR=
KAM_LOG=
UAS_PID=
B_ROUND=-

# ------------------------------------------------------------ configurations

# Configurations in run order; SIP_LABEL/SIP_NOTE describe them.
SIP_CONFIGS=()
declare -A SIP_LABEL=() SIP_NOTE=() SIP_FLOW=()

# sip_detect_topology: whether mcsec.so has topology hiding (the module
# links libmcsec's token code only when it uses it).
sip_module_has_topology() {
    nm "$MCSEC_MODULE" 2>/dev/null | grep -q ' mcsec_topo_hide_vias$'
}

sip_configs_init() {
    SIP_CONFIGS=(plain topoh)
    SIP_LABEL[plain]="plain stateless relay"
    SIP_LABEL[topoh]="plain relay + topoh"
    SIP_LABEL[topoh-egress]="plain relay + topoh, egress"
    SIP_LABEL[mcsec-topo-relay]="mcsec topology hiding, stateless relay, egress"
    SIP_LABEL[mcsec-topo]="mcsec topology hiding alone, egress"
    SIP_LABEL[mcsec-implicit]="mcsec implicit"
    SIP_LABEL[mcsec-explicit]="mcsec explicit"
    if sip_module_has_topology; then
        B_TOPO=1
        SIP_CONFIGS+=(topoh-egress mcsec-topo-relay mcsec-topo)
        SIP_NOTE[mcsec-implicit]="ingress checks + SPK unprotect/re-protect + topology hiding"
    else
        B_TOPO=0
        SIP_NOTE[mcsec-implicit]="ingress checks + SPK unprotect/re-protect; topology hiding NOT included (mcsec.so has none yet)"
    fi
    SIP_NOTE[plain]="kamailio forward(), no module"
    SIP_NOTE[topoh]="plain + topoh.so (mask_callid=1)"
    SIP_NOTE[topoh-egress]="topoh relay, egress flow (core -> inside -> partner)"
    SIP_NOTE[mcsec-topo-relay]="topoh's stateless relay with mcsec.so in place of topoh.so (bench/cfg/mcsec-topo-relay.cfg), egress flow: checks + topology hiding, SPK off"
    SIP_NOTE[mcsec-topo]="the IS proxy cfg (tm, sanity, record-route) + mcsec.so, egress flow (core -> inside -> partner): checks + topology hiding, SPK off"
    local c
    for c in plain topoh mcsec-implicit mcsec-explicit; do SIP_FLOW[$c]=in; done
    SIP_FLOW[topoh-egress]=out
    SIP_FLOW[mcsec-topo]=out
    SIP_FLOW[mcsec-topo-relay]=out
    SIP_NOTE[mcsec-explicit]="${SIP_NOTE[mcsec-implicit]} + EAR verify (fresh EAR per request)"
    SIP_CONFIGS+=(mcsec-implicit mcsec-explicit)
    if [ -n "${B_CONFIGS:-}" ]; then
        local c keep=()
        for c in "${SIP_CONFIGS[@]}"; do
            case ",$B_CONFIGS," in *",$c,"*) keep+=("$c") ;; esac
        done
        [ ${#keep[@]} -gt 0 ] || b_die "--configs $B_CONFIGS: none of ${SIP_CONFIGS[*]}"
        SIP_CONFIGS=("${keep[@]}")
    fi
}

# sip_setup: keys, policies, bodies and scenarios for every configuration
# under $B_WORK/sip.
sip_setup() {
    local d=$B_WORK/sip
    rm -rf "$d"
    mkdir -p "$d/keys"
    chmod 700 "$d/keys"
    B_SIP=$d
    # The mcptt-info document of spk_bench (~1 KB), clear and SPK-protected
    # (as the partner border sends it: shared SPK, P0 = the partner's identity).
    /usr/bin/python3 - "$B_SRC/bench/spk_bench.c" >"$d/doc.xml" <<'EOF'
import ast, re, sys
src = open(sys.argv[1]).read()
m = re.search(r"static const char bench_doc\[\] =(.*?);\n", src, re.S)
sys.stdout.write("".join(ast.literal_eval(x) for x in re.findall(r'"(?:[^"\\]|\\.)*"', m.group(1))))
EOF
    [ "$(stat -c %s "$d/doc.xml")" -gt 900 ] || b_die "cannot extract the document from spk_bench.c"
    local spk_key
    spk_key=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    (umask 077
        echo "3a5c0001 $spk_key" >"$d/keys/shared.spk"
        echo "3a5c0002 $(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" >"$d/keys/internal.spk")
    # The protected copy comes from system B, so its identities are B's
    # view: caller in b.mcx.example, request-URI and group in ours (the body
    # identity rules, docs/policy-reference.md "Identities inside bodies").
    sed -e 's/a\.mcx\.example/@SWAP@/g' -e 's/b\.mcx\.example/a.mcx.example/g' \
        -e 's/@SWAP@/b.mcx.example/g' "$d/doc.xml" >"$d/doc-in.xml"
    { printf 'Content-Type: application/vnd.3gpp.mcptt-info+xml\r\n\r\n'; cat "$d/doc-in.xml"; } |
        "$MCSEC_CTL" spk protect --key-file "$d/keys/shared.spk" --identity "$B_BORDER" --mime \
            >"$d/protected.mime" 2>"$d/protect.err" || b_die "mcsecctl spk protect: $(cat "$d/protect.err")"
    # Split the MIME entity into the Content-Type value and the body octets.
    /usr/bin/python3 - "$d/protected.mime" "$d/protected.ctype" "$d/protected.body" <<'EOF'
import sys
raw = open(sys.argv[1], "rb").read()
head, body = raw.split(b"\r\n\r\n", 1)
ctype = head.split(b":", 1)[1].strip()
open(sys.argv[2], "wb").write(ctype)
open(sys.argv[3], "wb").write(body)
EOF
    # Topology key (used only when mcsec.so has topology hiding).
    "$MCSEC_CTL" key gen --topology --out "$d/keys/topology.key" >/dev/null 2>&1 ||
        b_warn "mcsecctl key gen --topology failed"
    # KMS of system B and its MC server's signing keys (EARs); our own KMS
    # and border signing keys, which an explicit partner needs (the policy
    # check refuses an explicit partner without system.keys.signing).
    if ! "$MCSEC_CTL" kms init --out "$d/keys/kms-b" --kms-uri kms.b.mcx.example \
        >"$d/keys.log" 2>&1 ||
        ! "$MCSEC_CTL" kms issue --kms "$d/keys/kms-b" --id "$B_SRV" --out "$d/keys/srv-b" \
            >>"$d/keys.log" 2>&1 ||
        ! "$MCSEC_CTL" kms init --out "$d/keys/kms-a" --kms-uri kms.a.mcx.example \
            >>"$d/keys.log" 2>&1 ||
        ! "$MCSEC_CTL" kms issue --kms "$d/keys/kms-a" --id sip:border@a.mcx.example \
            --out "$d/keys/signing-a" >>"$d/keys.log" 2>&1; then
        b_die "mcsecctl kms init/issue: $(cat "$d/keys.log")"
    fi
    sip_policy implicit required "$B_TOPO" >"$d/policy-implicit.yaml"
    sip_policy explicit required "$B_TOPO" >"$d/policy-explicit.yaml"
    sip_policy implicit off 1 >"$d/policy-topo.yaml"
    local p
    for p in implicit explicit; do
        "$MCSEC_CTL" policy check "$d/policy-$p.yaml" >"$d/policy-$p.check" 2>&1 ||
            b_die "mcsecctl policy check policy-$p.yaml: $(cat "$d/policy-$p.check")"
    done
    # sipp's [file name=...] stops at a '-': the body files are named
    # relative to $B_SIP, where sipp runs (sip_step).
    render_template "$B_SRC/bench/scenarios/uac_message.xml.in" "$d/uac-clear.xml" \
        "BODY=doc.xml" "CTYPE=application/vnd.3gpp.mcptt-info+xml" "EAR=X-Bench: no-ear"
    render_template "$B_SRC/bench/scenarios/uac_message.xml.in" "$d/uac-spk.xml" \
        "BODY=protected.body" "CTYPE=$(cat "$d/protected.ctype")" "EAR=X-Bench: no-ear"
    render_template "$B_SRC/bench/scenarios/uac_message.xml.in" "$d/uac-spk-ear.xml" \
        "BODY=protected.body" "CTYPE=$(cat "$d/protected.ctype")" "EAR=MCX-EAR: [field0]"
    b_log "SIP: body $(stat -c %s "$d/doc.xml") octets clear, $(stat -c %s "$d/protected.body") protected"
}

# sip_policy AUTH SPK_MODE TOPOLOGY(0|1): policy of system A with system-b
# as its one partner, on stdout. Paths relative to the policy's directory.
sip_policy() {
    local auth=$1 spk=$2 topo=$3 sys_keys="spk: keys/internal.spk" topo_sys="" peer_keys
    peer_keys="{spk: keys/shared.spk"
    [ "$auth" = explicit ] && peer_keys="$peer_keys, kms: keys/kms-b/kms.pub" &&
        sys_keys="$sys_keys, signing: keys/signing-a"
    peer_keys="$peer_keys}"
    if [ "$topo" = 1 ]; then
        sys_keys="$sys_keys, topology: keys/topology.key"
        topo_sys="  topology: {host: border.a.mcx.example}"
    fi
    cat <<EOF
# Benchmark policy of system A (bench/lib/sip.sh): auth $auth, SPK $spk, topology $topo.
version: 1
system:
  name: system-a
  identity: sip:border@a.mcx.example
  domains: [a.mcx.example, "*.a.mcx.example"]
  addresses:
    is_proxy: $OUT_IP:$SIP_PORT
  sip:
    core: $CORE_IP:$CORE_PORT
    inside_peers: [$CORE_IP]
    transport: udp
    core_transport: udp
  spk:
    internal_identity: sip:mcptt-server@a.mcx.example
  ear:
    replay_entries: 262144
$topo_sys
  keys: {$sys_keys}
logging:
  level: notice
  log_passed: false
partners:
  - name: system-b
    identity: $B_BORDER
    domains: [b.mcx.example, "*.b.mcx.example"]
    addresses:
      is_proxy: [$PARTNER_IP:$SIP_PORT]
    auth: $auth
    ear:
      # EARs are made before each sipp run and carry the time they were
      # made; a long step must not make them stale (skew costs nothing).
      skew: 3600
      request_types: [3]
    sip:
      methods: [INVITE, ACK, BYE, CANCEL, MESSAGE, OPTIONS]
      content_types: [application/vnd.3gpp.mcptt-info+xml, application/vnd.3gpp.mcptt-signed+xml,
                      multipart/mixed, application/sdp]
      max_body: 16384
      warning_reason: true
    spk:
      mode: $spk
      reprotect_internal: $([ "$spk" = off ] && echo false || echo true)
    keys: $peer_keys
EOF
}

# sip_uac_args CONFIG: sets SIP_UAC_SCEN, SIP_UAC_KEYS and the UAC's own
# and target addresses for CONFIG's flow: "in" (default) partner 127.0.20.1
# -> outside socket -> core UAS; "out" core 127.0.10.2:5071 -> inside
# socket -> partner UAS 127.0.20.1:5060 (where topology hiding works).
sip_uac_args() {
    if [ "${SIP_FLOW[$1]:-in}" = out ]; then
        SIP_UAC_KEYS=(-key ruri "$B_USER" -key from "$A_USER" -key to "$B_USER"
            -key pai "P-Asserted-Identity: <$A_USER>")
        SIP_UAC_IP=$CORE_IP SIP_UAC_PORT=5071 SIP_UAC_TARGET=$IN_IP:$SIP_PORT
    else
        # B's MC server asserts itself: it signs the EARs of mcsec-explicit,
        # whose source must be the asserted identity (docs/ear.md).
        SIP_UAC_KEYS=(-key ruri "$A_USER" -key from "$B_USER" -key to "$A_USER"
            -key pai "P-Asserted-Identity: <$B_SRV>")
        SIP_UAC_IP=$PARTNER_IP SIP_UAC_PORT=$SIP_PORT SIP_UAC_TARGET=$OUT_IP:$SIP_PORT
    fi
    case $1 in
        plain | topoh | topoh-egress | mcsec-topo | mcsec-topo-relay) SIP_UAC_SCEN=$B_SIP/uac-clear.xml ;;
        mcsec-implicit) SIP_UAC_SCEN=$B_SIP/uac-spk.xml ;;
        mcsec-explicit) SIP_UAC_SCEN=$B_SIP/uac-spk-ear.xml ;;
    esac
}

# ------------------------------------------------------------------ kamailio

# kam_start CONFIG CHILDREN DIR [PREFIX...]: starts kamailio for CONFIG in the
# foreground (-DD -E) with its run dir and log in DIR, PREFIX in front (e.g.
# valgrind); waits until the ctl socket answers and the children are forked.
kam_start() {
    local config=$1 children=$2 dir=$3
    shift 3
    KAM_RUNDIR=$dir/run
    KAM_LOG=$dir/kamailio.log
    mkdir -p "$KAM_RUNDIR"
    local ip port
    for ip in $OUT_IP $IN_IP; do
        for port in $SIP_PORT; do
            b_port_free udp "$ip" "$port" ||
                b_die "something already listens on udp $ip:$port: $(ss -H -lnup "src $ip:$port")"
        done
    done
    local args=(-DD -E -P "$KAM_RUNDIR/kamailio.pid" -Y "$KAM_RUNDIR" -w "$KAM_RUNDIR"
        "${B_MEM_ARGS[@]}" -A "RUNDIR=\"$KAM_RUNDIR\"" -A "CHILDREN=$children" -A LOG_LEVEL=1
        -A "OUTSIDE_ADDR=$OUT_IP" -A "OUTSIDE_PORT=$SIP_PORT"
        -A "INSIDE_ADDR=$IN_IP" -A "INSIDE_PORT=$SIP_PORT")
    case $config in
        plain) args+=(-f "$B_SRC/bench/cfg/plain-relay.cfg") ;;
        topoh) args+=(-f "$B_SRC/bench/cfg/topoh-relay.cfg") ;;
        topoh-egress)
            args+=(-f "$B_SRC/bench/cfg/topoh-relay.cfg" -A EGRESS
                -A "CORE_ADDR=\"$PARTNER_IP\"" -A "CORE_PORT=$SIP_PORT")
            ;;
        mcsec-topo-relay)
            args+=(-f "$B_SRC/bench/cfg/mcsec-topo-relay.cfg" -A EGRESS
                -A "CORE_ADDR=\"$PARTNER_IP\"" -A "CORE_PORT=$SIP_PORT"
                -A "MCSEC_POLICY=\"$B_SIP/policy-topo.yaml\""
                -A "MCSEC_MODULE=\"$MCSEC_MODULE\"")
            ;;
        mcsec-*)
            local policy=$B_SIP/policy-${config#mcsec-}.yaml
            args+=(-f "$MCSEC_CFG" -A "MCSEC_POLICY=\"$policy\""
                -A "MCSEC_MODULE=\"$MCSEC_MODULE\"")
            ;;
    esac
    "$@" kamailio "${args[@]}" >>"$KAM_LOG" 2>&1 &
    KAM_PID=$!
    local _ n n_prev=-1 limit=${KAM_START_TIMEOUT:-200}
    for _ in $(seq 1 "$limit"); do
        if ! kill -0 "$KAM_PID" 2>/dev/null; then
            wait "$KAM_PID"
            KAM_PID=
            tail -n 30 "$KAM_LOG" >&2
            b_die "kamailio ($config) exited during start; log $KAM_LOG"
        fi
        if [ -S "$KAM_RUNDIR/kamailio_ctl" ] &&
            kamcmd -s "unix:$KAM_RUNDIR/kamailio_ctl" core.uptime >/dev/null 2>&1; then
            n=$(kam_children | wc -l)
            if [ "$n" -gt 0 ] && [ "$n" -eq "$n_prev" ]; then
                return 0
            fi
            n_prev=$n
        fi
        sleep 0.2
    done
    tail -n 30 "$KAM_LOG" >&2
    b_die "kamailio ($config) did not answer on $KAM_RUNDIR/kamailio_ctl"
}

# PIDs of kamailio's live children (one per line).
kam_children() { children_of "$KAM_PID"; }

# kam_stop: SIGTERM to the main pid (it stops the children), SIGKILL after
# KAM_STOP_TIMEOUT seconds (10; callgrind runs need more to write files).
kam_stop() {
    [ -n "$KAM_PID" ] || return 0
    local _
    kill -TERM "$KAM_PID" 2>/dev/null
    for _ in $(seq 1 $((${KAM_STOP_TIMEOUT:-10} * 10))); do
        kill -0 "$KAM_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$KAM_PID" 2>/dev/null; then
        b_warn "kamailio $KAM_PID ignored SIGTERM; killing"
        kill -KILL "$KAM_PID" 2>/dev/null
    fi
    wait "$KAM_PID" 2>/dev/null
    KAM_PID=
}

# --------------------------------------------------------------------- sipp

# uas_start DIR CONFIG: the receiving sipp UAS until uas_stop: our core at
# CORE_IP:CORE_PORT, or the partner at PARTNER_IP:SIP_PORT for "out" flows.
uas_start() {
    local dir=$1 _ ip=$CORE_IP port=$CORE_PORT
    if [ "${SIP_FLOW[$2]:-in}" = out ]; then
        ip=$PARTNER_IP port=$SIP_PORT
    fi
    b_port_free udp "$ip" "$port" || b_die "udp $ip:$port is in use"
    local trace=()
    [ "$B_MODE" = smoke ] && trace=(-trace_msg -message_file "$dir/uas.msg")
    sipp -sf "$B_SRC/bench/scenarios/uas_message.xml" -i "$ip" -p "$port" -t u1 \
        -nostdin -trace_err -error_file "$dir/uas.err" "${trace[@]}" \
        </dev/null >"$dir/uas.out" 2>&1 &
    UAS_PID=$!
    B_BG_PIDS+=("$UAS_PID")
    for _ in $(seq 1 50); do
        b_port_free udp "$ip" "$port" || return 0
        sleep 0.05
    done
    b_die "sipp UAS did not bind $ip:$port ($(head -c 300 "$dir/uas.out"))"
}

uas_stop() {
    [ -n "$UAS_PID" ] || return 0
    kill "$UAS_PID" 2>/dev/null
    wait "$UAS_PID" 2>/dev/null
    UAS_PID=
}

# sip_step CONFIG RATE COUNT DIR: one sipp UAC run of COUNT MESSAGEs at RATE
# per second. Sets STEP_OK (1: every call got its 200, nothing was
# retransmitted and sipp held at least 95 % of RATE), STEP_RATE (achieved
# calls per second), STEP_FAILED, STEP_RETRANS; returns 0 when STEP_OK.
sip_step() {
    local config=$1 rate=$2 count=$3 dir=$4 inf=()
    mkdir -p "$dir"
    sip_uac_args "$config"
    if [ "$config" = mcsec-explicit ]; then
        # Fresh EARs for this step (the border refuses a replayed one).
        "$B_BUILD/bench/ear_batch" "$B_SIP/keys/srv-b" "$B_SRV" "$A_USER" "$count" 3600 \
            >"$dir/ears.csv" 2>"$dir/ears.err" || b_die "ear_batch: $(cat "$dir/ears.err")"
        inf=(-inf "$dir/ears.csv")
    fi
    rm -f "$dir/stat.csv"
    local timeout=$((count / rate + 15))
    (cd "$B_SIP" && exec sipp -sf "$SIP_UAC_SCEN" -i "$SIP_UAC_IP" -p "$SIP_UAC_PORT" -t u1 -nostdin \
        -r "$rate" -rp 1000 -m "$count" -l $((rate * 4 + 100)) -timeout "${timeout}s" \
        -trace_stat -stf "$dir/stat.csv" -fd 3600 -trace_err -error_file "$dir/uac.err" \
        "${inf[@]}" "${SIP_UAC_KEYS[@]}" "$SIP_UAC_TARGET" </dev/null >"$dir/uac.out" 2>&1)
    local rc=$?
    # The last line of the statistics file holds the cumulative counters.
    read -r STEP_SUCCESS STEP_FAILED STEP_RETRANS STEP_ELAPSED < <(awk -F';' '
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        { last = $0 }
        END {
            n = split(last, v, ";")
            e = v[col["ElapsedTime(C)"]]; split(e, t, ":")
            secs = t[1] * 3600 + t[2] * 60 + t[3]
            print v[col["SuccessfulCall(C)"]] + 0, v[col["FailedCall(C)"]] + 0,
                v[col["Retransmissions(C)"]] + 0, secs
        }' "$dir/stat.csv" 2>/dev/null)
    STEP_SUCCESS=${STEP_SUCCESS:-0} STEP_FAILED=${STEP_FAILED:-0}
    STEP_RETRANS=${STEP_RETRANS:-0} STEP_ELAPSED=${STEP_ELAPSED:-0}
    # Calls are started at RATE; the last one ends about 1/RATE after the
    # elapsed time's start, so COUNT / elapsed slightly understates the rate.
    STEP_RATE=$(awk -v n="$STEP_SUCCESS" -v e="$STEP_ELAPSED" 'BEGIN {
        if (e > 0) printf "%.0f", n / e; else print 0 }')
    STEP_OK=0
    if [ $rc -eq 0 ] && [ "$STEP_SUCCESS" -eq "$count" ] && [ "$STEP_FAILED" -eq 0 ] &&
        [ "$STEP_RETRANS" -eq 0 ] &&
        awk -v a="$STEP_RATE" -v r="$rate" -v n="$count" 'BEGIN { exit !(a >= 0.95 * r || n < 2 * r) }'; then
        STEP_OK=1
    fi
    printf '%s,%s,%s,%s,%s,%s,%s,%s\n' "$config" "$B_ROUND" "$rate" "$count" "$STEP_SUCCESS" \
        "$STEP_FAILED" "$STEP_RETRANS" "$STEP_RATE" >>"$B_OUT/sip-steps.csv"
    b_log "  $config r=$rate/s n=$count: ok=$STEP_OK success=$STEP_SUCCESS failed=$STEP_FAILED retrans=$STEP_RETRANS achieved=$STEP_RATE/s (sipp exit $rc)"
    [ "$STEP_OK" = 1 ]
}

# sip_search CONFIG DIR: the highest rate (messages per second) that passes a
# step of B_STEP_SECONDS: doubling from B_RATE_START, then B_BISECT halvings
# of the interval between the last pass and the first failure. Prints it.
sip_search() {
    local config=$1 dir=$2 rate=$B_RATE_START lo=0 hi=0 s=0 _
    while :; do
        s=$((s + 1))
        if sip_step "$config" "$rate" $((rate * B_STEP_SECONDS)) "$dir/step-$s" >&2; then
            lo=$rate
            [ "$rate" -ge "$B_RATE_MAX" ] && break
            rate=$((rate * 2))
        else
            hi=$rate
            [ "$lo" -gt 0 ] && break
            # Even the start rate failed: halve down to 25/s.
            [ "$rate" -le 25 ] && break
            rate=$((rate / 2))
        fi
        sleep 1
    done
    if [ "$lo" -gt 0 ] && [ "$hi" -gt 0 ]; then
        for _ in $(seq 1 "$B_BISECT"); do
            rate=$(((lo + hi) / 2 / 25 * 25))
            [ "$rate" -le "$lo" ] && break
            sleep 1
            s=$((s + 1))
            if sip_step "$config" "$rate" $((rate * B_STEP_SECONDS)) "$dir/step-$s" >&2; then
                lo=$rate
            else
                hi=$rate
            fi
        done
    fi
    echo "$lo"
}

# kam_cpu_ns: CPU time (user + system, nanoseconds, from the scheduler's
# per-task accounting in /proc/PID/task/*/schedstat) of kamailio's main
# process and its live children so far.
kam_cpu_ns() {
    local pid t sum=0 ns
    for pid in "$KAM_PID" $(kam_children); do
        for t in /proc/"$pid"/task/*/schedstat; do
            read -r ns _ <"$t" 2>/dev/null || continue
            sum=$((sum + ns))
        done
    done
    echo "$sum"
}

# sip_cpu_step CONFIG DIR [KNEE]: on the running kamailio, one step at the
# fixed rate B_CPU_RATE for B_CPU_SECONDS, or at half the knee the search
# just found when that is lower (a configuration whose knee is below
# B_CPU_RATE on a loaded machine would otherwise get no CPU figure: CPU
# time per message barely depends on the rate below the knee);
# appends kamailio's CPU microseconds per message to sip-cpu.csv. Unlike
# callgrind's instruction counts this is real time on this CPU: cache
# misses, system calls, OpenSSL's dispatch and the timers all count.
sip_cpu_step() {
    local config=$1 dir=$2 knee=${3:-0} before after rate=$B_CPU_RATE
    [ "$knee" -gt 0 ] 2>/dev/null && [ $((knee / 2)) -lt "$rate" ] && rate=$((knee / 2))
    [ "$rate" -ge 1 ] || rate=1
    # tm's wait timer (5 s) ends the transactions of the rate search first.
    sleep "$B_CPU_SETTLE"
    before=$(kam_cpu_ns)
    if sip_step "$config" "$rate" $((rate * B_CPU_SECONDS)) "$dir/cpu-step" >&2; then
        after=$(kam_cpu_ns)
        echo "$config,$B_ROUND,$rate,$STEP_SUCCESS,$(awk -v a="$after" -v b="$before" \
            -v n="$STEP_SUCCESS" 'BEGIN { printf "%.1f", (a - b) / 1000 / n }')" >>"$B_OUT/sip-cpu.csv"
    else
        b_warn "$config: the CPU step at $rate/s did not pass cleanly; no CPU figure"
        return 1
    fi
}

# sip_rates: B_ROUNDS rounds, every configuration once per round in the same
# order (A and B alternate), each on a freshly started kamailio. Writes
# sip.csv (config,round,msg_per_s) and, from a fixed-rate step on the same
# kamailio after the search, sip-cpu.csv (config,round,rate,messages,
# cpu_us_per_msg).
sip_rates() {
    local round config dir rate
    echo "config,round,rate,count,success,failed,retrans,achieved" >"$B_OUT/sip-steps.csv"
    echo "config,round,msg_per_s" >"$B_OUT/sip.csv"
    echo "config,round,rate,messages,cpu_us_per_msg" >"$B_OUT/sip-cpu.csv"
    for round in $(seq 1 "$B_ROUNDS"); do
        B_ROUND=$round
        for config in "${SIP_CONFIGS[@]}"; do
            dir=$B_WORK/sip/rate-$config-r$round
            mkdir -p "$dir"
            b_log "SIP round $round/$B_ROUNDS: $config (${SIP_LABEL[$config]})"
            uas_start "$dir" "$config"
            kam_start "$config" "$B_CHILDREN" "$dir"
            rate=$(sip_search "$config" "$dir")
            sip_cpu_step "$config" "$dir" "$rate"
            kam_stop
            uas_stop
            b_log "SIP round $round: $config holds $rate msg/s at zero loss"
            echo "$config,$round,$rate" >>"$B_OUT/sip.csv"
            sleep 1
        done
    done
}

# sip_passed_ok CONFIG N: for mcsec configurations, mcsec.stats counted N
# requests passed from system-b (the checks really ran) and no rejection.
sip_passed_ok() {
    case $1 in mcsec-*) ;; *) return 0 ;; esac
    local stats passed rejected key=passed_in:
    [ "${SIP_FLOW[$1]:-in}" = out ] && key=passed_out:
    stats=$(kamcmd -s "unix:$KAM_RUNDIR/kamailio_ctl" mcsec.stats 2>&1)
    passed=$(printf '%s\n' "$stats" | awk -v k="$key" '/name: system-b/ { on = 1 }
        on && $1 == k { print $2; exit }')
    rejected=$(printf '%s\n' "$stats" | awk '/name: system-b/ { on = 1 }
        on && $1 ~ /^[a-z_]+\.[a-z_.]+:$/ { s += $2 } END { print s + 0 }')
    if [ "${passed:-0}" = "$2" ] && [ "$rejected" = 0 ]; then
        return 0
    fi
    b_warn "$1: mcsec.stats $key ${passed:-none} (want $2), rejections $rejected"
    printf '%s\n' "$stats" | head -n 40 >&2
    return 1
}

# sip_hidden_ok CONFIG UAS_TRACE: for mcsec-topo(-relay), the partner received
# tokenized Vias (mcsec-vt=) and no Via of our core.
sip_hidden_ok() {
    case $1 in mcsec-topo | mcsec-topo-relay) ;; *) return 0 ;; esac
    sleep 0.2
    if grep -q 'mcsec-vt=' "$2" && ! grep -qi "^Via:.*$CORE_IP" "$2"; then
        return 0
    fi
    b_warn "$1: the partner saw no topology tokens or our core's Via ($2)"
    return 1
}

# sip_smoke: each configuration relays SMOKE_COUNT messages once; records
# failures in B_FAILS.
sip_smoke() {
    local config dir
    echo "config,round,rate,count,success,failed,retrans,achieved" >"$B_OUT/sip-steps.csv"
    echo "config,round,msg_per_s" >"$B_OUT/sip.csv"
    echo "config,round,rate,messages,cpu_us_per_msg" >"$B_OUT/sip-cpu.csv"
    B_ROUND=1
    for config in "${SIP_CONFIGS[@]}"; do
        dir=$B_WORK/sip/smoke-$config
        mkdir -p "$dir"
        uas_start "$dir" "$config"
        kam_start "$config" 1 "$dir"
        # The CPU step too (B_CPU_RATE 20/s for one second in smoke mode):
        # it must leave a positive figure for this configuration.
        if sip_step "$config" 20 20 "$dir/step" && sip_passed_ok "$config" 20 &&
            sip_hidden_ok "$config" "$dir/uas.msg" && sip_cpu_step "$config" "$dir" &&
            awk -F, -v c="$config" '$1 == c && $5 > 0 { ok = 1 } END { exit !ok }' \
                "$B_OUT/sip-cpu.csv"; then
            echo "$config,1,$STEP_RATE" >>"$B_OUT/sip.csv"
            b_log "smoke: $config relays messages"
        else
            B_FAILS=$((B_FAILS + 1))
            b_warn "smoke: $config did not relay all messages; see $dir"
            tail -n 20 "$KAM_LOG" >&2
            cat "$dir/step/uac.err" >&2 2>/dev/null
        fi
        kam_stop
        uas_stop
    done
}
