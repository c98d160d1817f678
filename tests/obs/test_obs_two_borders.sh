#!/usr/bin/env bash
# ctest obs.two_borders: a real Prometheus (Debian's prometheus) scrapes both
# proxies and the IPsec exporter of two borders, with the shipped alert
# rules (deploy/prometheus/alerts.yml, unchanged), and shows from its HTTP
# API (/api/v1/alerts) that
#   (a) an expiring test certificate fires the expiry alerts: border A's
#       TLS/IKE certificate is issued for 10 days (McsecExpiryWarning: below
#       the 14 days of system.expiry_warning_days, above a quarter of it),
#       border B's for 2 days (McsecExpiryCritical), on both proxies;
#   (b) a refused reload fires McsecReloadFailed: A's policy is broken,
#       then mcsec.reload (IS proxy) and SIGHUP (mcsec-httpd) are refused;
#       after the good policy is back and both reload, the alerts clear.
# Also: every metric name the Grafana dashboard's queries use is among the
# names Prometheus scraped from these proxies (or a recording rule), every
# dashboard query is valid PromQL against them, and every metric of
# docs/observability.md's table is served by some proxy.
#
# The two systems are those of the two-system demo (deploy/demo/lib: the
# namespaces, keys, policies, kamailio + mcsec.so, mcsec-httpd), without
# charon: the exporter reports the SAs down (McsecIpsecSaDown pending; its
# "for: 1m" is longer than this test). A fourth namespace, the NOC, reaches
# each border's admin address over its own link (never a partner-facing
# socket) and runs Prometheus (scrape and evaluation every second) on
# 127.0.0.1:9090 there, its TSDB under the work directory.
#
#   NOC 192.0.2.2 --- 192.0.2.1 border A (admin) :9610 IS proxy, :9611 HTTP proxy, :9612 exporter
#   NOC 192.0.2.6 --- 192.0.2.5 border B (admin)
#
# usage: test_obs_two_borders.sh   (as root; exit 77 when the machine cannot
# run it). Environment: MCSEC_BUILD (build directory), MCSEC_DEMO_KEEP=1.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$here/../.." && pwd)
BUILD=${MCSEC_BUILD:-$SRC/build}
KEEP=${MCSEC_DEMO_KEEP:-0}
DEMO=$SRC/deploy/demo

# shellcheck source=deploy/demo/lib/common.sh
. "$DEMO/lib/common.sh"
# shellcheck source=deploy/demo/lib/net.sh
. "$DEMO/lib/net.sh"
# shellcheck source=deploy/demo/lib/keys.sh
. "$DEMO/lib/keys.sh"
# shellcheck source=deploy/demo/lib/border.sh
. "$DEMO/lib/border.sh"
# shellcheck source=deploy/demo/lib/http.sh
. "$DEMO/lib/http.sh"

MCSECCTL=$BUILD/tools/mcsecctl
MODULE=$BUILD/kamailio-mod-mcsec/mcsec.so
KAM_CFG=$SRC/deploy/kamailio/mcsec-is-proxy.cfg
RULES=$SRC/deploy/prometheus/alerts.yml
TOPOLOGY=0
NS_N="mcsec-obs-noc-$$"
PROM=127.0.0.1:9090
declare -A ADMIN=([a]=192.0.2.1 [b]=192.0.2.5)
declare -A EXPORTER_PID=()
PROM_PID=

cannot_run() {
    echo "SKIP: cannot run here: $*"
    exit 77
}
[ "$(id -u)" -eq 0 ] || cannot_run "needs root (network namespaces)"
for tool in ip kamailio kamcmd prometheus promtool curl python3 pki ss; do
    command -v "$tool" >/dev/null 2>&1 || cannot_run "$tool not installed (bash scripts/setup.sh)"
done
for f in "$MCSECCTL" "$MODULE" "$HTTPD"; do
    [ -x "$f" ] || [ -f "$f" ] || cannot_run "$f not built (bash scripts/build.sh, or set MCSEC_BUILD)"
done

# obs_teardown: Prometheus, the exporters, the proxies, the namespaces.
obs_teardown() {
    stop_pid "$PROM_PID"
    for side in a b; do stop_pid "${EXPORTER_PID[$side]:-}"; done
    http_stop
    kam_stop a
    kam_stop b
    net_down
    ip netns del "$NS_N" 2>/dev/null
}
demo_work_begin obs obs_teardown

# in_noc CMD...: CMD in the NOC namespace.
in_noc() { ip netns exec "$NS_N" "$@"; }

