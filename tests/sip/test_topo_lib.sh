# shellcheck shell=bash
# Helpers of the topology-hiding tests (issue 3), on top of lib_two.sh: two
# real borders, both hiding their topology from the other, each with its own
# topology key. The MC servers of each side use host names and addresses of
# their own inside, so that a leak shows in the capture between the borders:
#   A: core 127.0.10.2:5070 "mcptt-as.a.internal", proxy "scscf.a.internal"
#   B: core 127.0.20.2:5070 "mcptt-as.b.internal", proxy "scscf.b.internal"
# Source it after lib_two.sh's location is known:
#   . "$(dirname "$0")/test_topo_lib.sh"; two_init "$@"

# shellcheck source=lib_two.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_two.sh"

TOPO_A_ME=mcptt-as.a.internal
TOPO_B_ME=mcptt-as.b.internal
TOPO_A_PROXY=scscf.a.internal
TOPO_B_PROXY=scscf.b.internal

# topo_key FILE: a fresh topology key file (mcsecctl key gen --topology).
topo_key() {
    rm -f "$1"
    "$MCSEC_CTL" key gen --topology --out "$1" >/dev/null || t_die "mcsecctl key gen --topology"
}

# topo_policy a|b OUT KEYFILE [KEY=VALUE...]: the policy of one border with
# the other as its only partner and topology hiding on with KEYFILE: sip_policy
# (lib_policy.sh; its switches, e.g. TRANSPORT, HIDE, REWRITE, SPK_FILE) with
# TOPO_KEY=KEYFILE. EAR_DIR=DIR adds explicit authentication both ways in which
# the border signs on behalf of its core, in dialogs too, and checks the
# partner's EARs (EAR_IN_DIALOG=true EAR_SIGN=true).
topo_policy() {
    local sys=$1 out=$2 key_file=$3
    shift 3
    sip_policy "$sys" "$out" TOPO_KEY="$key_file" EAR_IN_DIALOG=true EAR_SIGN=true "$@"
}

# topo_keys_a/b: sipp -key options for a core of A or B calling the other.
topo_keys_a() {
    UAC_KEYS=(-key ruri sip:bob@b.mcx.example -key to sip:bob@b.mcx.example
        -key from sip:alice@a.mcx.example -key me "$TOPO_A_ME" -key proxy "$TOPO_A_PROXY")
}
topo_keys_b() {
    UAC_KEYS=(-key ruri sip:alice@a.mcx.example -key to sip:alice@a.mcx.example
        -key from sip:bob@b.mcx.example -key me "$TOPO_B_ME" -key proxy "$TOPO_B_PROXY")
}

# topo_cross NAME FROM CALLER_SCEN CALLEE_SCEN [sipp args]: a UAS at the
# other side's core, then a UAC at FROM's core (a or b) through FROM's
# inside socket; PASS when both complete.
topo_cross() {
    local name=$1 from=$2 caller=$3 callee=$4
    shift 4
    local uac_ip uas_ip uac_in callee_keys
    if [ "$from" = a ]; then
        uac_ip=$A_CORE_IP uas_ip=$B_CORE_IP uac_in=$A_IN_IP
        topo_keys_b
        callee_keys=("${UAC_KEYS[@]}")
        topo_keys_a
    else
        uac_ip=$B_CORE_IP uas_ip=$A_CORE_IP uac_in=$B_IN_IP
        topo_keys_a
        callee_keys=("${UAC_KEYS[@]}")
        topo_keys_b
    fi
    [ "${caller#/}" = "$caller" ] && caller=$T_SCEN/$caller
    [ "${callee#/}" = "$callee" ] && callee=$T_SCEN/$callee
    sipp_bg "$name-callee" "$callee" "$uas_ip" "$CORE_PORT" udp -m 1 \
        "${callee_keys[@]}" "$@" || { t_fail "$name: the callee listens"; return; }
    # Call-IDs name our inside host ("topo-N-PID@mcptt-as.x.internal").
    local me=$TOPO_A_ME
    [ "$from" = b ] && me=$TOPO_B_ME
    sipp_run "$name-caller" "$caller" "$uac_ip" "$CORE_PORT" udp \
        "$uac_in:$SIP_PORT" "${UAC_KEYS[@]}" -cid_str "topo-%u-%p@$me" "$@"
    local rc_uac=$?
    sipp_wait "$name-callee"
    local rc_uas=$?
    assert_eq "$name: the caller (system $from) completes" 0 $rc_uac
    assert_eq "$name: the callee completes" 0 $rc_uas
}

# topo_render NAME.xml.in TAG KEY=VALUE...: NAME rendered (render_template) into
# the temp dir as NAME-TAG.xml; prints its path.
topo_render() {
    local in=$1 tag=$2
    shift 2
    local out
    out=$T_DIR/$(basename "$in" .xml.in)-$tag.xml
    render_template "$T_SCEN/$in" "$out" "$@"
    echo "$out"
}

# topo_msg_has FILE TEXT: FILE (a sipp message trace) holds TEXT, in which
# "\n" stands for the CRLF of the wire, octet for octet.
topo_msg_has() {
    $T_PY - "$1" "$2" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
want = sys.argv[2].replace("\\n", "\r\n").encode()
sys.exit(0 if want in data else 1)
PY
}

# topo_capture_clean PCAP: the capture between the borders holds none of
# the inside addresses, host names, Call-IDs or leaking headers of either
# system, and does hold tokens.
topo_capture_clean() {
    local pcap=$1 needle n
    for needle in 127.0.10.2 127.0.10.3 127.0.20.2 127.0.20.3 a.internal b.internal \
        "topo-" "Server:" "User-Agent:" "Organization:" "Warning:" "P-Charging-Vector" \
        "X-Internal-Route" "P-Private-" "Mcsec-Topo-Fault"; do
        n=$(grep -a -c -F -- "$needle" "$pcap")
        assert_eq "capture between the borders holds no '$needle'" 0 "$n"
    done
    t_check "capture holds tokenized URIs (tokenized-by=)" \
        test "$(grep -a -c 'tokenized-by=border' "$pcap")" -ge 1
    t_check "capture holds token Vias (mcsec-vt=)" test "$(grep -a -c 'mcsec-vt=' "$pcap")" -ge 1
    t_check "capture holds token Call-IDs (@border.a / @border.b)" \
        test "$(grep -a -c -E 'Call-ID: [a-z2-7]+@border\.[ab]\.mcx\.example' "$pcap")" -ge 2
}
