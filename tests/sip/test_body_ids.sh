#!/bin/bash
# Identities inside bodies on ingress, through real kamailio + mcsec.so
# (docs/policy-reference.md "Identities inside bodies" and "Migration"):
# partner B's MC server sends MESSAGEs whose mcptt-info body names the
# caller (mcptt-calling-user-id) and the called user (mcptt-request-uri),
# with an EAR signed by that server (auth explicit, request types group and
# migration allowed). The body's caller of a third system is refused
# (body.foreign_id), one of ours is refused (body.internal_id_spoof); a user
# of ours that B serves (migration.our_users_served_there) passes with an
# EAR of request type migration and is refused with another type or after
# the entry expired; from a partner with implicit authentication (no EAR
# at all) it is refused too. Egress, the reverse: our core's MESSAGE whose
# caller is the partner's user is refused (body.foreign_id) unless that
# user is one we serve (migration.their_users_served_here) and our MC
# server's EAR says migration. Each refusal is a 403 with its Warning, counted, and
# nothing reaches the core.
# Usage: test_body_ids.sh
. "$(dirname "$0")/lib.sh"
t_init "$@"
. "$T_LIB_DIR/test_ear_lib.sh"

tr=udp
B_PAI="P-Asserted-Identity: <$B_SRV>"
ROAMER=sip:roamer@a.mcx.example
FORMER=sip:former@a.mcx.example

# body_scenario STATUS [REASON]: the rendered uac_bodyid.xml.in's path.
body_scenario() {
    local status=$1 reason=${2:-} out
    out=$T_DIR/bodyid-$status-${reason:-pass}.xml
    if [ -n "$reason" ]; then
        render_template "$T_SCEN/uac_bodyid.xml.in" "$out" "STATUS=$status" \
            "WARNING_HDR=Warning:" "CHECK=true" \
            "WARNING_RE=^ *399 [^ ]+ &quot;($(printf '%s' "$reason" | sed 's/\./\\./g'))&quot; *\$"
    else
        render_template "$T_SCEN/uac_bodyid.xml.in" "$out" "STATUS=$status" \
            "WARNING_HDR=Warning:" "CHECK=false" "WARNING_RE=.*"
    fi
    echo "$out"
}

# body_case LABEL REASON|pass CALLER EAR_TYPE: one partner MESSAGE from the
# body's CALLER to alice@a, with an EAR of request type EAR_TYPE (none: no
# EAR header).
body_case() {
    local label=$1 reason=$2 caller=$3 type=$4
    local scen counter before after core0 core1 log0 rc
    if [ "$reason" = pass ]; then
        scen=$(body_scenario 200)
        counter=passed_in
    else
        scen=$(body_scenario 403 "$reason")
        counter=$reason
    fi
    before=$(stat_get system-b "$counter")
    core0=$(wc -l <"$T_DIR/core-requests.log")
    log0=$(log_size)
    local ear="X-Test: no-ear"
    [ "$type" = none ] || ear="MCX-EAR: $(ear_sign srv-b "$B_SRV" "$A_USER" --request-type "$type")"
    uac_keys ruri="$A_USER" to="$A_USER" from="$B_USER" pai="$B_PAI" caller="$caller" \
        called="$A_USER" ear="$ear"
    sipp_run "body-$label" "$scen" "$PARTNER_IP" "$SIP_PORT" "$tr" "$OUT_IP:$SIP_PORT" \
        "${UAC_KEYS[@]}"
    rc=$?
    sleep 0.1
    after=$(stat_get system-b "$counter")
    core1=$(wc -l <"$T_DIR/core-requests.log")
    if [ "$reason" = pass ]; then
        assert_eq "$label: 200 from our core" 0 $rc
        assert_delta "$label: arrived at the core" 1 "$core0" "$core1"
    else
        assert_eq "$label: 403 with Warning \"$reason\"" 0 $rc
        assert_delta "$label: nothing reached the core" 0 "$core0" "$core1"
        assert_match "$label: the log names the element" \
            "reason=${reason//./\\.} .*detail=\"mcptt-calling-user-id host" "$(log_since "$log0")"
    fi
    assert_delta "$label: counter system-b/$counter" 1 "$before" "$after"
}

