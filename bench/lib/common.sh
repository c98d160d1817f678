# shellcheck shell=bash
# bench/run basics: logging, the private network namespace, the lock, the
# work directory, cleanup, medians. Sourced by bench/run only.
#
# Like tests/sip/lib.sh, bench/run re-runs itself inside a fresh network
# namespace with only loopback up, so kamailio, sipp, nginx and the HTTP
# proxy see only 127.0.0.0/8 and nothing reaches the outside; the namespace
# and everything still running in it are removed when the run ends.

# Failures of a smoke run (counted by the parts, judged by bench/run).
# shellcheck disable=SC2034
B_FAILS=0

b_log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
b_warn() { printf '[%s] WARNING: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
b_die() {
    printf '[%s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2
    exit 1
}

# b_netns "$@": outside the namespace, takes the lock (one bench at a time),
# creates the namespace and re-runs bench/run in it; returns its status.
# Inside (MCSEC_BENCH_NETNS set) it returns at once.
b_netns() {
    [ -n "${MCSEC_BENCH_NETNS:-}" ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "bench/run: needs root (ip netns)" >&2
        exit 77
    fi
    exec 9>/run/lock/mcsec-bench.lock
    if ! flock -n 9; then
        b_die "another bench/run holds /run/lock/mcsec-bench.lock; refusing to run"
    fi
    local ns="mcsec-bench-$$" rc
    ip netns add "$ns" || b_die "ip netns add $ns"
    # shellcheck disable=SC2064
    trap "b_netns_cleanup $ns" EXIT
    ip -n "$ns" link set lo up || exit 1
    # In the background so that a signal is handled at once (a foreground
    # child would defer the trap until the whole run ends); the EXIT trap
    # then ends everything in the namespace.
    MCSEC_BENCH_NETNS=$ns ip netns exec "$ns" /bin/bash "$0" "$@" &
    B_INNER_PID=$!
    trap 'kill -TERM $B_INNER_PID 2>/dev/null; exit 143' TERM INT
    wait "$B_INNER_PID"
    rc=$?
    exit $rc
}

# Outside the namespace: end whatever still runs in it (all started by this
# run), then delete it.
b_netns_cleanup() {
    local ns=$1 pids
    pids=$(ip netns pids "$ns" 2>/dev/null)
    if [ -n "$pids" ]; then
        # shellcheck disable=SC2086
        kill -TERM $pids 2>/dev/null
        sleep 1
        pids=$(ip netns pids "$ns" 2>/dev/null)
        # shellcheck disable=SC2086
        [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
    fi
    ip netns del "$ns" 2>/dev/null
}

# Background processes started inside the namespace, stopped at exit.
B_BG_PIDS=()

b_cleanup() {
    local pid
    [ -n "${KAM_PID:-}" ] && kam_stop >/dev/null 2>&1
    for pid in "${B_BG_PIDS[@]}"; do
        kill "$pid" 2>/dev/null
    done
    wait 2>/dev/null
}

# b_require TOOL...: dies naming the missing tool.
b_require() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || b_die "$tool not installed (see bench/README.md)"
    done
}

# b_port_free PROTO IP PORT: 0 when nothing listens there. UDP sockets are
# bound with SO_REUSEADDR by kamailio: a second one would start silently
# and share the traffic, so every start checks first.
b_port_free() {
    local flag=-lnu
    [ "$1" = tcp ] && flag=-lnt
    ! ss -H $flag "src $2:$3" 2>/dev/null | grep -q .
}

. "$B_SRC/scripts/lib/template.sh"
. "$B_SRC/scripts/lib/proc.sh"

# median NUMBER...: the median (mean of the two middle values for an even
# count); empty input prints nothing.
median() {
    [ $# -gt 0 ] || return 0
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio A B [DIGITS]: A / B, or empty when either is empty or B is 0.
ratio() {
    awk -v a="${1:-}" -v b="${2:-}" -v d="${3:-2}" 'BEGIN {
        if (a == "" || b == "" || b + 0 == 0) exit
        printf "%.*f\n", d, a / b }'
}

# csv_get FILE KEY: the value of the "KEY,VALUE" row in FILE.
csv_get() {
    awk -F, -v k="$2" '$1 == k { print $2; exit }' "$1" 2>/dev/null
}
