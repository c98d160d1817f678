#!/bin/bash
# Explicit authentication on ingress, through real kamailio + mcsec.so: a
# partner request with a valid EAR (signed by the partner's MC server with
# keys from a KMS generated at test time) reaches our core; every EAR reason
# code is produced by a real request (403, 400 for ear.missing and
# ear.malformed, with Warning: 399 <host> "<code>"; its counter moves by one;
# nothing reaches the core); a replayed EAR is still refused after a policy
# reload (the shared cache survives);
# an in-dialog BYE without EAR passes when in_dialog is false (its Route is
# our Record-Route with its dialog token) and is refused (ear.missing) when
# it is true, the ACK passes either way; with in_dialog false a MESSAGE with
# an invented To-tag and no EAR is refused (ear.missing), also with a forged
# dialog token or the token of another dialog in its Route (issue 14); a retransmission
# over UDP is absorbed by tm and not taken for a replay; in a tiny replay
# cache shared by two partners, system-b fills its share (the default
# partners[].replay_quota, half of it) and is then refused new EARs with 503
# ear.replay_cache_full while system-c's EARs still pass; given the whole
# cache as its quota (reload), it fills the cache, which then refuses new
# EARs with 503 (replay.high alarm, /metrics).
# The EAR's source is the request's asserted identity: the partner's MC
# server signs and is the P-Asserted-Identity (TS 24.379 SIP-3: the user is
# in the body); an EAR from the server on a request that asserts a user is
# ear.source_mismatch, an MC client's EAR ear.client_role (docs/ear.md).
# Usage: test_ear_ingress.sh [udp|tcp]   (tcp runs a subset)
. "$(dirname "$0")/lib.sh"
t_init "$@"
. "$T_LIB_DIR/test_ear_lib.sh"

tr=${1:-udp}
B_PAI="P-Asserted-Identity: <$B_SRV>"
NO_EAR="X-Test: no-ear"

# ear_case LABEL REASON STATUS EAR_LINE [KEY=VALUE...]: one partner request
# the border must refuse with REASON.
ear_case() {
    local label=$1 reason=$2 status=$3 ear_line=$4
    shift 4
    local scen name before after log0 core0 core1 rc
    scen=$(ear_reject_scenario "$reason" "$status")
    name="in-$reason-$label-$tr"
    before=$(stat_get system-b "$reason")
    log0=$(log_size)
    core0=$(wc -l <"$T_DIR/core-requests.log")
    uac_keys ruri="$A_USER" to="$A_USER" from="$B_USER" pai="$B_PAI" ear="$ear_line" "$@"
    sipp_run "$name" "$scen" "$PARTNER_IP" "$SIP_PORT" "$tr" "$OUT_IP:$SIP_PORT" "${UAC_KEYS[@]}"
    rc=$?
    sleep 0.1
    after=$(stat_get system-b "$reason")
    core1=$(wc -l <"$T_DIR/core-requests.log")
    assert_eq "$tr $label: $status with Warning \"$reason\"" 0 $rc
    assert_delta "$tr $label: counter system-b/$reason" 1 "$before" "$after"
    assert_match "$tr $label: log line" \
        "event=refused reason=${reason//./\\.} partner=system-b direction=in " "$(log_since "$log0")"
    assert_eq "$tr $label: nothing reached the core" "$core0" "$core1"
}

# ear_pass LABEL EAR_LINE: a partner MESSAGE that must reach the core.
ear_pass() {
    local label=$1 ear_line=$2 before after core0 core1 rc
    before=$(stat_get system-b passed_in)
    core0=$(wc -l <"$T_DIR/core-requests.log")
    uac_keys ruri="$A_USER" to="$A_USER" from="$B_USER" pai="$B_PAI" ear="$ear_line"
    sipp_run "pass-$label-$tr" "$T_SCEN/uac_ear_message.xml" "$PARTNER_IP" "$SIP_PORT" "$tr" \
        "$OUT_IP:$SIP_PORT" "${UAC_KEYS[@]}"
    rc=$?
    sleep 0.1
    after=$(stat_get system-b passed_in)
    core1=$(wc -l <"$T_DIR/core-requests.log")
    assert_eq "$tr $label: 200 from our core" 0 $rc
    assert_delta "$tr $label: counter system-b/passed_in" 1 "$before" "$after"
    assert_delta "$tr $label: arrived at the core" 1 "$core0" "$core1"
}

