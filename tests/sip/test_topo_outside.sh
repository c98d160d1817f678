#!/bin/bash
# What leaves the outside socket is hidden whatever its destination port,
# and relayed messages to an address of no partner are dropped (issue 14,
# item 1; docs/topology.md "What leaves the outside socket"). Border A
# hides its topology from system B, played by a script at B's outside
# address (127.0.20.1:5060, also listening on :5099) next to a stranger
# (127.0.99.9:5060, and :5077 as a foreign host a Via may name). A's core
# is siptool's responder: its 200 names 127.0.10.2 in Contact.
#  1. The shipped cfg (force_rport on the outside socket): a partner
#     MESSAGE whose Via names port 5099, and one whose Via names the
#     stranger's host, are answered at the partner's source port, hidden
#     (Contact a token URI, no inside address); a stranger's MESSAGE and
#     a stranger's request with Max-Forwards 0 still get the border's own
#     403 and 483.
#  2. The same border with a cfg that answers the Via (reply_to_via=1, no
#     force_rport), the shape of a cfg mistake: the reply to the Via port
#     5099 leaves hidden; the reply to the stranger's host never leaves
#     (dst.not_partner counted in the unmatched row, logged); the
#     stranger's refusals still go out.
. "$(dirname "$0")/test_topo_lib.sh"
two_init "$@"

topo_key "$T_DIR/a-topology.key"
topo_policy a "$T_DIR/policy-a.yaml" "$T_DIR/a-topology.key"
core_responder_start

cat >"$T_DIR/peers.py" <<'PY'
"""Partner B and a stranger for test_topo_outside.sh (UDP). Reads one
request a line (NAME SOCKET VIA-HOSTPORT [MAX-FORWARDS]) on stdin, writes
one RESULT line per request to argv[1]: NAME, then every datagram that
arrived within 0.7 s as socket=first-line=hidden|clear."""
import select, socket, sys, time, uuid

BORDER = ("127.0.10.1", 5060)
socks = {}
for name, addr in (("partner", ("127.0.20.1", 5060)), ("partner-5099", ("127.0.20.1", 5099)),
                   ("stranger", ("127.0.99.9", 5060)), ("foreign-5077", ("127.0.99.9", 5077))):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(addr)
    socks[name] = s
out = open(sys.argv[1], "w")


def send(name, src, via, maxfwd):
    lines = ["MESSAGE sip:alice@a.mcx.example SIP/2.0",
             "Via: SIP/2.0/UDP %s;branch=z9hG4bK%s" % (via, uuid.uuid4().hex[:12]),
             "Max-Forwards: %d" % maxfwd, "From: <sip:bob@b.mcx.example>;tag=p-%s" % name,
             "To: <sip:alice@a.mcx.example>",
             "Call-ID: %s-%s@b.mcx.example" % (name, uuid.uuid4().hex[:8]),
             "CSeq: 1 MESSAGE", "P-Asserted-Identity: <sip:bob@b.mcx.example>",
             "Content-Length: 0", "", ""]
    socks[src].sendto("\r\n".join(lines).encode(), BORDER)
    got = []
    deadline = time.time() + 0.7
    while time.time() < deadline:
        ready, _, _ = select.select(list(socks.values()), [], [], max(0, deadline - time.time()))
        for s in ready:
            data = s.recv(65535).decode("latin-1")
            where = [n for n, x in socks.items() if x is s][0]
            first = data.split("\r\n", 1)[0].replace(" ", "_")
            hidden = "tokenized-by=border.a.mcx.example" in data and "127.0.10." not in data
            got.append("%s=%s=%s" % (where, first, "hidden" if hidden else "clear"))
    print("RESULT", name, *got, file=out, flush=True)


for line in sys.stdin:
    args = line.split()
    if args:
        send(args[0], args[1], args[2], int(args[3]) if len(args) > 3 else 70)
PY

# peers PHASE: the scripted peers send the requests of one phase (stdin).
peers() {
    $T_PY "$T_DIR/peers.py" "$T_DIR/peers-$1.out" >"$T_DIR/peers-$1.err" 2>&1
    assert_eq "phase $1: the scripted peers ran" 0 $?
}
# result NAME PHASE: what arrived for one request.
result() {
    awk -v n="$1" '$1 == "RESULT" && $2 == n {$1 = ""; $2 = ""; print}' "$T_DIR/peers-$2.out" |
        sed 's/^ *//'
}
requests="via-port partner 127.0.20.1:5099
via-foreign partner 127.0.99.9:5077
stranger stranger 127.0.99.9:5060
stranger-hops stranger 127.0.99.9:5060 0"

# 1. The shipped cfg.
border_start a "$T_DIR/policy-a.yaml"
peers shipped <<<"$requests"
assert_eq "shipped cfg: Via names port 5099: the 200 reaches the partner's source port, hidden" \
    "partner=SIP/2.0_200_OK=hidden" "$(result via-port shipped)"
assert_eq "shipped cfg: Via names a foreign host: the 200 reaches the partner, hidden" \
    "partner=SIP/2.0_200_OK=hidden" "$(result via-foreign shipped)"
assert_match "shipped cfg: the stranger gets the border's 403" \
    '^stranger=SIP/2.0_403_Forbidden=clear$' "$(result stranger shipped)"
assert_match "shipped cfg: the stranger gets the border's 483 (mcsec_reject)" \
    '^stranger=SIP/2.0_483_' "$(result stranger-hops shipped)"
kam_stop >/dev/null 2>&1

# 2. A cfg that answers the Via (no rport): the module alone decides.
sed -e '/^[[:space:]]*force_rport();$/d' -e 's/^sip_warning=0$/sip_warning=0\nreply_to_via=1/' \
    "$MCSEC_CFG" >"$T_DIR/via-reply.cfg"
t_check "the cfg variant answers the Via" grep -q '^reply_to_via=1' "$T_DIR/via-reply.cfg"
MCSEC_CFG=$T_DIR/via-reply.cfg border_start a "$T_DIR/policy-a.yaml"
before=$(stat_get - dst.not_partner)
peers via <<<"$requests"
assert_eq "Via reply: Via names port 5099: the 200 leaves for it hidden" \
    "partner-5099=SIP/2.0_200_OK=hidden" "$(result via-port via)"
assert_eq "Via reply: Via names a foreign host: nothing leaves for it" "" "$(result via-foreign via)"
assert_delta "Via reply: the dropped 200 is counted dst.not_partner (unmatched)" 1 "$before" \
    "$(stat_get - dst.not_partner)"
t_check "Via reply: the drop is logged" \
    grep -qE 'event=refused reason=dst.not_partner partner="" direction=out kind=reply method=[A-Za-z]+ status=200 dst=127.0.99.9:5077' \
    "$KAM_LOG"
assert_match "Via reply: the stranger still gets the border's 403" \
    '^stranger=SIP/2.0_403_Forbidden=clear$' "$(result stranger via)"
assert_match "Via reply: the stranger still gets the border's 483" \
    '^stranger=SIP/2.0_483_' "$(result stranger-hops via)"
t_check "border A still up with all its processes" kam_alive
t_finish
