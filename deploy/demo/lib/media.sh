# shellcheck shell=bash
# Two-system demo and media tests: media anchoring (issue 19; docs/media.md,
# docs/media-relay.md). Sourced after net.sh and border.sh; with MEDIA=1:
#   - each border's policy gets system.media (its rtpengine: outside =
#     A_MEDIA / B_MEDIA, its own address beside the service address, made
#     by media_net_up; inside = the IS proxy's inside address) and
#     partners[].media (the partner's relay address and port range);
#   - kamailio starts with -A WITH_MEDIA (deploy/kamailio/mcsec-is-proxy.cfg);
#   - rtp_start SIDE starts Debian's rtpengine (userspace forwarding, no
#     kernel table) in SIDE's namespace with the same options as
#     deploy/systemd/mcsec-rtpengine.service, pid file and log under
#     $WORK/SIDE/rtpengine.*; rtp_stop SIDE stops it.
# Port ranges: A 30000-30199, B 40000-40199 (even RTP, odd RTCP).

declare -A RTP_PID=()
MEDIA=${MEDIA:-0}
RTP_NG_PORT=2223
RTP_CLI_PORT=9900

media_range() { if [ "$1" = a ]; then echo "30000 30199"; else echo "40000 40199"; fi; }
# The relays' outside addresses: their own (not the IS proxy's), so only
# the media CHILD_SA of `mcsecctl ipsec render` carries the media.
if [ "${DEMO_FAMILY:-4}" = 6 ]; then
    A_MEDIA=2001:db8:a::5 B_MEDIA=2001:db8:b::6
else
    A_MEDIA=198.51.100.5 B_MEDIA=198.51.100.6
fi
media_out() { if [ "$1" = a ]; then echo "$A_MEDIA"; else echo "$B_MEDIA"; fi; }

# media_net_up: after net_up, the relays' outside addresses on lo and the
# route to the other relay via the other gateway (as net_up routes the
# service addresses).
media_net_up() {
    # shellcheck disable=SC2086 # NODAD: empty or one word
    ip -n "$NS_A" addr add "$A_MEDIA/$HOST_LEN" $NODAD dev lo &&
        ip -n "$NS_A" route add "$B_MEDIA/$HOST_LEN" via "$B_GW" src "$A_MEDIA" &&
        ip -n "$NS_B" addr add "$B_MEDIA/$HOST_LEN" $NODAD dev lo &&
        ip -n "$NS_B" route add "$A_MEDIA/$HOST_LEN" via "$A_GW" src "$B_MEDIA"
}
media_in() { if [ "$1" = a ]; then echo "$A_IN"; else echo "$B_IN"; fi; }

# media_policy_system SIDE: the system.media section (2-space indent).
media_policy_system() {
    [ "$MEDIA" = 1 ] || return 0
    local r
    read -ra r <<<"$(media_range "$1")"
    printf '  media:\n    outside_address: "%s"\n    inside_address: "%s"\n    port_min: %s\n    port_max: %s\n' \
        "$(media_out "$1")" "$(media_in "$1")" "${r[0]}" "${r[1]}"
}

# media_policy_partner SIDE: SIDE's partners[].media (the other system's).
media_policy_partner() {
    [ "$MEDIA" = 1 ] || return 0
    local other=b r
    [ "$1" = b ] && other=a
    read -ra r <<<"$(media_range "$other")"
    printf '    media:\n      relay_addresses: ["%s"]\n      port_min: %s\n      port_max: %s\n      max_streams: 4\n' \
        "$(media_out "$other")" "${r[0]}" "${r[1]}"
}

rtp_cli() { in_ns "$1" rtpengine-ctl -ip "127.0.0.1:$RTP_CLI_PORT" "${@:2}"; }

# rtp_sessions SIDE: the number of sessions SIDE's rtpengine holds.
rtp_sessions() {
    rtp_cli "$1" list numsessions 2>/dev/null | awk '/^Current sessions total:/ { print $NF }'
}

rtp_start() {
    local side=$1 r
    read -ra r <<<"$(media_range "$side")"
    mkdir -p "$WORK/$side"
    # --config-file=none: nothing from /etc/rtpengine; --table=-1: userspace
    # only; --delete-delay=0: a deleted session frees its ports at once.
    ns_bg "$side" rtpengine --config-file=none --foreground --table=-1 \
        --interface="internal/$(media_in "$side")" --interface="external/$(media_out "$side")" \
        --listen-ng="127.0.0.1:$RTP_NG_PORT" --listen-cli="127.0.0.1:$RTP_CLI_PORT" \
        --port-min="${r[0]}" --port-max="${r[1]}" --delete-delay=0 \
        ${RTP_THREADS:+--num-threads="$RTP_THREADS"} \
        --pidfile="$WORK/$side/rtpengine.pid" --log-stderr --log-level=5 \
        </dev/null >>"$WORK/$side/rtpengine.log" 2>&1
    RTP_PID[$side]=$BG_PID
    wait_for 10 rtp_ready "$side" ||
        die "rtpengine of system $side did not start: $(tail -n 5 "$WORK/$side/rtpengine.log")"
}
rtp_ready() { rtp_sessions "$1" | grep -q '^[0-9]'; }

rtp_stop() {
    stop_pid "${RTP_PID[$1]:-}"
    RTP_PID[$1]=
}

# rtp_alive SIDE: rtpengine of SIDE still runs and answers.
rtp_alive() { kill -0 "${RTP_PID[$1]:-0}" 2>/dev/null && rtp_ready "$1"; }
