#!/usr/bin/python3
"""Signalling probe of the two-node tests (tests/ha): sends one OPTIONS
every INTERVAL ms from SRC (ip:port) to DST (ip:port), each a transaction of
its own (new Call-ID and branch, no retransmission), until the file STOP
exists or MAX seconds have passed, and writes one line per request to OUT:
    <number> <sent, unix s> <answered, unix s or -> <final status or ->
Usage: ha_probe.py SRC DST RURI INTERVAL_MS MAX_S STOP OUT
"""
import os
import select
import socket
import sys
import time


def main():
    src, dst, ruri, interval, max_s, stop, out = sys.argv[1:8]
    sip, sport = src.rsplit(":", 1)
    dip, dport = dst.rsplit(":", 1)
    interval = int(interval) / 1000.0
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((sip, int(sport)))
    sent, answered, status = {}, {}, {}
    n, nxt, end = 0, time.time(), time.time() + float(max_s)
    while time.time() < end and not os.path.exists(stop):
        now = time.time()
        if now >= nxt:
            n += 1
            msg = (f"OPTIONS {ruri} SIP/2.0\r\n"
                   f"Via: SIP/2.0/UDP {sip}:{sport};branch=z9hG4bKprobe{os.getpid()}x{n}\r\n"
                   "Max-Forwards: 70\r\n"
                   f"From: <sip:probe@a.mcx.example>;tag=p{n}\r\n"
                   f"To: <{ruri}>\r\n"
                   f"Call-ID: probe-{os.getpid()}-{n}@a.mcx.example\r\n"
                   f"CSeq: {n} OPTIONS\r\n"
                   "P-Asserted-Identity: <sip:probe@a.mcx.example>\r\n"
                   "Content-Length: 0\r\n\r\n")
            sock.sendto(msg.encode(), (dip, int(dport)))
            sent[n] = now
            nxt += interval
        ready, _, _ = select.select([sock], [], [], max(0.0, min(nxt - time.time(), 0.05)))
        if not ready:
            continue
        data = sock.recv(65535).decode("latin-1")
        first = data.split("\r\n", 1)[0].split(" ")
        code = first[1] if len(first) > 1 else "?"
        for line in data.split("\r\n"):
            if line.lower().startswith("cseq:"):
                num = int(line.split(":", 1)[1].split()[0])
                if code >= "200" and num in sent and num not in answered:
                    answered[num] = time.time()
                    status[num] = code
    with open(out, "w") as f:
        for i in sorted(sent):
            a = answered.get(i)
            f.write(f"{i} {sent[i]:.3f} {a if a is None else format(a, '.3f')} "
                    f"{status.get(i, '-')}\n".replace("None", "-"))


if __name__ == "__main__":
    main()