# api PATH: GET Prometheus's HTTP API from the NOC.
api() { in_noc curl -s --max-time 5 --noproxy '*' "http://$PROM$1"; }

# alerts_json: the firing and pending alerts, one JSON document.
alerts_json() { api /api/v1/alerts; }

# alert_count NAME STATE [LABEL=VALUE...]: how many alerts NAME in STATE
# (firing|pending) carry every LABEL=VALUE.
alert_count() {
    alerts_json | python3 -c '
import json, sys
name, state, want = sys.argv[1], sys.argv[2], dict(a.split("=", 1) for a in sys.argv[3:])
doc = json.load(sys.stdin)
n = sum(1 for a in doc["data"]["alerts"]
        if a["labels"].get("alertname") == name and a["state"] == state
        and all(a["labels"].get(k) == v for k, v in want.items()))
print(n)' "$@" 2>/dev/null || echo 0
}
alert_present() { [ "$(alert_count "$@")" -gt 0 ]; }
alert_absent() { [ "$(alert_count "$@")" -eq 0 ]; }

# alert_rows: "state name job border kind name" lines, for the report.
alert_rows() {
    alerts_json | python3 -c '
import json, sys
rows = []
for a in json.load(sys.stdin)["data"]["alerts"]:
    l = a["labels"]
    extra = " ".join("%s=%s" % (k, l[k]) for k in ("kind", "partner") if k in l)
    rows.append("%-8s %-22s %-9s %-17s %s" % (a["state"], l["alertname"], l.get("border", ""),
                                              l.get("job", ""), extra))
print("\n".join(sorted(rows)))'
}

# --- two borders and the NOC ----------------------------------------------------

t0=$(date +%s)
say "== a real Prometheus with the shipped rules, scraping two borders"
http_detect
[ "$HTTP" = 1 ] || cannot_run "$HTTP_WHY"
keys_pki || die "pki could not make the certificates"
keys_spk
keys_ear
# Short-lived border certificates: A 10 days, B 2 days.
for side in a b; do
    days=10
    [ $side = b ] && days=2
    STRONGSWAN_CONF=$WORK/pki.conf pki --pub --in "$WORK/pki/border-$side.key" --type ecdsa |
        STRONGSWAN_CONF=$WORK/pki.conf pki --issue --lifetime "$days" \
            --cacert "$WORK/pki/ca-$side.pem" --cakey "$WORK/pki/ca-$side.key" \
            --dn "C=XX, O=mcsec demo, CN=$side.mcx.example" --san "$side.mcx.example" \
            --flag serverAuth --flag clientAuth --outform pem \
            >"$WORK/pki/border-$side.pem" || die "pki could not issue border-$side.pem"
done
for side in a b; do
    mkdir -p "$WORK/$side/state"
    write_policy "$side"
    "$MCSECCTL" policy check "$WORK/$side/policy.yaml" >"$WORK/$side/policy.check" 2>&1 ||
        die "policy of system $side refused: $(cat "$WORK/$side/policy.check")"
done
net_up || die "could not make the network namespaces"
ip netns add "$NS_N" || die "could not make the NOC namespace"
ip -n "$NS_N" link set lo up
n=0
for side in a b; do
    ip link add "mgmt-$side" netns "$(ns_of "$side")" type veth peer name "noc-$side" netns "$NS_N" ||
        die "could not link the NOC to border $side"
    ip -n "$(ns_of "$side")" addr add "${ADMIN[$side]}/30" dev "mgmt-$side"
    ip -n "$(ns_of "$side")" link set "mgmt-$side" up
    ip -n "$NS_N" addr add "192.0.2.$((n + 2))/30" dev "noc-$side"
    ip -n "$NS_N" link set "noc-$side" up
    n=$((n + 4))
done

# The IS proxy: kamailio + mcsec.so, its /metrics on the admin address.
for side in a b; do
    KAM_METRICS_LISTEN="${ADMIN[$side]}:9610" kam_start "$side"
done
# mcsec-httpd, /metrics on its --admin listener; the IPsec exporter (no
# charon here: it reports the SAs down).
for side in a b; do
    ns_bg "$side" "$HTTPD" --policy "$WORK/$side/policy.yaml" --admin "${ADMIN[$side]}:9611" \
        --state-dir "$WORK/$side/state" --log-level info </dev/null >"$WORK/$side/httpd.log" 2>&1
    HTTPD_PID[$side]=$BG_PID
    ns_bg "$side" "$MCSECCTL" ipsec exporter --policy "$WORK/$side/policy.yaml" \
        --listen "${ADMIN[$side]}:9612" --uri "unix://$WORK/$side/no-charon.vici" --interval 1 \
        </dev/null >"$WORK/$side/exporter.log" 2>&1
    EXPORTER_PID[$side]=$BG_PID
