#!/usr/bin/env bash
# Runs charon for one border inside network namespace NETNS with its own
# configuration and sockets, all under CONFDIR:
#   CONFDIR/swanctl.conf   rendered by `mcsecctl ipsec render` (required)
#   CONFDIR/nft.conf       rendered by `mcsecctl ipsec render --nft` (loaded
#                          first when present, so nothing crosses in clear)
#   CONFDIR/strongswan.conf  written here (back end, plugins, vici socket, log)
#   CONFDIR/private/NAME.pem  link to the key the rendered file names, or
#   CONFDIR/token-pin.conf (0600) the token PIN when the key is in a
#                          PKCS#11 token (pkcs11 plugin and module loaded)
#   CONFDIR/charon.vici    vici socket; CONFDIR/charon.pid; CONFDIR/charon.log
#   CONFDIR/run/           charon's private /run (its fixed pid file goes there)
# The back end comes from MCSEC_IPSEC_BACKEND (kernel|libipsec), else from
# ipsec/detect-backend.sh. Loads the config with swanctl --load-all; with
# start_action=start (libipsec) charon initiates by itself.
# usage: border-up.sh NAME NETNS CONFDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -ne 3 ]; then
  echo "usage: $0 NAME NETNS CONFDIR" >&2
  exit 2
fi
name=$1 netns=$2 confdir=$(cd "$3" && pwd)
charon=${CHARON:-/usr/lib/ipsec/charon}
[ -f "$confdir/swanctl.conf" ] || { echo "$name: $confdir/swanctl.conf missing" >&2; exit 1; }
ip netns pids "$netns" >/dev/null 2>&1 || { echo "$name: no netns $netns" >&2; exit 1; }
if [ -f "$confdir/charon.pid" ] && kill -0 "$(cat "$confdir/charon.pid")" 2>/dev/null; then
  echo "$name: charon already runs (pid $(cat "$confdir/charon.pid"))" >&2
  exit 1
fi
backend=${MCSEC_IPSEC_BACKEND:-$("$here/detect-backend.sh")}
case $backend in
  kernel) kernel_plugins="kernel-netlink" ;;
  libipsec) kernel_plugins="kernel-libipsec kernel-netlink" ;;
  *) echo "$name: unknown back end '$backend'" >&2; exit 1 ;;
esac

mkdir -p "$confdir/run" "$confdir/private"
module=$(sed -n 's/^# mcsec-pkcs11-module: //p' "$confdir/swanctl.conf")
token_plugin="" token_conf=""
if [ -n "$module" ]; then
  # Key in a PKCS#11 token (system.keys.key a pkcs11: URI): no PEM key in
  # private/; charon's pkcs11 plugin loads the module, the rendered
  # secrets section names the key and the 0600 token-pin.conf it includes
  # gets the PIN from system.keys.key_pin_file (docs/ipsec.md).
  pinfile=$(sed -n 's/^# mcsec-pin-file: //p' "$confdir/swanctl.conf")
  [ -f "$module" ] || { echo "$name: PKCS#11 module '$module' not found" >&2; exit 1; }
  [ -n "$pinfile" ] && [ -f "$pinfile" ] || { echo "$name: PIN file '$pinfile' not found" >&2; exit 1; }
  [ -f "/usr/lib/ipsec/plugins/libstrongswan-pkcs11.so" ] ||
    { echo "$name: strongSwan pkcs11 plugin missing (libstrongswan-extra-plugins)" >&2; exit 1; }
  pin=$(head -n 1 "$pinfile" | tr -d '\r')
  case $pin in
    '' | *'"'* | *'\'*) echo "$name: PIN in '$pinfile' is empty or has '\"' or '\\'" >&2; exit 1 ;;
  esac
  rm -f "$confdir/private/$name.pem"
  (umask 077 && printf 'secrets {\n    token-border {\n        pin = "%s"\n    }\n}\n' "$pin" \
    >"$confdir/token-pin.conf")
  token_plugin=" pkcs11"
  # load_certs = no: the trust module behind p11-kit's proxy would hand
  # charon every system CA; only the partners' CAs are to be trusted.
  token_conf="
        pkcs11 {
            load_certs = no
            modules {
                mcsec {
                    path = $module
                }
            }
        }"
else
  key=$(sed -n 's/^# mcsec-private-key: //p' "$confdir/swanctl.conf")
  [ -n "$key" ] && [ -f "$key" ] || { echo "$name: private key '$key' not found" >&2; exit 1; }
  ln -sfn "$key" "$confdir/private/$name.pem"
fi
rm -f "$confdir/charon.vici" "$confdir/run/charon.pid"
# The partners' CRLs into CONFDIR/x509crl/, loaded with the rest below.
"$here/load-crls.sh" "$name" "$netns" "$confdir" --install
cat >"$confdir/strongswan.conf" <<CONF
# Written by ipsec/border-up.sh for border $name (back end $backend).
charon {
    load = random nonce x509 revocation constraints pubkey pkcs1 pkcs8 pem openssl gcm kdf $kernel_plugins socket-default vici$token_plugin
    filelog {
        log {
            path = $confdir/charon.log
            time_format = %b %e %T
            default = 1
            ike = 2
            cfg = 2
            flush_line = yes
        }
    }
    syslog {
        daemon {
            default = -1
        }
    }
    plugins {
        vici {
            socket = unix://$confdir/charon.vici
        }$token_conf
    }
}
swanctl {
    load = pem pkcs1 pkcs8 x509 pubkey openssl random nonce
    socket = unix://$confdir/charon.vici
}
CONF

if [ -f "$confdir/nft.conf" ]; then
  ip netns exec "$netns" nft -f "$confdir/nft.conf"
fi

# ip netns exec runs in a mount namespace of its own: /run bound there is
# private to this charon (its pid file), the host's /run is untouched.
STRONGSWAN_CONF="$confdir/strongswan.conf" \
  ip netns exec "$netns" sh -c 'mount --bind "$1/run" /run && exec "$2" --use-syslog' \
  sh "$confdir" "$charon" </dev/null >"$confdir/charon.out" 2>&1 &
echo $! >"$confdir/charon.pid"
echo "$backend" >"$confdir/backend"

for _ in $(seq 1 100); do
  [ -S "$confdir/charon.vici" ] && break
  kill -0 "$(cat "$confdir/charon.pid")" 2>/dev/null || {
    echo "$name: charon exited; see $confdir/charon.log" >&2
    exit 1
  }
  sleep 0.1
done
[ -S "$confdir/charon.vici" ] || { echo "$name: no vici socket after 10 s" >&2; exit 1; }
STRONGSWAN_CONF="$confdir/strongswan.conf" \
  swanctl --load-all --noprompt --file "$confdir/swanctl.conf" --uri "unix://$confdir/charon.vici" \
  >"$confdir/load.out" 2>&1 || {
  cat "$confdir/load.out" >&2
  exit 1
}
# swanctl exits 0 when a token key does not load (a wrong PIN): no key, fail.
if grep "^loading 'token-border' failed" "$confdir/load.out" >&2; then
  echo "$name: the IKE key in the PKCS#11 token did not load; see $confdir/charon.log" >&2
  exit 1
fi
echo "$name: charon pid $(cat "$confdir/charon.pid") in netns $netns, back end $backend, config loaded"