t_log "=== keys and policy ($tr)"
ear_keys_init
ear_policy "$T_DIR/policy.yaml" "TRANSPORT=$tr"
kam_start "$T_DIR/policy.yaml"

if [ "$tr" = udp ]; then
    t_log "=== retransmission of a request with an EAR is not a replay"
    sipp_bg core-slow "$T_SCEN/uas_ear_slow.xml" "$CORE_IP" "$CORE_PORT" udp -m 1 ||
        t_fail "slow core sipp binds"
    ear=$(ear_sign srv-b "$B_SRV" "$A_USER")
    replay0=$(stat_get system-b ear.replay)
    pass0=$(stat_get system-b passed_in)
    uac_keys ruri="$A_USER" to="$A_USER" from="$B_USER" pai="$B_PAI" ear="MCX-EAR: $ear"
    sipp_run "retrans-$tr" "$T_SCEN/uac_ear_message.xml" "$PARTNER_IP" "$SIP_PORT" udp \
        "$OUT_IP:$SIP_PORT" "${UAC_KEYS[@]}"
    assert_eq "retransmitted MESSAGE gets the core's 200" 0 $?
    sipp_wait core-slow
    assert_eq "slow core got the MESSAGE with its EAR" 0 $?
    sleep 0.1
    sent=$(grep -c '^MESSAGE sip:' "$T_DIR/sipp-retrans-$tr.msg")
    t_check "the sender retransmitted (sent $sent copies)" [ "$sent" -ge 2 ]
    assert_delta "retransmissions not counted as ear.replay" 0 "$replay0" \
        "$(stat_get system-b ear.replay)"
    assert_delta "one pass for the transaction" 1 "$pass0" "$(stat_get system-b passed_in)"
fi

core_responder_start
: >>"$T_DIR/core-requests.log"

t_log "=== a valid EAR passes"
valid=$(ear_sign srv-b "$B_SRV" "$A_USER")
verified0=$(metric_get 'mcsec_ear_operations_total{partner="system-b",op="verify",result="ok"}')
ear_pass valid-ear "MCX-EAR: $valid"
assert_delta "/metrics: the EAR counted as verified ok" 1 "${verified0:-x}" \
    "$(metric_get 'mcsec_ear_operations_total{partner="system-b",op="verify",result="ok"}')"

