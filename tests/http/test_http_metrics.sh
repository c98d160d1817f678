#!/usr/bin/env bash
# /metrics of mcsec-httpd (docs/metrics-http-and-ipsec.md): served on the
# admin listener only (the outside listener answers it as any partner
# request: refused, no metrics); after real TLS traffic the counters moved
# by exactly the requests sent, with the right labels; an idle partner has
# its zeros; the expiry gauge of a partner CA made to expire in 2 days shows
# its seconds left; `promtool check metrics` accepts the page. A refused
# reload sets last_reload_success 0 and logs alarm reload.failed and a
# reload audit line; a good one names the changed partner and the
# generation (kept in --state-dir) grows.
# usage: test_http_metrics.sh MCSEC_HTTPD
. "$(dirname "$0")/lib.sh" "$1"
edit_policy() {
  ca c-ca
  cat >> "$WORK/policy.yaml" <<YAML
  - name: system-c
    identity: sip:border@c.mcx.example
    domains: [c.mcx.example]
    addresses:
      is_proxy: [127.0.30.1:5060]
      http_proxy: 127.0.0.1:$((PB + 1))
    auth: implicit
    sip: {methods: [MESSAGE]}
    http:
      methods: [GET]
      path_prefixes: [$GROUPS_PATH/]
      content_types: [$XML]
      max_body: 4096
      peer_name: border.c.mcx.example
      upstream:
        - {prefix: /xcap-root/, url: "http://127.0.0.1:$PU/xcap-root/"}
    keys: {ca: c-ca.pem}
YAML
}
start_all
ID='X-3GPP-Asserted-Identity: "sip:gms@b.mcx.example"'
scrape() { curl -s --noproxy '*' "http://127.0.0.1:$PADM/metrics"; }
# metric NAME{LABELS}: its value on the page in $WORK/m (exact label set)
metric() { awk -v k="$1" '$1 == k {print $2; f=1} END {if (!f) print "absent"}' "$WORK/m"; }

for i in 1 2 3; do
  partner_curl b-border -H "$ID" -o /dev/null "$(url_out "$GROUPS_PATH/users/m-$i")"
done
for i in 1 2; do
  partner_curl b-border -H "$ID" -X POST -H "Content-Type: $XML" --data-binary '<a/>' \
    -o /dev/null "$(url_out "$GROUPS_PATH/users/p-$i")"
done
outside=$(partner_curl b-border -H "$ID" "$(url_out /metrics)")
check "outside listener: /metrics refused, no metrics" \
  sh -c "! printf '%s' \"\$1\" | grep -q 'mcsec_' && printf '%s' \"\$1\" | head -n1 | grep -q ' 4[0-9][0-9]'" _ "$outside"
reason=$(printf '%s' "$(partner_curl b-border -H "$ID" -X POST -H "Content-Type: $XML" \
  --data-binary '<a/>' "$(url_out "$GROUPS_PATH/users/p-3")")" | reason_of)
scrape > "$WORK/m"
check "content type 0.0.4" sh -c "curl -s -o /dev/null -w '%{content_type}' --noproxy '*' \
  http://127.0.0.1:$PADM/metrics | grep -q 'version=0.0.4'"
