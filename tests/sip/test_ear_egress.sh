#!/bin/bash
# Explicit authentication on egress, through real kamailio + mcsec.so:
# towards a partner whose policy has ear.sign_on_behalf, a request our core
# sent without EAR leaves with an MCX-EAR header signed by the border (role
# 4, system.ear.sign_identity) that `mcsecctl ear verify` accepts under our
# KMS's public file; an EAR our MC server attached is checked under our KMS
# and passed on unchanged; a forged or misdirected one is refused; towards a
# partner without sign_on_behalf a request without EAR is refused with
# ear.missing. Our server's EAR must come from the request's asserted
# identity (ear.source_mismatch otherwise) and never from an MC client
# (ear.client_role). Usage: test_ear_egress.sh [udp|tcp]
. "$(dirname "$0")/lib.sh"
t_init "$@"
. "$T_LIB_DIR/test_ear_lib.sh"

tr=${1:-udp}
A_PAI="P-Asserted-Identity: <$A_SRV>"
NO_EAR="X-Test: no-ear"
EGRESS_PORT=5071

# egress_reject LABEL PARTNER REASON STATUS RURI EAR_LINE [KEY=VALUE...]:
# our core's request must be refused with STATUS and REASON, counted for
# PARTNER.
egress_reject() {
    local label=$1 partner=$2 reason=$3 status=$4 ruri=$5 ear_line=$6 scen before after log0 rc
    shift 6
    scen=$(ear_reject_scenario "$reason" "$status")
    before=$(stat_get "$partner" "$reason")
    log0=$(log_size)
    uac_keys ruri="$ruri" to="$ruri" from="$A_USER" pai="$A_PAI" ear="$ear_line" "$@"
    sipp_run "out-$reason-$label-$tr" "$scen" "$CORE_IP" "$EGRESS_PORT" "$tr" "$IN_IP:$SIP_PORT" \
        "${UAC_KEYS[@]}"
    rc=$?
    sleep 0.1
    after=$(stat_get "$partner" "$reason")
    assert_eq "$tr out $label: $status with Warning \"$reason\"" 0 $rc
    assert_delta "$tr out $label: counter $partner/$reason" 1 "$before" "$after"
    assert_match "$tr out $label: log line" \
        "event=refused reason=${reason//./\\.} partner=$partner direction=out " "$(log_since "$log0")"
}

# egress_pass LABEL EAR_LINE: our core's MESSAGE to bob@b must reach the
# partner's sipp with exactly one MCX-EAR header; prints nothing, sets
# PARTNER_EAR to the value the partner received.
egress_pass() {
    local label=$1 ear_line=$2 name="partner-$1-$tr" rc
    PARTNER_EAR=
    sipp_bg "$name" "$T_SCEN/uas_ear_partner.xml" "$PARTNER_IP" "$SIP_PORT" "$tr" -m 1 ||
        t_fail "$tr out $label: partner sipp binds"
    uac_keys ruri="$B_USER" to="$B_USER" from="$A_USER" pai="$A_PAI" ear="$ear_line"
    sipp_run "out-$label-$tr" "$T_SCEN/uac_ear_message.xml" "$CORE_IP" "$EGRESS_PORT" "$tr" \
        "$IN_IP:$SIP_PORT" "${UAC_KEYS[@]}"
    rc=$?
    assert_eq "$tr out $label: 200 from the partner" 0 $rc
    sipp_wait "$name"
    assert_eq "$tr out $label: partner got a MESSAGE with an MCX-EAR header" 0 $?
    PARTNER_EAR=$(sed -n 's/^.*ear=\([A-Za-z0-9_=-]*\).*$/\1/p' "$T_DIR/sipp-$name.log" | head -n 1)
    local headers
    headers=$(grep -ci '^MCX-EAR:' "$T_DIR/sipp-$name.msg")
    assert_eq "$tr out $label: exactly one MCX-EAR header arrived" 1 "$headers"
}

t_log "=== keys and policy ($tr)"
ear_keys_init
ear_policy "$T_DIR/policy.yaml" "TRANSPORT=$tr" EAR_SIGN=true
kam_start "$T_DIR/policy.yaml"
# mcsec.expiry lists the end of both key periods our signing keys cover.
expiry=$(kam_rpc mcsec.expiry 2>&1)
assert_eq "$tr: mcsec.expiry lists two signing key periods" 2 \
    "$(printf '%s\n' "$expiry" | grep -c 'system.keys.signing key period')"
assert_match "$tr: mcsec.expiry has the threshold" 'expiry_warning_days: 14' "$expiry"

t_log "=== sign_on_behalf: the border signs a request that has no EAR"
egress_pass signed-by-border "$NO_EAR"
printf '%s\n' "$PARTNER_EAR" >"$T_DIR/border-ear.txt"
verify=$("$MCSEC_CTL" ear verify --kms-pub "$EAR_KEYS/kms-a/kms.pub" --target-id "$B_USER" \
    <"$T_DIR/border-ear.txt" 2>&1)
assert_match "$tr: mcsecctl ear verify accepts the border's EAR under our kms.pub" \
    'result=ok' "$verify"
assert_match "$tr: signed as the border (role 4, sign_identity)" \
    "source_role=4 source_id=$A_BORDER " "$(printf '%s' "$verify" | tr '\n' ' ')"
assert_match "$tr: target is the request-URI" "target_id=$B_USER" "$verify"
other=$("$MCSEC_CTL" ear verify --kms-pub "$EAR_KEYS/kms-b/kms.pub" --target-id "$B_USER" \
    <"$T_DIR/border-ear.txt" 2>&1)
assert_match "$tr: another KMS rejects it" 'ear\.bad_signature' "$other"

t_log "=== an EAR from our MC server is checked and passed on unchanged"
server_ear=$(ear_sign srv-a "$A_SRV" "$B_USER")
egress_pass server-ear "MCX-EAR: $server_ear"
assert_eq "$tr: the partner got our server's EAR unchanged" "$server_ear" "$PARTNER_EAR"

if [ "$tr" = udp ]; then
    t_log "=== forged or misdirected EARs from inside are refused"
    egress_reject other-kms system-b ear.bad_signature 403 "$B_USER" \
        "MCX-EAR: $(ear_sign srv-xa "$A_SRV" "$B_USER")"
    egress_reject other-target system-b ear.wrong_target 403 "$B_USER" \
        "MCX-EAR: $(ear_sign srv-a "$A_SRV" sip:dave@b.mcx.example)"
    egress_reject partner-signer system-b ear.unknown_signer 403 "$B_USER" \
        "MCX-EAR: $(ear_sign srv-b "$B_SRV" "$B_USER")"
    egress_reject client-role system-b ear.client_role 403 "$B_USER" \
        "MCX-EAR: $(ear_sign srv-a "$A_SRV" "$B_USER" --source-role 1)"
    egress_reject user-asserted system-b ear.source_mismatch 403 "$B_USER" \
        "MCX-EAR: $(ear_sign srv-a "$A_SRV" "$B_USER")" pai="P-Asserted-Identity: <$A_USER>"
fi

t_log "=== without sign_on_behalf a request without EAR is refused"
egress_reject no-ear system-c ear.missing 400 "$C_USER" "$NO_EAR"

t_check "$tr: kamailio still up with all its processes" kam_alive
kam_stop
t_finish