t_log "=== each reason code"
ear_case missing ear.missing 400 "$NO_EAR"
ear_case replayed ear.replay 403 "MCX-EAR: $valid"
ear_case other-kms ear.bad_signature 403 "MCX-EAR: $(ear_sign srv-x "$B_SRV" "$A_USER")"
if [ "$tr" = udp ]; then
    ear_case not-base64 ear.malformed 400 "MCX-EAR: not*an*EAR"
    ear_case truncated ear.malformed 400 "MCX-EAR: ${valid:0:60}"
    ear_case flipped-byte ear.bad_signature 403 \
        "MCX-EAR: $(ear_flip "$(ear_sign srv-b "$B_SRV" "$A_USER")")"
    ear_case third-system ear.unknown_signer 403 "MCX-EAR: $(ear_sign srv-c "$C_SRV" "$A_USER")"
    ear_case client-role ear.client_role 403 \
        "MCX-EAR: $(ear_sign srv-b "$B_SRV" "$A_USER" --source-role 1)"
    ear_case user-asserted ear.source_mismatch 403 \
        "MCX-EAR: $(ear_sign srv-b "$B_SRV" "$A_USER")" pai="P-Asserted-Identity: <$B_USER>"
    ear_case other-target ear.wrong_target 403 \
        "MCX-EAR: $(ear_sign srv-b "$B_SRV" sip:carol@a.mcx.example)"
    # One EAR, one protocol (docs/ear.md): an EAR made for HTTP-3 (an
    # https origin of ours) is never valid on SIP-3.
    ear_case http-target ear.wrong_target 403 \
        "MCX-EAR: $(ear_sign srv-b "$B_SRV" https://a.mcx.example)"
    ear_case old-date ear.stale 403 \
        "MCX-EAR: $(ear_sign srv-b "$B_SRV" "$A_USER" --now $(($(date +%s) - 300)))"
    assert_eq "ear.clock_skew alarm: one line for the EAR 300 s old" 1 \
        "$(grep -cE 'event=alarm alarm=ear.clock_skew severity=warning partner=system-b offset_seconds=-30[0-9] ' "$KAM_LOG")"
    t_check "/metrics: the EAR 300 s old counted beyond half the skew" \
        test "$(metric_get 'mcsec_ear_clock_skew_exceeded_total{partner="system-b"}')" -ge 1
    t_check "/metrics: its offset in the le=-60 bucket" \
        test "$(metric_get 'mcsec_ear_clock_offset_seconds_bucket{le="-60"}')" -ge 1
    t_check "/metrics: the refused EARs counted as failed verifications" \
        test "$(metric_get 'mcsec_ear_operations_total{partner="system-b",op="verify",result="failed"}')" -ge 10
    ear_case expired ear.expired 403 \
        "MCX-EAR: $(ear_sign srv-b "$B_SRV" "$A_USER" --now $(($(date +%s) - 10)) --expiry 5)"
    ear_case privileged-type ear.type_denied 403 \
        "MCX-EAR: $(ear_sign srv-b "$B_SRV" "$A_USER" --request-type 1)"
    two="MCX-EAR: $(ear_sign srv-b "$B_SRV" "$A_USER")"
    ear_case two-headers ear.malformed 400 "$two"$'\r\n'"$two"

    t_log "=== the replay cache survives a policy reload"
    gen0=$(kam_rpc mcsec.reload 2>&1)
    t_log "mcsec.reload: $(printf '%s' "$gen0" | tr '\n' ' ')"
    ear_case replayed-after-reload ear.replay 403 "MCX-EAR: $valid"

    t_log "=== in-dialog requests without EAR pass (in_dialog: false)"
    missing0=$(stat_get system-b ear.missing)
    pass0=$(stat_get system-b passed_in)
    core0=$(wc -l <"$T_DIR/core-requests.log")
    uac_keys ruri="$A_USER" to="$A_USER" from="$B_USER" pai="$B_PAI" \
        ear="MCX-EAR: $(ear_sign srv-b "$B_SRV" "$A_USER")"
    sipp_run "dialog-$tr" "$T_SCEN/uac_ear_invite.xml" "$PARTNER_IP" "$SIP_PORT" udp \
        "$OUT_IP:$SIP_PORT" "${UAC_KEYS[@]}"
    assert_eq "INVITE with EAR, ACK and BYE without: dialog completes" 0 $?
    sleep 0.1
    assert_delta "no ear.missing for ACK and BYE" 0 "$missing0" "$(stat_get system-b ear.missing)"
    assert_delta "INVITE, ACK, BYE passed" 3 "$pass0" "$(stat_get system-b passed_in)"
    assert_match "BYE reached the core" "BYE sip:" "$(tail -n +$((core0 + 1)) "$T_DIR/core-requests.log")"

    dlg=$(grep -o 'mcsec-dlg=[a-z2-7]*' "$T_DIR/sipp-dialog-$tr.msg" | head -1)
    t_check "the BYE's Route is our Record-Route with its dialog token" \
        grep -q "^Route: .*;mcsec-dlg=[a-z2-7]\{20,\}" "$T_DIR/sipp-dialog-$tr.msg"

    t_log "=== a To-tag alone is no dialog (issue 14): requests without EAR refused"
    # totag_case LABEL [ROUTE LINE]: a MESSAGE from the partner with an
    # invented To-tag and no EAR must get 400 ear.missing.
    totag_case() {
        local label=$1 route=${2:-} before core0 out
        before=$(stat_get system-b ear.missing)
        core0=$(wc -l <"$T_DIR/core-requests.log")
        {
            echo "# description: initial MESSAGE with an invented To-tag, no EAR ($label)"
            echo "# transport: udp"
            echo "MESSAGE $A_USER SIP/2.0"
            echo "Via: SIP/2.0/UDP $PARTNER_IP:$SIP_PORT;branch=@BRANCH@"
            echo "Max-Forwards: 70"
            [ -n "$route" ] && echo "$route"
            echo "From: <$B_USER>;tag=from-$label"
            echo "To: <$A_USER>;tag=invented-$label"
            echo "Call-ID: @CALLID@"
            echo "CSeq: 1 MESSAGE"
            echo "$B_PAI"
            echo "Content-Type: text/plain"
            echo "Content-Length: @CLEN@"
            echo ""
            echo "no EAR"
        } >"$T_DIR/totag-$label.sip"
        out=$($T_SIPTOOL send --proto udp --src "$PARTNER_IP:$SIP_PORT" --dst "$OUT_IP:$SIP_PORT" \
            --timeout 3 "$T_DIR/totag-$label.sip" 2>&1)
        assert_match "$label: answered 400" '^SIP/2.0 400' "$out"
        assert_delta "$label: counted ear.missing" 1 "$before" "$(stat_get system-b ear.missing)"
        assert_eq "$label: nothing reached the core" "$core0" "$(wc -l <"$T_DIR/core-requests.log")"
    }
    totag_case invented-to-tag
    totag_case forged-token \
        "Route: <sip:$OUT_IP:$SIP_PORT;lr;mcsec-dlg=aebagbafaydqqcikbmga2dqpcaireeyuculbogazdinryhi6d4qa>"
    totag_case other-dialogs-token "Route: <sip:$OUT_IP:$SIP_PORT;lr;$dlg>"

    t_log "=== in_dialog: true (after a reload): the BYE without EAR is refused"
    ear_policy "$T_DIR/policy.yaml" "TRANSPORT=$tr" EAR_IN_DIALOG=true
    assert_match "reload to in_dialog: true" "generation: 3" "$(kam_rpc mcsec.reload 2>&1)"
    missing0=$(stat_get system-b ear.missing)
    uac_keys ruri="$A_USER" to="$A_USER" from="$B_USER" pai="$B_PAI" \
        ear="MCX-EAR: $(ear_sign srv-b "$B_SRV" "$A_USER")"
    sipp_run "dialog-in-dialog-$tr" "$T_SCEN/uac_ear_invite_bye_refused.xml" "$PARTNER_IP" \
        "$SIP_PORT" udp "$OUT_IP:$SIP_PORT" "${UAC_KEYS[@]}"
    assert_eq "INVITE with EAR passes, ACK passes, BYE without EAR gets 400 ear.missing" 0 $?
    sleep 0.1
    assert_delta "ear.missing counted once (the BYE)" 1 "$missing0" \
        "$(stat_get system-b ear.missing)"
