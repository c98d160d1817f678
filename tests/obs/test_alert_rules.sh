#!/usr/bin/env bash
# ctest obs.alert_rules: deploy/prometheus/alerts.yml passes `promtool check
# rules` (syntax, PromQL, templates) and `promtool test rules` with the
# hand-written fixtures of tests/obs/alerts_test.yml (every alert firing and
# not firing at its boundary); deploy/prometheus/prometheus.yml passes
# `promtool check config` (which also checks the rule file it names).
# usage: test_alert_rules.sh SRC   (exit 77 without promtool)
set -u
SRC=${1:?usage: $0 SRC}
command -v promtool >/dev/null 2>&1 || {
    echo "SKIP: promtool not installed (Debian package prometheus; bash scripts/setup.sh)"
    exit 77
}
fails=0
run() {
    echo "+ $*"
    "$@" || { echo "FAIL: $*"; fails=$((fails + 1)); }
}
run promtool check rules "$SRC/deploy/prometheus/alerts.yml"
run promtool test rules "$SRC/tests/obs/alerts_test.yml"
run promtool check config "$SRC/deploy/prometheus/prometheus.yml"
[ "$fails" -eq 0 ] && echo "PASS: alert rules, their tests and the example configuration"
exit $((fails > 0))
