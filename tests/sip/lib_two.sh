# Two-border SIP test harness: system A's and system B's IS proxies (two
# kamailio instances with mcsec.so, each with its own policy, RUNDIR, ctl
# socket and log) in the same private namespace, so SIP-3 really runs
# kamailio <-> kamailio. Builds on lib.sh (sourced here, unchanged):
#
#   system A: outside 127.0.10.1:5060  inside 127.0.10.3:5060  core 127.0.10.2:5070
#   system B: outside 127.0.20.1:5060  inside 127.0.20.3:5060  core 127.0.20.2:5070
#
# A request from A's core (sipp UAC at 127.0.10.2:5071) to A's inside socket
# goes out through A (egress), crosses to B's outside socket (ingress) and
# reaches B's core (sipp UAS at 127.0.20.2:5070).
#
# Usage in a test, after sourcing this file and t_init "$@":
#   two_spk_file FILE ID KEY [ID KEY]...   an SPK file, mode 0600
#   two_policy a|b OUT KEY=VALUE...         a policy for A or B (see below)
#   border_start a|b POLICY                 starts that border
#   border_use a|b                          later kam_rpc/stat_get/kam_alive/
#                                           kam_stop/log_size act on it
# Both borders are stopped when the test ends.

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

A_OUT_IP=127.0.10.1
A_IN_IP=127.0.10.3
# shellcheck disable=SC2034 # used by the tests that source this file
A_CORE_IP=127.0.10.2
B_OUT_IP=127.0.20.1
B_IN_IP=127.0.20.3
# shellcheck disable=SC2034
B_CORE_IP=127.0.20.2

# Per-border state, saved and restored by border_use.
declare -A BORDER_PID=() BORDER_RUNDIR=() BORDER_LOG=() BORDER_KIDS=()
BORDER_CUR=