fi
t_check "$tr: kamailio still up with all its processes" kam_alive
kam_stop

if [ "$tr" = udp ]; then
    t_log "=== a partner over its replay quota is refused with 503, the other still passes"
    # The loader's smallest system.ear.replay_entries, two partners: each
    # may hold half of it (the default partners[].replay_quota).
    small=${EAR_MIN_REPLAY:-1024}
    share=$((small / 2))
    ear_policy "$T_DIR/policy-small.yaml" "EAR_REPLAY=$small"
    kam_start "$T_DIR/policy-small.yaml"
        echo SEQUENTIAL >"$T_DIR/fill.csv"
    # One short line per process: concurrent appends do not interleave.
    seq 1 $((small - 1)) | xargs -P 4 -I{} "$MCSEC_CTL" ear sign --keys "$EAR_KEYS/srv-b" \
        --source-id "$B_SRV" --source-role 2 --target-id "$A_USER" --target-role 2 \
        >>"$T_DIR/fill.csv"
    t_check "$((small - 1)) EARs signed for the fill" [ "$(grep -c . "$T_DIR/fill.csv")" -eq "$small" ]
    first=$(sed -n 2p "$T_DIR/fill.csv")
    pass0=$(stat_get system-b passed_in)
    uac_keys ruri="$A_USER" to="$A_USER" from="$B_USER" pai="$B_PAI"
    # shellcheck disable=SC2046
    sipp $(sipp_common fill "$T_SCEN/uac_ear_fill.xml" "$PARTNER_IP" "$SIP_PORT" udp) \
        -inf "$T_DIR/fill.csv" -m "$share" -r 1000 -l 50 "${UAC_KEYS[@]}" "$OUT_IP:$SIP_PORT" \
        </dev/null >"$T_DIR/sipp-fill.out" 2>&1
    rc=$?
    [ $rc -ne 0 ] && sipp_explain fill $rc
    assert_eq "$share valid EARs pass and fill system-b's share" 0 $rc
    assert_delta "passed_in moved by $share" "$share" "$pass0" "$(stat_get system-b passed_in)"
    ear_case over-quota ear.replay_cache_full 503 "MCX-EAR: $(ear_sign srv-b "$B_SRV" "$A_USER")"
    ear_case replay-over-quota ear.replay 403 "MCX-EAR: $first"
    c_pass0=$(stat_get system-c passed_in)
    uac_keys ruri="$A_USER" to="$A_USER" from="$C_USER" pai="P-Asserted-Identity: <$C_SRV>" \
        ear="MCX-EAR: $(ear_sign srv-c "$C_SRV" "$A_USER")"
    sipp_run "quota-other-partner" "$T_SCEN/uac_ear_message.xml" 127.0.30.1 "$SIP_PORT" udp \
        "$OUT_IP:$SIP_PORT" "${UAC_KEYS[@]}"
    assert_eq "system-c's new EAR still passes (its own share)" 0 $?
    sleep 0.1
    assert_delta "counter system-c/passed_in" 1 "$c_pass0" "$(stat_get system-c passed_in)"
    # /metrics per partner: each partner's live entries and its quota.
    assert_eq "metric: system-b holds its whole share" "$share" \
        "$(metric_get 'mcsec_replay_cache_entries{cache="ear",partner="system-b"}')"
    assert_eq "metric: system-b's quota" "$share" \
        "$(metric_get 'mcsec_replay_cache_capacity{cache="ear",partner="system-b"}')"
    assert_eq "metric: system-c holds its one EAR" 1 \
        "$(metric_get 'mcsec_replay_cache_entries{cache="ear",partner="system-c"}')"

    t_log "=== a full replay cache refuses new EARs with 503"
    # system-b may now hold the whole cache: it fills what is left.
    ear_policy "$T_DIR/policy-small.yaml" "EAR_REPLAY=$small" "REPLAY_QUOTA=$small"
    assert_match "reload with system-b's replay_quota $small" "generation: [0-9]+" \
        "$(kam_rpc mcsec.reload 2>&1)"
    rest=$((small - share - 1))
    { echo SEQUENTIAL; tail -n "$rest" "$T_DIR/fill.csv"; } >"$T_DIR/fill-rest.csv"
    pass0=$(stat_get system-b passed_in)
    uac_keys ruri="$A_USER" to="$A_USER" from="$B_USER" pai="$B_PAI"
    # shellcheck disable=SC2046
    sipp $(sipp_common fill-rest "$T_SCEN/uac_ear_fill.xml" "$PARTNER_IP" "$SIP_PORT" udp) \
        -inf "$T_DIR/fill-rest.csv" -m "$rest" -r 1000 -l 50 "${UAC_KEYS[@]}" \
        "$OUT_IP:$SIP_PORT" </dev/null >"$T_DIR/sipp-fill-rest.out" 2>&1
    rc=$?
    [ $rc -ne 0 ] && sipp_explain fill-rest $rc
    assert_eq "$rest more valid EARs pass and fill the cache" 0 $rc
    assert_delta "passed_in moved by $rest" "$rest" "$pass0" "$(stat_get system-b passed_in)"
    # The metrics process looks every 5 s: replay.high once for the crossing.
    for _ in $(seq 1 70); do
        grep -q 'event=alarm alarm=replay.high' "$KAM_LOG" && break
        sleep 0.1
    done
    assert_eq "replay.high alarm logged once (cache above 80 %)" 1 \
        "$(grep -c "event=alarm alarm=replay.high severity=warning cache=ear partner=\"\" entries=$small capacity=$small" "$KAM_LOG")"
    assert_eq "/metrics: the EAR cache is full" "$small" \
        "$(metric_get 'mcsec_replay_cache_entries{cache="ear",partner=""}')"
    ear_case cache-full ear.replay_cache_full 503 "MCX-EAR: $(ear_sign srv-b "$B_SRV" "$A_USER")"
    ear_case replay-in-full-cache ear.replay 403 "MCX-EAR: $first"
    t_check "kamailio still up with all its processes" kam_alive
    kam_stop
fi

t_finish
