#!/usr/bin/python3
"""Raw SIP helper for the SIP tests (standard library only).

Subcommands:
  respond  --addr IP:PORT [--udp] [--tcp] [--log FILE] [--dump FILE]
      A stand-in SIP core / MC server: answers 200 OK to every request
      (nothing to ACK), over UDP and/or TCP, and logs one line per request
      ("METHOD request-uri") to --log. Runs until killed.
  send     --proto udp|tcp --src IP:PORT --dst IP:PORT [--timeout S] FILE
      Sends one corpus file (see render()) and prints the first final
      response's status line, or "none". Exit 0 on a response, 2 on none.
  corpus   --src IP:PORT --dst IP:PORT --pid PID --log KAMLOG --out TABLE
           [--liveness FILE] FILE...
      For each file: send it over each transport its header names, record
      the outcome (response status, or the new log lines when there is none),
      then check that kamailio's main pid and all its children are still
      there and that the liveness request still gets a 200. Writes a table;
      exit 1 when any message got neither a response nor a logged drop, or
      kamailio died / stopped answering.

Corpus file format (text, so the corpus stays readable and reviewable):
  leading lines "# key: value" are metadata: description, transport
  (udp|tcp|both, default both), eol (crlf|lf|cr, default crlf);
  then the message. One trailing newline of the file is removed, lines are
  joined with the eol. Escapes: \\xHH is a byte, \\\\ a backslash.
  Macros: @PAD:N:C@ = N copies of character C; @CLEN@ = the real body length
  (the body is what follows the first empty line); @CALLID@ = a fresh
  Call-ID; @BRANCH@ = a fresh branch parameter; @PROTO@ = UDP or TCP (the
  transport it is sent over, for the Via).
  "# expect: wait" marks a stream message that is incomplete by design
  (e.g. Content-Length larger than what is sent over TCP): the server must
  wait for more, so silence is the right outcome there.
  "# expect: silent (why)" marks a message Kamailio's core discards before
  any route runs and logs only at debug level (a response, a datagram too
  short to be SIP, an unknown SIP version); silence is accepted there and
  the table says so.
"""
import argparse
import os
import re
import select
import socket
import sys
import threading
import time
import uuid

# ---------------------------------------------------------------- rendering

META_RE = re.compile(rb"^# ([a-z_]+): ?(.*)$")


def parse_corpus_file(path):
    with open(path, "rb") as f:
        raw = f.read()
    meta = {"transport": "both", "eol": "crlf", "description": os.path.basename(path)}
    lines = raw.split(b"\n")
    while lines and META_RE.match(lines[0]):
        m = META_RE.match(lines[0])
        meta[m.group(1).decode()] = m.group(2).decode("utf-8", "replace").strip()
        lines.pop(0)
    text = b"\n".join(lines)
    if text.endswith(b"\n"):
        text = text[:-1]
    return meta, text


def unescape(data):
    out = bytearray()
    i = 0
    while i < len(data):
        c = data[i]
        if c == 0x5C and i + 1 < len(data):  # backslash
            n = data[i + 1]
            if n == 0x5C:
                out.append(0x5C)
                i += 2
                continue
            if n == ord("x") and i + 3 < len(data) + 0:
                try:
                    out.append(int(data[i + 2:i + 4], 16))
                    i += 4
                    continue
                except ValueError:
                    pass
        out.append(c)
        i += 1
    return bytes(out)


def render(meta, text, proto="udp"):
    text = text.replace(b"@PROTO@", proto.upper().encode())
    eol = {"crlf": b"\r\n", "lf": b"\n", "cr": b"\r"}[meta.get("eol", "crlf")]
    text = re.sub(rb"@PAD:(\d+):(.)@", lambda m: m.group(2) * int(m.group(1)), text)
    callid = uuid.uuid4().hex.encode()
    text = text.replace(b"@CALLID@", callid)
    text = text.replace(b"@BRANCH@", b"z9hG4bK" + uuid.uuid4().hex[:16].encode())
    msg = unescape(eol.join(text.split(b"\n")))
    if b"@CLEN@" in msg:
        sep = msg.find(eol + eol)
        body_len = len(msg) - (sep + 2 * len(eol)) if sep >= 0 else 0
        # the macro's own length changes nothing after the separator
        msg = msg.replace(b"@CLEN@", str(body_len).encode())
    return msg


# ---------------------------------------------------------------- responses

STATUS_RE = re.compile(rb"^SIP/2\.0 (\d{3})[^\r\n]*", re.M)


def split_hostport(s):
    host, port = s.rsplit(":", 1)
    return host, int(port)


def _bind(sock, src):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(split_hostport(src))


def send_udp(msg, src, dst, timeout):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        _bind(sock, src)
        sock.sendto(msg, split_hostport(dst))
        return _collect(lambda: sock.recv(70000), sock, timeout)
    finally:
        sock.close()


