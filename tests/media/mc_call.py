#!/usr/bin/python3
"""MC calls with media across two borders (tests/media/test_media_two_borders.sh).

One process plays both MC servers: the caller's socket is opened in the
caller system's network namespace, the callee's in the other (setns(2)),
so every SIP message really crosses both IS proxies and every media
packet both rtpengines. Standard library only; SRTP is made and checked
by mcsec-srtp-peer (libsrtp2).

  mc_call.py call --caller-ns NS --callee-ns NS --caller ADDR --callee ADDR
      --caller-relay ADDR --callee-relay ADDR --caller-range LO-HI
      --callee-range LO-HI --peer PATH --work DIR --kind group|private
      [--steps media,move,hold,late,bye]
      one call: INVITE (multipart: SDP + mcptt-info, which the caller's
      border SPK-protects), 200, ACK, and per step:
        media  SRTP audio and SRTCP floor control (RTCP APP "MCPT") both
               ways, decrypted at the far end, octets unchanged
        move   a re-INVITE moving the caller's audio to a new port, media
        hold   re-INVITE a=sendonly (callee must see sendonly, answer
               recvonly), then a=sendrecv again, media
        late   a re-INVITE without SDP: the 200 offers, the ACK answers, media
        bye    BYE, 200
      Each SDP a core receives is checked: anchored (c= and o= only the
      receiving side's relay inside address, ports in its range, no ICE
      candidate), the profile and a=key-mgmt as the sender wrote them.
      Prints "ok ..." / "FAIL ..." lines; exit 1 on any FAIL.
  mc_call.py cancel (the call options)
      INVITE, 180 with the SDP answer (checked anchored), CANCEL, 200, 487,
      ACK: the relays' sessions must end (checked by the caller).
  mc_call.py bad --caller-ns NS --caller ADDR --border ADDR --work DIR
      offers broken SDP from the caller's core and prints one line per
      case: "NAME STATUS WARNING"; with --valid one valid offer ("valid").
"""
import argparse
import base64
import ctypes
import os
import random
import re
import socket
import subprocess
import sys
import time

CLONE_NEWNET = 0x40000000
CRLF = "\r\n"
FAILS = []


def ok(msg):
    print("ok " + msg, flush=True)


def fail(msg):
    FAILS.append(msg)
    print("FAIL " + msg, flush=True)


