# shellcheck shell=bash disable=SC2034 # (variables used by two-system-demo.sh)
# Two-system demo: HTTP-3 (sourced by deploy/demo/two-system-demo.sh). Each
# border runs mcsec-httpd (MCSEC_HTTPD, default $BUILD/http-proxy/mcsec-httpd)
# when it is built and answers --help:
#   outside  198.51.100.x:8443  TLS with client certificates (the partner's)
#   inside   198.51.100.x1:8080 plain HTTP from our GMS (system.http.inside_clients:
#            the MC server address 198.51.100.x2 only)
#   admin    127.0.0.1:9443     GET /stats (inside the border's namespace)
# A's GMS (lib/gms.py) serves group documents at $A_CORE:8080; B's GMS is
# curl. Otherwise the step is skipped with a clear line.

HTTPD=${MCSEC_HTTPD:-$BUILD/http-proxy/mcsec-httpd}
DEMO_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HTTP=0            # 1 when the HTTP step runs (the policies get http sections)
HTTP_SKIPPED=     # set when the step cannot run
HTTP_WHY=
GROUPS_PATH=/xcap-root/org.openmobilealliance.groups
GROUPS_XML=application/vnd.oma.poc.groups+xml
declare -A HTTPD_PID=()
GMS_PID=

# http_detect: sets HTTP (before the policies are written).
http_detect() {
    if [ ! -x "$HTTPD" ]; then
        HTTP_WHY="mcsec-httpd not built yet ($HTTPD)"
    elif ! "$HTTPD" --help 2>&1 | grep -q 'usage: mcsec-httpd'; then
        HTTP_WHY="mcsec-httpd does not run ($HTTPD --help)"
    elif ! command -v curl >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
        HTTP_WHY="curl or python3 missing (bash scripts/setup.sh)"
    else
        HTTP=1
        return 0
    fi
    HTTP_SKIPPED=1
    return 0
}

# http_policy_system SIDE / http_policy_partner SIDE: the policy's http
# sections (empty when the step is skipped).
http_policy_system() {
    [ "$HTTP" = 1 ] || return 0
    local in=$A_IN core=$A_CORE
    [ "$1" = b ] && in=$B_IN core=$B_CORE
    printf '  http:\n    inside: "%s"             # our GMS sends here\n' "$(hostport "$in" 8080)"
    printf '    inside_clients: ["%s"]        # and only our GMS\n    threads: 2\n' "$core"
}
http_policy_partner() {
    [ "$HTTP" = 1 ] || return 0
    local core=$A_CORE
    [ "$1" = b ] && core=$B_CORE
    cat <<POLICY
    http:
      methods: [GET]
      path_prefixes: [$GROUPS_PATH/]
      content_types: [$GROUPS_XML]
      upstream:
        - {prefix: /xcap-root/, url: "http://$(hostport "$core" 8080)/xcap-root/"}
POLICY
}

http_setup() {
    if [ "$HTTP" != 1 ]; then
        row HTTP-3 "$HTTP_WHY: the HTTP step is skipped"
        return 0
    fi
    local side svc in
    for side in a b; do
        if [ $side = a ]; then svc=$A_SVC in=$A_IN; else svc=$B_SVC in=$B_IN; fi
        ns_bg "$side" "$HTTPD" --policy "$WORK/$side/policy.yaml" --admin 127.0.0.1:9443 \
            --log-level info --state-dir "$WORK/$side" </dev/null >"$WORK/$side/httpd.log" 2>&1
        HTTPD_PID[$side]=$BG_PID
        wait_for 10 tcp_listens "$side" "$svc:8443" && wait_for 5 tcp_listens "$side" "$in:8080" ||
            die "mcsec-httpd of system $side does not listen; end of its log:
$(tail -n 15 "$WORK/$side/httpd.log")"
    done
    ns_bg a python3 "$DEMO_LIB/gms.py" "$A_CORE" 8080 "$WORK/a/gms.log" </dev/null \
        >"$WORK/a/gms.out" 2>&1
    GMS_PID=$BG_PID
    wait_for 5 tcp_listens a "$A_CORE:8080" || die "A's GMS does not listen: $(cat "$WORK/a/gms.out")"
    row HTTP-3 "mcsec-httpd: A $A_SVC:8443 (inside $A_IN:8080), B $B_SVC:8443 (inside $B_IN:8080); A's GMS at $A_CORE:8080"
}