t_log "=== keys and policy"
ear_keys_init
VISITOR=sip:visitor@b.mcx.example
MIGRATION="      our_users_served_there:
        - {id: \"$ROAMER\", expires: 2099-01-01T00:00:00Z}
        - {id: \"$FORMER\", expires: 2020-01-01T00:00:00Z}
      their_users_served_here:
        - {id: \"$VISITOR\", expires: 2099-01-01T00:00:00Z}"
ear_policy "$T_DIR/policy.yaml" "TRANSPORT=$tr" "EAR_TYPES=3, 5" "MIGRATION=$MIGRATION"
kam_start "$T_DIR/policy.yaml"
core_responder_start
: >>"$T_DIR/core-requests.log"

t_log "=== the partner's caller passes"
body_case partner-caller pass "$B_USER" 3
t_log "=== a third system's caller: body.foreign_id"
body_case foreign-caller body.foreign_id "$C_USER" 3
t_log "=== one of our users as the caller: body.internal_id_spoof"
body_case our-caller body.internal_id_spoof sip:eve@a.mcx.example 3
t_log "=== migration: our user served by B"
body_case migrated-with-migration-ear pass "$ROAMER" 5
body_case migrated-group-ear body.internal_id_spoof "$ROAMER" 3
body_case migration-expired body.internal_id_spoof "$FORMER" 5
body_case not-migrated-migration-ear body.internal_id_spoof sip:eve@a.mcx.example 5

# egress_case LABEL REASON|pass CALLER EAR_TYPE: our core's MESSAGE to
# bob@b whose body names CALLER, with our MC server's EAR of EAR_TYPE.
egress_case() {
    local label=$1 reason=$2 caller=$3 type=$4 scen before after rc name="partner-$1"
    if [ "$reason" = pass ]; then
        scen=$(body_scenario 200)
        sipp_bg "$name" "$T_SCEN/uas_ear_partner.xml" "$PARTNER_IP" "$SIP_PORT" "$tr" -m 1 ||
            t_fail "out $label: partner sipp binds"
    else
        scen=$(body_scenario 403 "$reason")
        before=$(stat_get system-b "$reason")
    fi
    uac_keys ruri="$B_USER" to="$B_USER" from="$A_USER" pai="P-Asserted-Identity: <$A_SRV>" \
        caller="$caller" called="$B_USER" \
        ear="MCX-EAR: $(ear_sign srv-a "$A_SRV" "$B_USER" --request-type "$type")"
    sipp_run "out-$label" "$scen" "$CORE_IP" 5071 "$tr" "$IN_IP:$SIP_PORT" "${UAC_KEYS[@]}"
    rc=$?
    if [ "$reason" = pass ]; then
        assert_eq "out $label: 200 from the partner" 0 $rc
        sipp_wait "$name"
        assert_eq "out $label: the partner got the MESSAGE" 0 $?
    else
        sleep 0.1
        after=$(stat_get system-b "$reason")
        assert_eq "out $label: 403 with Warning \"$reason\"" 0 $rc
        assert_delta "out $label: counter system-b/$reason" 1 "$before" "$after"
    fi
}
t_log "=== egress: the partner's user as our caller"
egress_case partner-user body.foreign_id "$B_USER" 3
egress_case visitor-migration-ear pass "$VISITOR" 5
egress_case visitor-group-ear body.foreign_id "$VISITOR" 3
t_check "kamailio still up with all its processes" kam_alive
kam_stop

t_log "=== implicit authentication: no EAR, so no migration"
sip_policy a "$T_DIR/policy-implicit.yaml" "TRANSPORT=$tr" LOG_PASSED=true "MIGRATION=$MIGRATION"
kam_start "$T_DIR/policy-implicit.yaml"
body_case implicit-partner-caller pass "$B_USER" none
body_case implicit-migrated-no-ear body.internal_id_spoof "$ROAMER" none
kam_stop
t_finish
