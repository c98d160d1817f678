#!/usr/bin/env bash
# The worker event loops and the connection memory pool sized from the
# policy: with one worker thread, a next hop that takes its time delays no
# other request (the thread never waits for a next hop); heads over the
# partner's max_header_bytes get 431 http.headers_too_large whether our
# handler, the raw scanner or libmicrohttpd's pool stops them (also a head
# of many tiny fields), and are never forwarded; a response head too large
# to relay is our 502; a reload that raises max_header_bytes starts new
# daemons with the larger pool; SIGTERM lets a request in flight finish.
# usage: test_http_workers.sh MCSEC_HTTPD
. "$(dirname "$0")/lib.sh" "$1"
edit_policy() { sed -i 's/^    threads: 2$/    threads: 1/' "$WORK/policy.yaml"; }
start_all
P="$GROUPS_PATH/users"
ID='X-3GPP-Asserted-Identity: "sip:gms@b.mcx.example"'
code() { partner_curl b-border -H "$ID" -o /dev/null -w '%{http_code}\n' "$@"; }
pad() { head -c "$1" /dev/zero | tr '\0' p; }

# ---- one worker, a slow next hop --------------------------------------------
start=$(date +%s%N)
code "$(url_out "$P/slow")" > "$WORK/slow.txt" &
SLOW=$!
sleep 0.3
fast=$(code "$(url_out "$P/fast")")
fast_ms=$(( ($(date +%s%N) - start) / 1000000 ))
wait "$SLOW"
check "fast request passes while the slow one waits ($fast)" [ "$fast" = 200 ]
check "fast request not held behind the slow next hop (${fast_ms} ms < 1200)" [ "$fast_ms" -lt 1200 ]
check "slow request passes" [ "$(cat "$WORK/slow.txt")" = 200 ]
par=()
for i in $(seq 1 20); do
  code "$(url_out "$P/par-$i")" > "$WORK/par-$i.txt" &
  par+=($!)
done
wait "${par[@]}"
check "20 parallel requests on one worker, all 200" \
  [ "$(cat "$WORK"/par-*.txt | grep -c '^200$')" = 20 ]

# ---- request heads against the pool ------------------------------------------
# too_large NAME CURL-ARGS...: 431 (our header, or libmicrohttpd's 431 with
# our code in the log), never forwarded.
too_large() {
  local name=$1 before out; shift
  before=$(grep -c 'reason=http.headers_too_large ' "$WORK/httpd.log")
  out=$(partner_curl b-border -H "$ID" "$@" "$(url_out "$P/$name")")
  sleep 0.2
  check "$name: 431" [ "$(echo "$out" | status_of)" = 431 ]
  check "$name: http.headers_too_large logged" \
    [ "$(grep -c 'reason=http.headers_too_large ' "$WORK/httpd.log")" -gt "$before" ]
  check "$name: never forwarded" not upstream_saw "$name"
}
too_large head-6k -H "X-Pad: $(pad 6000)"
out=$(partner_curl b-border -H "$ID" -H "X-Pad: $(pad 6000)" "$(url_out "$P/head-6k-b")")
check "head over max_header_bytes, within the pool: our X-Mcsec-Reason" \
  [ "$(echo "$out" | reason_of)" = http.headers_too_large ]
too_large head-40k -H "X-Pad: $(pad 40000)"
tiny=()
for i in $(seq 1 1500); do tiny+=(-H "a$i: b"); done
too_large tiny-fields "${tiny[@]}"
check "a request after them passes" [ "$(code "$(url_out "$P/after-heads")")" = 200 ]

# ---- response head too large to relay ------------------------------------------
out=$(partner_curl b-border -H "$ID" "$(url_out "$P/bighead")")
check "response head over 8 KB: 502 http.upstream_error" \
  [ "$(echo "$out" | status_of)" = 502 -a "$(echo "$out" | reason_of)" = http.upstream_error ]

# ---- reload with a larger max_header_bytes -------------------------------------
check "12 KB head refused before the reload" [ "$(code -H "X-Pad: $(pad 12000)" "$(url_out "$P/h12-a")")" = 431 ]
sed -i 's/max_header_bytes: 4096/max_header_bytes: 16384/' "$WORK/policy.yaml"
kill -HUP "$HTTPD_PID"
for _ in $(seq 1 50); do grep -q 'reloaded .*(new daemons)' "$WORK/httpd.log" && break; sleep 0.1; done
check "reload with new sizes starts new daemons" grep -q 'reloaded .*(new daemons)' "$WORK/httpd.log"
check "12 KB head passes after the reload" [ "$(code -H "X-Pad: $(pad 12000)" "$(url_out "$P/h12-b")")" = 200 ]

# ---- SIGTERM with a request in flight -------------------------------------------
code "$(url_out "$P/slow")" > "$WORK/term.txt" &
SLOW=$!
sleep 0.3
kill -TERM "$HTTPD_PID"
wait "$SLOW"
check "request in flight at SIGTERM still answered 200" [ "$(cat "$WORK/term.txt")" = 200 ]
for _ in $(seq 1 50); do kill -0 "$HTTPD_PID" 2>/dev/null || break; sleep 0.1; done
check "stopped after the request" not kill -0 "$HTTPD_PID" 2>/dev/null
finish
