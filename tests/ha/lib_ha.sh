# shellcheck shell=bash
# Two-node border harness (issue 20, docs/high-availability.md): system A as
# a PAIR of border nodes behind one service address that keepalived (VRRP
# over unicast, deploy/ha/keepalived.conf.in) moves between them, system B
# as one border, the two cores, and Redis. Builds on tests/sip/lib_two.sh:
# t_init's namespace (the "world") holds a bridge, border B, both cores and
# Redis; each node of A is a namespace of its own with a veth on the bridge,
# net.ipv4.ip_nonlocal_bind=1, its own kamailio and its own keepalived (own
# config and pid files). Addresses (all on the bridge, 10.77.0.0/24):
#   node A1 10.77.0.1   node A2 10.77.0.2
#   A's service addresses (VRRP): outside 10.77.0.50, inside 10.77.0.51
#   A's core 10.77.0.10:5070 (and Redis 10.77.0.10:6379)
#   B outside 10.77.0.20, B inside 10.77.0.21, B's core 10.77.0.22:5070,
#   a second address of partner B, 10.77.0.23 (a sender of crafted requests)
# Usage after sourcing: two_init "$@"; ha_net_setup; policies; border_start b;
# ha_node_start 1 POLICY; ha_keepalived_start 1; ha_wait_master 1; ... ;
# ha_kill_node 1. Everything is stopped and the node namespaces deleted when
# the test ends.

# shellcheck source=../sip/test_topo_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../sip/test_topo_lib.sh"
# ear_sign, ear_reject_scenario (it sources lib_policy.sh again: before the
# addresses below).
# shellcheck source=../sip/test_ear_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../sip/test_ear_lib.sh"

# The addresses of lib_policy.sh, moved onto the bridge.
A_OUT_IP=10.77.0.50
A_IN_IP=10.77.0.51
A_CORE_IP=10.77.0.10
B_OUT_IP=10.77.0.20
B_IN_IP=10.77.0.21
B_CORE_IP=10.77.0.22
B_SENDER_IP=10.77.0.23
HA_REDIS=$A_CORE_IP:6379
HA_NODE_IP=([1]=10.77.0.1 [2]=10.77.0.2)
HA_NS=()
HA_KA_PID=()
HA_ADVERT=${HA_ADVERT:-0.2}
HA_REDIS_PID=

# ha_net_setup: the bridge, the world's addresses and the two node namespaces.
ha_net_setup() {
    ip link add habr type bridge || t_die "ip link add bridge"
    ip link set habr up
    local a n ns
    for a in $A_CORE_IP $B_OUT_IP $B_IN_IP $B_CORE_IP $B_SENDER_IP; do
        ip addr add "$a/24" dev habr || t_die "address $a"
    done
    for n in 1 2; do
        ns="mcsec-ha-$$-$n"
        ip netns add "$ns" || t_die "ip netns add $ns"
        HA_NS[$n]=$ns
        ip link add "ha$n" type veth peer name eth0 netns "$ns" || t_die "veth of node $n"
        ip link set "ha$n" master habr up
        ip -n "$ns" link set lo up
        ip -n "$ns" addr add "${HA_NODE_IP[$n]}/24" dev eth0
        ip -n "$ns" link set eth0 up
        ip netns exec "$ns" sysctl -qw net.ipv4.ip_nonlocal_bind=1 ||
            t_die "ip_nonlocal_bind on node $n"
    done
    # Both bridge ports forwarding (no STP on this bridge).
    local i
    for i in $(seq 1 50); do
        [ "$(bridge link show | grep -c 'state forwarding')" -ge 2 ] && return 0
        sleep 0.1
    done
    t_die "both node ports of the bridge forward"
}

# ha_capture_start: tcpdump of the bridge into $T_DIR/bridge.pcap (for a
# failed run; HA_PCAP=1 in the environment).
ha_capture_start() {
    [ "${HA_PCAP:-0}" = 1 ] || return 0
    tcpdump -i habr -U -s 0 -w "$T_DIR/bridge.pcap" >"$T_DIR/bridge.pcap.out" 2>&1 &
    T_BG_PIDS+=($!)
    sleep 0.5
}

# ha_redis_start: redis-server on A's core address, no persistence.
ha_redis_start() {
    mkdir -p "$T_DIR/redis"
    redis-server --bind "$A_CORE_IP" --port 6379 --protected-mode no --save '' --appendonly no \
        --dir "$T_DIR/redis" --logfile "$T_DIR/redis/redis.log" --daemonize no &
    HA_REDIS_PID=$!
    T_BG_PIDS+=("$HA_REDIS_PID")
    local i
    for i in $(seq 1 50); do
        redis-cli -h "$A_CORE_IP" ping 2>/dev/null | grep -q PONG && return 0
        sleep 0.1
    done
    t_die "redis-server answers"
}

