# shellcheck shell=bash
# The policy builder of the SIP tests: one whole mcsec policy (YAML) for
# system A or B of the two-border layout below, with the other system as its
# partner. Source it after lib.sh (it needs SIP_PORT, CORE_PORT, MCSEC_CTL
# and t_die); lib_two.sh and test_ear_lib.sh do, and wrap sip_policy with the
# defaults of their tests (two_policy, topo_policy, ear_policy).
#
#   system A: outside 127.0.10.1:5060  inside 127.0.10.3:5060  core 127.0.10.2:5070
#   system B: outside 127.0.20.1:5060  inside 127.0.20.3:5060  core 127.0.20.2:5070
#
# sip_policy a|b OUT [KEY=VALUE...]: writes OUT and checks it with mcsecctl
# policy check; dies (showing the problems) when the loader refuses it, or
# on an unknown KEY. Without switches: system-<self> (sip:border@<self>.
# mcx.example, domains <self>.mcx.example and *.<self>.mcx.example) and its
# partner system-<peer> likewise, implicit authentication, no SPK, EAR or
# topology hiding, logging.level notice. Switches and defaults:
#  SIP
#   TRANSPORT=udp          system sip.transport (towards the partner)
#   INSIDE_PEERS=<core ip> system sip.inside_peers (YAML flow items; the only
#                          sources the inside socket accepts, any port)
#   PEER_PROXY=<peer outside>:5060  partner addresses.is_proxy (YAML flow items)
#   METHODS=[INVITE, ACK, BYE, CANCEL, UPDATE, INFO, MESSAGE, OPTIONS, NOTIFY,
#           SUBSCRIBE, REFER, PRACK]  partner sip.methods (a YAML list)
#   CONTENT_TYPES=         partner sip.content_types (a YAML list); empty =
#                          application/sdp, application/vnd.3gpp.mcptt-info+xml,
#                          text/plain, multipart/mixed, application/resource-lists+xml,
#                          the mcvideo-info, mcdata-info, mcdata-signalling and
#                          mcdata-payload types, and, while SPK is on, application/vnd.3gpp.mcptt-signed+xml
#   MAX_BODY=16384         partner sip.max_body (warning_reason is always true)
#   LOG_PASSED=false       logging.log_passed
#  SPK (partner SPK is on when SPK_FILE or SPK_MODE is set)
#   SPK_FILE=              partner keys.spk (absolute path; empty = none)
#   SPK_MODE=              partner spk.mode; empty = required with SPK_FILE,
#                          otherwise no partner spk section (the loader's off)
#   REPROTECT=false        partner spk.reprotect_internal (while SPK is on)
#   INTERNAL_FILE=         system keys.spk (internal SPK; empty = none)
#   INTERNAL_ID=           system spk.internal_identity (empty = none)
#  topology hiding (on when TOPO_KEY is set)
#   TOPO_KEY=              system keys.topology (a mcsecctl key gen --topology
#                          file); with system topology.host border.<self>.mcx.example
#   PREV=86400             system topology.previous_key_validity
#   TOPO_ENABLED=true      partner topology.enabled
#   STRIP=[X-Internal-Route, "P-Private-*"]  partner topology.strip_headers
#   HIDE=                  partner topology.hide_elements (a YAML list; none when empty)
#   REWRITE=               partner topology.rewrite_headers (a YAML list; none when empty)
#  EAR (explicit authentication; on when EAR_DIR is set)
#   EAR_DIR=               a directory with kms-<sys>/ and border-<sys>/ of
#                          mcsecctl kms init|issue: system keys.signing
#                          EAR_DIR/border-<self> and ear.sign_identity
#                          sip:border@<self>.mcx.example, partner auth explicit
#                          and keys.kms EAR_DIR/kms-<peer>/kms.pub
#   EAR_REPLAY=            system ear.replay_entries (empty = the loader's default)
#   EAR_TYPES=             partner ear.request_types (YAML flow items; empty = none)
#   EAR_IN_DIALOG=false    partner ear.in_dialog
#   EAR_SIGN=false         partner ear.sign_on_behalf
#  migration
#   MIGRATION=             partner migration section (YAML lines, each
#                          indented by six spaces, e.g. "      our_users_served_there:
#                          [{id: sip:x@a.mcx.example, expires: 2099-01-01T00:00:00Z}]")
#  media (docs/media.md; on when MEDIA=true)
#   MEDIA=false            true: system.media (outside_address the border's
#                          outside IP, inside_address its inside IP, ports
#                          30000-30999 for A, 40000-40999 for B) and the
#                          partner's media (relay_addresses [its outside IP],
#                          its range)
#   MEDIA_EXTRA=           more keys of the partner's media map (flow items,
#                          e.g. "max_streams: 2, allow_insecure: true")
#   REPLAY=                the entries of system.replay (e.g. "store: redis,
#                          redis: {address: /path/redis.sock}"); empty = none
#   REPLAY_QUOTA=          the peer partner's replay_quota (empty = the default share)
#   PARTNER_C=false        true: a second explicit partner, system-c
#                          (c.mcx.example at 127.0.30.1:5060, request type 3,
#                          INVITE, ACK, BYE, CANCEL, MESSAGE and OPTIONS, keys.kms
#                          EAR_DIR/kms-c/kms.pub); needs EAR_DIR