def send_tcp(msg, src, dst, timeout):
    """src's port is ignored: each connection comes from a fresh ephemeral
    port (as a real peer's would) and is closed gracefully, so neither
    TIME_WAIT nor a reset shows up in the server's log."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((split_hostport(src)[0], 0))
        sock.settimeout(timeout)
        sock.connect(split_hostport(dst))
        sock.sendall(msg)
        buf = bytearray()

        def rd():
            data = sock.recv(70000)
            if not data:
                raise EOFError
            buf.extend(data)
            return bytes(buf)

        return _collect(rd, sock, timeout, cumulative=True)
    except (ConnectionError, socket.timeout, OSError) as e:
        return "error: %s" % e.__class__.__name__
    finally:
        sock.close()


def _collect(read, sock, timeout, cumulative=False):
    """Waits for a final response; returns its status line, the last
    provisional one, "closed" or "none"."""
    deadline = time.time() + timeout
    provisional = None
    seen = b""
    while True:
        left = deadline - time.time()
        if left <= 0:
            break
        r, _, _ = select.select([sock], [], [], left)
        if not r:
            break
        try:
            data = read()
        except EOFError:
            return provisional or "closed"
        except OSError as e:
            return provisional or "error: %s" % e.__class__.__name__
        seen = data if cumulative else data
        for m in STATUS_RE.finditer(seen):
            line = m.group(0).decode("latin-1")
            if int(m.group(1)) >= 200:
                return line
            provisional = line
    return provisional or "none"


# ---------------------------------------------------------------- responder

HDR_COPY = ("via", "v", "from", "f", "to", "t", "call-id", "i", "cseq", "record-route")


def make_200(req, contact, status=b"200 OK"):
    # the proxy's own lines end in CRLF, a bare-LF sender's in LF
    head = re.split(rb"\r?\n\r?\n", req, maxsplit=1)[0]
    head = re.split(rb"\r?\n", head)
    out = [b"SIP/2.0 " + status]
    for line in head[1:]:
        name = line.split(b":", 1)[0].strip().lower().decode("latin-1")
        if name in HDR_COPY:
            if name in ("to", "t") and b"tag=" not in line:
                line += b";tag=core" + uuid.uuid4().hex[:8].encode()
            out.append(line)
    out.append(b"Contact: <sip:core@" + contact.encode() + b">")
    out.append(b"Content-Length: 0")
    return b"\r\n".join(out) + b"\r\n\r\n"


def log_request(logf, req, transport):
    first = req.split(b"\r\n", 1)[0].decode("latin-1")
    if logf:
        with open(logf, "a") as f:
            f.write("%s %s\n" % (transport, first))
    return first


def respond(args):
    host, port = split_hostport(args.addr)
    threads = []
    if args.udp:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind((host, port))

        def udp_loop():
            while True:
                data, peer = u.recvfrom(70000)
                if data.startswith(b"SIP/2.0") or not data.strip():
                    continue
                first = log_request(args.log, data, "udp")
                if args.dump:  # the whole request, for body checks
                    with open(args.dump, "ab") as f:
                        f.write(data + b"\n=====\n")
                if not first.startswith("ACK "):
                    status = args.status
                    if args.options_ok and first.startswith("OPTIONS "):
                        status = "200 OK"
                    u.sendto(make_200(data, args.addr, status.encode()), peer)

        threads.append(threading.Thread(target=udp_loop, daemon=True))
    if args.tcp:
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind((host, port))
        t.listen(64)

        def conn_loop(c):
            buf = b""
            while True:
                try:
                    data = c.recv(70000)
                except OSError:
                    return
                if not data:
                    return
                buf += data
                while b"\r\n\r\n" in buf:
                    head, rest = buf.split(b"\r\n\r\n", 1)
                    m = re.search(rb"\r\n(?:content-length|l)[ \t]*:[ \t]*(\d+)", head, re.I)
                    clen = int(m.group(1)) if m else 0
                    if len(rest) < clen:
                        break
                    req, buf = head + b"\r\n\r\n" + rest[:clen], rest[clen:]
                    if req.startswith(b"SIP/2.0"):
                        continue
                    first = log_request(args.log, req, "tcp")
                    if not first.startswith("ACK "):
                        c.sendall(make_200(req, args.addr + ";transport=tcp"))

        def tcp_loop():
            while True:
                c, _ = t.accept()
                threading.Thread(target=conn_loop, args=(c,), daemon=True).start()

        threads.append(threading.Thread(target=tcp_loop, daemon=True))
    for th in threads:
        th.start()
    if args.ready:
        open(args.ready, "w").close()
    while True:
        time.sleep(3600)


# ---------------------------------------------------------------- corpus run

def children_of(pid):
    kids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
            ppid = int(st.rsplit(")", 1)[1].split()[1])
            state = st.rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid and state != "Z":
            kids.append(int(d))
    return sorted(kids)


def alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


DROP_RE = re.compile(r"(ERROR|WARNING|NOTICE|mcsec: event=refused|BUG|CRITICAL)")
# Log lines that say nothing about the message just sent.
NOISE_RE = re.compile(r"Connection reset by peer|sig_usr|rev\. resolve")


def new_log(path, offset):
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read().decode("latin-1")


def summarize_log(text):
    for line in text.splitlines():
        if DROP_RE.search(line) and not NOISE_RE.search(line):
            line = re.sub(r"^\s*\d+\(\d+\)\s*", "", line)
            return line.strip()[:110]
    return None


def corpus(args):
    kids0 = children_of(args.pid)
    rows = []
    failures = 0
    live_meta, live_text = parse_corpus_file(args.liveness)
    for path in args.files:
        meta, text = parse_corpus_file(path)
        transports = ["udp", "tcp"] if meta["transport"] == "both" else [meta["transport"]]
        for proto in transports:
            msg = render(meta, text, proto)
            if proto == "udp" and len(msg) > 65000:
                rows.append((os.path.basename(path), proto, "skip (too big for a datagram)", "", "ok"))
                continue
            offset = os.path.getsize(args.log)
            sender = send_udp if proto == "udp" else send_tcp
            status = sender(msg, args.src, args.dst, args.timeout)
            time.sleep(0.05)
            logged = summarize_log(new_log(args.log, offset))
            if status.startswith("SIP/2.0"):
                outcome = "response " + status[8:]
            elif logged:
                outcome = "drop, logged (%s)" % status
            elif meta.get("expect", "").startswith("wait") and proto == "tcp":
                outcome = "waits for the rest (%s), as it should" % status
            elif meta.get("expect", "").startswith("silent"):
                outcome = "ignored silently, as expected (%s)" % status
            else:
                outcome = "NOTHING (%s), no log" % status
            # liveness: the same processes and a valid request still passes
            problems = []
            if not alive(args.pid):
                problems.append("main pid gone")
            kids = children_of(args.pid)
            if kids != kids0:
                problems.append("children changed %s -> %s" % (kids0, kids))
            live = send_udp(render(live_meta, live_text, "udp"), args.src, args.dst, 3.0)
            if not live.startswith("SIP/2.0 200"):
                problems.append("liveness MESSAGE got %s" % live)
            verdict = "ok"
            if problems or outcome.startswith("NOTHING"):
                verdict = "FAIL " + "; ".join(problems)
                failures += 1
            rows.append((os.path.basename(path), proto, outcome, logged or "", verdict))
            if problems and not alive(args.pid):
                break
    w = [max(len(r[i]) for r in rows) for i in range(3)]
    with open(args.out, "w") as f:
        f.write("%-*s  %-*s  %-*s  %s\n" % (w[0], "message", w[1], "tr", w[2], "outcome", "check / log"))
        for r in rows:
            f.write("%-*s  %-*s  %-*s  %s%s\n" % (w[0], r[0], w[1], r[1], w[2], r[2], r[4],
                                                 ("  | " + r[3]) if r[3] else ""))
    return 1 if failures else 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("respond")
    r.add_argument("--addr", required=True)
    r.add_argument("--udp", action="store_true")
    r.add_argument("--tcp", action="store_true")
    r.add_argument("--log")
    r.add_argument("--dump", help="append each UDP request whole to this file")
    r.add_argument("--ready")
    r.add_argument("--status", default="200 OK", help="status line of every answer (UDP)")
    r.add_argument("--options-ok", action="store_true", help="but 200 to OPTIONS")
    s = sub.add_parser("send")
    s.add_argument("--proto", choices=["udp", "tcp"], default="udp")
    s.add_argument("--src", required=True)
    s.add_argument("--dst", required=True)
    s.add_argument("--timeout", type=float, default=2.0)
    s.add_argument("file")
    c = sub.add_parser("corpus")
    c.add_argument("--src", required=True)
    c.add_argument("--dst", required=True)
    c.add_argument("--pid", type=int, required=True)
    c.add_argument("--log", required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--liveness", required=True)
    c.add_argument("--timeout", type=float, default=1.5)
    c.add_argument("files", nargs="+")
    args = p.parse_args()
    if args.cmd == "respond":
        respond(args)
    elif args.cmd == "send":
        meta, text = parse_corpus_file(args.file)
        msg = render(meta, text, args.proto)
        f = send_udp if args.proto == "udp" else send_tcp
        st = f(msg, args.src, args.dst, args.timeout)
        print(st)
        return 0 if st.startswith("SIP/2.0") else 2
    elif args.cmd == "corpus":
        return corpus(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