def ns_socket(ns, addr, port):
    """A UDP socket bound to addr:port inside network namespace ns."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    own = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open("/var/run/netns/" + ns, os.O_RDONLY)
    try:
        if libc.setns(target, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + ns)
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((addr, port))
    finally:
        libc.setns(own, CLONE_NEWNET)
        os.close(own)
        os.close(target)
    return s


def hp(addr, port):
    return "[%s]:%d" % (addr, port) if ":" in addr else "%s:%d" % (addr, port)


class Msg:
    def __init__(self, raw):
        head, _, self.body = raw.partition(CRLF + CRLF)
        lines = head.split(CRLF)
        self.start = lines[0]
        self.headers = []
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and self.headers:
                n, v = self.headers[-1]
                self.headers[-1] = (n, v + " " + line.strip())
            elif ":" in line:
                n, v = line.split(":", 1)
                self.headers.append((n.strip(), v.strip()))
        self.is_reply = self.start.startswith("SIP/2.0")
        self.status = int(self.start.split()[1]) if self.is_reply else 0
        self.method = "" if self.is_reply else self.start.split()[0]

    def get(self, name):
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return None

    def all(self, name):
        out = []
        for n, v in self.headers:
            if n.lower() == name.lower():
                out.extend(x.strip() for x in re.split(r",(?=\s*<)", v))
        return out

    def cseq_method(self):
        return (self.get("CSeq") or " ").split()[-1]

    def sdp(self):
        ct = (self.get("Content-Type") or "").lower()
        if ct.startswith("application/sdp"):
            return self.body
        m = re.search(r"boundary=\"?([^\";]+)", self.get("Content-Type") or "")
        if not m:
            return None
        for part in self.body.split("--" + m.group(1)):
            h, _, b = part.partition(CRLF + CRLF)
            if "application/sdp" in h.lower():
                return b.rstrip(CRLF) + CRLF
        return None


def build(start, headers, body="", ctype=None):
    out = [start]
    for n, v in headers:
        out.append("%s: %s" % (n, v))
    if body:
        out.append("Content-Type: " + ctype)
    out.append("Content-Length: %d" % len(body.encode()))
    return CRLF.join(out) + CRLF + CRLF + body


def recv(sock, want, timeout=6.0, on_other=None):
    """The first message for which want(msg) holds; others go to on_other."""
    end = time.time() + timeout
    while time.time() < end:
        sock.settimeout(max(0.05, end - time.time()))
        try:
            data, src = sock.recvfrom(65535)
        except socket.timeout:
            break
        m = Msg(data.decode("utf-8", "replace"))
        if want(m):
            m.src = src
            return m
        if on_other:
            on_other(m, src)
    return None


def sdp_offer(addr, audio, floor, direction="sendrecv", key_mgmt=None, version=1, declined=False,
              crypto=()):
    ip = "IP6" if ":" in addr else "IP4"
    lines = ["v=0", "o=mcptt-server 4711 %d IN %s %s" % (version, ip, addr), "s=-",
             "c=IN %s %s" % (ip, addr), "t=0 0",
             "m=audio %d RTP/SAVP 96" % audio, "a=rtpmap:96 AMR-WB/16000",
             "a=fmtp:96 mode-change-capability=2", "a=ptime:20"]
    if key_mgmt:
        lines.append("a=key-mgmt:mikey " + key_mgmt)
    lines += list(crypto)  # SDES (RFC 4568), last in the audio section
    lines += ["a=" + direction, "m=application %d udp MCPTT" % floor,
              "a=fmtp:MCPTT mc_queueing;mc_priority=5"]
    if declined:
        # a declined stream (port 0) stays in place, port 0 (RFC 3264 6, 8.2)
        lines += ["m=video 0 RTP/SAVP 97", "a=rtpmap:97 H264/90000"]
    return CRLF.join(lines) + CRLF


def mcptt_info(kind, caller, called):
    if kind == "group":
        params = ("<session-type>prearranged</session-type>"
                  "<mcptt-request-uri type=\"Normal\"><mcpttURI>%s</mcpttURI></mcptt-request-uri>"
                  "<mcptt-calling-user-id type=\"Normal\"><mcpttURI>%s</mcpttURI></mcptt-calling-user-id>"
                  "<mcptt-calling-group-id type=\"Normal\"><mcpttURI>%s</mcpttURI></mcptt-calling-group-id>"
                  % (called, caller, called))
    else:
        params = ("<session-type>private</session-type>"
                  "<mcptt-request-uri type=\"Normal\"><mcpttURI>%s</mcpttURI></mcptt-request-uri>"
                  "<mcptt-calling-user-id type=\"Normal\"><mcpttURI>%s</mcpttURI></mcptt-calling-user-id>"
                  % (called, caller))
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
            "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"><mcptt-Params>%s</mcptt-Params></mcpttinfo>"
            % params)


BOUNDARY = "mcsec-media-boundary"


def multipart(sdp, info):
    return ("--%s\r\nContent-Type: application/sdp\r\n\r\n%s\r\n"
            "--%s\r\nContent-Type: application/vnd.3gpp.mcptt-info+xml\r\n\r\n%s\r\n--%s--\r\n"
            % (BOUNDARY, sdp, BOUNDARY, info, BOUNDARY))


def check_sdp(where, sdp, relay, lo, hi, sent_sdp, want_dir=None):
    """An SDP a core received: anchored at its own relay, profile, key-mgmt
    and direction as the sender wrote them. Returns {media: port}."""
    if sdp is None:
        fail("%s: no SDP" % where)
        return {}
    ports, bad = {}, []
    for line in sdp.split(CRLF):
        if line.startswith("c=") or line.startswith("o="):
            if line.split()[-1] != relay:
                bad.append(line)
        elif line.startswith("m="):
            f = line[2:].split()
            port = int(f[1])
            if port != 0 and not lo <= port <= hi:
                bad.append(line)
            ports.setdefault(f[0], port)
        elif line.startswith("a=rtcp:"):
            if not lo <= int(line[7:].split()[0]) <= hi:
                bad.append(line)
        elif line.startswith("a=candidate") or line.startswith("a=fingerprint"):
            bad.append(line)
    if bad:
        fail("%s: not anchored at %s (%d-%d): %s" % (where, relay, lo, hi, " | ".join(bad)))
    else:
        ok("%s: anchored at %s, ports %s" % (where, relay, ports))
    sent = [l for l in sent_sdp.split(CRLF) if l.startswith("a=key-mgmt") or l.startswith("m=")]
    got = [l for l in sdp.split(CRLF) if l.startswith("a=key-mgmt") or l.startswith("m=")]
    strip = lambda ls: [re.sub(r"^(m=\S+) \d+", r"\1", l) for l in ls]
    if strip(sent) != strip(got):
        fail("%s: profiles or a=key-mgmt changed: %s -> %s" % (where, strip(sent), strip(got)))
    # SDES: the a=crypto lines as sent, octet for octet, in order, in the
    # audio section (the relay was never given them: mcsec_sdp_get holds them)
    def crypto_of(text):
        audio = text.split("m=audio ", 1)[-1].split("m=application", 1)[0] if "m=audio " in text else ""
        return ([l for l in text.split(CRLF) if l.startswith("a=crypto")],
                [l for l in audio.split(CRLF) if l.startswith("a=crypto")])
    sent_c, got_c = crypto_of(sent_sdp), crypto_of(sdp)
    if sent_c[0] != got_c[0] or got_c[1] != got_c[0]:
        fail("%s: a=crypto lines changed or moved: %s -> %s" % (where, sent_c[0], got_c))
    elif sent_c[0]:
        ok("%s: %d a=crypto line(s) octet for octet in the audio section" % (where, len(sent_c[0])))
    if "m=video 0 " in sent_sdp and "m=video 0 " not in sdp:
        fail("%s: the declined (port 0) video stream was not kept at port 0" % where)
    if want_dir and ("a=" + want_dir) not in sdp.split(CRLF):
        fail("%s: a=%s missing" % (where, want_dir))
    return ports


class Call:
    def __init__(self, a):
        self.a = a
        self.uac = ns_socket(a.caller_ns, a.caller, 5071)
        self.uas = ns_socket(a.callee_ns, a.callee, 5070)
        self.border = (a.caller_border, 5060)
        self.call_id = "%x@mcsec-media" % random.getrandbits(64)
        self.ftag = "f%x" % random.getrandbits(32)
        self.ttag = "t%x" % random.getrandbits(32)
        self.cseq = 0
        self.uas_last = {}
        self.audio = 4000 if a.kind == "group" else 4100
        self.floor = self.audio + 2
        self.b_audio = 5000 if a.kind == "group" else 5100
        self.b_floor = self.b_audio + 2
        self.version = 1
        self.caller_uri = "sip:mcptt@%s.mcx.example" % a.caller_dom
        self.called_uri = ("sip:mcptt-group-7@%s.mcx.example" % a.callee_dom if a.kind == "group"
                           else "sip:mcptt-user-9@%s.mcx.example" % a.callee_dom)
        self.key_mgmt = None if a.kind == "group" else "AQAFgAAAAAAAAAAAAAAAAAAAAAAAAAA="
        # SDES (RFC 4568): AES_CM_128_HMAC_SHA1_80, inline key||salt (16 + 14 octets)
        self.sdes = None
        self.crypto_a = self.crypto_b = ()
        if a.sdes:
            self.sdes = [os.urandom(16), os.urandom(14), os.urandom(16), os.urandom(14)]
            line = "a=crypto:%d AES_CM_128_HMAC_SHA1_80 inline:%s"
            b64 = lambda k, s_: base64.b64encode(k + s_).decode()
            self.crypto_a = (line % (1, b64(*self.sdes[0:2])),
                             "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:"
                             + base64.b64encode(os.urandom(30)).decode())
            self.crypto_b = (line % (1, b64(*self.sdes[2:4])),)

    def uas_other(self, m, src):
        # retransmissions reach the callee again: answer the same way
        key = (m.get("CSeq"), m.method)
        if key in self.uas_last:
            self.uas.sendto(self.uas_last[key].encode(), src)

    def send_request(self, method, body="", ctype=None, initial=False, extra=()):
        if method != "ACK":
            self.cseq += 1
        branch = "z9hG4bK%x" % random.getrandbits(48)
        h = [("Via", "SIP/2.0/UDP %s;branch=%s;rport" % (hp(self.a.caller, 5071), branch)),
             ("Max-Forwards", "70")]
        if initial:
            ruri = self.called_uri
        else:
            ruri = self.remote_target
            for r in self.route_set:
                h.append(("Route", r))
        h += [("From", "<%s>;tag=%s" % (self.caller_uri, self.ftag)),
              ("To", "<%s>%s" % (self.called_uri, "" if initial else ";tag=" + self.remote_tag)),
              ("Call-ID", self.call_id), ("CSeq", "%d %s" % (self.cseq, method)),
              ("Contact", "<sip:mcptt@%s;transport=udp>" % hp(self.a.caller, 5071)),
              ("P-Asserted-Identity", "<%s>" % self.caller_uri)]
        if initial:
            h.append(("Accept-Contact", "*;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims"
                      ".icsi.mcptt\";require;explicit"))
        h += list(extra)
        if method == "INVITE":
            self.last_invite = (ruri, h)
        self.uac.sendto(build("%s %s SIP/2.0" % (method, ruri), h, body, ctype).encode(),
                        self.border)

    def cancel(self):
        """CANCEL of the last INVITE: its Via, Call-ID, From, To and CSeq
        number (RFC 3261 9.1)."""
        ruri, h = self.last_invite
        keep = [(n, v) for n, v in h if n in ("Via", "Max-Forwards", "From", "To", "Call-ID")]
        keep.append(("CSeq", "%d CANCEL" % self.cseq))
        self.uac.sendto(build("CANCEL %s SIP/2.0" % ruri, keep).encode(), self.border)

    def uas_reply(self, req, status, reason, body="", ctype=None, extra=()):
        h = [(n, v) for n, v in req.headers if n.lower() in ("via", "from", "call-id", "cseq",
                                                            "record-route")]
        to = req.get("To")
        if ";tag=" not in to:
            to += ";tag=" + self.ttag
        h.insert(2, ("To", to))
        h.append(("Contact", "<sip:callee@%s;transport=udp>" % hp(self.a.callee, 5070)))
        h += list(extra)
        raw = build("SIP/2.0 %d %s" % (status, reason), h, body, ctype)
        self.uas_last[(req.get("CSeq"), req.method)] = raw
        self.uas.sendto(raw.encode(), req.src)

    def offer_answer(self, label, offer, initial=False, want_b=None, b_dir="sendrecv",
                     method="INVITE"):
        """UAC offers (in an INVITE or an UPDATE, RFC 3311), UAS answers in
        the 200; both SDPs checked; ACK for an INVITE. Returns (relay
        address:port pairs for the media of both sides)."""
        a = self.a
        body, ctype = offer, "application/sdp"
        if initial:
            body = multipart(offer, mcptt_info(a.kind, self.caller_uri, self.called_uri))
            ctype = "multipart/mixed;boundary=" + BOUNDARY
        self.send_request(method, body, ctype, initial)
        req = recv(self.uas, lambda m: m.method == method, on_other=self.uas_other)
        if req is None:
            resp = recv(self.uac, lambda m: m.is_reply and m.status >= 300, 1.0)
            fail("%s: %s did not reach the callee (%s)" % (label, method, resp.start if resp else "no reply"))
            return None
        if initial:
            info = req.body if "mcpttinfo" in req.body else ""
            if "<mcpttURI>%s</mcpttURI>" % self.caller_uri in info and "EncryptedData" not in info:
                ok("%s: the callee got the mcptt-info in clear (SPK unprotected by its border)" % label)
            else:
                fail("%s: mcptt-info did not arrive in clear: %r" % (label, info[:200]))
        if initial and req.sdp():
            with open(os.path.join(a.work, "%s-offer-at-callee.sdp" % a.kind), "w") as f:
                f.write(req.sdp())
        b_ports = check_sdp("%s: offer at the callee" % label, req.sdp(), a.callee_relay,
                            a.callee_lo, a.callee_hi, offer, want_b)
        answer = sdp_offer(a.callee, self.b_audio, self.b_floor, b_dir, None, self.version,
                           declined="m=video 0 " in offer, crypto=self.crypto_b)
        if self.key_mgmt:
            # the answer's own MIKEY-SAKKE response stand-in
            answer = answer.replace("a=" + b_dir, "a=key-mgmt:mikey AQEFgAAAAAA=\r\na=" + b_dir)
        self.uas_reply(req, 200, "OK", answer, "application/sdp")
        resp = recv(self.uac, lambda m: m.is_reply and m.status >= 200 and m.cseq_method() == method)
        if resp is None or resp.status != 200:
            fail("%s: caller got %s" % (label, resp.start if resp else "no final reply"))
            return None
        if initial:
            self.remote_tag = re.search(r";tag=([^;>\s]+)", resp.get("To")).group(1)
            self.route_set = list(reversed(resp.all("Record-Route")))
            self.remote_target = re.search(r"<([^>]+)>", resp.get("Contact")).group(1)
        a_ports = check_sdp("%s: answer at the caller" % label, resp.sdp(), a.caller_relay,
                            a.caller_lo, a.caller_hi, answer,
                            {"sendonly": "recvonly"}.get(want_b or "", None))
        if method != "INVITE":
            return a_ports, b_ports
        self.send_request("ACK")
        ack = recv(self.uas, lambda m: m.method == "ACK", on_other=self.uas_other)
        if ack is None:
            fail("%s: ACK did not reach the callee" % label)
        return a_ports, b_ports

    def late_offer(self, label):
        """A re-INVITE without SDP: the callee's 200 offers, the caller's
        ACK answers (RFC 3264, RFC 3261 13.2.1). Returns the ports."""
        a = self.a
        self.version += 1
        self.send_request("INVITE")
        req = recv(self.uas, lambda m: m.method == "INVITE", on_other=self.uas_other)
        if req is None:
            fail("%s: re-INVITE did not reach the callee" % label)
            return None
        offer = sdp_offer(a.callee, self.b_audio, self.b_floor, "sendrecv", None, self.version,
                          crypto=self.crypto_b)
        self.uas_reply(req, 200, "OK", offer, "application/sdp")
        resp = recv(self.uac, lambda m: m.is_reply and m.status >= 200 and m.cseq_method() == "INVITE")
        if resp is None or resp.status != 200:
            fail("%s: caller got %s" % (label, resp.start if resp else "no final reply"))
            return None
        a_ports = check_sdp("%s: offer in the 200 at the caller" % label, resp.sdp(), a.caller_relay,
                            a.caller_lo, a.caller_hi, offer)
        answer = sdp_offer(a.caller, self.audio, self.floor, "sendrecv", self.key_mgmt, self.version,
                           crypto=self.crypto_a)
        self.send_request("ACK", answer, "application/sdp")
        ack = recv(self.uas, lambda m: m.method == "ACK", on_other=self.uas_other)
        if ack is None:
            fail("%s: ACK did not reach the callee" % label)
            return None
        b_ports = check_sdp("%s: answer in the ACK at the callee" % label, ack.sdp(),
                            a.callee_relay, a.callee_lo, a.callee_hi, answer)
        return a_ports, b_ports

    def media(self, label, a_ports, b_ports):
        """SRTP audio and SRTCP floor control both ways through both relays."""
        a = self.a
        gcm = lambda: (os.urandom(16).hex(), os.urandom(12).hex(),
                       os.urandom(16).hex(), os.urandom(12).hex())
        audio_keys, audio_extra = gcm(), []
        if self.sdes:
            # the audio keyed by the SDES lines the SDP carried (both ways)
            audio_keys, audio_extra = tuple(x.hex() for x in self.sdes), ["--cm"]
        runs = []
        for what, la, lb, pa, pb, extra, n, keys in (
                ("audio", self.audio, self.b_audio, a_ports.get("audio"), b_ports.get("audio"),
                 audio_extra, 40, audio_keys),
                ("floor", self.floor, self.b_floor, a_ports.get("application"),
                 b_ports.get("application"), ["--rtcp"], 10, gcm())):
            k1, s1, k2, s2 = keys
            if not pa or not pb:
                fail("%s: no relay port for %s" % (label, what))
                return
            base = os.path.join(a.work, "%s-%s-%s" % (a.kind, label, what))
            common = ["--count", str(n), "--expect", str(n - 2), "--wait-ms", "1500",
                      "--delay-ms", "300"] + extra
            runs.append((what, "a", base + "-a", subprocess.Popen(
                ["ip", "netns", "exec", a.caller_ns, a.peer, "--local", hp(a.caller, la),
                 "--peer", hp(a.caller_relay, pa), "--out", base + "-a", "--key", k1, "--salt", s1,
                 "--rkey", k2, "--rsalt", s2, "--ssrc", "0x1a1a"] + common,
                stdout=subprocess.PIPE, text=True)))
            runs.append((what, "b", base + "-b", subprocess.Popen(
                ["ip", "netns", "exec", a.callee_ns, a.peer, "--local", hp(a.callee, lb),
                 "--peer", hp(a.callee_relay, pb), "--out", base + "-b", "--key", k2, "--salt", s2,
                 "--rkey", k1, "--rsalt", s1, "--ssrc", "0x2b2b"] + common,
                stdout=subprocess.PIPE, text=True)))
        res = {}
        for what, side, base, p in runs:
            out, _ = p.communicate(timeout=30)
            res[(what, side)] = (p.returncode, out.strip().splitlines()[-1] if out.strip() else "", base)
        for what in ("audio", "floor"):
            for snd, rcv in (("a", "b"), ("b", "a")):
                rc, line, base = res[(what, rcv)]
                sent = set(open(res[(what, snd)][2] + ".sent").read().split())
                got = open(base + ".recv").read().split()
                same = all(g in sent for g in got)
                desc = "%s %s: %s->%s %s" % (label, what, snd.upper(), rcv.upper(), line)
                if rc == 0 and got and same:
                    ok(desc + ", octets unchanged")
                else:
                    fail(desc + (", octets changed" if not same else ", too few decrypted"))

    def bye(self):
        self.send_request("BYE")
        req = recv(self.uas, lambda m: m.method == "BYE", on_other=self.uas_other)
        if req is None:
            fail("BYE did not reach the callee")
            return
        self.uas_reply(req, 200, "OK")
        resp = recv(self.uac, lambda m: m.is_reply and m.cseq_method() == "BYE" and m.status >= 200)
        if resp is None or resp.status != 200:
            fail("BYE: caller got %s" % (resp.start if resp else "nothing"))
        else:
            ok("BYE, 200")


def cmd_call(a):
    lo, hi = a.caller_range.split("-")
    a.caller_lo, a.caller_hi = int(lo), int(hi)
    lo, hi = a.callee_range.split("-")
    a.callee_lo, a.callee_hi = int(lo), int(hi)
    c = Call(a)
    steps = a.steps.split(",")
    offer = sdp_offer(a.caller, c.audio, c.floor, "sendrecv", c.key_mgmt,
                      declined=(a.kind == "group"), crypto=c.crypto_a)
    r = c.offer_answer("%s call" % a.kind, offer, initial=True)
    if r is None:
        return 1
    a_ports, b_ports = r
    if "media" in steps:
        c.media("initial", a_ports, b_ports)
    if "move" in steps:
        c.audio += 10
        c.floor = c.audio + 2
        c.version += 1
        r = c.offer_answer("re-INVITE moving media", sdp_offer(a.caller, c.audio, c.floor, "sendrecv",
                                                               c.key_mgmt, c.version, crypto=c.crypto_a))
        if r:
            c.media("moved", *r)
    if "hold" in steps:
        c.version += 1
        c.offer_answer("hold", sdp_offer(a.caller, c.audio, c.floor, "sendonly", c.key_mgmt,
                                         c.version, crypto=c.crypto_a), want_b="sendonly", b_dir="recvonly")
        c.version += 1
        r = c.offer_answer("resume", sdp_offer(a.caller, c.audio, c.floor, "sendrecv", c.key_mgmt,
                                               c.version, crypto=c.crypto_a), want_b="sendrecv")
        if r:
            c.media("resumed", *r)
    if "late" in steps:
        r = c.late_offer("late offer (re-INVITE without SDP)")
        if r:
            c.media("late-offer", *r)
    if "bye" in steps:
        c.bye()
    return 1 if FAILS else 0


def cmd_cancel(a):
    """INVITE, 180 with the answer (early media), CANCEL: 200 to the
    CANCEL, 487 to the INVITE; the relays must end the session."""
    lo, hi = a.caller_range.split("-")
    a.caller_lo, a.caller_hi = int(lo), int(hi)
    c = Call(a)
    c.audio, c.floor = 4200, 4202
    offer = sdp_offer(a.caller, c.audio, c.floor)
    c.send_request("INVITE", offer, "application/sdp", initial=True)
    req = recv(c.uas, lambda m: m.method == "INVITE", on_other=c.uas_other)
    if req is None:
        fail("cancel: INVITE did not reach the callee")
        return 1
    answer = sdp_offer(a.callee, 5200, 5202)
    c.uas_reply(req, 180, "Ringing", answer, "application/sdp")
    ring = recv(c.uac, lambda m: m.is_reply and m.status == 180)
    if ring is None:
        fail("cancel: no 180 at the caller")
    else:
        check_sdp("cancel: answer in the 180 at the caller", ring.sdp(), a.caller_relay,
                  a.caller_lo, a.caller_hi, answer)
    c.cancel()
    can = recv(c.uas, lambda m: m.method == "CANCEL", on_other=c.uas_other)
    if can is None:
        fail("cancel: CANCEL did not reach the callee")
        return 1
    c.uas_reply(can, 200, "OK")
    c.uas_reply(req, 487, "Request Terminated")
    resp = recv(c.uac, lambda m: m.is_reply and m.cseq_method() == "INVITE" and m.status >= 300)
    if resp is None or resp.status != 487:
        fail("cancel: caller got %s" % (resp.start if resp else "no final reply"))
        return 1
    ok("cancel: 180 with SDP, CANCEL, 487")
    # the ACK of a non-2xx is hop by hop: A's border absorbs it
    ruri, h = c.last_invite
    ack = [(n, v) for n, v in h if n in ("Via", "Max-Forwards", "From", "Call-ID")]
    ack += [("To", resp.get("To")), ("CSeq", "%d ACK" % c.cseq)]
    c.uac.sendto(build("ACK %s SIP/2.0" % ruri, ack).encode(), c.border)
    return 1 if FAILS else 0


def cmd_prack(a):
    """PRACK and UPDATE with SDP (RFC 3262, RFC 3311): an INVITE without
    SDP (mcptt-info only), a reliable 183 that offers (rtpengine offer on a
    reply), the PRACK that answers (rtpengine answer on a request), 200
    PRACK, 200 INVITE, ACK, media both ways; then an UPDATE moving the audio
    (offer in the UPDATE, answer in its 200), media again; BYE."""
    for side in ("caller", "callee"):
        lo, hi = getattr(a, side + "_range").split("-")
        setattr(a, side + "_lo", int(lo))
        setattr(a, side + "_hi", int(hi))
    c = Call(a)
    c.send_request("INVITE", mcptt_info(a.kind, c.caller_uri, c.called_uri),
                   "application/vnd.3gpp.mcptt-info+xml", initial=True,
                   extra=[("Supported", "100rel")])
    invite_cseq = c.cseq
    req = recv(c.uas, lambda m: m.method == "INVITE", on_other=c.uas_other)
    if req is None:
        fail("prack: INVITE without SDP did not reach the callee")
        return 1
    offer = sdp_offer(a.callee, c.b_audio, c.b_floor)
    c.uas_reply(req, 183, "Session Progress", offer, "application/sdp",
                extra=[("Require", "100rel"), ("RSeq", "1")])
    prov = recv(c.uac, lambda m: m.is_reply and m.status == 183)
    if prov is None:
        fail("prack: no reliable 183 at the caller")
        return 1
    a_ports = check_sdp("prack: offer in the reliable 183 at the caller", prov.sdp(),
                        a.caller_relay, a.caller_lo, a.caller_hi, offer)
    c.remote_tag = re.search(r";tag=([^;>\s]+)", prov.get("To")).group(1)
    c.route_set = list(reversed(prov.all("Record-Route")))
    c.remote_target = re.search(r"<([^>]+)>", prov.get("Contact")).group(1)
    answer = sdp_offer(a.caller, c.audio, c.floor, "sendrecv", c.key_mgmt)
    c.send_request("PRACK", answer, "application/sdp", extra=[("RAck", "1 %d INVITE" % invite_cseq)])
    pr = recv(c.uas, lambda m: m.method == "PRACK", on_other=c.uas_other)
    if pr is None:
        fail("prack: PRACK did not reach the callee")
        return 1
    b_ports = check_sdp("prack: answer in the PRACK at the callee", pr.sdp(), a.callee_relay,
                        a.callee_lo, a.callee_hi, answer)
    c.uas_reply(pr, 200, "OK")
    r = recv(c.uac, lambda m: m.is_reply and m.cseq_method() == "PRACK" and m.status >= 200)
    if r is None or r.status != 200:
        fail("prack: caller got %s to the PRACK" % (r.start if r else "nothing"))
    c.uas_reply(req, 200, "OK")
    fin = recv(c.uac, lambda m: m.is_reply and m.cseq_method() == "INVITE" and m.status >= 200)
    if fin is None or fin.status != 200:
        fail("prack: caller got %s to the INVITE" % (fin.start if fin else "nothing"))
        return 1
    cseq, c.cseq = c.cseq, invite_cseq  # the ACK carries the INVITE's CSeq number
    c.send_request("ACK")
    c.cseq = cseq
    if recv(c.uas, lambda m: m.method == "ACK", on_other=c.uas_other) is None:
        fail("prack: ACK did not reach the callee")
    ok("prack: INVITE without SDP, reliable 183 offering, PRACK answering, 200, ACK")
    c.media("prack", a_ports, b_ports)
    c.audio += 10
    c.floor = c.audio + 2
    c.version += 1
    r = c.offer_answer("UPDATE moving media", sdp_offer(a.caller, c.audio, c.floor, "sendrecv",
                                                        c.key_mgmt, c.version), method="UPDATE")
    if r:
        c.media("updated", *r)
    c.bye()
    return 1 if FAILS else 0


def bad_offers(addr):
    ip = "IP6" if ":" in addr else "IP4"
    head = "v=0\r\no=x 1 1 IN %s %s\r\ns=-\r\nc=IN %s %s\r\nt=0 0\r\n" % (ip, addr, ip, addr)
    many = "".join("m=audio %d RTP/SAVP 96\r\na=rtpmap:96 AMR-WB/16000\r\n" % (6000 + 2 * i)
                   for i in range(300))
    return [
        ("hundreds_of_m_lines", head + many),
        ("broken_sdp", "v=0\r\no=\r\nm=audio notaport RTP/SAVP\r\nc=IN\r\n"),
        ("unknown_profile", head + "m=audio 6000 RTP/XYZ 96\r\n"),
        ("plain_rtp_avp", head + "m=audio 6000 RTP/AVP 0\r\n"),
    ]


def valid_offer(addr):
    return sdp_offer(addr, 6000, 6002)


def cmd_bad(a):
    s = ns_socket(a.caller_ns, a.caller, 5072)
    cases = [("valid", valid_offer(a.caller))] if a.valid else bad_offers(a.caller)
    for name, sdp in cases:
        cid = "%x@mcsec-bad" % random.getrandbits(64)
        h = [("Via", "SIP/2.0/UDP %s;branch=z9hG4bK%x;rport" % (hp(a.caller, 5072), random.getrandbits(48))),
             ("Max-Forwards", "70"),
             ("From", "<sip:mcptt@%s.mcx.example>;tag=b%x" % (a.caller_dom, random.getrandbits(32))),
             ("To", "<sip:mcptt-group-7@%s.mcx.example>" % a.callee_dom), ("Call-ID", cid),
             ("CSeq", "1 INVITE"), ("Contact", "<sip:mcptt@%s>" % hp(a.caller, 5072)),
             ("P-Asserted-Identity", "<sip:mcptt@%s.mcx.example>" % a.caller_dom),
             ("Accept-Contact", "*;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.mcptt\";"
              "require;explicit")]
        s.sendto(build("INVITE sip:mcptt-group-7@%s.mcx.example SIP/2.0" % a.callee_dom, h, sdp,
                       "application/sdp").encode(), (a.border, 5060))
        resp = recv(s, lambda m: m.is_reply and m.status >= 200, 4.0)
        if resp is None:
            print("%s none -" % name, flush=True)
            continue
        if resp.status < 300:
            # handled per RFC 3264 and answered: end the call again
            print("%s %d -" % (name, resp.status), flush=True)
            continue
        w = (resp.get("Warning") or "").split('"')
        print("%s %d %s" % (name, resp.status, w[1] if len(w) > 1 else "-"), flush=True)
        ack = [hh for hh in h if hh[0] in ("Via", "Max-Forwards", "From", "Call-ID")]
        ack += [("To", resp.get("To")), ("CSeq", "1 ACK")]
        s.sendto(build("ACK sip:mcptt-group-7@%s.mcx.example SIP/2.0" % a.callee_dom, ack).encode(),
                 (a.border, 5060))
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("cmd", choices=["call", "bad", "cancel", "prack"])
    p.add_argument("--caller-ns", required=True)
    p.add_argument("--callee-ns")
    p.add_argument("--caller", required=True)
    p.add_argument("--callee")
    p.add_argument("--caller-border", "--border", dest="caller_border")
    p.add_argument("--caller-relay")
    p.add_argument("--callee-relay")
    p.add_argument("--caller-range")
    p.add_argument("--callee-range")
    p.add_argument("--caller-dom", default="a")
    p.add_argument("--callee-dom", default="b")
    p.add_argument("--peer")
    p.add_argument("--work", default=".")
    p.add_argument("--kind", choices=["group", "private"], default="group")
    p.add_argument("--steps", default="media,move,hold,late,bye")
    p.add_argument("--valid", action="store_true", help="bad: send one valid offer instead")
    p.add_argument("--sdes", action="store_true",
                   help="call: SDES a=crypto lines in every SDP, the audio keyed by them")
    a = p.parse_args()
    if a.cmd == "bad":
        a.border = a.caller_border
        return cmd_bad(a)
    if a.cmd == "cancel":
        return cmd_cancel(a)
    if a.cmd == "prack":
        return cmd_prack(a)
    return cmd_call(a)


if __name__ == "__main__":
    sys.exit(main())
