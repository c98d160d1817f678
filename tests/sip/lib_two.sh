# shellcheck shell=bash
# Two-border SIP test harness: system A's and system B's IS proxies (two
# kamailio instances with mcsec.so, each with its own policy, RUNDIR, ctl
# socket and log) in the same private namespace, so SIP-3 really runs
# kamailio <-> kamailio. Builds on lib.sh (sourced here, unchanged):
#
#   system A: outside 127.0.10.1:5060  inside 127.0.10.3:5060  core 127.0.10.2:5070
#   system B: outside 127.0.20.1:5060  inside 127.0.20.3:5060  core 127.0.20.2:5070
#
# A request from A's core (sipp UAC at 127.0.10.2:5071) to A's inside socket
# goes out through A (egress), crosses to B's outside socket (ingress) and
# reaches B's core (sipp UAS at 127.0.20.2:5070).
#
# Usage in a test, after sourcing this file and t_init "$@":
#   two_spk_file FILE ID KEY [ID KEY]...   an SPK file, mode 0600
#   two_policy a|b OUT KEY=VALUE...         a policy for A or B (see below)
#   border_start a|b POLICY                 starts that border
#   border_use a|b                          later kam_rpc/stat_get/kam_alive/
#                                           kam_stop/log_size act on it
# Both borders are stopped when the test ends.

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# The addresses above (A_OUT_IP, A_CORE_IP, ...) and sip_policy.
# shellcheck source=lib_policy.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_policy.sh"

# Per-border state, saved and restored by border_use.
declare -A BORDER_PID=() BORDER_RUNDIR=() BORDER_LOG=() BORDER_KIDS=() BORDER_METRICS=()
BORDER_CUR=

# two_spk_file FILE ID KEY [ID KEY]...: writes an SPK file (one
# "<SPK-ID> <key>" line per pair, the last one protects) with mode 0600.
two_spk_file() {
    local file=$1
    shift
    (
        umask 077
        echo "# test SPK file"
        while [ $# -ge 2 ]; do
            echo "$1 $2"
            shift 2
        done
    ) >"$file.new"
    chmod 600 "$file.new"
    mv -f "$file.new" "$file"
}

# two_policy a|b OUT [KEY=VALUE...]: the policy of border A or B with the
# other one as its only partner: lib_policy.sh's sip_policy with transport tcp
# and system spk.internal_identity sip:mcptt-server@<own domain>, unless the
# arguments (sip_policy's switches) say otherwise.
two_policy() {
    local sys=$1 out=$2
    shift 2
    sip_policy "$sys" "$out" TRANSPORT=tcp INTERNAL_ID="sip:mcptt-server@$sys.mcx.example" "$@"
}

# border_use a|b: points lib.sh's KAM_* variables at that border.
border_use() {
    if [ -n "$BORDER_CUR" ]; then
        BORDER_PID[$BORDER_CUR]=$KAM_PID
        BORDER_KIDS[$BORDER_CUR]=${KAM_KIDS0:-}
    fi
    BORDER_CUR=$1
    KAM_PID=${BORDER_PID[$1]:-}
    KAM_RUNDIR=${BORDER_RUNDIR[$1]:-}
    KAM_LOG=${BORDER_LOG[$1]:-}
    KAM_KIDS0=${BORDER_KIDS[$1]:-}
    KAM_METRICS=${BORDER_METRICS[$1]:-}
}

# border_start a|b POLICY: lib.sh's kam_start with that border's addresses,
# run dir $T_DIR/border-X/run and log $T_DIR/border-X/kamailio.log.
border_start() {
    local sys=$1 policy=$2 out in
    if [ "$sys" = a ]; then out=$A_OUT_IP in=$A_IN_IP; else out=$B_OUT_IP in=$B_IN_IP; fi
    border_use "$sys"
    mkdir -p "$T_DIR/border-$sys"
    local top=$T_DIR
    T_DIR=$top/border-$sys OUT_IP=$out IN_IP=$in kam_start "$policy"
    BORDER_RUNDIR[$sys]=$KAM_RUNDIR
    BORDER_LOG[$sys]=$KAM_LOG
    BORDER_PID[$sys]=$KAM_PID
    BORDER_KIDS[$sys]=$KAM_KIDS0
    BORDER_METRICS[$sys]=$KAM_METRICS
}

# Stops both borders (lib.sh's t_cleanup then sees no kamailio) and shows
# the end of both logs when the test failed; then lib.sh's cleanup.
two_cleanup() {
    local rc=$? sys
    for sys in a b; do
        [ -n "${BORDER_PID[$sys]:-}" ] || [ "$BORDER_CUR" = "$sys" ] || continue
        border_use "$sys"
        [ -n "$KAM_PID" ] && kam_stop >/dev/null 2>&1
        BORDER_PID[$sys]=
        if [ "$rc" -ne 0 ] || [ "$T_FAILS" -ne 0 ]; then
            if [ -f "$T_DIR/border-$sys/kamailio.log" ]; then
                echo "--- last 30 lines of border $sys's kamailio.log"
                tail -n 30 "$T_DIR/border-$sys/kamailio.log"
            fi
        fi
    done
    KAM_PID=
    (exit "$rc")
    t_cleanup
}

# two_init "$@": t_init, then the two-border cleanup.
two_init() {
    t_init "$@"
    trap two_cleanup EXIT
}

# capture_start FILE: tcpdump of the traffic between the two outside
# addresses on lo; waits until it listens. capture_stop ends it.
CAPTURE_PID=
capture_start() {
    command -v tcpdump >/dev/null || t_die "tcpdump installed (scripts/setup.sh)"
    tcpdump -i lo --immediate-mode -U -s 0 -w "$1" "host $A_OUT_IP and host $B_OUT_IP" \
        >"$1.out" 2>&1 &
    CAPTURE_PID=$!
    T_BG_PIDS+=("$CAPTURE_PID")
    local _
    for _ in $(seq 1 50); do
        grep -q 'listening on' "$1.out" 2>/dev/null && return 0
        sleep 0.1
    done
    t_die "tcpdump starts"
}
capture_stop() {
    [ -n "$CAPTURE_PID" ] || return 0
    sleep 0.3
    kill -INT "$CAPTURE_PID" 2>/dev/null
    wait "$CAPTURE_PID" 2>/dev/null
    CAPTURE_PID=
}

# spk_key_name ID: the KeyName (base64 of the 4-octet SPK-ID) for ID (hex).
spk_key_name() {
    $T_PY -c 'import base64, sys; print(base64.b64encode(bytes.fromhex(sys.argv[1])).decode())' "$1"
}
