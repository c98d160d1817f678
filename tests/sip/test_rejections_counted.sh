#!/bin/bash
# Every rejection reason of the SIP-3 checks is produced by a real request,
# over UDP and TCP: the sender gets 403 (400 for sip.malformed) with
# "Warning: 399 <host> "<code>"" (the policy turns warning_reason on; the
# sipp scenario fails unless the header names exactly that code), the
# per-partner counter of that code moves by one, kamailio logs
# "mcsec: event=refused reason=<code> partner=... direction=...", an ingress rejection never
# reaches our SIP core, and a stranger's request on the inside socket
# (src.not_internal_peer) never reaches the partner.
# Usage: test_rejections_counted.sh [udp|tcp]...  (default: both)
. "$(dirname "$0")/lib.sh"
t_init "$@"

transports=${*:-udp tcp}
B_PAI="P-Asserted-Identity: <sip:bob@b.mcx.example>"
A_PAI="P-Asserted-Identity: <sip:alice@a.mcx.example>"

# reject_case TR DIR REASON STATUS COUNTER_PARTNER SRC_IP LABEL [KEY=VALUE...]
#   COUNTER_PARTNER "-": the request matches no partner, so the reply must
#   carry no Warning (no partner's warning_reason applies).
#   DIR in: sender at SRC_IP:5060 -> outside socket;
#   DIR out: sender at SRC_IP:5071 -> inside socket.
reject_case() {
    local tr=$1 dir=$2 reason=$3 status=$4 cpartner=$5 src=$6 label=$7
    shift 7
    local scen name dst sport before after log0 core0 core1 rc
    local warning=yes method=MESSAGE kv
    [ "$cpartner" = - ] && warning=no
    local lpartner=$cpartner # the log line's partner= ("" for none)
    [ "$cpartner" = - ] && lpartner='""'
    for kv in "$@"; do [ "${kv%%=*}" = method ] && method=${kv#*=}; done
    scen=$(reject_scenario "$reason" "$status" "$warning" "$method")
    name="$dir-$reason-$label-$tr"
    if [ "$dir" = in ]; then dst=$OUT_IP:$SIP_PORT sport=$SIP_PORT; else dst=$IN_IP:$SIP_PORT sport=5071; fi
    before=$(stat_get "$cpartner" "$reason")
    log0=$(log_size)
    core0=$(wc -l <"$T_DIR/core-requests.log" 2>/dev/null || echo 0)
    uac_keys "$@"
    sipp_run "$name" "$scen" "$src" "$sport" "$tr" "$dst" "${UAC_KEYS[@]}"
    rc=$?
    sleep 0.1
    after=$(stat_get "$cpartner" "$reason")
    core1=$(wc -l <"$T_DIR/core-requests.log" 2>/dev/null || echo 0)
    local what="$dir $tr $label"
    if [ $warning = yes ]; then
        assert_eq "$what: $status with Warning \"$reason\"" 0 $rc
    else
        assert_eq "$what: $status without Warning" 0 $rc
    fi
    assert_delta "$what: counter $cpartner/$reason" 1 "$before" "$after"
    assert_match "$what: log line" \
        "event=refused reason=${reason//./\\.} partner=$lpartner direction=$dir " "$(log_since "$log0")"
    [ "$dir" = in ] && assert_eq "$what: nothing reached the core" "$core0" "$core1"
}

# partner_responder_start / _stop: a responder on the partner IS proxy's
# address that logs what it gets (the inside cases; the ingress cases send
# from that address themselves, so it runs only around them).
partner_responder_start() {
    : >"$T_DIR/partner-requests.log"
    responder_start partner "$PARTNER_IP:$SIP_PORT"
    PARTNER_PID=$RESPONDER_PID
}
partner_responder_stop() {
    kill "$PARTNER_PID" 2>/dev/null
    wait "$PARTNER_PID" 2>/dev/null
}

core_responder_start
: >"$T_DIR/core-requests.log"
for tr in $transports; do
    t_log "=== transport $tr"
    t_policy "$T_DIR/policy-$tr.yaml" "TRANSPORT=$tr"
    kam_start "$T_DIR/policy-$tr.yaml"

    # ingress, in the order of the checks
    reject_case "$tr" in src.not_partner 403 - "$STRANGER_IP" direct-client pai="$B_PAI"
    # A CANCEL is matched by tm on its Via branch, which a stranger can
    # copy: it is refused on its source before any transaction lookup.
    reject_case "$tr" in src.not_partner 403 - "$STRANGER_IP" cancel method=CANCEL \
        pai="$B_PAI"
    reject_case "$tr" in sip.method_denied 403 system-b "$PARTNER_IP" REGISTER \
        method=REGISTER ruri=sip:a.mcx.example to=sip:bob@b.mcx.example pai="$B_PAI"
    reject_case "$tr" in sip.method_denied 403 system-b "$PARTNER_IP" PUBLISH \
        method=PUBLISH pai="$B_PAI"
    reject_case "$tr" in src.internal_id_spoof 403 system-b "$PARTNER_IP" our-domain \
        pai="P-Asserted-Identity: <sip:mallory@a.mcx.example>"
    reject_case "$tr" in src.internal_id_spoof 403 system-b "$PARTNER_IP" our-subdomain \
        pai="P-Asserted-Identity: \"Ops\" <sip:mallory@OPS.a.mcx.example;user=phone>"
    reject_case "$tr" in src.foreign_id 403 system-b "$PARTNER_IP" third-system \
        pai="P-Asserted-Identity: <sip:carol@c.mcx.example>"
    reject_case "$tr" in src.foreign_id 403 system-b "$PARTNER_IP" unknown-domain \
        pai="P-Asserted-Identity: <sips:eve@evil.example>"
    reject_case "$tr" in src.no_identity 403 system-b "$PARTNER_IP" no-pai
    reject_case "$tr" in src.no_identity 403 system-b "$PARTNER_IP" tel-only \
        pai="P-Asserted-Identity: <tel:+4930123456>"
    reject_case "$tr" in sip.content_type_denied 403 system-b "$PARTNER_IP" octet-stream \
        ctype=application/octet-stream pai="$B_PAI"
    reject_case "$tr" in sip.body_too_large 403 system-b "$PARTNER_IP" 5KB-body \
        pad="$(printf '%05000d' 0)" pai="$B_PAI"
    reject_case "$tr" in sip.malformed 400 system-b "$PARTNER_IP" two-sip-pai \
        pai="P-Asserted-Identity: <sip:bob@b.mcx.example>, <sip:bob2@b.mcx.example>"

    # egress: our core sends towards the partner side
    reject_case "$tr" out dst.not_partner 403 - "$CORE_IP" unknown-target \
        ruri=sip:x@elsewhere.example to=sip:x@elsewhere.example from=sip:alice@a.mcx.example pai="$A_PAI"
    reject_case "$tr" out src.not_internal 403 system-b "$CORE_IP" partner-identity \
        ruri=sip:bob@b.mcx.example to=sip:bob@b.mcx.example pai="$B_PAI"
    reject_case "$tr" out src.not_internal 403 system-b "$CORE_IP" third-identity \
        ruri=sip:bob@b.mcx.example to=sip:bob@b.mcx.example pai="P-Asserted-Identity: <sip:carol@c.mcx.example>"
    reject_case "$tr" out src.no_identity 403 system-b "$CORE_IP" no-pai \
        ruri=sip:bob@b.mcx.example to=sip:bob@b.mcx.example
    reject_case "$tr" out sip.method_denied 403 system-b "$CORE_IP" REGISTER \
        method=REGISTER ruri=sip:b.mcx.example to=sip:alice@a.mcx.example pai="$A_PAI"

    # the inside socket takes requests from our SIP core only (the policy's
    # sip.inside_peers): a stranger's request or CANCEL there is refused
    # first, and nothing reaches the partner (a responder on its address
    # would answer 200 to a request relayed to it)
    partner_responder_start
    p0=$(wc -l <"$T_DIR/partner-requests.log")
    reject_case "$tr" out src.not_internal_peer 403 - "$STRANGER_IP" stranger \
        ruri=sip:bob@b.mcx.example to=sip:bob@b.mcx.example from=sip:alice@a.mcx.example pai="$A_PAI"
    reject_case "$tr" out src.not_internal_peer 403 - "$STRANGER_IP" stranger-cancel \
        method=CANCEL ruri=sip:bob@b.mcx.example to=sip:bob@b.mcx.example pai="$A_PAI"
    assert_eq "$tr: nothing from the stranger reached the partner" "$p0" \
        "$(wc -l <"$T_DIR/partner-requests.log")"
    partner_responder_stop

    t_check "$tr: kamailio still up with all its processes" kam_alive
    kam_stop
done

t_finish
