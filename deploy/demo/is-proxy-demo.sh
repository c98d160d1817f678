#!/usr/bin/env bash
# The IS proxy demo: Debian's kamailio with mcsec.so on the example policy of
# system A (policies/system-a.yaml), in a network namespace of its own with
# only loopback up. sipp plays system B's IS proxy, a stranger (a direct MC
# client connection), our SIP core and B's side for egress. Prints what was
# forwarded and what was rejected and why, then the counters.
# usage: is-proxy-demo.sh   (after scripts/build.sh; as root)
set -u
here=$(cd "$(dirname "$0")" && pwd)
# The SIP test harness gives us the namespace, kamailio start/stop and sipp.
# shellcheck source=../../tests/sip/lib.sh
. "$here/../../tests/sip/lib.sh"
t_init "$@"

POLICY=$MCSEC_SRC/policies/system-a.yaml
# The keys the example names (kept when still good).
MCSECCTL=$MCSEC_CTL "$MCSEC_SRC/policies/make-example-keys.sh" || t_die "example keys"
"$MCSEC_CTL" policy check "$POLICY" || t_die "the example policy is valid"
kam_start "$POLICY"

# Our SIP core (answers what B sends us) and B's IS proxy side for egress.
sipp_bg core "$T_SCEN/uas_message.xml" "$CORE_IP" "$CORE_PORT" udp -m 1
MESSAGE_BODY_TYPE=application/vnd.3gpp.mcptt-info+xml

# send LABEL FROM_IP DEST METHOD RURI PAI: one request; prints the outcome.
send() {
    local label=$1 from_ip=$2 dest=$3 method=$4 ruri=$5 pai=$6
    local before status reason scen name caller
    DEMO_N=$((${DEMO_N:-0} + 1))
    name=demo-$DEMO_N
    scen=$T_DIR/$name.xml
    render_template "$here/any_reply.xml.in" "$scen" "METHOD=$method"
    # The body's calling user is the asserted identity (the body identity
    # check wants them from one system), the From URI when none is asserted.
    caller=$(printf '%s' "$pai" | sed -n 's/.*<\(sip:[^>]*\)>.*/\1/p')
    before=$(log_size)
    sipp_run "$name" "$scen" "$from_ip" 5060 udp "$dest" \
        -key ruri "$ruri" -key from "sip:demo@$from_ip" \
        -key pai "$pai" -key ctype "$MESSAGE_BODY_TYPE" \
        -key caller "${caller:-sip:demo@$from_ip}" >/dev/null 2>&1
    status=$(grep -aoE '^SIP/2.0 [0-9]{3}' "$T_DIR/sipp-$name.msg" 2>/dev/null |
        tail -n 1 | cut -d' ' -f2)
    sleep 0.2
    reason=$(log_since "$before" | grep -aoE 'reason=[a-z_.]+' | head -n 1 | cut -d= -f2)
    if [ "$status" = 200 ]; then
        printf '  %-46s -> FORWARDED (200 from the far side)\n' "$label"
    else
        printf '  %-46s -> REJECTED %s  reason=%s\n' "$label" "${status:-(no answer)}" \
            "${reason:-?}"
    fi
}

echo
echo "== system A's IS proxy, policy $POLICY"
echo "   outside (SIP-3) $OUT_IP:$SIP_PORT, inside $IN_IP:$SIP_PORT, SIP core $CORE_IP:$CORE_PORT"
echo "== ingress: requests arriving from the partner side"
send "B's IS proxy, B officer, MESSAGE" "$PARTNER_IP" "$OUT_IP:$SIP_PORT" MESSAGE \
    sip:dispatch@a.mcx.example "P-Asserted-Identity: <sip:officer7@b.mcx.example>"
sipp_wait core >/dev/null 2>&1
send "stranger 127.0.99.9 (direct MC client)" "$STRANGER_IP" "$OUT_IP:$SIP_PORT" MESSAGE \
    sip:dispatch@a.mcx.example "P-Asserted-Identity: <sip:officer7@b.mcx.example>"
send "B's IS proxy, identity of OUR domain" "$PARTNER_IP" "$OUT_IP:$SIP_PORT" MESSAGE \
    sip:dispatch@a.mcx.example "P-Asserted-Identity: <sip:chief@a.mcx.example>"
send "B's IS proxy, identity of a third system" "$PARTNER_IP" "$OUT_IP:$SIP_PORT" MESSAGE \
    sip:dispatch@a.mcx.example "P-Asserted-Identity: <sip:x@c.mcx.example>"
send "B's IS proxy, no asserted identity" "$PARTNER_IP" "$OUT_IP:$SIP_PORT" MESSAGE \
    sip:dispatch@a.mcx.example "X-Demo: none"
send "B's IS proxy, REGISTER" "$PARTNER_IP" "$OUT_IP:$SIP_PORT" REGISTER \
    sip:a.mcx.example "P-Asserted-Identity: <sip:officer7@b.mcx.example>"

echo "== egress: requests from our SIP core towards partners"
sipp_bg partner "$T_SCEN/uas_message.xml" "$PARTNER_IP" "$SIP_PORT" udp -m 1
send "our dispatcher to B's officer" "$CORE_IP" "$IN_IP:$SIP_PORT" MESSAGE \
    sip:officer7@b.mcx.example "P-Asserted-Identity: <sip:dispatch@a.mcx.example>"
sipp_wait partner >/dev/null 2>&1
send "our dispatcher to an unknown system" "$CORE_IP" "$IN_IP:$SIP_PORT" MESSAGE \
    sip:x@elsewhere.example "P-Asserted-Identity: <sip:dispatch@a.mcx.example>"

echo "== counters (kamcmd mcsec.stats), non-zero ones"
kam_rpc mcsec.stats | awk '
    /name:/ { who = $2 } /^[ \t]*total: *\{/ { who = "total" } /unmatched: *\{/ { who = "no-partner" }
    $1 ~ /:$/ && $2 ~ /^[0-9]+$/ && $2 > 0 && $1 != "generation:" { printf "  %-12s %-24s %s\n", who, $1, $2 }'
echo "== rejections as logged by mcsec.so"
grep -a 'mcsec: event=refused' "$KAM_LOG" | sed 's/^.*mcsec: /  /'
kam_stop
echo "== demo done"