# two_spk_file FILE ID KEY [ID KEY]...: writes an SPK file (one
# "<SPK-ID> <key>" line per pair, the last one protects) with mode 0600.
two_spk_file() {
    local file=$1
    shift
    (
        umask 077
        echo "# test SPK file"
        while [ $# -ge 2 ]; do
            echo "$1 $2"
            shift 2
        done
    ) >"$file.new"
    chmod 600 "$file.new"
    mv -f "$file.new" "$file"
}

# two_policy a|b OUT [KEY=VALUE...]: the policy of border A or B with the
# other one as its only partner. Keys and defaults:
#   SPK_MODE=required   partner spk.mode
#   SPK_FILE=           partner keys.spk (absolute path; empty = none)
#   REPROTECT=false     partner spk.reprotect_internal
#   INTERNAL_FILE=      system keys.spk (internal SPK; empty = none)
#   INTERNAL_ID=sip:mcptt-server@<own domain>  system spk.internal_identity
#   TRANSPORT=tcp       system sip.transport (towards the partner)
#   PEER_PROXY=<peer outside>:5060  partner is_proxy list (YAML flow items)
#   MAX_BODY=16384      partner sip.max_body
# Checked with mcsecctl policy check; dies when the loader refuses it.
two_policy() {
    local sys=$1 out=$2 kv
    shift 2
    local self peer self_out peer_out
    if [ "$sys" = a ]; then
        self=a peer=b self_out=$A_OUT_IP peer_out=$B_OUT_IP
    else
        self=b peer=a self_out=$B_OUT_IP peer_out=$A_OUT_IP
    fi
    local core_ip=${self_out%.1}.2
    local -A val=([SPK_MODE]=required [SPK_FILE]="" [REPROTECT]=false [INTERNAL_FILE]=""
        [INTERNAL_ID]="sip:mcptt-server@$self.mcx.example" [TRANSPORT]=tcp
        [PEER_PROXY]="$peer_out:$SIP_PORT" [MAX_BODY]=16384)
    for kv in "$@"; do val[${kv%%=*}]=${kv#*=}; done
    local sys_keys="{}" peer_keys="{}"
    [ -n "${val[INTERNAL_FILE]}" ] && sys_keys="{spk: ${val[INTERNAL_FILE]}}"
    [ -n "${val[SPK_FILE]}" ] && peer_keys="{spk: ${val[SPK_FILE]}}"
    cat >"$out" <<EOF
# Test policy of system $self (tests/sip/lib_two.sh two_policy).
version: 1
system:
  name: system-$self
  identity: sip:border@$self.mcx.example
  domains: [$self.mcx.example, "*.$self.mcx.example"]
  addresses:
    is_proxy: $self_out:$SIP_PORT
  sip:
    core: $core_ip:$CORE_PORT
    transport: ${val[TRANSPORT]}
  spk:
    internal_identity: ${val[INTERNAL_ID]}
  keys: $sys_keys
logging:
  level: notice
  log_passed: false
partners:
  - name: system-$peer
    identity: sip:border@$peer.mcx.example
    domains: [$peer.mcx.example, "*.$peer.mcx.example"]
    addresses:
      is_proxy: [${val[PEER_PROXY]}]
    auth: implicit
    sip:
      methods: [INVITE, ACK, BYE, CANCEL, UPDATE, INFO, MESSAGE, OPTIONS, NOTIFY,
                SUBSCRIBE, REFER, PRACK]
      content_types: [application/sdp, application/vnd.3gpp.mcptt-info+xml,
                      application/vnd.3gpp.mcptt-signed+xml,
                      application/resource-lists+xml, multipart/mixed, text/plain]
      max_body: ${val[MAX_BODY]}
      warning_reason: true
    spk:
      mode: ${val[SPK_MODE]}
      reprotect_internal: ${val[REPROTECT]}
    keys: $peer_keys
EOF
    if ! "$MCSEC_CTL" policy check "$out" >"$out.check" 2>&1; then
        cat "$out.check"
        t_die "policy of system $self is accepted by mcsecctl policy check"
    fi
}

# border_use a|b: points lib.sh's KAM_* variables at that border.
border_use() {
    if [ -n "$BORDER_CUR" ]; then
        BORDER_PID[$BORDER_CUR]=$KAM_PID
        BORDER_KIDS[$BORDER_CUR]=${KAM_KIDS0:-}
    fi
    BORDER_CUR=$1
    KAM_PID=${BORDER_PID[$1]:-}
    KAM_RUNDIR=${BORDER_RUNDIR[$1]:-}
    KAM_LOG=${BORDER_LOG[$1]:-}
    KAM_KIDS0=${BORDER_KIDS[$1]:-}
}

# border_start a|b POLICY: lib.sh's kam_start with that border's addresses,
# run dir $T_DIR/border-X/run and log $T_DIR/border-X/kamailio.log.
border_start() {
    local sys=$1 policy=$2 out in
    if [ "$sys" = a ]; then out=$A_OUT_IP in=$A_IN_IP; else out=$B_OUT_IP in=$B_IN_IP; fi
    border_use "$sys"
    mkdir -p "$T_DIR/border-$sys"
    local top=$T_DIR
    T_DIR=$top/border-$sys OUT_IP=$out IN_IP=$in kam_start "$policy"
    BORDER_RUNDIR[$sys]=$KAM_RUNDIR
    BORDER_LOG[$sys]=$KAM_LOG
    BORDER_PID[$sys]=$KAM_PID
    BORDER_KIDS[$sys]=$KAM_KIDS0
}

# Stops both borders (lib.sh's t_cleanup then sees no kamailio) and shows
# the end of both logs when the test failed; then lib.sh's cleanup.
two_cleanup() {
    local rc=$? sys
    for sys in a b; do
        [ -n "${BORDER_PID[$sys]:-}" ] || [ "$BORDER_CUR" = "$sys" ] || continue
        border_use "$sys"
        [ -n "$KAM_PID" ] && kam_stop >/dev/null 2>&1
        BORDER_PID[$sys]=
        if [ "$rc" -ne 0 ] || [ "$T_FAILS" -ne 0 ]; then
            if [ -f "$T_DIR/border-$sys/kamailio.log" ]; then
                echo "--- last 30 lines of border $sys's kamailio.log"
                tail -n 30 "$T_DIR/border-$sys/kamailio.log"
            fi
        fi
    done
    KAM_PID=
    (exit "$rc")
    t_cleanup
}

# two_init "$@": t_init, then the two-border cleanup.
two_init() {
    t_init "$@"
    trap two_cleanup EXIT
}

# capture_start FILE: tcpdump of the traffic between the two outside
# addresses on lo; waits until it listens. capture_stop ends it.
CAPTURE_PID=
capture_start() {
    command -v tcpdump >/dev/null || t_die "tcpdump installed (scripts/setup.sh)"
    tcpdump -i lo --immediate-mode -U -s 0 -w "$1" "host $A_OUT_IP and host $B_OUT_IP" \
        >"$1.out" 2>&1 &
    CAPTURE_PID=$!
    T_BG_PIDS+=("$CAPTURE_PID")
    local _
    for _ in $(seq 1 50); do
        grep -q 'listening on' "$1.out" 2>/dev/null && return 0
        sleep 0.1
    done
    t_die "tcpdump starts"
}
capture_stop() {
    [ -n "$CAPTURE_PID" ] || return 0
    sleep 0.3
    kill -INT "$CAPTURE_PID" 2>/dev/null
    wait "$CAPTURE_PID" 2>/dev/null
    CAPTURE_PID=
}

# spk_key_name ID: the KeyName (base64 of the 4-octet SPK-ID) for ID (hex).
spk_key_name() {
    $T_PY -c 'import base64, sys; print(base64.b64encode(bytes.fromhex(sys.argv[1])).decode())' "$1"
}
