#!/bin/bash
# Topology tokens that fail are refused, never decoded partly (issue 3):
# border A hides its inside towards a scripted partner IS proxy (Python at
# system B's outside address). Our core sends a MESSAGE and starts a
# dialog; the partner then sends in-dialog requests whose tokens are
# tampered with, truncated, replayed into another dialog (the Call-ID token
# of the MESSAGE), made with a foreign key under our key ID, or name an
# unknown key, and a CANCEL with a tampered Call-ID: each must be answered
# 400 with Warning "topo.bad_token", and never reach our core. A reply with
# a tampered Via token is dropped, and so is one whose mcptt-info body
# carries a tampered element token (hide_elements); tm's retransmission
# then gets a good one. The topo.bad_token counter moves once per refusal; finally a BYE
# with the real tokens (and a forged Mcsec-Topo-Fault header, which must be
# removed) ends the dialog at our core.
. "$(dirname "$0")/test_topo_lib.sh"
two_init "$@"

topo_key "$T_DIR/a-topology.key"
topo_policy a "$T_DIR/policy-a.yaml" "$T_DIR/a-topology.key" HIDE='[mcptt-request-uri, mcptt-calling-group-id]'
border_start a "$T_DIR/policy-a.yaml"

cat >"$T_DIR/partner.py" <<'PY'
"""Scripted partner IS proxy for test_topo_bad_tokens.sh (UDP only)."""
import base64, os, re, socket, sys, time
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

ME, BORDER = ("127.0.20.1", 5060), ("127.0.10.1", 5060)
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(ME)
sock.settimeout(10)
out = open(sys.argv[1], "w")

def log(*a):
    print(*a, file=out, flush=True)

def recv():
    data, _ = sock.recvfrom(65535)
    return data.decode()

def headers(msg, name):
    return [l.split(":", 1)[1].strip() for l in msg.split("\r\n\r\n")[0].split("\r\n")[1:]
            if l.lower().startswith(name.lower() + ":")]

def reply(req, status, extra="", totag=None, via_edit=None, body=None):
    vias = headers(req, "Via")
    if via_edit:
        vias = [via_edit(v) for v in vias]
    to = headers(req, "To")[0] + (";tag=" + totag if totag else "")
    lines = ["SIP/2.0 " + status] + ["Via: " + v for v in vias]
    lines += ["Record-Route: " + r for r in headers(req, "Record-Route")]
    lines += ["From: " + headers(req, "From")[0], "To: " + to,
              "Call-ID: " + headers(req, "Call-ID")[0], "CSeq: " + headers(req, "CSeq")[0]]
    if extra:
        lines.append(extra)
    if body:
        lines += ["Content-Type: application/vnd.3gpp.mcptt-info+xml",
                  "Content-Length: %d" % len(body), "", body]
    else:
        lines += ["Content-Length: 0", "", ""]
    sock.sendto("\r\n".join(lines).encode(), BORDER)

def flip(tok, i=None):
    i = len(tok) // 2 if i is None else i
    return tok[:i] + ("a" if tok[i] != "a" else "b") + tok[i + 1:]

def b32d(t):
    return base64.b32decode(t.upper() + "=" * (-len(t) % 8))

def b32e(b):
    return base64.b32encode(b).decode().lower().rstrip("=")

# 1. MESSAGE from our core (its mcptt-info names an internal URI, which
# arrives as an element token): first a 200 whose Via token was tampered
# with, then a 200 whose mcptt-info names the element token tampered with
# (A must drop both), then the real 200 to tm's next retransmission.
msg = recv()
assert msg.startswith("MESSAGE"), msg[:80]
other_callid = headers(msg, "Call-ID")[0]
elem = re.search(r"<mcptt-calling-group-id[^>]*><mcpttURI>sip:([a-z2-7]+)(@[^<]+)</mcpttURI>", msg)
assert elem, msg
reply(msg, "200 OK", totag="p1",
      via_edit=lambda v: re.sub(r"mcsec-vt=([a-z2-7]+)", lambda m: "mcsec-vt=" + flip(m.group(1)), v))
log("sent tampered-via-reply")
replies = [("tampered-element-reply",
            "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"><mcptt-Params><mcptt-request-uri>"
            "<mcpttURI>sip:%s%s</mcpttURI></mcptt-request-uri></mcptt-Params></mcpttinfo>"
            % (flip(elem.group(1)), elem.group(2))),
           ("good reply to retransmission", None)]
while replies:
    msg = recv()
    if msg.startswith("MESSAGE"):
        name, body = replies.pop(0)
        reply(msg, "200 OK", totag="p1", body=body)
        log("sent", name)

# 2. The dialog: INVITE, 200, ACK.
inv = recv()
while not inv.startswith("INVITE"):
    inv = recv()
callid = headers(inv, "Call-ID")[0]
contact = re.search(r"<([^>]*)>", headers(inv, "Contact")[0]).group(1)
rr = [e.strip() for h in headers(inv, "Record-Route") for e in h.split(",")]
reply(inv, "200 OK", extra="Contact: <sip:partner@127.0.20.1:5060>", totag="p2")
ack = recv()
log("got", ack.split(" ")[0])
ruri_tok = re.match(r"sip:([a-z2-7]+)@", contact).group(1)
cid_tok, cid_host = callid.split("@", 1)
inv_from, inv_to = headers(inv, "From")[0], headers(inv, "To")[0]
key_id = b32d(ruri_tok)[0]
foreign = AESSIV(os.urandom(32)).encrypt(b"\x01sip:mcptt-as@foreign", [b"contact\x00" + callid.encode()])
foreign_tok = b32e(bytes([key_id]) + foreign)
unknown_tok = b32e(bytes([key_id ^ 0x5A]) + b32d(ruri_tok)[1:])
route_tok = [e for e in rr if "tokenized-by" in e][0]
route_tok_id = re.search(r"sip:([a-z2-7]+)@", route_tok).group(1)
cseq = [10]