A_OUT_IP=127.0.10.1
# shellcheck disable=SC2034 # used by lib_two.sh and the tests
A_IN_IP=127.0.10.3
A_CORE_IP=127.0.10.2
B_OUT_IP=127.0.20.1
# shellcheck disable=SC2034
B_IN_IP=127.0.20.3
B_CORE_IP=127.0.20.2

sip_policy() {
    local sys=$1 out=$2 kv
    shift 2
    local self peer self_out peer_out core_ip self_in self_rtp peer_rtp
    case $sys in
    a) self=a peer=b self_out=$A_OUT_IP peer_out=$B_OUT_IP core_ip=$A_CORE_IP self_in=$A_IN_IP
       self_rtp=30000 peer_rtp=40000 ;;
    b) self=b peer=a self_out=$B_OUT_IP peer_out=$A_OUT_IP core_ip=$B_CORE_IP self_in=$B_IN_IP
       self_rtp=40000 peer_rtp=30000 ;;
    *) t_die "sip_policy: system a or b, not '$sys'" ;;
    esac
    local -A val=([TRANSPORT]=udp [PEER_PROXY]="$peer_out:$SIP_PORT" [INSIDE_PEERS]=$core_ip
        [METHODS]="[INVITE, ACK, BYE, CANCEL, UPDATE, INFO, MESSAGE, OPTIONS, NOTIFY,
                SUBSCRIBE, REFER, PRACK]"
        [CONTENT_TYPES]="" [MAX_BODY]=16384 [LOG_PASSED]=false
        [SPK_FILE]="" [SPK_MODE]="" [REPROTECT]=false [INTERNAL_FILE]="" [INTERNAL_ID]=""
        [TOPO_KEY]="" [PREV]=86400 [TOPO_ENABLED]=true
        [STRIP]='[X-Internal-Route, "P-Private-*"]' [HIDE]="" [REWRITE]=""
        [EAR_DIR]="" [EAR_REPLAY]="" [EAR_TYPES]="" [EAR_IN_DIALOG]=false [EAR_SIGN]=false
        [PARTNER_C]=false [MIGRATION]="" [MEDIA]=false [MEDIA_EXTRA]="" [REPLAY]="" [REPLAY_QUOTA]="")
    for kv in "$@"; do
        [[ -v "val[${kv%%=*}]" ]] || t_die "sip_policy: unknown switch '$kv'"
        val[${kv%%=*}]=${kv#*=}
    done
    # Optional lines (each ends in a newline but partner_c's) and the entries
    # of the keys maps.
    local sys_spk="" sys_topo="" sys_ear="" sys_keys=""
    local auth=implicit peer_ear="" peer_spk="" peer_topo="" peer_keys="" partner_c=""
    local types=${val[CONTENT_TYPES]}
    local base_types="application/sdp, application/vnd.3gpp.mcptt-info+xml, text/plain,
                      multipart/mixed, application/resource-lists+xml,
                      application/vnd.3gpp.mcvideo-info+xml, application/vnd.3gpp.mcdata-info+xml,
                      application/vnd.3gpp.mcdata-signalling, application/vnd.3gpp.mcdata-payload"
    [ -n "${val[INTERNAL_ID]}" ] &&
        sys_spk="  spk: {internal_identity: \"${val[INTERNAL_ID]}\"}"$'\n'
    [ -n "${val[INTERNAL_FILE]}" ] && sys_keys="spk: ${val[INTERNAL_FILE]}"
    if [ -n "${val[SPK_FILE]}" ] || [ -n "${val[SPK_MODE]}" ]; then
        peer_spk="    spk: {mode: ${val[SPK_MODE]:-required}, reprotect_internal: ${val[REPROTECT]}}"$'\n'
        base_types+=", application/vnd.3gpp.mcptt-signed+xml"
    fi
    [ -n "${val[SPK_FILE]}" ] && peer_keys="spk: ${val[SPK_FILE]}"
    [ -n "$types" ] || types="[$base_types]"
    if [ -n "${val[TOPO_KEY]}" ]; then
        sys_topo="  topology: {host: border.$self.mcx.example, previous_key_validity: ${val[PREV]}}"$'\n'
        sys_keys+="${sys_keys:+, }topology: ${val[TOPO_KEY]}"
        peer_topo="    topology:"$'\n'"      enabled: ${val[TOPO_ENABLED]}"$'\n'
        peer_topo+="      strip_headers: ${val[STRIP]}"$'\n'
        [ -n "${val[HIDE]}" ] && peer_topo+="      hide_elements: ${val[HIDE]}"$'\n'
        [ -n "${val[REWRITE]}" ] && peer_topo+="      rewrite_headers: ${val[REWRITE]}"$'\n'
    fi
    if [ -n "${val[EAR_DIR]}" ]; then
        auth=explicit
        sys_ear="  ear: {${val[EAR_REPLAY]:+replay_entries: ${val[EAR_REPLAY]}, }"
        sys_ear+="sign_identity: \"sip:border@$self.mcx.example\"}"$'\n'
        sys_keys+="${sys_keys:+, }signing: ${val[EAR_DIR]}/border-$self"
        peer_ear="    ear: {skew: 30, source_roles: [2, 3, 4], request_types: [${val[EAR_TYPES]}],"
        peer_ear+=" in_dialog: ${val[EAR_IN_DIALOG]}, sign_on_behalf: ${val[EAR_SIGN]}}"$'\n'
        peer_keys+="${peer_keys:+, }kms: ${val[EAR_DIR]}/kms-$peer/kms.pub"
    fi
    local sys_media="" peer_media=""
    if [ "${val[MEDIA]}" = true ]; then
        sys_media="  media: {outside_address: $self_out, inside_address: $self_in,"
        sys_media+=" port_min: $self_rtp, port_max: $((self_rtp + 999))}"$'\n'
        peer_media="    media: {relay_addresses: [$peer_out], port_min: $peer_rtp,"
        peer_media+=" port_max: $((peer_rtp + 999))${val[MEDIA_EXTRA]:+, ${val[MEDIA_EXTRA]}}}"$'\n'
    fi
    local sys_replay=""
    [ -n "${val[REPLAY]}" ] && sys_replay="  replay: {${val[REPLAY]}}"$'\n'
    local peer_migration=""
    [ -n "${val[MIGRATION]}" ] && peer_migration="    migration:"$'\n'"${val[MIGRATION]}"$'\n'
    if [ "${val[PARTNER_C]}" = true ]; then
        partner_c="  - name: system-c
    identity: sip:border@c.mcx.example
    domains: [c.mcx.example]
    addresses: {is_proxy: [127.0.30.1:$SIP_PORT]}
    auth: explicit
    ear: {request_types: [3], sign_on_behalf: false}
    sip:
      methods: [INVITE, ACK, BYE, CANCEL, MESSAGE, OPTIONS]
      content_types: [application/sdp, application/vnd.3gpp.mcptt-info+xml, text/plain]
      max_body: 4096
      warning_reason: true
    keys: {kms: ${val[EAR_DIR]}/kms-c/kms.pub}"
    fi
    cat >"$out" <<EOF
# Test policy of system $self (tests/sip/lib_policy.sh sip_policy).
version: 1
system:
  name: system-$self
  identity: sip:border@$self.mcx.example
  domains: [$self.mcx.example, "*.$self.mcx.example"]
  addresses:
    is_proxy: $self_out:$SIP_PORT
  sip:
    core: $core_ip:$CORE_PORT
    inside_peers: [${val[INSIDE_PEERS]}]
    transport: ${val[TRANSPORT]}
${sys_spk}${sys_topo}${sys_ear}${sys_media}${sys_replay}  keys: {$sys_keys}
logging:
  level: notice
  log_passed: ${val[LOG_PASSED]}
partners:
  - name: system-$peer
    identity: sip:border@$peer.mcx.example
    domains: [$peer.mcx.example, "*.$peer.mcx.example"]
    addresses:
      is_proxy: [${val[PEER_PROXY]}]
    auth: $auth
${val[REPLAY_QUOTA]:+    replay_quota: ${val[REPLAY_QUOTA]}
}${peer_ear}    sip:
      methods: ${val[METHODS]}
      content_types: $types
      max_body: ${val[MAX_BODY]}
      warning_reason: true
${peer_spk}${peer_topo}${peer_migration}${peer_media}    keys: {$peer_keys}
${partner_c}
EOF
    if ! "$MCSEC_CTL" policy check "$out" >"$out.check" 2>&1; then
        cat "$out.check"
        t_die "policy of system $self is accepted by mcsecctl policy check"
    fi
}
