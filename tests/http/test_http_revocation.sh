#!/usr/bin/env bash
# Revocation (partners[].keys.crls): with B's border certificate revoked in
# a new CRL and a SIGHUP, new connections are refused both ways (inbound:
# GnuTLS with the CRL in the partner's trust list; outbound: libcurl's
# OpenSSL CRL check, and no reuse of a connection made before), and a
# kept-alive inbound connection of B gets its next request refused and is
# closed. A stale CRL is used and reported with system.revocation.stale
# keep, refuses B with refuse; a CRL that does not verify never loads.
# usage: test_http_revocation.sh MCSEC_HTTPD
. "$(dirname "$0")/lib.sh" "$1"
ID='X-3GPP-Asserted-Identity: "sip:gms@b.mcx.example"'
OUT_ID='X-3GPP-Asserted-Identity: "sip:gms@a.mcx.example"'

edit_policy() {
  crl b-ca b-ca.crl.pem
  sed -i 's|keys: {ca: b-ca.pem}|keys: {ca: b-ca.pem, crls: [b-ca.crl.pem]}|' "$WORK/policy.yaml"
}
reloads=0
reload() {
  reloads=$((reloads + 1))
  kill -HUP "$HTTPD_PID"
  for _ in $(seq 1 50); do
    [ "$(grep -c -e 'reloaded' -e 'reload failed' "$WORK/httpd.log")" -ge "$reloads" ] && break
    sleep 0.1
  done
}
inbound() { partner_curl b-border -H "$ID" -o /dev/null -w '%{http_code}' "$(url_out "$GROUPS_PATH/users/$1")"; }
outbound() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 10 --noproxy '*' -H "Host: gms.b.mcx.example" \
    -H "$OUT_ID" "http://127.0.0.1:$PI$GROUPS_PATH/users/$1"
}
partner_got() { grep -c "\"/xcap-root/org.openmobilealliance.groups/users/$1" "$WORK/partner.jsonl"; }
CLIENT_TIMEOUT=10 # the idle timeout must not be what closes the idle connection
start_all

check "empty CRL: inbound passes" [ "$(inbound in-1)" = 200 ]
for i in 1 2 3 4; do o=$(outbound out-$i); done
check "empty CRL: outbound passes (connections kept by both workers)" [ "$o" = 200 ]

# A kept-alive connection of B: one request now, one after the revocation.
cat >"$WORK/keepalive.py" <<PY
import http.client, os, select, ssl, time
ctx = ssl.create_default_context(cafile="$WORK/a-ca.pem")
ctx.load_cert_chain("$WORK/b-border.pem", "$WORK/b-border-key.pem")
ctx.check_hostname = False
def connect():
    return http.client.HTTPSConnection("127.0.0.1", $PA, context=ctx, timeout=5)
def get(c, path):
    c.request("GET", "$GROUPS_PATH/users/" + path,
              headers={"Host": "$A_NAME", "X-3GPP-Asserted-Identity": '"sip:gms@b.mcx.example"'})
    r = c.getresponse(); r.read(); return r
busy, idle = connect(), connect()
print("first", get(busy, "keep-1").status, get(idle, "idle-1").status, flush=True)
# The busy connection: a request in progress across the reload (its head
# not finished yet), so it is checked when the request starts.
busy.sock.sendall(b"GET $GROUPS_PATH/users/keep-2 HTTP/1.1\\r\\nHost: $A_NAME\\r\\n"
                  b'X-3GPP-Asserted-Identity: "sip:gms@b.mcx.example"\\r\\n')
while not os.path.exists("$WORK/go"): time.sleep(0.02)
start = time.monotonic()
# The idle connection: closed by the proxy without a request of ours.
while time.monotonic() - start < 5:
    if select.select([idle.sock], [], [], 0.05)[0]:
        try:
            data = idle.sock.recv(1)
        except (ssl.SSLError, OSError):
            data = b""
        if not data:
            print("idle closed after %.1f s" % (time.monotonic() - start), flush=True)
            break