def send(name, method, ruri, call_id, routes, expect, extra=None):
    cseq[0] += 1
    branch = "z9hG4bKpartner%d" % cseq[0]
    lines = ["%s %s SIP/2.0" % (method, ruri), "Via: SIP/2.0/UDP 127.0.20.1:5060;branch=" + branch,
             "Max-Forwards: 70"] + ["Route: " + r for r in routes]
    lines += ["From: " + inv_to + ";tag=p2", "To: " + inv_from, "Call-ID: " + call_id,
              "CSeq: %d %s" % (cseq[0], method),
              "P-Asserted-Identity: <sip:bob@b.mcx.example>"] + (extra or [])
    lines += ["Content-Length: 0", "", ""]
    sock.sendto("\r\n".join(lines).encode(), BORDER)
    deadline = time.time() + 5
    while time.time() < deadline:
        r = recv()
        if r.startswith("SIP/2.0") and ("CSeq: %d %s" % (cseq[0], method)) in r:
            if r.startswith("SIP/2.0 1"):
                continue
            status = r.split(" ")[1]
            warn = (headers(r, "Warning") or ["-"])[0]
            log("RESULT %s %s %s" % (name, status, warn.replace(" ", "_")))
            return
    log("RESULT %s none -" % name)

uri = lambda tok: "sip:%s@%s;tokenized-by=%s" % (tok, cid_host, cid_host)
good_routes = rr
send("tampered-ruri", "INFO", uri(flip(ruri_tok)), callid, good_routes, "400")
send("truncated-ruri", "INFO", uri(ruri_tok[:-5]), callid, good_routes, "400")
send("tampered-callid", "INFO", contact, flip(cid_tok) + "@" + cid_host, good_routes, "400")
send("tampered-route", "INFO", contact, callid,
     [e.replace(route_tok_id, flip(route_tok_id)) for e in rr], "400")
send("other-dialog", "INFO", contact, other_callid, good_routes, "400")
send("foreign-key", "INFO", uri(foreign_tok), callid, good_routes, "400")
send("unknown-key", "INFO", uri(unknown_tok), callid, good_routes, "400")
send("tampered-cancel", "CANCEL", contact, flip(cid_tok) + "@" + cid_host, [], "400")
# A fault marker the partner forges is removed before anything reads it.
send("good-bye", "BYE", contact, callid, good_routes, "200",
     ["Mcsec-Topo-Fault: forged by the partner"])
PY

border_use a
before=$(stat_get system-b topo.bad_token)
rm -f "$T_DIR/partner.out"
$T_PY "$T_DIR/partner.py" "$T_DIR/partner.out" >"$T_DIR/partner.err" 2>&1 &
partner_pid=$!
T_BG_PIDS+=("$partner_pid")
sleep 0.3

topo_keys_a
sipp_run message "$(topo_render topo_element_caller.xml.in 200 STATUS=200)" \
    "$A_CORE_IP" "$CORE_PORT" udp "$A_IN_IP:$SIP_PORT" "${UAC_KEYS[@]}" \
    -cid_str "topo-%u-%p@$TOPO_A_ME" -key elemuri sip:gms@gms.a.mcx.example \
    -key useruri sip:alice@a.mcx.example
assert_eq "MESSAGE completes once the partner sends a good 200" 0 $?
sipp_run dialog "$T_SCEN/topo_hold_caller.xml" "$A_CORE_IP" "$CORE_PORT" udp \
    "$A_IN_IP:$SIP_PORT" "${UAC_KEYS[@]}" -cid_str "topo-%u-%p@$TOPO_A_ME"
assert_eq "the dialog completes with the partner's good BYE" 0 $?
wait "$partner_pid"
assert_eq "the scripted partner ran to its end" 0 $?
[ -s "$T_DIR/partner.err" ] && sed 's/^/  partner: /' "$T_DIR/partner.err"

result() { awk -v n="$1" '$1 == "RESULT" && $2 == n {print $3, $4}' "$T_DIR/partner.out"; }
for name in tampered-ruri truncated-ruri tampered-callid tampered-route other-dialog \
    foreign-key unknown-key tampered-cancel; do
    assert_match "$name: answered 400 with Warning topo.bad_token" \
        '^400 399_border\.a\.mcx\.example_"topo\.bad_token"$' "$(result $name)"
done
assert_match "good BYE with the real tokens (and a forged Mcsec-Topo-Fault) reaches our core (200)" \
    '^200 ' "$(result good-bye)"
t_check "the forged Mcsec-Topo-Fault header did not reach our core" \
    test "$(grep -c 'Mcsec-Topo-Fault' "$T_DIR/sipp-dialog.msg")" -eq 0
t_check "none of the refused requests reached our core" \
    test "$(grep -c '^INFO\|^CANCEL' "$T_DIR/sipp-dialog.msg")" -eq 0
assert_delta "topo.bad_token counted 8 requests and 2 replies for system-b" 10 "$before" \
    "$(stat_get system-b topo.bad_token)"
t_check "border A logged the dropped reply" \
    grep -q 'reason=topo.bad_token partner=[^ ]* direction=in kind=reply .*detail="Via token' "$KAM_LOG"
t_check "border A logged the dropped reply with a tampered element token" \
    grep -q 'reason=topo.bad_token partner=[^ ]* direction=in kind=reply .*detail="topology: elements: ' "$KAM_LOG"
t_check "border A still up with all its processes" kam_alive
t_finish
