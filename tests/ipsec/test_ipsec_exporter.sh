#!/usr/bin/env bash
# The IPsec exporter (mcsecctl ipsec exporter, job mcsec_ipsec) beside A's
# charon: with the SA up it reports mcsec_ipsec_sa_up 1, one CHILD_SA and
# a recent rekey time for system-b, and `promtool check metrics` accepts
# the page; when B's charon stops, sa_up drops to 0 and the journal line
# alarm=ipsec.sa_down is logged once (not at every poll).
# usage: test_ipsec_exporter.sh MCSECCTL SOURCE_DIR
MCSECCTL=${1:?usage: $0 MCSECCTL SOURCE_DIR}
SRC=${2:?usage: $0 MCSECCTL SOURCE_DIR}
. "$SRC/tests/ipsec/lib.sh"
command -v promtool >/dev/null || { echo "SKIP: promtool (Debian prometheus) not installed"; exit 77; }
ipsec_setup

up b && up a || { fail "charon did not start"; exit 1; }
expect_sa_up "SA" || exit 1

ip netns exec "$NS_A" env STRONGSWAN_CONF="$WORK/a/strongswan.conf" \
  "$MCSECCTL" ipsec exporter --policy "$WORK/a/policy.yaml" --listen 127.0.0.1:9612 \
  --uri "unix://$WORK/a/charon.vici" --interval 1 2>"$WORK/exporter.log" &
scrape() { ip netns exec "$NS_A" curl -s --max-time 5 http://127.0.0.1:9612/metrics >"$WORK/m"; }
metric() { awk -v k="$1" '$1 == k {print $2; f=1} END {if (!f) print "absent"}' "$WORK/m"; }
wait_for 5 scrape || { fail "exporter does not answer"; cat "$WORK/exporter.log" >&2; exit 1; }

check() { if "${@:2}"; then pass "$1"; else fail "$1"; fi; }
check "SA up: mcsec_ipsec_sa_up{partner=\"system-b\"} 1" \
  [ "$(metric 'mcsec_ipsec_sa_up{partner="system-b"}')" = 1 ]
check "SA up: one CHILD_SA" [ "$(metric 'mcsec_ipsec_child_sas{partner="system-b"}')" = 1 ]
rekey=$(metric 'mcsec_ipsec_sa_last_rekey_timestamp_seconds{partner="system-b"}')
check "SA up: last rekey within the last 60 s ($rekey)" \
  awk -v r="$rekey" -v now="$(date +%s)" 'BEGIN {exit !(r + 0 > now - 60 && r + 0 <= now)}'
check "promtool check metrics passes" promtool check metrics <"$WORK/m"
check "no ipsec.sa_down while up" sh -c "! grep -q ipsec.sa_down \"$WORK/exporter.log\""

down b
sa_down() { scrape && [ "$(metric 'mcsec_ipsec_sa_up{partner="system-b"}')" = 0 ]; }
check "B's charon stopped: mcsec_ipsec_sa_up 0" wait_for 10 sa_down
check "B's charon stopped: no CHILD_SA" [ "$(metric 'mcsec_ipsec_child_sas{partner="system-b"}')" = 0 ]
sleep 2 # two more polls: still one line
check "alarm ipsec.sa_down logged once, at err" \
  [ "$(grep -c '^<3>event=alarm alarm=ipsec.sa_down severity=err partner=system-b' "$WORK/exporter.log")" = 1 ]
ipsec_finish
