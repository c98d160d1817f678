#!/usr/bin/env bash
# bench/media_bench.sh: the cost of media anchoring (issue 19), measured
# side by side in one run, on the two-system demo's network without IPsec
# (deploy/demo/lib; the same in both configurations):
#   1. IS proxy CPU per call set-up: sipp at A's MC server makes calls
#      (INVITE with an SRTP audio and MCPTT floor-control offer, 200, ACK,
#      BYE, 200) through A's and B's IS proxies to sipp at B's MC server,
#      first without media anchoring (no system.media, cfg without
#      WITH_MEDIA), then with it (system.media, -A WITH_MEDIA, rtpengine on
#      both borders), alternating for ROUNDS rounds; the CPU time (user +
#      system, /proc/PID/task/*/schedstat) of both kamailios' processes
#      divided by the calls; the median per configuration and the ratio
#      (goal: anchored <= 1.25 x unanchored). rtpengine's own CPU for the
#      set-ups is shown beside it.
#   2. rtpengine packets per second per core: one anchored session on A's
#      rtpengine (userspace forwarding, --num-threads=1), two
#      mcsec-srtp-peer endpoints sending SRTP at PPS packets per second each
#      way for SECONDS; relayed packets divided by rtpengine's CPU seconds.
# usage: sudo bench/media_bench.sh [--build DIR] [--calls N] [--cps N]
#        [--rounds N] [--pps N] [--seconds N]
# MEDIA_BENCH_PERF=/path/prefix: perf samples of the kamailios per
# configuration (PREFIX-off.data, PREFIX-on.data).
# Prints a Markdown table (paste into bench/RESULTS.md).
# shellcheck source-path=SCRIPTDIR disable=SC2034 # (variables the demo libraries read)
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$here/.." && pwd)
demo=$SRC/deploy/demo
BUILD=$SRC/build CALLS=300 CPS=30 ROUNDS=3 PPS=5000 SECONDS_PPS=5
while [ $# -gt 0 ]; do
    case $1 in
        --build) BUILD=$2 ;;
        --calls) CALLS=$2 ;;
        --cps) CPS=$2 ;;
        --rounds) ROUNDS=$2 ;;
        --pps) PPS=$2 ;;
        --seconds) SECONDS_PPS=$2 ;;
        *) sed -n '2,23p' "$0"; exit 2 ;;
    esac
    shift 2
done
DEMO_FAMILY=4 TOPOLOGY=1 MEDIA=0
# shellcheck source=../deploy/demo/lib/common.sh
. "$demo/lib/common.sh"
# shellcheck source=../deploy/demo/lib/net.sh
. "$demo/lib/net.sh"
# shellcheck source=../deploy/demo/lib/keys.sh
. "$demo/lib/keys.sh"
# shellcheck source=../deploy/demo/lib/border.sh
. "$demo/lib/border.sh"
# shellcheck source=../deploy/demo/lib/http.sh
. "$demo/lib/http.sh"
# shellcheck source=../deploy/demo/lib/media.sh
. "$demo/lib/media.sh"
MCSECCTL=$BUILD/tools/mcsecctl
MODULE=$BUILD/kamailio-mod-mcsec/mcsec.so
PEER=$BUILD/tests/media/mcsec-srtp-peer
KAM_CFG=$SRC/deploy/kamailio/mcsec-is-proxy.cfg
BACKEND=${MCSEC_IPSEC_BACKEND:-libipsec}
[ "$(id -u)" -eq 0 ] || { echo "media_bench: needs root" >&2; exit 2; }
WORK=$(mktemp -d /tmp/mcsec-media-bench.XXXXXX)
trap 'demo_teardown; rm -rf "$WORK"' EXIT

# the two policy sets: without media (MEDIA=0) and with it (MEDIA=1)
keys_and_policies
for s in a b; do cp "$WORK/$s/policy.yaml" "$WORK/$s/policy-off.yaml"; done
MEDIA=1
for s in a b; do
    write_policy "$s"
    cp "$WORK/$s/policy.yaml" "$WORK/$s/policy-on.yaml"
done
net_up || die "no namespaces"
media_net_up || die "could not add the media relays' addresses"

