#!/usr/bin/env bash
# The CRL job: fetches the CRL files the policy names (partners[].keys.crls)
# from their CAs' distribution points, verifies each, installs it in place
# atomically and triggers the reloads; warns when a CRL nears or passes its
# nextUpdate. Run it from a timer (deploy/systemd/mcsec-fetch-crls.timer,
# hourly); docs/policy-reference.md "Revocation" says what the border does
# with what it installs.
#
# Where each CRL comes from: the URL in FILE.url next to the CRL file when
# present (one line, http:// or https://), else the issuingDistributionPoint
# URI of the CRL installed now (RFC 5280 5.2.5). A fetched CRL (PEM or DER,
# curl with --fail, 30 s, at most 4 MiB) is installed only when
#   - its signature verifies with the partner's CA file (openssl crl -CAfile),
#   - its issuer is the issuer of the CRL it replaces,
#   - its crlNumber is not lower and its thisUpdate not earlier,
#   - it carries an authorityKeyIdentifier (the loader requires it);
# then it is written next to the old one and renamed over it (rename(2):
# readers see the old file or the new, never half of one). Anything else
# leaves the installed CRL alone and is logged.
# After one or more CRLs changed, each --on-change command runs (e.g.
# "systemctl reload mcsec-httpd" and "ipsec/load-crls.sh NAME NETNS CONFDIR"
# or "systemctl reload mcsec-ipsec" + load-crls.sh for charon).
#
# Log lines (stderr, one per CRL): "crl PATH: installed|unchanged|kept: WHY",
# and "crl PATH: WARNING due: nextUpdate in N s" within --warn-before of
# nextUpdate (default: the policy's system.revocation.warn_before),
# "crl PATH: ERROR stale: nextUpdate passed N s ago" after it.
# Exit status: 0 all fetched or unchanged; 1 a CRL could not be fetched or
# was refused (the old one stays); 2 usage; 3 a CRL is stale.
# usage: mcsec-fetch-crls.sh --policy FILE [--warn-before SECONDS]
#                            [--on-change CMD]... [--mcsecctl PATH] [--no-fetch]
set -uo pipefail
policy="" warn="" mcsecctl=${MCSECCTL:-mcsecctl} fetch=yes
on_change=()
while [ $# -gt 0 ]; do
  case $1 in
    --policy) policy=$2; shift 2 ;;
    --warn-before) warn=$2; shift 2 ;;
    --on-change) on_change+=("$2"); shift 2 ;;
    --mcsecctl) mcsecctl=$2; shift 2 ;;
    --no-fetch) fetch=no; shift ;;
    -h|--help) sed -n '2,/^# usage/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: $0 --policy FILE [--warn-before SECONDS] [--on-change CMD]..." >&2; exit 2 ;;
  esac
done
[ -n "$policy" ] || { echo "usage: $0 --policy FILE ..." >&2; exit 2; }
shown=$("$mcsecctl" policy show "$policy") || { echo "mcsec-fetch-crls: $policy does not load" >&2; exit 1; }
[ -n "$warn" ] || warn=$(awk '/^  revocation:/ {r=1; next} r && /^    warn_before:/ {print $2; exit}' <<<"$shown")
[ -n "$warn" ] || warn=172800

