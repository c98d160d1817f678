#!/usr/bin/env bash
# pkg.install: the Debian packages as an operator meets them (issue 21,
# docs/packaging.md). On this machine, as root, and back as it was after:
#   1. dpkg-buildpackage -us -uc -b in a copy of the source tree under /tmp
#      (the checkout stays clean; DEB_BUILD_OPTIONS=nocheck: the unit tests
#      run in the suite itself), lintian on the result (errors and warnings
#      fail), the module's Depends pinned to the installed kamailio upstream;
#   2. apt-get install ./mcsec_*.deb ./kamailio-mcsec-module_*.deb: the user
#      mcsec, /etc/mcsec root:mcsec 0750, /etc/mcsec/keys mcsec 0700, units
#      neither enabled nor started, man pages, --version = package version;
#   3. the installed mcsecctl policy check on the installed example policies
#      (keys from the installed make-example-keys.sh);
#   4. the operator's files (/etc/mcsec/policy.yaml from the example of
#      system A plus an HTTP-3 rule, keys in /etc/mcsec/keys, an edited
#      /etc/default/mcsec-is-proxy); in a network namespace the IS proxy
#      (the installed unit's ExecStartPre and ExecStart, as its User=mcsec)
#      and the HTTP proxy (its unit's lines) start; a MESSAGE from partner B
#      reaches our SIP core and a GET with B's client certificate reaches our
#      GMS;
#   5. apt-get -s with a kamailio 5.6.3-3 (Debian revision: upgrades) and a
#      5.6.4-1 (new upstream: upgrade keeps it back, full-upgrade removes the
#      module) in a throw-away repository: what docs/packaging.md says;
#   6. apt-get purge: nothing of dpkg -L left, the operator's files intact
#      (and the user mcsec, their owner); installed and purged again without
#      them: no /etc/mcsec, no user mcsec.
# A trap purges and removes what the test made, also on failure.
# Usage: test_pkg_install.sh SOURCE_DIR. Exit 77 without root.
set -uo pipefail
src=$(cd "$1" && pwd)
t0=$(date +%s)
FAILS=0
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; FAILS=$((FAILS + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
die() { echo "FAIL - $*"; exit 1; }
step() { echo "== [$(($(date +%s) - t0)) s] $*"; }

[ "$(id -u)" = 0 ] || { echo "SKIP: pkg.install needs root (apt-get install)"; exit 77; }
for tool in dpkg-buildpackage lintian apt-get kamailio kamcmd sipp curl python3 setpriv \
            dpkg-scanpackages; do
    command -v "$tool" >/dev/null || die "$tool not installed (scripts/setup.sh)"
done
KAMAILIO_SRC=${KAMAILIO_SRC:-$(readlink -f "$src/third_party/kamailio" || true)}
[ -f "$KAMAILIO_SRC/src/core/sr_module.h" ] || die "no Kamailio source tree (scripts/setup.sh)"
# The machine must not hold what this test installs and removes.
for p in mcsec kamailio-mcsec-module; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'installed' &&
        die "package $p is installed here: the test would remove it"
done
[ -e /etc/mcsec ] && die "/etc/mcsec exists: the test would touch an operator's files"
getent passwd mcsec >/dev/null && die "a user mcsec exists: the test would remove it"

ns=mcsec-pkg-$$
work=$(mktemp -d /tmp/mcsec-pkg-XXXXXX)
export DEBIAN_FRONTEND=noninteractive
cleanup() {
    local rc=$?
    [ -n "$(ip netns pids "$ns" 2>/dev/null)" ] && kill $(ip netns pids "$ns") 2>/dev/null
    sleep 0.3
    [ -n "$(ip netns pids "$ns" 2>/dev/null)" ] && kill -9 $(ip netns pids "$ns") 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    if dpkg-query -W -f='${Status}' mcsec kamailio-mcsec-module 2>/dev/null | grep -q 'ok'; then
        apt-get purge -y -q -o DPkg::Lock::Timeout=120 mcsec kamailio-mcsec-module >/dev/null 2>&1 ||
            dpkg --purge mcsec kamailio-mcsec-module >/dev/null 2>&1
    fi
    rm -rf /etc/mcsec /run/mcsec-is-proxy
    if getent passwd mcsec >/dev/null; then deluser --system --quiet mcsec >/dev/null 2>&1; fi
    if getent group mcsec >/dev/null; then delgroup --system --quiet mcsec >/dev/null 2>&1; fi
    if [ "$rc" -ne 0 ]; then echo "--- work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# ---- 1. build --------------------------------------------------------------
step "build the packages in $work/mcsec"
mkdir -p "$work/mcsec"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$src" && git ls-files -z --cached --others --exclude-standard |
        xargs -0 cp --parents -t "$work/mcsec" 2>/dev/null) || die "copy of the tree"
else
    (cd "$src" && tar --exclude=./build --exclude=./third_party --exclude='./obj-*' -cf - .) |
        tar -C "$work/mcsec" -xf - || die "copy of the tree"
fi
rm -rf "$work/mcsec/policies/keys"
b0=$(date +%s)
if ! (cd "$work/mcsec" && KAMAILIO_SRC=$KAMAILIO_SRC DEB_BUILD_OPTIONS="nocheck parallel=2" \
        dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1); then
    tail -n 40 "$work/build.log"
    die "dpkg-buildpackage -us -uc -b"
fi
ok "dpkg-buildpackage -us -uc -b ($(($(date +%s) - b0)) s)"
changes=$(ls "$work"/mcsec_*.changes)
deb_main=$(ls "$work"/mcsec_*_*.deb)
deb_mod=$(ls "$work"/kamailio-mcsec-module_*_*.deb)
pkg_version=$(dpkg-deb -f "$deb_main" Version)

step "lintian"
if lintian --fail-on error,warning "$changes" >"$work/lintian.log" 2>&1; then
    ok "lintian: no error or warning ($(grep -c '^[EWI]:' "$work/lintian.log") tags)"
else
    cat "$work/lintian.log"
    bad "lintian"
fi
kam_version=$(dpkg-query -W -f='${Version}' kamailio)
kam_up=${kam_version#*:}; kam_up=${kam_up%-*}
kam_next=$(echo "$kam_up" | awk -F. -v OFS=. '{$NF = $NF + 1; print}')
check "module Depends: kamailio (>= $kam_up), kamailio (<< $kam_next~)" \
    grep -qF "kamailio (>= $kam_up), kamailio (<< $kam_next~)" <(dpkg-deb -f "$deb_mod" Depends)
check "package version $pkg_version is project(VERSION)" \
    grep -q "^project(mcsec VERSION $pkg_version[ )]" "$src/CMakeLists.txt"

# ---- 2. install ------------------------------------------------------------
step "apt-get install ./*.deb"
apt-get install -y -q -o DPkg::Lock::Timeout=120 --no-install-recommends "$deb_main" "$deb_mod" >"$work/install.log" 2>&1 ||
    { cat "$work/install.log"; die "apt-get install"; }
dpkg -L mcsec kamailio-mcsec-module | sort -u >"$work/dpkg-L"
moddir=$(kamailio -I 2>/dev/null | sed -n 's/^ *Default paths to modules: *//p')
check "mcsec.so in kamailio's module directory $moddir" test -f "$moddir/mcsec.so"
check "mcsecctl --version says $pkg_version" \
    test "$(/usr/bin/mcsecctl --version)" = "mcsecctl $pkg_version"
check "mcsec-httpd --version says $pkg_version" \
    test "$(/usr/sbin/mcsec-httpd --version)" = "mcsec-httpd $pkg_version"
check "user mcsec is a system user" test "$(id -u mcsec)" -lt 1000
check "/etc/mcsec root:mcsec 0750" test "$(stat -c '%U:%G %a' /etc/mcsec)" = "root:mcsec 750"
check "/etc/mcsec/keys mcsec:mcsec 0700" \
    test "$(stat -c '%U:%G %a' /etc/mcsec/keys)" = "mcsec:mcsec 700"
check "/etc/mcsec/ipsec/private root 0700" \
    test "$(stat -c '%U %a' /etc/mcsec/ipsec/private)" = "root 700"
for page in mcsecctl.8 mcsec-httpd.8 mcsec-policy.5 mcsec-fetch-crls.8; do
    check "man page $page installed" test -f "/usr/share/man/man${page##*.}/$page.gz"
done
unitdir=/lib/systemd/system
for u in mcsec-is-proxy.service mcsec-httpd.service mcsec-ipsec.service \
         mcsec-fetch-crls.service mcsec-fetch-crls.timer; do
    check "unit $u installed, not enabled" \
        sh -c "test -f $unitdir/$u && ! ls /etc/systemd/system/*.wants/$u >/dev/null 2>&1"
done

# ---- 3. the installed check on the installed examples ----------------------
step "mcsecctl policy check on the installed example policies"
mkdir -p "$work/examples"
cp /usr/share/mcsec/examples/* "$work/examples/"
MCSECCTL=/usr/bin/mcsecctl sh "$work/examples/make-example-keys.sh" >"$work/keys.log" 2>&1 ||
    { cat "$work/keys.log"; die "make-example-keys.sh"; }
check "installed mcsecctl policy check system-a.yaml system-b.yaml" \
    /usr/bin/mcsecctl policy check "$work/examples/system-a.yaml" "$work/examples/system-b.yaml"

# ---- 4. the installed proxies from their units' command lines -------------
step "operator's files, then the proxies in namespace $ns"
# The policy of system A with an HTTP-3 rule for B (GETs of group documents
# to our GMS, here 127.0.0.1:8080), its keys under /etc/mcsec/keys.
awk '{ print }
     /^    topology: \{enabled: false\}/ {
       print "    http:"
       print "      methods: [GET]"
       print "      path_prefixes: [/xcap-root/]"
       print "      content_types: [application/vnd.oma.poc.groups+xml]"
       print "      peer_name: b.mcx.example"
       print "      upstream:"
       print "        - {prefix: /xcap-root/, url: \"http://127.0.0.1:8080/xcap-root/\"}"
     }' "$work/examples/system-a.yaml" >/etc/mcsec/policy.yaml
grep -q 'peer_name' /etc/mcsec/policy.yaml || die "policy edit: the partner's topology line moved"
chown root:mcsec /etc/mcsec/policy.yaml
chmod 0640 /etc/mcsec/policy.yaml
cp -a "$work/examples/keys/." /etc/mcsec/keys/
chown -R mcsec:mcsec /etc/mcsec/keys
# The operator edits the conffile the IS proxy unit reads.
cat >/etc/default/mcsec-is-proxy <<'EOF'
OUTSIDE_ADDR=127.0.10.1
INSIDE_ADDR=127.0.10.3
BORDER_HOST=border.a.mcx.example
SHM_MEMORY=64
CHILDREN=2
EOF
operator_files() { (cd /etc/mcsec && find policy.yaml keys -type f -exec sha256sum {} + | sort); }
operator_files >"$work/operator-files"

# unit_lines UNIT KEY: the unit's KEY= values, continuation lines joined.
unit_lines() {
    awk -v key="$2" '
        { line = (cont ? line " " : "") $0; cont = sub(/\\$/, "", line) }
        !cont { if (index(line, key "=") == 1) print substr(line, length(key) + 2); line = "" }
    ' "$unitdir/$1"
}
# unit_argv UNIT LINE: LINE with the unit's Environment= and EnvironmentFile=
# values for ${NAME} and $NAME, split into the array ARGV as systemd splits it.
unit_argv() {
    local unit=$1 cmd=$2 assign file name
    local -A env=()
    while read -r assign; do
        for kv in $assign; do env[${kv%%=*}]=${kv#*=}; done
    done < <(unit_lines "$unit" Environment)
    while read -r file; do
        while IFS='=' read -r name assign; do
            [[ $name =~ ^[A-Z_][A-Z0-9_]*$ ]] && env[$name]=$assign
        done <"${file#-}"
    done < <(unit_lines "$unit" EnvironmentFile)
    while [[ $cmd =~ \$\{([A-Za-z_][A-Za-z0-9_]*)\} ]]; do
        name=${BASH_REMATCH[1]}
        cmd=${cmd//\$\{$name\}/${env[$name]-}}
    done
    # $NAME (no braces): systemd splits the value into words, as eval does.
    while [[ $cmd =~ \$([A-Za-z_][A-Za-z0-9_]*) ]]; do
        name=${BASH_REMATCH[1]}
        cmd=${cmd//\$$name/${env[$name]-}}
    done
    eval "ARGV=($cmd)"
}
unit_user() { unit_lines "$1" User | tail -n 1; }

ip netns add "$ns" || die "ip netns add $ns"
ip -n "$ns" link set lo up
in_ns() { ip netns exec "$ns" "$@"; }
as_unit_user() {   # as_unit_user UNIT CMD...: as the unit's User= (root without one)
    local user
    user=$(unit_user "$1"); shift
    if [ -n "$user" ]; then in_ns setpriv --reuid="$user" --regid="$user" --init-groups -- "$@"
    else in_ns "$@"; fi
}

# IS proxy: RuntimeDirectory=mcsec-is-proxy (0750, the unit's user), then
# ExecStartPre (the deep check), then ExecStart in the background.
unit=mcsec-is-proxy.service
install -d -o mcsec -g mcsec -m 0750 /run/mcsec-is-proxy
while read -r line; do
    unit_argv $unit "$line"
    check "IS proxy ExecStartPre: ${ARGV[*]}" as_unit_user $unit "${ARGV[@]}"
done < <(unit_lines $unit ExecStartPre)
unit_argv $unit "$(unit_lines $unit ExecStart)"
echo "   ExecStart: ${ARGV[*]}"
as_unit_user $unit "${ARGV[@]}" >"$work/kamailio.log" 2>&1 &
for _ in $(seq 1 100); do
    in_ns kamcmd -s unix:/run/mcsec-is-proxy/kamailio_ctl mcsec.version >"$work/kam-version" 2>/dev/null &&
        break
    sleep 0.1
done
check "IS proxy up as mcsec, mcsec.version says $pkg_version" \
    grep -qx "mcsec.so $pkg_version" "$work/kam-version"
check "kamailio runs as mcsec" \
    test "$(stat -c %U "/proc/$(cat /run/mcsec-is-proxy/kamailio.pid 2>/dev/null)" 2>/dev/null)" = mcsec

# HTTP proxy: ExecStartPre (check as mcsec), ExecStart (binds, drops to mcsec).
unit=mcsec-httpd.service
while read -r line; do
    unit_argv $unit "$line"
    check "HTTP proxy ExecStartPre: ${ARGV[*]}" as_unit_user $unit "${ARGV[@]}"
done < <(unit_lines $unit ExecStartPre)
unit_argv $unit "$(unit_lines $unit ExecStart)"
echo "   ExecStart: ${ARGV[*]}"
as_unit_user $unit "${ARGV[@]}" >"$work/httpd.log" 2>&1 &
in_ns python3 "$src/tests/http/recorder.py" 8080 "$work/gms.jsonl" 127.0.0.1:8080 \
    >"$work/gms.log" 2>&1 &
for _ in $(seq 1 100); do
    in_ns bash -c 'exec 3<>/dev/tcp/127.0.10.1/8443 && exec 3<>/dev/tcp/127.0.0.1/8080' \
        2>/dev/null && break
    sleep 0.1
done

# One SIP request: B's IS proxy (127.0.20.1) sends a MESSAGE for one of our
# users; our SIP core (sipp, 127.0.10.2:5070) answers 200.
step "one SIP request and one HTTPS request through the installed proxies"
. "$src/scripts/lib/template.sh"
render_template "$src/deploy/demo/any_reply.xml.in" "$work/uac.xml" METHOD=MESSAGE
sipp_common=(-nostdin -nd -timeout 10s -timeout_error -max_socket 32 -t u1)
in_ns sipp "${sipp_common[@]}" -sf "$src/tests/sip/scenarios/uas_message.xml" \
    -i 127.0.10.2 -p 5070 -m 1 -trace_logs -log_file "$work/core.log" \
    </dev/null >"$work/core.out" 2>&1 &
core=$!
for _ in $(seq 1 50); do
    in_ns ss -H -lnu "src 127.0.10.2:5070" | grep -q . && break
    sleep 0.05
done
in_ns sipp "${sipp_common[@]}" -sf "$work/uac.xml" -i 127.0.20.1 -p 5060 -m 1 \
    -key ruri sip:dispatch@a.mcx.example -key from sip:officer7@b.mcx.example \
    -key pai "P-Asserted-Identity: <sip:officer7@b.mcx.example>" \
    -key ctype application/vnd.3gpp.mcptt-info+xml -key caller sip:officer7@b.mcx.example \
    -trace_msg -message_file "$work/uac.msg" 127.0.10.1:5060 </dev/null >"$work/uac.out" 2>&1
wait "$core"
check "SIP: B's MESSAGE reached our SIP core through the IS proxy" \
    grep -qF "got MESSAGE pai=<sip:officer7@b.mcx.example>" "$work/core.log"
check "SIP: B's IS proxy got the core's 200" grep -q "^SIP/2.0 200" "$work/uac.msg"

# One HTTPS request: B's HTTP proxy (127.0.20.1, B's border certificate)
# fetches a group document; our GMS (the recorder) answers.
keys=/etc/mcsec/keys
code=$(in_ns curl -sS -o "$work/answer" -w '%{http_code}' --max-time 10 \
    -H 'X-3GPP-Asserted-Identity: "sip:gms@b.mcx.example"' \
    --interface 127.0.20.1 --cert "$keys/b/border.pem" --key "$keys/b/border.key" \
    --cacert "$keys/a/ca.pem" --resolve a.mcx.example:8443:127.0.10.1 \
    https://a.mcx.example:8443/xcap-root/org.openmobilealliance.groups/users/x/doc 2>"$work/curl.err")
check "HTTPS: B's GET answered 200 through the HTTP proxy (got ${code:-none})" test "$code" = 200
check "HTTPS: our GMS saw the GET" grep -q '/xcap-root/org.openmobilealliance.groups' "$work/gms.jsonl"
[ "$FAILS" = 0 ] || { echo "--- kamailio.log"; tail -n 20 "$work/kamailio.log";
                      echo "--- httpd.log"; tail -n 20 "$work/httpd.log"; cat "$work/curl.err"; }
kill $(ip netns pids "$ns") 2>/dev/null
sleep 0.5
ip netns del "$ns"
rm -rf /run/mcsec-is-proxy   # systemd removes a RuntimeDirectory at stop

# ---- 5. a new kamailio upstream version, simulated -------------------------
step "apt-get -s: kamailio $kam_up-revision and the next upstream version"
arch=$(dpkg --print-architecture)
# fake_repo DIR VERSION: a repository holding an empty kamailio VERSION.
fake_repo() {
    mkdir -p "$1/pkg/DEBIAN" "$1/repo" "$1/lists/partial" "$1/cache/archives/partial" "$1/parts"
    printf 'Package: kamailio\nVersion: %s\nArchitecture: %s\nMaintainer: test <t@example.org>\nDescription: test stand-in\n' \
        "$2" "$arch" >"$1/pkg/DEBIAN/control"
    dpkg-deb -Zgzip --build "$1/pkg" "$1/repo/kamailio_$2_$arch.deb" >/dev/null
    (cd "$1/repo" && dpkg-scanpackages . /dev/null >Packages 2>/dev/null)
    echo "deb [trusted=yes] file:$1/repo ./" >"$1/sources.list"
}
apt_sim() {   # apt_sim DIR ARGS...: apt-get on DIR's repository only, simulated
    local d=$1; shift
    apt-get -o Dir::Etc::SourceList="$d/sources.list" -o Dir::Etc::SourceParts="$d/parts" \
        -o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache" -o APT::Sandbox::User=root \
        -o Debug::NoLocking=1 "$@"
}
rev=$kam_up-99
fake_repo "$work/apt-rev" "$rev"
apt_sim "$work/apt-rev" update -q >/dev/null 2>&1
apt_sim "$work/apt-rev" -s upgrade >"$work/apt-rev.out" 2>&1
check "a Debian revision $rev of kamailio upgrades with the module kept" \
    sh -c "grep -q '^Inst kamailio .*($rev' '$work/apt-rev.out' && ! grep -q '^Remv' '$work/apt-rev.out'"
fake_repo "$work/apt-next" "$kam_next-1"
apt_sim "$work/apt-next" update -q >/dev/null 2>&1
apt_sim "$work/apt-next" -s upgrade >"$work/apt-next-upgrade.out" 2>&1
check "kamailio $kam_next-1: apt-get upgrade keeps it back" \
    sh -c "grep -A1 'kept back' '$work/apt-next-upgrade.out' | grep -qw kamailio &&
           ! grep -q '^Inst kamailio' '$work/apt-next-upgrade.out'"
apt_sim "$work/apt-next" -s full-upgrade >"$work/apt-next-full.out" 2>&1
check "kamailio $kam_next-1: apt-get full-upgrade removes kamailio-mcsec-module, says so" \
    sh -c "grep -q '^Remv kamailio-mcsec-module' '$work/apt-next-full.out' &&
           grep -q '^Inst kamailio ' '$work/apt-next-full.out'"
sed -n '/^The following/,$p' "$work/apt-next-full.out" | head -n 8 | sed 's/^/   | /'

# ---- 6. purge --------------------------------------------------------------
step "apt-get purge"
apt-get purge -y -q -o DPkg::Lock::Timeout=120 mcsec kamailio-mcsec-module >"$work/purge.log" 2>&1 ||
    { cat "$work/purge.log"; bad "apt-get purge"; }
left=""
while read -r path; do
    [ "$path" = /. ] && continue
    if [ -d "$path" ]; then   # (also /lib, a link to usr/lib)
        # A directory may stay when another package owns it or, for
        # /etc/mcsec and /etc/mcsec/keys, when the operator's files are in it.
        case $path in /etc/mcsec|/etc/mcsec/keys) continue ;; esac
        dpkg -S "$path" >/dev/null 2>&1 && continue
    elif [ ! -e "$path" ] && [ ! -L "$path" ]; then
        continue
    fi
    left="$left $path"
done <"$work/dpkg-L"
check "nothing of dpkg -L left after purge${left:+:$left}" test -z "$left"
check "the operator's files are still there, unchanged" \
    cmp -s "$work/operator-files" <(operator_files)
check "nothing else in /etc/mcsec (cfg, ipsec/ gone)" \
    test -z "$(find /etc/mcsec -mindepth 1 ! -path '/etc/mcsec/keys*' ! -name policy.yaml)"
check "/etc/default/mcsec-is-proxy (a conffile) purged" test ! -e /etc/default/mcsec-is-proxy
check "no statoverride of /etc/mcsec left" sh -c '! dpkg-statoverride --list /etc/mcsec'
check "no systemd state of the units left" \
    test -z "$(find /var/lib/systemd /etc/systemd -name '*mcsec*' 2>/dev/null)"
check "no dpkg info of the packages left" \
    test -z "$(ls /var/lib/dpkg/info/mcsec.* /var/lib/dpkg/info/kamailio-mcsec-module.* 2>/dev/null)"
check "the user mcsec stays while its files do" getent passwd mcsec

# Without the operator's files, purge leaves nothing: no /etc/mcsec, no user.
step "install and purge again, without the operator's files"
rm -rf /etc/mcsec
apt-get install -y -q -o DPkg::Lock::Timeout=120 --no-install-recommends "$deb_main" "$deb_mod" >>"$work/install.log" 2>&1 &&
    apt-get purge -y -q -o DPkg::Lock::Timeout=120 mcsec kamailio-mcsec-module >>"$work/purge.log" 2>&1 ||
    bad "second apt-get install and purge"
check "no /etc/mcsec left" test ! -e /etc/mcsec
check "no user or group mcsec left" sh -c '! getent passwd mcsec && ! getent group mcsec'

step "done: $FAILS failure(s)"
[ "$FAILS" = 0 ]