done
for side in a b; do
    for port in 9610 9611 9612; do
        wait_for 10 tcp_listens "$side" "${ADMIN[$side]}:$port" ||
            die "nothing listens on ${ADMIN[$side]}:$port in border $side; logs in $WORK/$side"
    done
done

# Prometheus in the NOC: scrape and evaluate every second, the shipped rules.
mkdir -p "$WORK/prom"
{
    printf 'global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n'
    printf 'rule_files:\n  - %s\n' "$RULES"
    printf 'scrape_configs:\n'
    for job_port in mcsec_is_proxy:9610 mcsec_http_proxy:9611 mcsec_ipsec:9612; do
        printf '  - job_name: %s\n    static_configs:\n' "${job_port%%:*}"
        for side in a b; do
            printf '      - targets: ["%s:%s"]\n        labels: {border: system-%s}\n' \
                "${ADMIN[$side]}" "${job_port#*:}" "$side"
        done
    done
} >"$WORK/prom/prometheus.yml"
promtool check config "$WORK/prom/prometheus.yml" >"$WORK/prom/check.out" 2>&1 ||
    die "promtool check config: $(cat "$WORK/prom/check.out")"
ip netns exec "$NS_N" prometheus --config.file="$WORK/prom/prometheus.yml" \
    --storage.tsdb.path="$WORK/prom/data" --web.listen-address="$PROM" \
    --log.level=warn </dev/null >"$WORK/prom/prometheus.log" 2>&1 &
PROM_PID=$!

targets_up() {
    [ "$(api /api/v1/targets | python3 -c '
import json, sys
t = json.load(sys.stdin)["data"]["activeTargets"]
print(sum(1 for x in t if x["health"] == "up"))' 2>/dev/null)" = 6 ]
}
wait_for 20 targets_up || {
    api /api/v1/targets >"$WORK/prom/targets.json" 2>&1
    die "Prometheus does not scrape all 6 targets within 20 s; see $WORK/prom"
}
row set-up "A and B: IS proxy :9610, HTTP proxy :9611, exporter :9612 on the admin links; Prometheus $(prometheus --version 2>&1 | head -n 1 | awk '{print $3}') in the NOC, 6 targets up ($(($(date +%s) - t0)) s)"

# --- (a) expiring certificates --------------------------------------------------

step_begin "an expiring test certificate fires the expiry alerts"
for job in mcsec_is_proxy mcsec_http_proxy; do
    wait_for 15 alert_present McsecExpiryWarning firing job=$job border=system-a kind=certificate ||
        bad "no McsecExpiryWarning firing for A's 10-day certificate ($job)"
    wait_for 5 alert_present McsecExpiryCritical firing job=$job border=system-b kind=certificate ||
        bad "no McsecExpiryCritical firing for B's 2-day certificate ($job)"
done
# the 30-day CA certificates are above the threshold: no alert names them
alerts_json | grep -q 'ca-[ab]\.pem' && bad "an alert names a 30-day CA certificate"
# and B's 2-day certificate is not (also) a warning
alert_absent McsecExpiryWarning firing border=system-b kind=certificate ||
    bad "B's 2-day certificate also fires the warning"
alert_rows | sed 's/^/   alert     /'
# the same conditions in the journal of a site without Prometheus
for log in httpd kamailio; do
    grep -q 'event=alarm alarm=expiry.warning' "$WORK/a/$log.log" ||
        bad "A's $log logged no alarm=expiry.warning line"
    grep -q 'event=alarm alarm=expiry.critical' "$WORK/b/$log.log" ||
        bad "B's $log logged no alarm=expiry.critical line"
done
step_end

# --- (b) a refused reload, then a good one ------------------------------------

step_begin "a refused reload fires McsecReloadFailed; a good reload clears it"
cp "$WORK/a/policy.yaml" "$WORK/a/policy.good"
printf 'partners: [\n' >>"$WORK/a/policy.yaml" # YAML no longer parses
kam_ctl a mcsec.reload >"$WORK/a/reload-bad.out" 2>&1
kill -HUP "${HTTPD_PID[a]}"
for job in mcsec_is_proxy mcsec_http_proxy; do
    wait_for 15 alert_present McsecReloadFailed firing job=$job border=system-a ||
        bad "no McsecReloadFailed firing for A's $job"
done
alert_absent McsecReloadFailed firing border=system-b || bad "B, which did not reload, fires McsecReloadFailed"
for log in httpd kamailio; do
    grep -q 'event=alarm alarm=reload.failed' "$WORK/a/$log.log" ||
        bad "A's $log logged no alarm=reload.failed line"
done
row refused "mcsec.reload: $(tr '\n' ' ' <"$WORK/a/reload-bad.out" | cut -c1-110)"
row alerts "$(alert_count McsecReloadFailed firing border=system-a) McsecReloadFailed firing for border A"
cp "$WORK/a/policy.good" "$WORK/a/policy.yaml"
kam_ctl a mcsec.reload >"$WORK/a/reload-good.out" 2>&1 || bad "the good reload was refused: $(cat "$WORK/a/reload-good.out")"
kill -HUP "${HTTPD_PID[a]}"
wait_for 15 alert_absent McsecReloadFailed firing ||
    bad "McsecReloadFailed still firing after the good reload"
wait_for 5 alert_absent McsecReloadFailed pending || bad "McsecReloadFailed still pending"
row cleared "no McsecReloadFailed after the good reload"
step_end

# --- the dashboard and the documented names against what was scraped ------------

step_begin "the dashboard's and the documentation's metric names are served"
api /api/v1/label/__name__/values | python3 -c '
import json, sys
print("\n".join(json.load(sys.stdin)["data"]))' >"$WORK/names.txt" || bad "no metric names from Prometheus"
out=$(python3 "$here/check_obs.py" "$SRC" dashboard --names "$WORK/names.txt" 2>&1) ||
    bad "dashboard: $(printf '%s\n' "$out" | grep FAIL | head -n 5 | tr '\n' ' ')"
row names "$(printf '%s\n' "$out" | tail -n 1)"
bad_q=0 empty_q=0 total_q=0
while IFS= read -r q; do
    total_q=$((total_q + 1))
    res=$(in_noc curl -s --max-time 5 --noproxy '*' "http://$PROM/api/v1/query" --data-urlencode "query=$q")
    case $res in
        *'"status":"success"'*) ;;
        *)
            bad_q=$((bad_q + 1))
            bad "query refused by Prometheus: $q: $(printf '%s' "$res" | cut -c1-160)"
            ;;
    esac
    case $res in *'"result":[]'*) empty_q=$((empty_q + 1)) ;; esac
