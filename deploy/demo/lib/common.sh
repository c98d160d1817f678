# shellcheck shell=bash
# Two-system demo: report output, checks and small helpers (sourced by
# deploy/demo/two-system-demo.sh).

DEMO_FAILS=0      # failed expectations in the whole run
STEP_FAILS=0      # failed expectations in the current step
STEP_N=0
STEP_SKIPPED=0
STEP_TITLE=

# say TEXT: a plain report line.
say() { printf '%s\n' "$*"; }

# row LABEL TEXT: one line of a step ("   sent      INVITE ...").
row() { printf '   %-9s %s\n' "$1" "$2"; }

# bad TEXT: a failed expectation (the story is also a test).
bad() {
    DEMO_FAILS=$((DEMO_FAILS + 1))
    STEP_FAILS=$((STEP_FAILS + 1))
    printf '   %-9s FAIL: %s\n' '!!' "$*"
}

# expect DESC CMD...: bad DESC unless CMD succeeds.
expect() {
    local desc=$1
    shift
    "$@" || bad "$desc"
}

# die TEXT: set-up failure; the EXIT trap cleans up.
die() {
    printf 'two-system-demo: %s\n' "$*" >&2
    DEMO_FAILS=$((DEMO_FAILS + 1))
    exit 1
}

# step_begin TITLE / step_end: frame of one step of the story.
step_begin() {
    STEP_N=$((STEP_N + 1))
    STEP_FAILS=0
    STEP_TITLE=$1
    say ""
    say "== $STEP_N. $1"
}
step_end() {
    if [ "$STEP_FAILS" -eq 0 ]; then
        row "=>" "as expected"
    else
        row "=>" "NOT as expected ($STEP_FAILS problem(s)): $STEP_TITLE"
    fi
}

# step_skip WHY: the current step cannot be played here.
step_skip() {
    STEP_SKIPPED=$((STEP_SKIPPED + 1))
    row skipped "$1"
}

# wait_for SECONDS CMD...: polls CMD every 0.1 s.
wait_for() {
    local limit=$(($1 * 10))
    shift
    local _
    for _ in $(seq 1 "$limit"); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}

# rand_hex N: N random octets in hex.
rand_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# demo_teardown [http]: stops what a demo started, for its clean-up on
# every exit: captures and sipp (CAPTURE_PIDS, SIPP_PIDS), the HTTP proxies
# (with "http"), both borders' kamailio and charon, the namespaces.
demo_teardown() {
    local pid side
    for pid in "${CAPTURE_PIDS[@]}" "${SIPP_PIDS[@]}"; do
        kill "$pid" 2>/dev/null
    done
    [ "${1:-}" = http ] && http_stop
    for side in a b; do
        kam_stop "$side"
        declare -F rtp_stop >/dev/null && rtp_stop "$side"
        ipsec_down "$side"
    done
    net_down
}

# demo_work_begin NAME [TEARDOWN...]: the run's work directory
# WORK=/tmp/mcsec-NAME.XXXXXX and its clean-up on every exit: TEARDOWN (a
# command and its arguments; default demo_teardown), then WORK removed, or
# kept and named when the run failed (its status, or DEMO_FAILS) or KEEP=1;
# the script exits with its own status.
demo_work_begin() {
    WORK=$(mktemp -d "/tmp/mcsec-$1.XXXXXX")
    shift
    if [ $# -gt 0 ]; then DEMO_TEARDOWN=("$@"); else DEMO_TEARDOWN=(demo_teardown); fi
    trap demo_work_end EXIT
    trap 'exit 130' INT TERM
}
demo_work_end() {
    local rc=$?
    trap - EXIT INT TERM
    "${DEMO_TEARDOWN[@]}"
    if [ "$rc" -ne 0 ] || [ "${DEMO_FAILS:-0}" -ne 0 ] || [ "${KEEP:-0}" = 1 ]; then
        echo "work dir kept: $WORK (policies, keys, logs, captures)"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}

# demo_require_built_and_backend: the binaries a demo runs are built
# (MCSECCTL, MODULE), and BACKEND is an IPsec back end this machine has
# (MCSEC_IPSEC_BACKEND, else ipsec/detect-backend.sh; exported); otherwise
# cannot_run (the caller's: exit 77 with the reason).
demo_require_built_and_backend() {
    local f
    for f in "$MCSECCTL" "$MODULE"; do
        [ -f "$f" ] || cannot_run "$f not built (bash scripts/build.sh, or set MCSEC_BUILD)"
    done
    BACKEND=${MCSEC_IPSEC_BACKEND:-$("$SRC/ipsec/detect-backend.sh" 2>/dev/null)}
    case $BACKEND in
        kernel | libipsec) export MCSEC_IPSEC_BACKEND=$BACKEND ;;
        *) cannot_run "no IPsec back end (no XFRM with ESP/GCM and no /dev/net/tun)" ;;
    esac
}
