# shellcheck shell=bash
# bench/run, HTTP part: requests per second and p99 through mcsec-httpd and
# through nginx as an mTLS reverse proxy to the same upstream.
#
#   httpload (partner HTTP proxy, 127.0.20.1, client certificate of B's CA)
#     -> proxy at 127.0.10.1:8443 (TLS, our server certificate, client
#        certificate required and checked against B's CA)
#     -> upstream 127.0.10.2:8080 (an nginx answering a ~1 KB XML document)
# The proxies run one after the other, alternating per round, with the same
# certificates, load (closed loop, B_HTTP_CONNS connections kept alive) and
# upstream. wrk cannot present a client certificate: the load generator is
# our own libcurl-multi client, bench/httpload.c. Besides the rate and p99,
# each proxy's own CPU time per request (issue 23's judged figure).
#
# mcsec-httpd is measured only when the build tree has it
# ($B_BUILD/http-proxy/mcsec-httpd); nginx is measured either way (the
# floor the goal compares with). Writes http.csv
# (proxy,round,rps,p99_ms,note,cpu_us).

HTTP_PORT=8443
UPSTREAM_PORT=8080
HTTP_HOST=border.a.mcx.example
B_HTTP_CONNS=${B_HTTP_CONNS:-16}

HTTP_PIDS=()

# http_certs DIR: CA of A (signs our server certificate), CA of B (signs
# the partner proxy's client certificate), ECDSA P-256, as the TLS profile
# of docs/http-proxy.md wants.
http_certs() {
    local d=$1 sys
    mkdir -p "$d"
    (
        cd "$d" || exit 1
        umask 077
        for sys in a b; do
            openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
                -keyout "ca-$sys.key" -out "ca-$sys.pem" -days 30 -subj "/CN=bench CA $sys" \
                -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
        done
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key \
            -out server.csr -subj "/CN=$HTTP_HOST"
        # Our border certificate (TS 33.310 Annex E, as mcsec-httpd --check
        # wants it): both key purposes (it is our client certificate towards
        # partners too) and the host of our identity, the policy's default
        # public host, besides the name the load generator connects to.
        printf 'subjectAltName=DNS:%s,DNS:a.mcx.example\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature\n' \
            "$HTTP_HOST" >server.ext
        openssl x509 -req -in server.csr -CA ca-a.pem -CAkey ca-a.key -CAcreateserial \
            -out server.pem -days 30 -extfile server.ext
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout client.key \
            -out client.csr -subj "/CN=border.b.mcx.example"
        printf 'subjectAltName=DNS:border.b.mcx.example\nextendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n' \
            >client.ext
        openssl x509 -req -in client.csr -CA ca-b.pem -CAkey ca-b.key -CAcreateserial \
            -out client.pem -days 30 -extfile client.ext
        chmod 644 ca-a.pem ca-b.pem server.pem client.pem
    ) >"$d/openssl.log" 2>&1 || b_die "HTTP certificates: $(tail -n 5 "$d/openssl.log")"
}

# http_nginx NAME CONF: starts nginx in the foreground with CONF (prefix
# and logs in the conf's directory); waits until its port listens.
http_nginx() {
    local name=$1 conf=$2 port=$3 _
    nginx -e "$(dirname "$conf")/error.log" -p "$(dirname "$conf")" -c "$conf" -g 'daemon off;' \
        >"$(dirname "$conf")/$name.out" 2>&1 &
    HTTP_PIDS+=($!)
    B_BG_PIDS+=($!)
    for _ in $(seq 1 100); do
        b_port_free tcp "$4" "$port" || return 0
        kill -0 "${HTTP_PIDS[-1]}" 2>/dev/null || break
        sleep 0.05
    done
    b_die "nginx $name did not listen on $4:$port: $(tail -n 5 "$(dirname "$conf")/error.log" 2>/dev/null)"
}

# http_stop_last: stops the last process http_* started.
http_stop_last() {
    local pid=${HTTP_PIDS[-1]}
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    unset 'HTTP_PIDS[-1]'
}