check "promtool check metrics passes" promtool check metrics < "$WORK/m"
b='partner="system-b",direction="in"'
check "3 GETs passed (read, passed)" \
  [ "$(metric "mcsec_http_requests_total{$b,method_class=\"read\",result=\"passed\"}")" = 3 ]
check "3 POSTs refused (write, refused)" \
  [ "$(metric "mcsec_http_requests_total{$b,method_class=\"write\",result=\"refused\"}")" = 3 ]
check "3 refusals with reason $reason" \
  [ "$(metric "mcsec_http_refusals_total{$b,reason=\"$reason\"}")" = 3 ]
check "the outside /metrics request is counted as a refusal, not served" \
  [ "$(metric "mcsec_http_requests_total{$b,method_class=\"read\",result=\"refused\"}")" = 1 ]
check "request time histogram counted 7 inbound requests" \
  [ "$(metric "mcsec_http_request_seconds_count{direction=\"in\"}")" = 7 ]
c_lines=$(grep -c '^mcsec_http_requests_total{partner="system-c",' "$WORK/m")
c_zero=$(grep '^mcsec_http_requests_total{partner="system-c",' "$WORK/m" | awk '$2 != 0' | wc -l)
check "idle partner system-c: 12 request series, all 0 ($c_lines, $c_zero non-zero)" \
  [ "$c_lines" = 12 ] && [ "$c_zero" = 0 ]
check "idle partner system-c: refusal zeros" \
  [ "$(metric "mcsec_http_refusals_total{partner=\"system-c\",direction=\"out\",reason=\"$reason\"}")" = 0 ]
# b-ca.pem is made valid for 2 days (lib.sh ca): seconds left within 60 s.
end=$(date -d "$(openssl x509 -enddate -noout -in "$WORK/b-ca.pem" | cut -d= -f2)" +%s)
want=$((end - $(date +%s)))
got=$(grep "^mcsec_expiry_seconds{partner=\"system-b\",kind=\"certificate\",name=\"[^\"]*b-ca.pem" "$WORK/m" | awk '{print $NF}' | head -n1)
check "expiry gauge of b-ca.pem: $got s, want $want +- 60" \
  awk -v g="${got:-x}" -v w="$want" 'BEGIN {exit !(g != "x" && g - w < 60 && w - g < 60)}'
check "expiry warning threshold: 14 days" [ "$(metric mcsec_expiry_warning_seconds)" = 1209600 ]
check "expiry.critical alarm logged once for b-ca.pem" \
  [ "$(grep 'alarm=expiry.critical' "$WORK/httpd.log" | grep -c 'b-ca.pem')" = 1 ]
check "generation 1, last load ok" \
  [ "$(metric mcsec_policy_generation)" = 1 ] && [ "$(metric mcsec_policy_last_reload_success)" = 1 ]
hash=$(sha256sum "$WORK/policy.yaml" | cut -d' ' -f1)
check "policy hash" [ "$(metric "mcsec_policy_info{hash=\"$hash\"}")" = 1 ]
check "log lines carry the syslog priority and logfmt" grep -q '^<5>event=refused reason=' "$WORK/httpd.log"

# A refused reload: metrics and alarm; then a good one changing system-c.
cp "$WORK/policy.yaml" "$WORK/policy.good"
echo "partners: [" >> "$WORK/policy.yaml"
kill -HUP "$HTTPD_PID"
for _ in $(seq 1 50); do grep -q 'alarm=reload.failed' "$WORK/httpd.log" && break; sleep 0.1; done
scrape > "$WORK/m"
check "refused reload: last_reload_success 0" [ "$(metric mcsec_policy_last_reload_success)" = 0 ]
check "refused reload: counted" \
  [ "$(metric 'mcsec_policy_reloads_total{result="failed",trigger="signal"}')" = 1 ]
check "refused reload: alarm reload.failed at err" grep -q '^<3>event=alarm alarm=reload.failed severity=err' "$WORK/httpd.log"
check "refused reload: one audit line with the file position" \
  [ "$(grep -c "event=reload result=failed trigger=signal .*error=\"[^\"]*policy.yaml:[0-9]" "$WORK/httpd.log")" = 1 ]
sed 's/max_body: 4096$/max_body: 2048/' "$WORK/policy.good" > "$WORK/policy.yaml"
sed -i '0,/max_body: 2048/s//max_body: 4096/' "$WORK/policy.yaml" # system-b unchanged
kill -HUP "$HTTPD_PID"
for _ in $(seq 1 50); do grep -q 'event=reload result=ok trigger=signal' "$WORK/httpd.log" && break; sleep 0.1; done
check "good reload: audit line names system-c changed, generation 2, who sent SIGHUP" \
  grep -q "event=reload result=ok trigger=signal generation=2 sender_pid=$$ sender_uid=$(id -u) .*partners_added=\"\" partners_removed=\"\" partners_changed=system-c " "$WORK/httpd.log"
scrape > "$WORK/m"
check "good reload: generation 2, success 1, kept in --state-dir" \
  [ "$(metric mcsec_policy_generation)" = 2 ] && [ "$(metric mcsec_policy_last_reload_success)" = 1 ] && \
  [ "$(cat "$WORK/httpd.generation")" = 2 ]

# A restart with logging.level warning and logging.format json in the
# policy (no --log-level): JSON lines, refusals (notice) not logged, alarms
# are; the generation goes on from the state file.
kill "$HTTPD_PID"; wait "$HTTPD_PID" 2>/dev/null
printf 'logging: {level: warning, format: json}\n' >> "$WORK/policy.yaml"
"$HTTPD" --policy "$WORK/policy.yaml" --admin "127.0.0.1:$PADM" --state-dir "$WORK" \
  2> "$WORK/httpd2.log" &
HTTPD_PID=$!
PIDS+=($HTTPD_PID)
wait_port "$PA" && wait_port "$PADM"
partner_curl b-border -H "$ID" -X POST -o /dev/null "$(url_out "$GROUPS_PATH/users/json")"
scrape > "$WORK/m"
check "restart: generation 3 from the state file" [ "$(metric mcsec_policy_generation)" = 3 ]
check "restart: the refusal was counted" \
  [ "$(metric "mcsec_http_requests_total{$b,method_class=\"write\",result=\"refused\"}")" = 1 ]
check "logging.level warning: no refusal line (notice)" not grep -q 'refused' "$WORK/httpd2.log"
check "logging.format json: alarm as a JSON line behind <3>" \
  grep -q '^<3>{"event":"alarm","alarm":"expiry.critical"' "$WORK/httpd2.log"
check "logging.format json: every line parses" \
  python3 -c 'import json,sys; [json.loads(l[l.index(">")+1:]) for l in open(sys.argv[1])]' "$WORK/httpd2.log"
finish