log() { echo "$(date -u +%FT%TZ) mcsec-fetch-crls: $*" >&2; }
# "PARTNER CA CRL" for every CRL file of every partner (policy show prints
# resolved paths, crls as a flow sequence).
list_crls() {
  awk '
    /^partners:/ {p=1; next}
    !p {next}
    /^[a-z]/ {p=0}
    /^- name:/ {name=$3; ca=""}
    /^    ca:/ {ca=$2; gsub(/"|\047/, "", ca)}
    /^    crls:/ {
      s=$0; sub(/^    crls: *\[/, "", s); sub(/\] *$/, "", s)
      n=split(s, f, /, */)
      for (i=1; i<=n; i++) { c=f[i]; gsub(/"|\047/, "", c); if (c != "") print name, ca, c }
    }' <<<"$shown"
}
field() { # FILE OPENSSL-CRL-OPTION: one field of a CRL, PEM or DER
  openssl crl -in "$1" -noout "$2" 2>/dev/null || openssl crl -inform DER -in "$1" -noout "$2" 2>/dev/null
}
epoch() { date -u -d "$1" +%s 2>/dev/null; }
crl_number() { field "$1" -crlnumber | sed 's/^crlNumber=//; s/^0x//' | tr 'a-f' 'A-F'; }
idp_uri() {
  { openssl crl -in "$1" -noout -text 2>/dev/null || openssl crl -inform DER -in "$1" -noout -text 2>/dev/null; } |
    awk '/Issuing Distribution Point/ {i=1} i && /URI:/ {sub(/.*URI:/, ""); print; exit}'
}

# verify NEW OLD CA: why NEW may not replace OLD (empty: it may)
refusal() {
  local new=$1 old=$2 ca=$3 n o
  field "$new" -issuer >/dev/null || { echo "not a CRL"; return; }
  { openssl crl -in "$new" -noout -CAfile "$ca" 2>&1 || openssl crl -inform DER -in "$new" -noout -CAfile "$ca" 2>&1; } |
    grep -q 'verify OK' || { echo "signature does not verify with $ca"; return; }
  [ "$(field "$new" -issuer)" = "$(field "$old" -issuer)" ] || { echo "another issuer than the installed CRL"; return; }
  { openssl crl -in "$new" -noout -text 2>/dev/null || openssl crl -inform DER -in "$new" -noout -text 2>/dev/null; } |
    grep -q 'Authority Key Identifier' || { echo "no authorityKeyIdentifier"; return; }
  n=$(crl_number "$new") o=$(crl_number "$old")
  if [ -n "$n" ] && [ -n "$o" ] && [ "$(printf '%s\n%s\n' "$((16#$o))" "$((16#$n))" | sort -n | head -1)" != "$((16#$o))" ]; then
    echo "crlNumber $n lower than the installed $o"; return
  fi
  [ "$(epoch "$(field "$new" -lastupdate | cut -d= -f2)")" -ge "$(epoch "$(field "$old" -lastupdate | cut -d= -f2)")" ] ||
    echo "thisUpdate earlier than the installed CRL's"
}

rc=0 changed=0 now=$(date -u +%s)
while read -r partner ca crl; do
  [ -n "$crl" ] || continue
  if [ "$fetch" = yes ]; then
    url=""
    [ -r "$crl.url" ] && url=$(head -n1 "$crl.url")
    [ -n "$url" ] || url=$(idp_uri "$crl")
    if [ -z "$url" ]; then
      log "crl $crl ($partner): kept: no distribution point (write its URL into $crl.url)"
      rc=1
    else
      tmp=$(mktemp "$(dirname "$crl")/.fetch-XXXXXX")
      if ! curl -fsS --max-time 30 --max-filesize 4194304 --proto '=http,https' -o "$tmp" "$url" 2>"$tmp.err"; then
        log "crl $crl ($partner): kept: fetching $url failed: $(tr '\n' ' ' <"$tmp.err")"
        rc=1
      elif cmp -s "$tmp" "$crl"; then
        log "crl $crl ($partner): unchanged ($url)"
      else
        why=$(refusal "$tmp" "$crl" "$ca")
        if [ -n "$why" ]; then
          log "crl $crl ($partner): kept: the CRL from $url is refused: $why"
          rc=1
        else
          chmod 644 "$tmp" && mv -f "$tmp" "$crl" && changed=$((changed + 1)) &&
            log "crl $crl ($partner): installed from $url (crlNumber $(crl_number "$crl"))"
        fi
      fi
      rm -f "$tmp" "$tmp.err"
    fi
  fi
  next=$(epoch "$(field "$crl" -nextupdate | cut -d= -f2)")
  if [ -z "$next" ]; then
    log "crl $crl ($partner): WARNING no nextUpdate"
  elif [ "$now" -gt "$next" ]; then
    log "crl $crl ($partner): ERROR stale: nextUpdate passed $((now - next)) s ago"
    rc=3
  elif [ $((next - now)) -le "$warn" ]; then
    log "crl $crl ($partner): WARNING due: nextUpdate in $((next - now)) s"
  fi
done < <(list_crls)

if [ "$changed" -gt 0 ]; then
  for cmd in "${on_change[@]}"; do
    log "running: $cmd"
    bash -c "$cmd" || { log "'$cmd' failed"; [ "$rc" -eq 0 ] && rc=1; }
  done
fi
exit "$rc"
