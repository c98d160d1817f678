#!/usr/bin/env bash
# Installs everything mcsec needs on a Debian 12 machine (as root, no
# systemd needed) and fetches the Kamailio source for the module headers.
# Safe to run again: it only does what is missing.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  build-essential cmake pkg-config clang clang-format cppcheck valgrind
  libssl-dev libxml2-dev libxmlsec1-dev libxmlsec1-openssl xmlsec1 libyaml-dev libcmocka-dev
  kamailio sip-tester dpkg-dev iproute2 procps python3 ca-certificates tcpdump
  strongswan-charon strongswan-swanctl strongswan-pki libstrongswan-standard-plugins
  libcharon-extra-plugins nftables socat
  libmicrohttpd-dev libcurl4-openssl-dev libgnutls28-dev gnutls-bin sslscan nginx-light
  faketime libfaketime gnuplot-nox
  # a TLS key in a PKCS#11 token (docs/operator-guide.md section 8): the OpenSSL
  # engine libcurl loads it with, p11-kit's proxy module, SoftHSM for the test
  libengine-pkcs11-openssl p11-kit-modules softhsm2
  # the IKE key in a token: strongSwan's pkcs11 plugin (docs/ipsec.md)
  libstrongswan-extra-plugins
  # media anchored at the border (docs/media.md): rtpengine in userspace, and
  # libsrtp2 for the test tool that sends and decrypts real SRTP;
  # rtpengine-utils: rtpengine-ctl (session list), rtpengine-ng-client
  rtpengine-daemon rtpengine-utils libsrtp2-dev
  # metrics and alarms (docs/observability.md): promtool and a real Prometheus
  prometheus
  # Debian packages and man pages (docs/packaging.md)
  debhelper lintian pandoc fakeroot
  # two border nodes on shared state (docs/high-availability.md): the Redis
  # replay store and its client, the moving service address
  redis-server libhiredis-dev keepalived
)

need_root() {
  if [ "$(id -u)" != 0 ]; then
    echo "setup: run as root (apt-get install and network namespaces need it)" >&2
    exit 1
  fi
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

# apt-get source needs a deb-src entry for bookworm main.
src_list=/etc/apt/sources.list.d/mcsec-deb-src.sources
# -q: a match counts even when /etc/apt/sources.list does not exist (grep
# would exit 2 for the missing file otherwise).
has_deb_src() {
  grep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/
}

if [ ${#missing[@]} -gt 0 ] || ! has_deb_src || [ ! -d "$top/third_party/kamailio/src" ]; then
  need_root
  if ! has_deb_src; then
    cat > "$src_list" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    # Do not let package scripts start daemons (kamailio) on this host.
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.mcsec
    chmod +x /usr/sbin/policy-rc.d.mcsec
    had_policy=0; [ -e /usr/sbin/policy-rc.d ] && had_policy=1
    [ $had_policy = 1 ] || cp /usr/sbin/policy-rc.d.mcsec /usr/sbin/policy-rc.d
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
    [ $had_policy = 1 ] || rm -f /usr/sbin/policy-rc.d
    rm -f /usr/sbin/policy-rc.d.mcsec
  fi
fi

# Kamailio source matching the installed binary, for the module headers.
kam_version=$(dpkg-query -W -f='${Version}' kamailio)   # e.g. 5.6.3-2
upstream=${kam_version%-*}; upstream=${upstream#*:}
if [ ! -d "$top/third_party/kamailio-$upstream/src" ]; then
  need_root
  mkdir -p "$top/third_party"
  (cd "$top/third_party" && apt-get source -q "kamailio=$kam_version" >/dev/null 2>&1) || {
    echo "setup: apt-get source kamailio=$kam_version failed" >&2; exit 1; }
fi
ln -sfn "kamailio-$upstream" "$top/third_party/kamailio"
echo "setup: ok (kamailio $kam_version, source in third_party/kamailio-$upstream)"
