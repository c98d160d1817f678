#!/bin/bash
# Allowed traffic crosses the border both ways, over UDP and TCP:
#   ingress: partner IS proxy (sipp UAC, 127.0.20.1) -> our outside socket
#            -> our SIP core (sipp UAS, 127.0.10.2:5070)
#   egress:  our core (sipp UAC, 127.0.10.2:5071) -> our inside socket
#            -> partner IS proxy (sipp UAS, 127.0.20.1:5060)
# for a MESSAGE (asserted identity + mcptt-info body) and a whole INVITE
# dialog (INVITE/180/200/ACK/BYE/200). The receiving sipp must really get
# the request with its P-Asserted-Identity, and the passed counters move.
# The core always listens on UDP: the policy's sip.core has no transport
# (sip.transport is towards partners), so ingress over TCP reaches the core
# over UDP; egress uses the policy's transport towards the partner.
# Usage: test_allowed_dialogs_pass.sh [udp|tcp]...  (default: both)
. "$(dirname "$0")/lib.sh"
t_init "$@"

transports=${*:-udp tcp}

# ingress: partner UAC -> outside socket -> core UAS. Extra KEY=VALUE
# arguments go to uac_keys (e.g. pad=... for a large body).
ingress_case() {
    local tr=$1 kind=$2 label=${3:-$2} uac uas
    shift 3 2>/dev/null || shift $#
    uac=$T_SCEN/uac_$kind.xml
    uas=$T_SCEN/uas_$kind.xml
    sipp_bg "core-$label-$tr" "$uas" "$CORE_IP" "$CORE_PORT" udp -m 1 ||
        { t_fail "ingress $label over $tr: core UAS listens"; return; }
    uac_keys pai="P-Asserted-Identity: <sip:bob@b.mcx.example>" "$@"
    sipp_run "partner-$label-$tr" "$uac" "$PARTNER_IP" "$SIP_PORT" "$tr" "$OUT_IP:$SIP_PORT" \
        "${UAC_KEYS[@]}"
    local rc_uac=$?
    sipp_wait "core-$label-$tr"
    local rc_uas=$?
    assert_eq "ingress $label over $tr: partner UAC completes" 0 $rc_uac
    assert_eq "ingress $label over $tr: core UAS got it and completed" 0 $rc_uas
    assert_match "ingress $label over $tr: core saw the partner's asserted identity" \
        "pai=<sip:bob@b\.mcx\.example>" "$(cat "$T_DIR/sipp-core-$label-$tr.log" 2>/dev/null)"
}

# egress: core UAC -> inside socket -> partner UAS
egress_case() {
    local tr=$1 kind=$2 uac uas
    uac=$T_SCEN/uac_$kind.xml
    uas=$T_SCEN/uas_$kind.xml
    sipp_bg "partner-uas-$kind-$tr" "$uas" "$PARTNER_IP" "$SIP_PORT" "$tr" -m 1 ||
        { t_fail "egress $kind over $tr: partner UAS listens"; return; }
    uac_keys ruri=sip:bob@b.mcx.example to=sip:bob@b.mcx.example from=sip:alice@a.mcx.example \
        pai="P-Asserted-Identity: <sip:alice@a.mcx.example>"
    sipp_run "core-uac-$kind-$tr" "$uac" "$CORE_IP" 5071 "$tr" "$IN_IP:$SIP_PORT" "${UAC_KEYS[@]}"
    local rc_uac=$?
    sipp_wait "partner-uas-$kind-$tr"
    local rc_uas=$?
    assert_eq "egress $kind over $tr: core UAC completes" 0 $rc_uac
    assert_eq "egress $kind over $tr: partner UAS got it and completed" 0 $rc_uas
    assert_match "egress $kind over $tr: partner saw our asserted identity" \
        "pai=<sip:alice@a\.mcx\.example>" "$(cat "$T_DIR/sipp-partner-uas-$kind-$tr.log" 2>/dev/null)"
}

for tr in $transports; do
    t_log "=== transport $tr"
    # max_body as in policies/system-a.yaml
    t_policy "$T_DIR/policy-$tr.yaml" "TRANSPORT=$tr" B_MAX_BODY=16384
    kam_start "$T_DIR/policy-$tr.yaml"
    in0=$(stat_get system-b passed_in)
    out0=$(stat_get system-b passed_out)
    ingress_case "$tr" message
    ingress_case "$tr" invite
    egress_case "$tr" message
    egress_case "$tr" invite
    # MESSAGE 1 + INVITE, ACK, BYE = 4 requests each way
    assert_delta "$tr: system-b passed_in counts the ingress requests" 4 "$in0" "$(stat_get system-b passed_in)"
    # A body just under max_body must pass too: protected multipart bodies
    # are why SIP-3 runs over TCP (the whole message is then ~16.5 KB).
    ingress_case "$tr" message large-body pad="$(printf '%015900d' 0)"
    assert_delta "$tr: system-b passed_out counts the egress requests" 4 "$out0" "$(stat_get system-b passed_out)"
    t_check "$tr: kamailio still up with all its processes" kam_alive
    kam_stop
done

t_finish
