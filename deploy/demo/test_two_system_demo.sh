#!/usr/bin/env bash
# ctest demo.two_systems: runs deploy/demo/two-system-demo.sh twice (a
# second run must work after the first one cleaned up) and checks its exit
# status and the key lines of its report: the SA, ESP only on the wire, the
# SPK and EAR at B's MC server, the three attacks refused with their reason
# codes, the final verdict; and that nothing of the demo is left behind.
# Exit 77 (skipped) when the demo says this machine cannot run it.
# Environment: MCSEC_BUILD (the build directory, set by CMakeLists.txt).
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fails=0
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

# expect_line OUT ERE [MIN]: at least MIN (1) lines of OUT match ERE.
expect_line() {
    local n
    n=$(grep -c -E -- "$2" "$1")
    [ "$n" -ge "${3:-1}" ] || fail "run $run: expected ${3:-1}+ line(s) matching /$2/, found $n"
}

out=$(mktemp /tmp/mcsec-demo-test.XXXXXX)
trap 'rm -f "$out"' EXIT
for run in 1 2; do
    echo "--- demo run $run"
    "$here/two-system-demo.sh" >"$out" 2>&1 &
    demo_pid=$!
    wait "$demo_pid"
    rc=$?
    cat "$out"
    if [ "$rc" -eq 77 ]; then
        echo "SKIP: the demo cannot run on this machine"
        exit 77
    fi
    [ "$rc" -eq 0 ] || fail "run $run: exit status $rc"
    expect_line "$out" '^   IPsec .*SA up: peer b\.mcx\.example, IKEv2 AES_GCM_16'
    expect_line "$out" 'ESP packets \(UDP 4500\), [0-9]+ IKE, 0 other; SIP/HTTP text on the link: none' 5
    expect_line "$out" '^   media +(audio|floor): [AB]->[AB] sent=[0-9]+ received=[0-9]+ decrypted=[1-9][0-9]* suite=GCM, octets unchanged' 4
    expect_line "$out" 'mcptt-info encrypted \([1-9][0-9]* pkts with EncryptedData' 2
    expect_line "$out" 'EAR valid: signed by sip:mcptt@a\.mcx\.example \(role 2'
    expect_line "$out" 'EAR valid: signed by sip:border@a\.mcx\.example \(role 4'
    expect_line "$out" 'result +200 OK back at A.s MC server; ACK and BYE crossed'
    expect_line "$out" 'B logs +event=refused reason=src\.not_partner partner="" direction=in'
    expect_line "$out" 'B logs +event=refused reason=src\.internal_id_spoof partner=system-a direction=in'
    expect_line "$out" 'B logs +event=refused reason=ear\.bad_signature partner=system-a direction=in'
    expect_line "$out" '^== result: the story went as expected'
    if grep -q 'FAIL:' "$out"; then fail "run $run: the report has FAIL lines"; fi
    # its own namespaces (lib/net.sh names them after its PID): another
    # demo running beside it on a shared machine is not this run's leftover
    left=$(ip netns list 2>/dev/null | grep -c "^mcsec-demo-[a-z]-$demo_pid\b")
    [ "$left" -eq 0 ] || fail "run $run: $left mcsec-demo network namespace(s) left behind"
done
if [ "$fails" -eq 0 ]; then
    echo "PASS: two runs of the two-system demo"
    exit 0
fi
echo "$fails failure(s)"
exit 1
