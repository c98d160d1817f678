#!/usr/bin/env bash
# Every framing attack of issue 6 gets 400 or 501 with OUR reason code (in
# X-Mcsec-Reason, or in the log where libmicrohttpd answered first) and is
# never forwarded: the upstream's record shows none of the marked paths.
# usage: test_http_framing.sh MCSEC_HTTPD
. "$(dirname "$0")/lib.sh" "$1"
start_all
P="$GROUPS_PATH/users"
H="Host: $A_NAME\r\nX-3GPP-Asserted-Identity: \"sip:gms@b.mcx.example\"\r\n"
T="Content-Type: $XML\r\n"

# attack NAME STATUS REASON REQUEST(printf format)
attack() {
  local name=$1 want_status=$2 want_reason=$3 request=$4
  local before out status reason
  before=$(grep -c "reason=$want_reason " "$WORK/httpd.log")
  out=$(raw_tls "$request")
  status=$(echo "$out" | status_of)
  reason=$(echo "$out" | reason_of)
  sleep 0.2
  if [ "$status" = "$want_status" ] && [ "$reason" = "$want_reason" ]; then
    ok "$name: $status $reason"
  elif [ "$(grep -c "reason=$want_reason " "$WORK/httpd.log")" -gt "$before" ] &&
       { [ "$status" = 400 ] || [ "$status" = 501 ] || [ -z "$status" ]; }; then
    ok "$name: ${status:-closed}, $want_reason in the log (refused by the parser first)"
  else
    bad "$name: got '${status}' '${reason}', want $want_status $want_reason"
  fi
  check "$name: never forwarded" not upstream_saw "$name"
}

attack cl-and-te 400 http.bad_framing \
  "PUT $P/cl-and-te HTTP/1.1\r\n$H${T}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
attack te-gzip 501 http.unsupported_encoding \
  "PUT $P/te-gzip HTTP/1.1\r\n$H${T}Transfer-Encoding: gzip\r\n\r\n"
attack te-list 501 http.unsupported_encoding \
  "PUT $P/te-list HTTP/1.1\r\n$H${T}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"
attack two-te 400 http.bad_framing \
  "PUT $P/two-te HTTP/1.1\r\n$H${T}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
attack dup-cl 400 http.bad_framing \
  "PUT $P/dup-cl HTTP/1.1\r\n$H${T}Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc"
attack cl-list 400 http.bad_framing \
  "PUT $P/cl-list HTTP/1.1\r\n$H${T}Content-Length: 3, 3\r\n\r\nabc"
attack name-space 400 http.bad_framing \
  "GET $P/name-space HTTP/1.1\r\n${H}Bad Name: x\r\n\r\n"
attack name-bracket 400 http.bad_framing \
  "GET $P/name-bracket HTTP/1.1\r\n${H}X(y): z\r\n\r\n"
attack space-before-colon 400 http.bad_framing \
  "GET $P/space-before-colon HTTP/1.1\r\n${H}X-A : z\r\n\r\n"
attack no-colon 400 http.bad_framing \
  "GET $P/no-colon HTTP/1.1\r\n${H}NoColonHere\r\n\r\n"
attack cr-in-value 400 http.bad_framing \
  "GET $P/cr-in-value HTTP/1.1\r\n${H}X-A: a\rb\r\n\r\n"
attack lf-in-value 400 http.bad_framing \
  "GET $P/lf-in-value HTTP/1.1\r\n${H}X-A: a\nX-B: b\r\n\r\n"
attack nul-in-value 400 http.bad_framing \
  "GET $P/nul-in-value HTTP/1.1\r\n${H}X-A: a\000b\r\n\r\n"
attack obs-fold 400 http.bad_framing \
  "GET $P/obs-fold HTTP/1.1\r\n${H}X-A: a\r\n  folded\r\n\r\n"
attack bare-lf-line 400 http.bad_framing \
  "GET $P/bare-lf-line HTTP/1.1\n${H}\r\n"
attack encoded-dot 400 http.bad_target \
  "GET $P/encoded-dot/%%2e%%2e/%%2e%%2e/secret HTTP/1.1\r\n${H}\r\n"
attack encoded-slash 400 http.bad_target \
  "GET $P/encoded-slash%%2f..%%2fsecret HTTP/1.1\r\n${H}\r\n"
attack encoded-backslash 400 http.bad_target \
  "GET $P/encoded-backslash%%5c..%%5csecret HTTP/1.1\r\n${H}\r\n"
attack dot-segment 400 http.bad_target \
  "GET $P/dot-segment/../../x HTTP/1.1\r\n${H}\r\n"
# Path parameters: Tomcat, Jetty and Spring strip ";..." from a segment,
# so "..;" is ".." to them after our prefix check (issue 14 item 7); an
# escaped ';', an overlong '.' (%C0%AE) and a FULLWIDTH FULL STOP (NFKC
# '.') are the same class.
attack path-param 400 http.bad_target \
  "GET $P/path-param/..;/..;/..;/private HTTP/1.1\r\n${H}\r\n"
attack path-param-escaped 400 http.bad_target \
  "GET $P/path-param-escaped/..%%3b/..%%3B/private HTTP/1.1\r\n${H}\r\n"
attack path-param-plain 400 http.bad_target \
  "GET $P/path-param-plain;jsessionid=1 HTTP/1.1\r\n${H}\r\n"
attack overlong-dot 400 http.bad_target \
  "GET $P/overlong-dot/%%c0%%ae%%c0%%ae/private HTTP/1.1\r\n${H}\r\n"
attack fullwidth-dot 400 http.bad_target \
  "GET $P/fullwidth-dot/%%ef%%bc%%8e%%ef%%bc%%8e/private HTTP/1.1\r\n${H}\r\n"
attack absolute-form 400 http.bad_target \
  "GET https://$A_NAME$P/absolute-form HTTP/1.1\r\n${H}\r\n"
attack ctl-in-target 400 http.bad_target \
  "GET $P/ctl-in-target\001x HTTP/1.1\r\n${H}\r\n"
# A smuggled second request inside a chunked body must not be seen as one.
attack chunk-smuggle 400 http.bad_framing \
  "PUT $P/chunk-smuggle HTTP/1.1\r\n$H${T}Transfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\nGET $P/chunk-smuggle-2 HTTP/1.1\r\n$H\r\n"

# The good request on the same listener still passes.
out=$(raw_tls "GET $P/clean HTTP/1.1\r\n${H}Connection: close\r\n\r\n")
check "clean request passes" [ "$(echo "$out" | status_of)" = 200 ]
check "counters show the rejections" sh -c "curl -s --noproxy '*' http://127.0.0.1:$PADM/stats | grep -q 'system-b http.bad_framing'"
finish
