#!/usr/bin/env bash
# Installs and loads the partners' CRLs for one border's charon, and makes
# every IKE_SA of a partner whose CRLs changed authenticate again, so an SA
# that uses a certificate a new CRL revokes ends now instead of at its next
# reauthentication (reauth_time, docs/ipsec.md "Revocation").
#
# The CRL files are those `mcsecctl ipsec render` names in CONFDIR/swanctl.conf
# ("# mcsec-crl: PARTNER PATH", from partners[].keys.crls, checked by the
# policy loader: issuer one of the partner's CAs, signature, every CA
# covered). Each is copied into CONFDIR/x509crl/ (the folder swanctl reads
# next to swanctl.conf) through a temporary file and rename(2), so charon
# never reads half a file; CRLs of partners no longer named are removed.
#   --install   only install the files (ipsec/border-up.sh, before
#               `swanctl --load-all` loads them)
# Otherwise: `swanctl --load-creds` (the credentials again; a CRL replaces
# an older one of the same CA), `swanctl --flush-certs --type x509crl` (the
# cache of CRLs charon used), then `swanctl --rekey --ike PARTNER --reauth` for each
# partner whose CRL files changed and that has an IKE_SA. charon checks the
# certificate the partner presents in the new IKE_SA against the CRLs: a
# revoked one fails, and no SA is left (break-before-make reauthentication;
# a partner whose certificate stands is back within one IKE exchange).
# usage: load-crls.sh NAME NETNS CONFDIR [--install]
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 NAME NETNS CONFDIR [--install]" >&2
  exit 2
fi
name=$1 confdir=$(cd "$3" && pwd) mode=${4:-}
conf=$confdir/swanctl.conf
crldir=$confdir/x509crl
[ -f "$conf" ] || { echo "$name: $conf missing" >&2; exit 1; }
mkdir -p "$crldir"

# Partners whose installed CRLs differ from the named ones.
changed=()
declare -A wanted=()
partners=$(sed -n 's/^# mcsec-crl: \([^ ]*\) .*/\1/p' "$conf" | sort -u)
for partner in $partners; do
  n=0 differs=no
  while read -r path; do
    n=$((n + 1))
    target="$crldir/mcsec-$partner-$n.crl"
    wanted["mcsec-$partner-$n.crl"]=1
    [ -r "$path" ] || { echo "$name: CRL '$path' of $partner not readable" >&2; exit 1; }
    if ! cmp -s "$path" "$target"; then
      cp "$path" "$crldir/.new-$partner-$n"
      mv -f "$crldir/.new-$partner-$n" "$target"
      differs=yes
    fi
  done < <(sed -n "s/^# mcsec-crl: $partner //p" "$conf")
  [ "$differs" = yes ] && changed+=("$partner")
done
for file in "$crldir"/mcsec-*.crl; do
  [ -e "$file" ] || continue
  [ -n "${wanted[$(basename "$file")]:-}" ] || rm -f "$file"
done
[ "$mode" = --install ] && exit 0

# The border's own vici socket (border-up.sh), else charon's default one
# (charon-systemd of deploy/systemd/mcsec-ipsec.service).
uri=${MCSEC_VICI_URI:-}
[ -z "$uri" ] && [ -S "$confdir/charon.vici" ] && uri="unix://$confdir/charon.vici"
[ -z "$uri" ] && uri="unix:///var/run/charon.vici"
[ -f "$confdir/strongswan.conf" ] && export STRONGSWAN_CONF="$confdir/strongswan.conf"
swanctl --load-creds --noprompt --file "$conf" --uri "$uri" >"$confdir/load-crls.out" 2>&1 || {
  cat "$confdir/load-crls.out" >&2
  exit 1
}
# charon's certificate cache keeps the CRL an earlier check used and would
# go on answering with it: flush the cached CRLs.
swanctl --flush-certs --type x509crl --uri "$uri" >>"$confdir/load-crls.out" 2>&1 || true
for partner in "${changed[@]}"; do
  if swanctl --list-sas --ike "$partner" --raw --uri "$uri" 2>/dev/null | grep -q 'state=ESTABLISHED'; then
    swanctl --rekey --ike "$partner" --reauth --uri "$uri" >/dev/null 2>&1 || true
    echo "$name: new CRLs of $partner loaded, IKE_SA reauthenticating"
  else
    echo "$name: new CRLs of $partner loaded"
  fi
done