else:
    print("idle still open after 5 s", flush=True)
try:
    busy.sock.sendall(b"\\r\\n")
    r = http.client.HTTPResponse(busy.sock, method="GET"); r.begin(); r.read()
    print("second", r.status, r.getheader("Connection"), flush=True)
    get(busy, "keep-3"); print("third sent", flush=True)
except Exception as e:
    print("closed", type(e).__name__, flush=True)
PY
python3 "$WORK/keepalive.py" >"$WORK/keepalive.out" 2>&1 & KA=$!
for _ in $(seq 1 50); do grep -q first "$WORK/keepalive.out" && break; sleep 0.1; done
check "kept-alive connections: first requests pass" grep -q 'first 200 200' "$WORK/keepalive.out"

# ---- revoke B's border certificate ----------------------------------------
crl b-ca b-ca.crl.pem "" "" b-border
reload
touch "$WORK/go"; wait "$KA"
idle=$(sed -n 's/^idle closed after \([0-9.]*\) s$/\1/p' "$WORK/keepalive.out")
check "idle kept-alive connection closed by the proxy ${idle:-never} s after the reload (bound 2 s)" \
  [ -n "$idle" ] && [ "$(echo "$idle <= 2" | bc)" = 1 ]
check "kept-alive connection: next request after the reload refused (403)" \
  grep -q 'second 403' "$WORK/keepalive.out"
check "kept-alive connection: closed after it" \
  grep -q -e 'closed' -e 'second 403 close' "$WORK/keepalive.out"
check "kept-alive connection: nothing after the reload reached our server" \
  not upstream_saw keep-2
check "kept-alive refusal logged" grep -q 'kept-alive connection refused after a reload: certificate of partner system-b revoked' "$WORK/httpd.log"
check "revoked: new inbound connection refused (403)" [ "$(inbound in-2)" = 403 ]
check "revoked: logged as revoked" grep -q 'certificate of partner system-b revoked' "$WORK/httpd.log"
for i in 5 6 7 8; do o=$(outbound out-$i); done
check "revoked: outbound refused ($o)" [ "$o" != 200 ]
check "revoked: no outbound request reached B (no reuse of older connections)" \
  [ "$(partner_got out-5)$(partner_got out-6)$(partner_got out-7)$(partner_got out-8)" = 0000 ]

# ---- stale CRLs --------------------------------------------------------------
crl b-ca b-ca.crl.pem 20200101000000Z 20200102000000Z
reload
check "stale, keep (default): inbound passes" [ "$(inbound in-3)" = 200 ]
check "stale, keep: outbound passes" [ "$(outbound out-9)" = 200 ]
check "stale CRL reported" grep -q 'crl partner=system-b stale' "$WORK/httpd.log"
crl b-ca b-ca.crl.pem 20200101000000Z 20200102000000Z b-border
reload
check "stale, keep: a certificate it lists stays refused" [ "$(inbound in-4)" = 403 ]
crl b-ca b-ca.crl.pem 20200101000000Z 20200102000000Z
sed -i 's|^  http:|  revocation: {stale: refuse}\n  http:|' "$WORK/policy.yaml"
reload
check "stale, refuse: inbound refused" [ "$(inbound in-5)" = 403 ]
check "stale, refuse: outbound refused" [ "$(outbound out-10)" != 200 ]
check "stale, refuse: logged" grep -q 'past its nextUpdate and system.revocation.stale is refuse' "$WORK/httpd.log"

# ---- a CRL that does not verify never loads --------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=b-ca \
  -keyout "$WORK/forged-key.pem" -out "$WORK/forged.pem" 2>/dev/null
crl forged b-ca.crl.pem   # B's CA name, another key
reload
check "forged CRL: reload refused, running state kept" \
  grep -q 'reload failed.*signature does not verify' "$WORK/httpd.log"
finish
