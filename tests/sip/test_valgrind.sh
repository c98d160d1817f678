#!/bin/bash
# mcsec.so under valgrind: kamailio (1 child per socket) runs in memcheck,
# gets an ingress MESSAGE and INVITE dialog, an egress MESSAGE, a few
# rejections, a good and a broken mcsec.reload, the mcsec.* RPCs and a
# scrape of /metrics, then
# is stopped. Fails on any valgrind error record (invalid read/write, use
# of uninitialised values, invalid free, definitely lost block) whose stack
# has a frame in our code (mcsec*, libmcsec functions, mcsec.so). Kamailio's
# own pools hide most heap errors from valgrind; libmcsec's unit tests run
# under ASan for that. Every process writes its own log (vg.PID.log).
. "$(dirname "$0")/lib.sh"
t_init "$@"

command -v valgrind >/dev/null || { echo "SKIP: valgrind not installed"; exit 77; }
B_PAI="P-Asserted-Identity: <sip:bob@b.mcx.example>"
A_PAI="P-Asserted-Identity: <sip:alice@a.mcx.example>"

KAM_CHILDREN=1
KAM_START_TIMEOUT=600   # tenths of a second
KAM_STOP_TIMEOUT=60
KAM_PREFIX="valgrind --tool=memcheck --error-exitcode=99 --trace-children=no
    --child-silent-after-fork=no --leak-check=full --show-leak-kinds=definite
    --errors-for-leak-kinds=definite --num-callers=30 --track-origins=no
    --log-file=$T_DIR/vg.%p.log"
SIPP_TIMEOUT=30

t_policy "$T_DIR/policy.yaml"
kam_start "$T_DIR/policy.yaml"

t_log "=== traffic through the module under valgrind"
sipp_bg core-msg "$T_SCEN/uas_message.xml" "$CORE_IP" "$CORE_PORT" udp -m 1
uac_keys pai="$B_PAI"
t_check "ingress MESSAGE passes" sipp_run in-msg "$T_SCEN/uac_message.xml" "$PARTNER_IP" "$SIP_PORT" udp "$OUT_IP:$SIP_PORT" "${UAC_KEYS[@]}"
t_check "core got the MESSAGE" sipp_wait core-msg

sipp_bg core-inv "$T_SCEN/uas_invite.xml" "$CORE_IP" "$CORE_PORT" udp -m 1
t_check "ingress INVITE dialog passes (tcp)" sipp_run in-inv "$T_SCEN/uac_invite.xml" "$PARTNER_IP" "$SIP_PORT" tcp "$OUT_IP:$SIP_PORT" "${UAC_KEYS[@]}"
t_check "core completed the dialog" sipp_wait core-inv

sipp_bg partner-msg "$T_SCEN/uas_message.xml" "$PARTNER_IP" "$SIP_PORT" udp -m 1
uac_keys ruri=sip:bob@b.mcx.example to=sip:bob@b.mcx.example from=sip:alice@a.mcx.example pai="$A_PAI"
t_check "egress MESSAGE passes" sipp_run out-msg "$T_SCEN/uac_message.xml" "$CORE_IP" 5071 udp "$IN_IP:$SIP_PORT" "${UAC_KEYS[@]}"
t_check "partner got the MESSAGE" sipp_wait partner-msg