tcp_listens() { in_ns "$1" ss -H -ltn "src $2" | grep -q .; }

# httpd_stats SIDE: "partner code count" lines of the proxy's admin listener.
httpd_stats() {
    in_ns "$1" curl -s --max-time 5 --noproxy '*' http://127.0.0.1:9443/stats 2>/dev/null |
        awk '$3 ~ /^[0-9]+$/ && $3 > 0'
}

http_step() {
    step_begin "B's GMS fetches a group document from A over HTTP-3 (mutual TLS)"
    if [ "$HTTP" != 1 ]; then
        step_skip "HTTP-3: $HTTP_WHY"
        return 0
    fi
    local path=$GROUPS_PATH/users/sip:gms@a.mcx.example/patrol-a out status body
    row sent "GET $path (Host gms.a.mcx.example, as sip:gms@b.mcx.example) to B's HTTP proxy (inside $B_IN:8080)"
    mkdir -p "$WORK/stats"
    httpd_stats a >"$WORK/stats/h-before-a"
    httpd_stats b >"$WORK/stats/h-before-b"
    cap_start s3 a:veth-a "$(tunnel_spec)"
    out=$(in_ns b curl -s -i --max-time 15 --noproxy '*' --interface "$B_CORE" \
        -H "Host: gms.a.mcx.example" \
        -H 'X-3GPP-Asserted-Identity: "sip:gms@b.mcx.example"' -H "User-Agent: GMS-B-internal/1.0" \
        "http://$B_IN:8080$path" | tr -d '\r')
    cap_stop
    httpd_stats a >"$WORK/stats/h-after-a"
    httpd_stats b >"$WORK/stats/h-after-b"
    wire_rows s3 1
    local f=$WORK/cap/s3-ipsec0.pcap
    if [ -f "$f" ]; then
        local tls text
        tls=$(pcap_count "$f" 'tcp port 8443 and tcp[((tcp[12] & 0xf0) >> 2)] = 0x17')
        text=$(pcap_text "$f" 'HTTP/1\.1|xcap-root|mcx\.example/')
        row tunnel "inside the SA: TLS between the HTTP proxies ($tls TLS application-data packets), HTTP text: $([ "$text" -eq 0 ] && echo none || echo "$text packets")"
        [ "$tls" -gt 0 ] || bad "no TLS application data inside the SA"
        [ "$text" -eq 0 ] || bad "HTTP text crossed inside the SA outside TLS"
    fi
    local seen
    seen=$(tail -n 1 "$WORK/a/gms.log" 2>/dev/null)
    row arrived "at A's GMS $A_CORE: ${seen:-nothing}"
    [ -n "$seen" ] || bad "the request did not reach A's GMS"
    status=$(printf '%s\n' "$out" | head -n 1 | awk '{print $2}')
    body=$(printf '%s\n' "$out" | sed '1,/^$/d')
    row answer "${status:-no answer} at B's GMS, $(printf '%s\n' "$out" | grep -i '^Content-Type:' | head -n 1); $(printf '%s\n' "$body" | grep -o 'href="[^"]*"' | head -n 1)"
    [ "$status" = 200 ] || bad "B's GMS got ${status:-no answer}: $(printf '%s\n' "$out" | grep -i '^X-Mcsec-Reason' | head -n 1)"
    printf '%s\n' "$body" | grep -q 'list-service' || bad "the group document did not reach B's GMS"
    if printf '%s\n' "$out" | grep -q -e "$A_CORE" -e X-Internal-Node -e GMS-A-internal; then
        bad "A's GMS's internal address or headers reached B"
    else
        row "" "A's GMS internal address and headers (Server, X-Internal-Node): not in the answer"
    fi
    local text="" side part
    for side in a b; do
        part=$(awk 'FILENAME == ARGV[1] { v[$1 " " $2] = $3; next }
                    $3 - v[$1 " " $2] > 0 { printf "%s%s %s +%d", (n++ ? ", " : ""), $1, $2, $3 - v[$1 " " $2] }' \
            "$WORK/stats/h-before-$side" "$WORK/stats/h-after-$side")
        text="${text:+$text   }${side^^}: ${part:-no change}"
    done
    row counters "mcsec-httpd /stats: $text"
    step_end
}

http_stop() {
    local side
    [ -n "$GMS_PID" ] && stop_pid "$GMS_PID"
    for side in "${!HTTPD_PID[@]}"; do
        stop_pid "${HTTPD_PID[$side]}"
    done
    return 0
}
