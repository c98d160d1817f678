#!/usr/bin/env bash
# Stops the charon of one border (SIGTERM, then SIGKILL after 5 s). The
# nftables table mcsec_ipsec stays unless --flush-nft is given: with the SA
# gone, traffic between the service addresses must stay blocked.
# usage: border-down.sh NAME NETNS CONFDIR [--flush-nft]
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 NAME NETNS CONFDIR [--flush-nft]" >&2
  exit 2
fi
name=$1 netns=$2 confdir=$3
pid=$(cat "$confdir/charon.pid" 2>/dev/null || true)
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
fi
rm -f "$confdir/charon.pid" "$confdir/charon.vici"
echo "$name: charon stopped"
if [ "${4:-}" = "--flush-nft" ] && ip netns pids "$netns" >/dev/null 2>&1; then
  ip netns exec "$netns" nft delete table inet mcsec_ipsec 2>/dev/null || true
fi