# http_setup: certificates, the upstream and the nginx proxy configuration.
http_setup() {
    local d=$B_WORK/http
    rm -rf "$d"
    mkdir -p "$d/upstream" "$d/nginx" "$d/mcsec"
    B_HTTP=$d
    http_certs "$d/certs"
    local doc
    doc=$(tr -d '\n' <"$B_SIP/doc.xml" 2>/dev/null | sed 's/"/\\"/g')
    [ -n "$doc" ] || doc="<ok/>"
    cat >"$d/upstream/nginx.conf" <<EOF
# bench upstream: answers every request with the same ~1 KB XML document.
worker_processes 1;
pid $d/upstream/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 1000000;
    server {
        listen $CORE_IP:$UPSTREAM_PORT;
        location / { default_type application/xml; return 200 "$doc"; }
    }
}
EOF
    cat >"$d/nginx/nginx.conf" <<EOF
# bench: nginx as the mTLS reverse proxy (the comparison for mcsec-httpd):
# the same certificates, TLS 1.2/1.3 with ECDHE and AEAD only, client
# certificate required from B's CA, keep-alive to the upstream.
worker_processes auto;
pid $d/nginx/nginx.pid;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    upstream core { server $CORE_IP:$UPSTREAM_PORT; keepalive 64; }
    server {
        listen $OUT_IP:$HTTP_PORT ssl;
        server_name $HTTP_HOST;
        ssl_certificate $d/certs/server.pem;
        ssl_certificate_key $d/certs/server.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305;
        ssl_client_certificate $d/certs/ca-b.pem;
        ssl_verify_client on;
        location /xcap-root/ {
            proxy_pass http://core;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
}

# http_mcsec_policy OUT: the SIP benchmark's implicit policy plus HTTP-3
# sections for mcsec-httpd (docs/policy-reference.md).
http_mcsec_policy() {
    local d=$B_HTTP
    cp "$d/certs/server.pem" "$d/certs/server.key" "$d/certs/ca-b.pem" "$B_SIP/keys/" &&
        chmod 600 "$B_SIP/keys/server.key"
    sip_policy implicit off 0 | awk -v out="$OUT_IP:$HTTP_PORT" -v core="$CORE_IP:$UPSTREAM_PORT" '
        /^  addresses:$/ && !sys { print; print "    http_proxy: " out; sys = 1; next }
        /^  keys: \{/ { sub(/\}$/, ", cert: keys/server.pem, key: keys/server.key}") }
        /^    keys: \{/ { sub(/\}$/, ", ca: keys/ca-b.pem}")
            print "    http:"
            print "      methods: [GET]"
            print "      path_prefixes: [/xcap-root/]"
            print "      content_types: [application/xml]"
            print "      upstream: [{prefix: /xcap-root/, url: \"http://" core "/xcap-root/\"}]"
            print "      connection_limit: 1024"
            print "      peer_name: border.b.mcx.example"
        }
        { print }' >"$1"
}

# http_cpu_ns PID: CPU time (user + system, nanoseconds, per-task
# schedstat) of PID's threads and of its children's (nginx's workers).
http_cpu_ns() {
    local pid t sum=0 ns
    for pid in "$1" $(pgrep -P "$1"); do
        for t in /proc/"$pid"/task/*/schedstat; do
            read -r ns _ <"$t" 2>/dev/null || continue
            sum=$((sum + ns))
        done
    done
    echo "$sum"
}

# http_load NAME ROUND: httpload against the running proxy (the last of
# HTTP_PIDS); appends to http.csv, with the proxy's CPU microseconds per
# request over the load (the proxy process only: not httpload, not the
# upstream).
http_load() {
    local name=$1 round=$2 out=$B_HTTP/load-$1-$2.txt line rps p99 cpu0 cpu1 reqs cpu_us
    cpu0=$(http_cpu_ns "${HTTP_PIDS[-1]}")
    "$B_BUILD/bench/httpload" --url "https://$HTTP_HOST:$HTTP_PORT/xcap-root/bench.xml" \
        --resolve "$HTTP_HOST:$HTTP_PORT:$OUT_IP" --interface "$PARTNER_IP" \
        --cacert "$B_HTTP/certs/ca-a.pem" --cert "$B_HTTP/certs/client.pem" \
        --key "$B_HTTP/certs/client.key" \
        --header "X-3GPP-Asserted-Identity: <sip:gms@b.mcx.example>" \
        --conns "$B_HTTP_CONNS" --duration "$B_HTTP_SECONDS" >"$out" 2>&1
    local rc=$?
    cpu1=$(http_cpu_ns "${HTTP_PIDS[-1]}")
    line=$(grep '^requests=' "$out")
    rps=$(printf '%s' "$line" | sed -n 's/.* rps=\([0-9.]*\).*/\1/p')
    p99=$(printf '%s' "$line" | sed -n 's/.* p99_ms=\([0-9.]*\).*/\1/p')
    if [ $rc -ne 0 ]; then
        b_warn "httpload through $name: $(tr '\n' ' ' <"$out" | head -c 300)"
        echo "$name,$round,,,failed: $(grep -m1 'first error' "$out" | sed 's/.*first error: //; s/,/;/g')" >>"$B_OUT/http.csv"
        [ "$B_MODE" = smoke ] && B_FAILS=$((B_FAILS + 1))
        return 1
    fi
    reqs=$(printf '%s' "$line" | sed -n 's/^requests=\([0-9]*\).*/\1/p')
    cpu_us=$(awk -v a="$cpu0" -v b="$cpu1" -v n="${reqs:-0}" 'BEGIN { if (n > 0) printf "%.1f", (b - a) / 1000 / n }')
    b_log "  HTTP $name round $round: $line cpu_us_per_request=$cpu_us"
    echo "$name,$round,$rps,$p99,,$cpu_us" >>"$B_OUT/http.csv"
}

http_run() {
    echo "proxy,round,rps,p99_ms,note,cpu_us" >"$B_OUT/http.csv"
    if ! command -v nginx >/dev/null || [ ! -x "$B_BUILD/bench/httpload" ]; then
        b_log "HTTP: not measured: nginx or httpload (libcurl4-openssl-dev) missing"
        echo "mcsec-httpd,,,,not measured: nginx or bench/httpload missing" >>"$B_OUT/http.csv"
        return 0
    fi
    case $B_MODE in smoke) B_HTTP_SECONDS=1 ;; quick) B_HTTP_SECONDS=3 ;; *) B_HTTP_SECONDS=5 ;; esac
    [ -n "${B_SIP:-}" ] || sip_setup
    http_setup
    local httpd=$B_BUILD/http-proxy/mcsec-httpd have_httpd=0 round
    if [ -x "$httpd" ]; then
        # Next to the SIP policies: key paths are relative to the policy.
        http_mcsec_policy "$B_SIP/policy-http.yaml"
        if "$httpd" --policy "$B_SIP/policy-http.yaml" --check >"$B_HTTP/mcsec/check.out" 2>&1; then
            have_httpd=1
        else
            b_warn "mcsec-httpd --check refuses the bench policy: $(head -c 400 "$B_HTTP/mcsec/check.out")"
        fi
    fi
    b_port_free tcp "$CORE_IP" "$UPSTREAM_PORT" || b_die "tcp $CORE_IP:$UPSTREAM_PORT in use"
    http_nginx upstream "$B_HTTP/upstream/nginx.conf" "$UPSTREAM_PORT" "$CORE_IP"
    for round in $(seq 1 "$B_ROUNDS"); do
        b_port_free tcp "$OUT_IP" "$HTTP_PORT" || b_die "tcp $OUT_IP:$HTTP_PORT in use"
        http_nginx proxy "$B_HTTP/nginx/nginx.conf" "$HTTP_PORT" "$OUT_IP"
        http_load nginx "$round"
        http_stop_last
        if [ "$have_httpd" = 1 ]; then
            "$httpd" --policy "$B_SIP/policy-http.yaml" --log-level warning \
                >"$B_HTTP/mcsec/httpd-$round.log" 2>&1 &
            HTTP_PIDS+=($!)
            B_BG_PIDS+=($!)
            local _
            for _ in $(seq 1 100); do
                b_port_free tcp "$OUT_IP" "$HTTP_PORT" || break
                sleep 0.05
            done
            http_load mcsec-httpd "$round"
            http_stop_last
        fi
    done
    http_stop_last
    if [ "$have_httpd" != 1 ]; then
        local why="not measured: mcsec-httpd not built"
        [ -x "$httpd" ] && why="not measured: mcsec-httpd refused the bench policy (see work/http/mcsec)"
        b_log "HTTP: mcsec-httpd $why"
        echo "mcsec-httpd,,,,$why" >>"$B_OUT/http.csv"
    fi
}