# cpu_ns PID...: CPU nanoseconds of the processes' tasks so far.
cpu_ns() {
    local pid t ns sum=0
    for pid in "$@"; do
        for t in /proc/"$pid"/task/*/schedstat; do
            read -r ns _ <"$t" 2>/dev/null || continue
            sum=$((sum + ns))
        done
    done
    echo "$sum"
}
kam_tree() { local s; for s in a b; do echo "${KAM_PID[$s]}"; pgrep -P "${KAM_PID[$s]}"; done; }

# one CONFIG: calls through both borders; prints "kam_ns rtp_ns ok_calls".
one() {
    local config=$1 s k0 k1 r0 r1 pids okc
    for s in a b; do cp "$WORK/$s/policy-$config.yaml" "$WORK/$s/policy.yaml"; done
    if [ "$config" = on ]; then KAM_DEFS=(-A WITH_MEDIA); else KAM_DEFS=(); fi
    kam_start a
    kam_start b
    ns_bg b sipp -sf "$here/scenarios/uas_media_call.xml" -i "$B_CORE" -p 5070 -t u1 \
        -nostdin -bg -trace_err -error_file "$WORK/uas-$config.err" >/dev/null 2>&1
    sleep 0.5
    mapfile -t pids < <(kam_tree)
    k0=$(cpu_ns "${pids[@]}")
    r0=$(cpu_ns "${RTP_PID[a]}" "${RTP_PID[b]}")
    local perf_pid=
    if [ -n "${MEDIA_BENCH_PERF:-}" ]; then
        # where the CPU goes (software clock samples; no hardware counters
        # here): perf report -i $MEDIA_BENCH_PERF-CONFIG.data --sort dso,sym
        perf record -q -e cpu-clock -F 4000 -g -o "$MEDIA_BENCH_PERF-$config.data" \
            -p "$(printf '%s,' "${pids[@]}" | sed 's/,$//')" >/dev/null 2>&1 &
        perf_pid=$!
        sleep 0.5
    fi
    in_ns a sipp -sf "$here/scenarios/uac_media_call.xml" -i "$A_CORE" -p 5071 -t u1 \
        -r "$CPS" -m "$CALLS" -l 50 -nostdin -nd -timeout 120s -mp 6000 \
        -key ruri sip:mcptt-group-7@b.mcx.example -key from "$A_SERVER" \
        -trace_stat -stf "$WORK/uac-$config.csv" "$(hostport "$A_IN" 5060)" \
        >"$WORK/uac-$config.out" 2>&1
    k1=$(cpu_ns "${pids[@]}")
    [ -n "$perf_pid" ] && kill -INT "$perf_pid" && wait "$perf_pid"
    r1=$(cpu_ns "${RTP_PID[a]}" "${RTP_PID[b]}")
    okc=$(tail -n 1 "$WORK/uac-$config.csv" | awk -F';' '{ print $16 }')
    in_ns b pkill -f "sipp -sf $here/scenarios/uas_media_call.xml" 2>/dev/null
    kam_stop a
    kam_stop b
    echo "$((k1 - k0)) $((r1 - r0)) ${okc:-?}"
}

rtp_start a
rtp_start b
declare -a OFF ON
for r in $(seq 1 "$ROUNDS"); do
    for config in off on; do
        read -r kns rns okc <<<"$(one "$config")"
        per=$((kns / CALLS / 1000))
        rper=$((rns / CALLS / 1000))
        echo "round $r $config: $okc/$CALLS calls ok, kamailio $per us/call, rtpengine $rper us/call" >&2
        if [ "$config" = off ]; then OFF+=("$per"); else ON+=("$per $rper"); fi
    done
done
med() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
off_med=$(printf '%s\n' "${OFF[@]}" | med)
on_med=$(printf '%s\n' "${ON[@]}" | awk '{ print $1 }' | med)
rtp_med=$(printf '%s\n' "${ON[@]}" | awk '{ print $2 }' | med)
ratio=$(awk -v a="$on_med" -v b="$off_med" 'BEGIN { printf "%.2f", a / b }')

# 2. packets per second per core (A's rtpengine restarted with one thread)
rtp_stop a
RTP_THREADS=1 rtp_start a
sdp() { printf 'v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %s RTP/SAVP 96\r\na=rtpmap:96 AMR-WB/16000\r\na=sendrecv\r\n' "$1" "$1" "$2"; }
ng() { in_ns a rtpengine-ng-client --proxy-address=127.0.0.1 --proxy-port="$RTP_NG_PORT" "$@" \
    --replace-origin --replace-session-connection --SDES=off --DTLS=off --ICE=remove 2>&1 |
    sed -n '/New SDP/,$p' | awk '/^m=/ { print $2 }'; }
po=$(ng offer --call-id=pps --from-tag=f --direction=internal,external --sdp="$(sdp "$A_CORE" 7000)")
pa=$(ng answer --call-id=pps --from-tag=f --to-tag=t --sdp="$(sdp "$A_CORE" 7100)")
key=$(rand_hex 16) salt=$(rand_hex 12)
n=$((PPS * SECONDS_PPS)) us=$((1000000 / PPS))
r0=$(cpu_ns "${RTP_PID[a]}")
in_ns a "$PEER" --local "$(hostport "$A_CORE" 7000)" --peer "$(hostport "$A_IN" "$pa")" --out "$WORK/pps-a" \
    --key "$key" --salt "$salt" --count "$n" --interval-us "$us" --wait-ms 500 --delay-ms 300 \
    >"$WORK/pps-a.out" &
peer_a=$!
in_ns a "$PEER" --local "$(hostport "$A_CORE" 7100)" --peer "$(hostport "$A_MEDIA" "$po")" --out "$WORK/pps-b" \
    --key "$key" --salt "$salt" --count "$n" --interval-us "$us" --wait-ms 500 --delay-ms 300 \
    >"$WORK/pps-b.out"
wait "$peer_a"
r1=$(cpu_ns "${RTP_PID[a]}")
relayed=$(($(wc -l <"$WORK/pps-a.recv") + $(wc -l <"$WORK/pps-b.recv")))
cpu_s=$(awk -v n=$((r1 - r0)) 'BEGIN { printf "%.3f", n / 1e9 }')
per_core=$(awk -v p="$relayed" -v n=$((r1 - r0)) 'BEGIN { printf "%.0f", p / (n / 1e9) }')
loss=$(awk -v p="$relayed" -v s=$((2 * n)) 'BEGIN { printf "%.2f", 100 * (s - p) / s }')

cat <<EOF2
| measure (bench/media_bench.sh, $(date -u +%F), $ROUNDS rounds, $CALLS calls at $CPS/s) | value |
|---|---|
| IS proxies' CPU per call set-up, no anchoring (A + B kamailio, median) | $off_med µs |
| IS proxies' CPU per call set-up, media anchored (median) | $on_med µs |
| ratio anchored / not (goal ≤ 1.25) | $ratio |
| rtpengine CPU per call set-up (both borders, median) | $rtp_med µs |
| rtpengine relayed SRTP, one thread: $PPS pps each way for ${SECONDS_PPS} s | $relayed packets, $loss % lost, $cpu_s CPU s |
| rtpengine packets per second per core (relayed / CPU s) | $per_core |
EOF2