# ha_node_start N POLICY: kamailio of node N (inside its namespace) on the
# service addresses; later border_use aN reaches it.
ha_node_start() {
    local n=$1 policy=$2 top=$T_DIR
    border_use "a$n"
    mkdir -p "$T_DIR/node-$n"
    T_DIR=$top/node-$n OUT_IP=$A_OUT_IP IN_IP=$A_IN_IP KAM_PREFIX="ip netns exec ${HA_NS[$n]}" \
        kam_start "$policy"
    BORDER_RUNDIR[a$n]=$KAM_RUNDIR
    BORDER_LOG[a$n]=$KAM_LOG
    BORDER_PID[a$n]=$KAM_PID
    BORDER_KIDS[a$n]=$KAM_KIDS0
}

# ha_keepalived_start N [PRIORITY]: keepalived of node N with the reference
# template (deploy/ha/keepalived.conf.in), the check on node N's kamailio.
ha_keepalived_start() {
    local n=$1 prio=${2:-$((200 - 50 * $1))} d=$T_DIR/node-$1/keepalived peer=1
    [ "$n" = 1 ] && peer=2
    mkdir -p "$d/bin"
    chmod 755 "$d" "$d/bin"
    # The scripts are copied into a directory only root can write
    # (enable_script_security).
    install -m 755 "$MCSEC_SRC/deploy/ha/mcsec-ha-check" "$MCSEC_SRC/deploy/ha/mcsec-ha-notify" "$d/bin/"
    cat >"$d/bin/notify" <<EOS
#!/bin/sh
MCSEC_HA_STATE_LOG=$d/state.log MCSEC_HA_DEFAULTS=/nonexistent exec $d/bin/mcsec-ha-notify "\$@"
EOS
    chmod 755 "$d/bin/notify"
    render_template "$MCSEC_SRC/deploy/ha/keepalived.conf.in" "$d/keepalived.conf" \
        NODE_NAME="border-a-$n" INTERFACE=eth0 NODE_ADDR="${HA_NODE_IP[$n]}" \
        PEER_ADDR="${HA_NODE_IP[$peer]}" VRID=77 PRIORITY="$prio" ADVERT_INT="$HA_ADVERT" \
        SERVICE_ADDR="$A_OUT_IP/24" INSIDE_ADDR="$A_IN_IP/24" \
        CHECK="$d/bin/mcsec-ha-check --kamailio unix:$T_DIR/node-$n/run/kamailio_ctl" \
        NOTIFY="$d/bin/notify"
    ip netns exec "${HA_NS[$n]}" keepalived -n -l -D -f "$d/keepalived.conf" \
        --pid "$d/keepalived.pid" --vrrp_pid "$d/vrrp.pid" --checkers_pid "$d/checkers.pid" \
        >"$d/keepalived.log" 2>&1 &
    HA_KA_PID[$n]=$!
}

# ha_has_vip N: node N holds the service addresses.
ha_has_vip() {
    ip -n "${HA_NS[$1]}" -4 addr show dev eth0 | grep -q " $A_OUT_IP/"
}

# ha_wait_master N [TENTHS]: waits until node N holds the service addresses.
ha_wait_master() {
    local i
    for i in $(seq 1 "${2:-100}"); do
        ha_has_vip "$1" && return 0
        sleep 0.1
    done
    return 1
}

# ha_kill_node N: SIGKILL to every process of node N (its kamailio and its
# keepalived), as a power cut would.
ha_kill_node() {
    local pids
    pids=$(ip netns pids "${HA_NS[$1]}")
    # shellcheck disable=SC2086
    [ -n "$pids" ] && kill -KILL $pids
    BORDER_PID[a$1]=
    [ "$BORDER_CUR" = "a$1" ] && KAM_PID=
    return 0
}

ha_cleanup() {
    local rc=$? n pids
    if [ "$rc" -ne 0 ] || [ "$T_FAILS" -ne 0 ]; then
        for n in 1 2; do
            [ -f "$T_DIR/node-$n/kamailio.log" ] || continue
            echo "--- last 20 lines of node $n's kamailio.log"
            tail -n 20 "$T_DIR/node-$n/kamailio.log"
            echo "--- node $n's keepalived.log"
            tail -n 20 "$T_DIR/node-$n/keepalived/keepalived.log" 2>/dev/null
        done
    fi
    for n in 1 2; do
        [ -n "${HA_NS[$n]:-}" ] || continue
        pids=$(ip netns pids "${HA_NS[$n]}" 2>/dev/null)
        # shellcheck disable=SC2086
        [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
        ip netns del "${HA_NS[$n]}" 2>/dev/null
    done
    BORDER_PID[a1]= BORDER_PID[a2]=
    [ "${BORDER_CUR#a}" != "$BORDER_CUR" ] && [ "$BORDER_CUR" != a ] && KAM_PID=
    (exit "$rc")
    two_cleanup
}

# ha_init "$@": two_init, then the two-node cleanup (tools checked first).
ha_init() {
    two_init "$@"
    local tool
    for tool in keepalived redis-server redis-cli; do
        command -v $tool >/dev/null || { echo "SKIP: $tool not installed (scripts/setup.sh)"; exit 77; }
    done
    trap ha_cleanup EXIT
}
