#!/usr/bin/env bash
# Shows the state of one border's charon: loaded connections and the IKE and
# CHILD SAs (swanctl over the border's own vici socket).
# usage: border-status.sh NAME NETNS CONFDIR [--raw]   (--raw: the SA list only, as
# `swanctl --list-sas --raw`, one line per IKE_SA, for scripts)
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 NAME NETNS CONFDIR [--raw]" >&2
  exit 2
fi
name=$1 netns=$2 confdir=$(cd "$3" && pwd)
uri="unix://$confdir/charon.vici"
export STRONGSWAN_CONF="$confdir/strongswan.conf"
if [ "${4:-}" = "--raw" ]; then
  exec swanctl --list-sas --raw --uri "$uri"
fi
pid=$(cat "$confdir/charon.pid" 2>/dev/null || true)
if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
  echo "$name: charon not running (netns $netns)"
  exit 3
fi
echo "$name: charon pid $pid in netns $netns, back end $(cat "$confdir/backend" 2>/dev/null || echo unknown)"
swanctl --list-conns --uri "$uri"
swanctl --list-sas --uri "$uri"
