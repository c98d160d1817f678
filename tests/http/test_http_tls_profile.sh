#!/usr/bin/env bash
# The outside listener speaks only the TLS profile: TLS 1.2 and 1.3, AEAD
# suites with ECDHE. openssl s_client offers the weak ones (at security
# level 0, so the client really offers them) and must fail; sslscan, an
# independent scanner presenting the partner's certificate, lists only
# profile protocols and suites.
# usage: test_http_tls_profile.sh MCSEC_HTTPD
. "$(dirname "$0")/lib.sh" "$1"
start_all
# handshake ARGS...: prints the negotiated "Protocol/Cipher" or nothing.
handshake() {
  echo | timeout 8 openssl s_client -connect "127.0.0.1:$PA" -servername "$A_NAME" \
    -cert "$WORK/b-border.pem" -key "$WORK/b-border-key.pem" "$@" 2>/dev/null |
    awk '/^New, /{p=$2; c=$5; sub(",", "", p)} END{if (c != "" && c != "(NONE)") print p "/" c}'
}
got=$(handshake -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256)
check "TLS 1.3 TLS_AES_128_GCM_SHA256 accepted ($got)" [ "$got" = TLSv1.3/TLS_AES_128_GCM_SHA256 ]
got=$(handshake -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256)
check "TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256 accepted ($got)" [ "$got" = TLSv1.2/ECDHE-RSA-AES128-GCM-SHA256 ]
got=$(handshake -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0')
check "TLS 1.1 refused ($got)" [ -z "$got" ]
got=$(handshake -tls1 -cipher 'DEFAULT:@SECLEVEL=0')
check "TLS 1.0 refused ($got)" [ -z "$got" ]
for suite in ECDHE-RSA-AES128-SHA ECDHE-RSA-AES256-SHA384 ECDHE-RSA-AES128-SHA256 \
             AES128-GCM-SHA256 AES256-SHA DHE-RSA-AES128-GCM-SHA256 DHE-RSA-AES256-SHA; do
  got=$(handshake -tls1_2 -cipher "$suite:@SECLEVEL=0")
  check "TLS 1.2 $suite refused ($got)" [ -z "$got" ]
done

if command -v sslscan >/dev/null; then
  scan=$(timeout 60 sslscan --no-colour --no-heartbleed --no-renegotiation --no-compression \
    --no-fallback --certs="$WORK/b-border.pem" --pk="$WORK/b-border-key.pem" \
    --sni-name="$A_NAME" "127.0.0.1:$PA" 2>&1)
  echo "$scan" > "$WORK/sslscan.txt"
  accepted=$(echo "$scan" | grep -E '^(Preferred|Accepted)')
  check "sslscan found accepted suites" [ -n "$accepted" ]
  check "sslscan: only TLSv1.2 and TLSv1.3" not grep -Eqv 'TLSv1\.[23] ' <<<"$accepted"
  check "sslscan: only ECDHE (or TLS 1.3) AEAD suites" \
    not grep -Ev 'TLSv1\.3 .*TLS_(AES_(128|256)_GCM|CHACHA20_POLY1305)|TLSv1\.2 .*ECDHE-(RSA|ECDSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)' <<<"$accepted"
  check "sslscan: SSLv3, TLSv1.0 and TLSv1.1 disabled" \
    [ "$(echo "$scan" | grep -E '^(SSLv3|TLSv1\.[01]) +disabled' | wc -l)" = 3 ]
else
  echo "skip - sslscan not installed"
fi
finish
