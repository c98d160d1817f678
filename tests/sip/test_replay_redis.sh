#!/bin/bash
# The replay store in Redis (system.replay.store: redis), through real
# kamailio + mcsec.so and a real redis-server on a unix socket in the test's
# temp dir: an EAR accepted once is refused as a replay (ear.replay, 403),
# its ID is the key system-a:system-b:ear:<hex> in Redis, and it is still
# refused after kamailio restarts (the shared-memory cache is gone, Redis
# kept the ID). With redis-server stopped a new EAR is refused with 503
# replay.store_unavailable, counted and logged with the alarm of that name;
# with redis-server started again the next new EAR passes (each worker
# reconnects). docs/high-availability.md.
. "$(dirname "$0")/lib.sh"
t_init "$@"
. "$T_LIB_DIR/test_ear_lib.sh"

command -v redis-server >/dev/null || t_die "redis-server installed (scripts/setup.sh)"
B_PAI="P-Asserted-Identity: <$B_SRV>"
REDIS_SOCK=$T_DIR/redis.sock
REDIS_PID=

redis_start() {
    redis-server --port 0 --unixsocket "$REDIS_SOCK" --dir "$T_DIR" --save "" \
        --appendonly no --loglevel warning >>"$T_DIR/redis.log" 2>&1 &
    REDIS_PID=$!
    T_BG_PIDS+=("$REDIS_PID")
    local i
    for i in $(seq 1 50); do
        redis-cli -s "$REDIS_SOCK" ping 2>/dev/null | grep -q PONG && return 0
        sleep 0.1
    done
    t_die "redis-server answers on $REDIS_SOCK"
}

redis_stop() {
    kill "$REDIS_PID" 2>/dev/null
    wait "$REDIS_PID" 2>/dev/null
    REDIS_PID=
}

# ear_send LABEL EAR STATUS [REASON]: one partner MESSAGE with the EAR; the
# border answers STATUS (200 from our core, or the refusal with REASON).
ear_send() {
    local label=$1 ear=$2 status=$3 reason=${4:-} scen
    if [ "$status" = 200 ]; then
        scen=$T_SCEN/uac_ear_message.xml
    else
        scen=$(ear_reject_scenario "$reason" "$status")
    fi
    uac_keys ruri="$A_USER" to="$A_USER" from="$B_USER" pai="$B_PAI" ear="MCX-EAR: $ear"
    sipp_run "$label" "$scen" "$PARTNER_IP" "$SIP_PORT" udp "$OUT_IP:$SIP_PORT" "${UAC_KEYS[@]}"
}

t_log "=== keys, Redis and policy"
ear_keys_init
redis_start
ear_policy "$T_DIR/policy.yaml" \
    "REPLAY=store: redis, redis: {address: $REDIS_SOCK, timeout_ms: 100, on_unreachable: refuse}"
kam_start "$T_DIR/policy.yaml"
core_responder_start

t_log "=== accepted once, then a replay"
ear=$(ear_sign srv-b "$B_SRV" "$A_USER")
ear_send first "$ear" 200
assert_eq "a new EAR passes" 0 $?
keys=$(redis-cli -s "$REDIS_SOCK" --scan --pattern 'system-a:system-b:ear:*')
assert_match "its ID is a key system-a:system-b:ear:<hex> in Redis" \
    '^system-a:system-b:ear:[0-9a-f]{32}$' "$keys"
replay0=$(stat_get system-b ear.replay)
ear_send replay "$ear" 403 ear.replay
assert_eq "the same EAR again: 403 ear.replay" 0 $?

t_log "=== kamailio restarted: Redis still knows the ID"
kam_stop
kam_start "$T_DIR/policy.yaml"
ear_send replay-after-restart "$ear" 403 ear.replay
assert_eq "the same EAR after a restart: 403 ear.replay" 0 $?
sleep 0.1
assert_delta "ear.replay counted (this kamailio)" 1 0 "$(stat_get system-b ear.replay)"
t_log "(ear.replay before the restart: $replay0)"

t_log "=== redis-server stopped: refused with 503 replay.store_unavailable"
redis_stop
log0=$(log_size)
before=$(stat_get system-b replay.store_unavailable)
ear_send unreachable "$(ear_sign srv-b "$B_SRV" "$A_USER")" 503 replay.store_unavailable
assert_eq "a new EAR without Redis: 503 replay.store_unavailable" 0 $?
sleep 0.1
assert_delta "counted replay.store_unavailable" 1 "$before" \
    "$(stat_get system-b replay.store_unavailable)"
assert_match "logged with its alarm" \
    "event=alarm alarm=replay\.store_unavailable severity=err cache=ear store=redis" \
    "$(log_since "$log0")"
assert_match "rejection logged" "reason=replay\.store_unavailable" "$(log_since "$log0")"

t_log "=== redis-server back: new EARs pass again"
redis_start
sleep 0.3 # the reconnect interval
pass0=$(stat_get system-b passed_in)
ok=0
for i in 1 2 3 4 5 6 7 8; do
    # Each of the kamailio workers reconnects on its own first request.
    ear_send "back-$i" "$(ear_sign srv-b "$B_SRV" "$A_USER")" 200 && ok=$((ok + 1))
done
assert_eq "8 new EARs pass after Redis is back" 8 "$ok"
assert_delta "passed_in moved by 8" 8 "$pass0" "$(stat_get system-b passed_in)"
t_check "kamailio still up with all its processes" kam_alive
kam_stop
redis_stop
t_finish