done < <(python3 "$here/check_obs.py" "$SRC" exprs)
row queries "$total_q dashboard queries: $((total_q - bad_q)) valid PromQL, $((total_q - empty_q)) with data now"
missing=$(python3 - "$SRC" "$WORK/names.txt" <<'PY'
import sys
sys.path.insert(0, sys.argv[1] + "/tests/obs")
import check_obs
served = set(open(sys.argv[2]).read().split())
for name, typ in sorted(check_obs.doc_metrics(sys.argv[1]).items()):
    if ":" in name:
        continue  # recording rules
    want = name + "_bucket" if typ.startswith("histogram") else name
    if want not in served:
        print(name)
PY
)
if [ -n "$missing" ]; then
    bad "documented in docs/observability.md but served by no proxy: $(printf '%s' "$missing" | tr '\n' ' ')"
else
    row docs "every metric of docs/observability.md is served"
fi
# every shipped rule evaluated without error on these series (a
# many-to-many match, say, would only show here)
rules_health=$(api /api/v1/rules | python3 -c '
import json, sys
rules = [r for g in json.load(sys.stdin)["data"]["groups"] for r in g["rules"]]
bad = ["%s: %s" % (r.get("name"), r.get("lastError")) for r in rules if r.get("health") != "ok"]
print(len(rules), len(bad), "; ".join(bad))' 2>&1)
read -r n_rules n_bad _ <<<"$rules_health"
if [ "${n_rules:-0}" -ge 20 ] 2>/dev/null && [ "${n_bad:-1}" -eq 0 ] 2>/dev/null; then
    row rules "all $n_rules rules of alerts.yml evaluate without error"
else
    bad "rules not healthy in Prometheus: $rules_health"
fi
alert_present McsecIpsecSaDown pending job=mcsec_ipsec ||
    alert_present McsecIpsecSaDown firing job=mcsec_ipsec ||
    bad "the exporter reports no SA, yet McsecIpsecSaDown is not pending"
step_end

say ""
if [ "$DEMO_FAILS" -eq 0 ]; then
    say "PASS: Prometheus alerts from two borders in $(($(date +%s) - t0)) s"
    exit 0
fi
say "FAIL: $DEMO_FAILS problem(s)"
exit 1
