#!/usr/bin/env bash
# Prints the IPsec back end this kernel supports: "kernel" when XFRM can hold
# an ESP SA with AES-GCM (rfc4106), else "libipsec" when /dev/net/tun exists
# (charon's kernel-libipsec), else prints "none" and exits 1.
# The probe SA lives in a scratch network namespace that is removed again.
set -euo pipefail
ns="mcsec-probe-$$"
cleanup() { ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT
ip netns add "$ns"
key="0x$(printf '%040x' 1)" # 16 octets of key + 4 of salt
if ip -n "$ns" xfrm state add src 203.0.113.1 dst 203.0.113.2 proto esp spi 0x1000 \
    mode tunnel aead 'rfc4106(gcm(aes))' "$key" 128 2>/dev/null; then
  echo kernel
elif [ -c /dev/net/tun ]; then
  echo libipsec
else
  echo none
  exit 1
fi
