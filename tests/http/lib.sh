# Shared set-up of the mcsec-httpd tests: certificates made now (a CA per
# system, border certificates, an MC client certificate, a rogue CA), the
# policy of system A, the recording next hops, the proxy itself.
# usage (sourced): . lib.sh HTTPD_BINARY
set -u
HTTPD=$1
# Each test runs in a network namespace of its own with only loopback up, so
# its ports cannot meet another test's or a service of the host.
if [ -z "${MCSEC_HTTP_NETNS:-}" ]; then
  http_ns=mcsec-h-$$
  ip netns add "$http_ns" || { echo "FAIL: ip netns add $http_ns (needs root)"; exit 1; }
  ip -n "$http_ns" link set lo up
  MCSEC_HTTP_NETNS=$http_ns ip netns exec "$http_ns" bash "$0" "$HTTPD"
  http_rc=$?
  for pid in $(ip netns pids "$http_ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
  ip netns del "$http_ns"
  exit $http_rc
fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d /tmp/mcsec-http-XXXXXX)
BASE=$(( 20000 + ($$ * 7) % 30000 ))
PA=$BASE PI=$((BASE + 1)) PADM=$((BASE + 2)) PU=$((BASE + 3)) PB=$((BASE + 4))
A_NAME=border.a.mcx.example B_NAME=border.b.mcx.example
GROUPS_PATH=/xcap-root/org.openmobilealliance.groups
XML=application/vnd.oma.poc.groups+xml
PIDS=()
FAILS=0
[ -n "${HTTPD_WRAP+x}" ] || HTTPD_WRAP=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  [ "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; FAILS=$((FAILS + 1)); }
not() { ! "$@"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
finish() { echo "$FAILS failure(s)"; [ "$FAILS" -eq 0 ]; }

# ---- certificates ----------------------------------------------------------
# ca NAME: self-signed CA. leaf NAME CA "SUBJECT" EKU SAN [rsa] (LEAF_DAYS:
# validity in days, default 2; -1 = expired yesterday)
ca() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=$1" -keyout "$WORK/$1-key.pem" -out "$WORK/$1.pem" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    2>/dev/null
}
leaf() {
  local name=$1 ca=$2 subj=$3 eku=$4 san=$5 alg=${6:-ec}
  if [ "$alg" = rsa ]; then
    openssl req -newkey rsa:2048 -nodes -subj "$subj" -keyout "$WORK/$name-key.pem" \
      -out "$WORK/$name.csr" 2>/dev/null
  else
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$subj" \
      -keyout "$WORK/$name-key.pem" -out "$WORK/$name.csr" 2>/dev/null
  fi
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\nsubjectAltName=%s\n' \
    "$eku" "$san" > "$WORK/$name.ext"
  openssl x509 -req -in "$WORK/$name.csr" -CA "$WORK/$ca.pem" -CAkey "$WORK/$ca-key.pem" \
    -CAcreateserial -days "${LEAF_DAYS:-2}" -extfile "$WORK/$name.ext" -out "$WORK/$name.pem" 2>/dev/null
  chmod 600 "$WORK/$name-key.pem"
}
make_certs() {
  ca a-ca; ca b-ca; ca rogue-ca
  # Our border: RSA, so that RSA and DHE-RSA suites would be possible if the
  # profile allowed them (it must not).
  leaf a-border a-ca "/CN=$A_NAME" serverAuth,clientAuth "DNS:$A_NAME" rsa
  leaf b-border b-ca "/CN=$B_NAME" serverAuth,clientAuth "DNS:$B_NAME"
  leaf b-serveronly b-ca "/CN=$B_NAME" serverAuth "DNS:$B_NAME"
  leaf b-mcclient b-ca "/CN=alice" clientAuth "URI:sip:alice@b.mcx.example"
  leaf rogue rogue-ca "/CN=$B_NAME" serverAuth,clientAuth "DNS:$B_NAME"
  chmod 644 "$WORK"/*.pem; chmod 600 "$WORK"/*-key.pem
}

# crl CA OUT [LASTUPDATE NEXTUPDATE [CERT...]]: a CRL of CA (openssl ca,
# with the authorityKeyIdentifier RFC 5280 asks for) revoking CERTs, in
# $WORK/OUT. Each call starts a new CA database (crlNumber 1, nothing
# revoked before) unless CRL_DB names one kept across calls.
crl() {
  local ca=$1 out=$2 last=${3:-} next=${4:-} d
  shift 4 2>/dev/null || shift $#
  if [ -n "${CRL_DB:-}" ]; then d=$WORK/db-$CRL_DB; else d=$(mktemp -d "$WORK/db-XXXX"); fi
  if [ ! -f "$d/index.txt" ]; then mkdir -p "$d"; : >"$d/index.txt"; echo 01 >"$d/crlnumber"; fi
  printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s/index.txt\ncrlnumber=%s/crlnumber\ndefault_md=sha256\ndefault_crl_days=1\ncrl_extensions=ext\n[ext]\nauthorityKeyIdentifier=keyid:always\n' \
    "$d" "$d" >"$d/cnf"
  for cert in "$@"; do
    openssl ca -config "$d/cnf" -keyfile "$WORK/$ca-key.pem" -cert "$WORK/$ca.pem" \
      -revoke "$WORK/$cert.pem" 2>/dev/null
  done
  local dates=()
  [ -n "$last" ] && dates=(-crl_lastupdate "$last" -crl_nextupdate "$next")
  openssl ca -config "$d/cnf" -gencrl -keyfile "$WORK/$ca-key.pem" -cert "$WORK/$ca.pem" \
    "${dates[@]}" -out "$WORK/$out.tmp" 2>/dev/null && mv "$WORK/$out.tmp" "$WORK/$out"
}

write_policy() {
  cat > "$WORK/policy.yaml" <<YAML
version: 1
system:
  name: system-a
  identity: sip:border@a.mcx.example
  domains: [a.mcx.example, "*.a.mcx.example"]
  addresses:
    http_proxy: 127.0.0.1:$PA
  http:
    inside: 127.0.0.1:$PI
    inside_clients: [127.0.0.1]
    public_host: $A_NAME
    internal_hosts: [gms.a.internal]
    client_timeout: ${CLIENT_TIMEOUT:-3}
    threads: 2
  keys: {cert: a-border.pem, key: a-border-key.pem}
partners:
  - name: system-b
    identity: sip:border@b.mcx.example
    domains: [b.mcx.example, "*.b.mcx.example"]
    addresses:
      is_proxy: [127.0.20.1:5060]
      http_proxy: 127.0.0.1:$PB
    auth: implicit
    sip: {methods: [MESSAGE], warning_reason: true}
    http:
      methods: [GET, PUT, DELETE]
      path_prefixes: [$GROUPS_PATH/]
      content_types: [$XML]
      max_body: 4096
      max_header_bytes: 4096
      peer_name: $B_NAME
      timeout: 5
      upstream:
        - {prefix: /xcap-root/, url: "http://127.0.0.1:$PU/xcap-root/"}
    keys: {ca: b-ca.pem}
YAML
}

wait_port() {
  for _ in $(seq 1 "${WAIT_TRIES:-100}"); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# A test may define edit_policy (run after write_policy, before the start),
# set HTTPD_WRAP (an array: a command the proxy runs under, e.g. valgrind)
# and RECORDER_DOC (a file the next hops serve for paths ending in /doc).
start_all() {
  make_certs
  write_policy
  if declare -F edit_policy >/dev/null; then edit_policy; fi
  local doc=()
  [ -n "${RECORDER_DOC:-}" ] && doc=(--doc "$RECORDER_DOC")
  python3 "$HERE/recorder.py" "$PU" "$WORK/upstream.jsonl" "127.0.0.1:$PU" "${doc[@]}" &
  PIDS+=($!)
  python3 "$HERE/recorder.py" "$PB" "$WORK/partner.jsonl" "$B_NAME" --tls \
    "$WORK/b-border.pem" "$WORK/b-border-key.pem" "$WORK/a-ca.pem" "${doc[@]}" &
  PIDS+=($!)
  "${HTTPD_WRAP[@]}" "$HTTPD" --policy "$WORK/policy.yaml" --admin "127.0.0.1:$PADM" \
    --log-level info --state-dir "$WORK" 2> "$WORK/httpd.log" &
  HTTPD_PID=$!
  PIDS+=($HTTPD_PID)
  wait_port "$PU" && wait_port "$PB" && wait_port "$PA" && wait_port "$PI" || {
    echo "set-up failed"; cat "$WORK/httpd.log"; exit 1; }
}

# curl as partner B towards our outside listener; extra args follow.
# Prints the response headers and body (-i).
partner_curl() {
  local cert=$1; shift
  local certargs=()
  [ "$cert" != none ] && certargs=(--cert "$WORK/$cert.pem" --key "$WORK/$cert-key.pem")
  curl -s -i --max-time 10 --noproxy '*' --cacert "$WORK/a-ca.pem" "${certargs[@]}" \
    --resolve "$A_NAME:$PA:127.0.0.1" "$@"
}
url_out() { echo "https://$A_NAME:$PA$1"; }

# Raw bytes (printf format) over TLS as partner B; prints the response.
raw_tls() {
  printf "$1" | timeout 8 openssl s_client -quiet -connect "127.0.0.1:$PA" \
    -servername "$A_NAME" -cert "$WORK/b-border.pem" -key "$WORK/b-border-key.pem" \
    -CAfile "$WORK/a-ca.pem" 2>/dev/null
}

status_of() { head -n1 | awk '{print $2}'; }
reason_of() { grep -i '^X-Mcsec-Reason:' | head -n1 | awk '{print $2}' | tr -d '\r'; }
# True when the log has a rejection with this reason code.
logged() { grep -q "reason=$1 " "$WORK/httpd.log"; }
upstream_saw() { grep -q -- "$1" "$WORK/upstream.jsonl"; }