uac_keys pai="P-Asserted-Identity: <sip:mallory@a.mcx.example>"
t_check "spoofed identity rejected" sipp_run rej-spoof "$(reject_scenario src.internal_id_spoof)" "$PARTNER_IP" "$SIP_PORT" udp "$OUT_IP:$SIP_PORT" "${UAC_KEYS[@]}"
uac_keys pai="$B_PAI"
t_check "stranger rejected" sipp_run rej-stranger "$(reject_scenario src.not_partner 403 no)" "$STRANGER_IP" "$SIP_PORT" udp "$OUT_IP:$SIP_PORT" "${UAC_KEYS[@]}"
uac_keys pai="$B_PAI, <sip:bob2@b.mcx.example>"
t_check "two asserted identities rejected as malformed" sipp_run rej-mal "$(reject_scenario sip.malformed 400)" "$PARTNER_IP" "$SIP_PORT" tcp "$OUT_IP:$SIP_PORT" "${UAC_KEYS[@]}"
uac_keys ruri=sip:x@elsewhere.example pai="$A_PAI"
t_check "egress to a non-partner rejected" sipp_run rej-dst "$(reject_scenario dst.not_partner 403 no)" "$CORE_IP" 5071 udp "$IN_IP:$SIP_PORT" "${UAC_KEYS[@]}"
for f in 20-pai-unclosed 22-pai-nul 07-ruri-unknown-scheme 23-pai-many-values; do
    $T_SIPTOOL send --proto udp --src "$PARTNER_IP:$SIP_PORT" --dst "$OUT_IP:$SIP_PORT" \
        --timeout 5 "$T_LIB_DIR/corpus/$f.sip" >/dev/null
done

t_log "=== reloads and RPCs under valgrind"
t_policy "$T_DIR/policy.yaml" "B_METHODS=INVITE, ACK, BYE, OPTIONS"
t_check "good reload" kam_rpc mcsec.reload
uac_keys pai="$B_PAI"
t_check "MESSAGE now denied (reloaded policy in the worker)" sipp_run rej-method "$(reject_scenario sip.method_denied)" "$PARTNER_IP" "$SIP_PORT" udp "$OUT_IP:$SIP_PORT" "${UAC_KEYS[@]}"
printf 'version: 1\nsystem: [broken\n' >"$T_DIR/policy.yaml"
assert_match "broken reload refused" "^error: " "$(kam_rpc mcsec.reload 2>&1)"
kam_rpc mcsec.stats >/dev/null
kam_rpc mcsec.policy >/dev/null
# The metrics process builds its page from the shared counters under memcheck.
assert_match "/metrics answers under valgrind" '^mcsec_sip_messages_total\{' \
    "$(curl -s --max-time 60 "http://$KAM_METRICS/metrics")"

t_log "=== stopping kamailio"
kam_stop
t_log "kamailio under valgrind exited with $?"

# Error records: a line "==PID== <kind>" then its stack ("at"/"by" lines)
# up to an empty "==PID== " line. Report those with a frame of ours.
vg_ours=$T_DIR/vg-ours.txt
: >"$vg_ours"
n_logs=0
for log in "$T_DIR"/vg.*.log; do
    n_logs=$((n_logs + 1))
    awk -v file="$(basename "$log")" '
        function flush() { if (rec != "" && ours && kind) print "--- " file "\n" rec; rec = ""; ours = 0; kind = 0 }
        /^==[0-9]+== *$/ { flush(); next }
        {
            line = $0
            if (line ~ /(Invalid (read|write|free)|uninitialised|Mismatched free|definitely lost|Source and destination overlap|Syscall param)/) kind = 1
            if (line ~ /(at|by) 0x[0-9A-Fa-f]+: / && line ~ /(mcsec|mcsec\.so|w_mcsec|ki_mcsec|rpc_reload|rpc_stats|rpc_policy)/) ours = 1
            if (kind || rec != "") rec = rec line "\n"
        }
        END { flush() }' "$log" >>"$vg_ours"
done
t_log "valgrind logs: $n_logs processes"
grep -h "ERROR SUMMARY" "$T_DIR"/vg.*.log | sort | uniq -c | sed 's/^/    /'
grep -h "definitely lost:" "$T_DIR"/vg.*.log | sort | uniq -c | sed 's/^/    /'
t_check "valgrind ran for every kamailio process ($n_logs logs)" test "$n_logs" -ge 3
if [ -s "$vg_ours" ]; then
    head -n 120 "$vg_ours"
    t_fail "valgrind errors with frames in mcsec code ($(grep -c '^---' "$vg_ours") records, above)"
else
    t_pass "no valgrind error record has a frame in mcsec code"
fi
t_finish
