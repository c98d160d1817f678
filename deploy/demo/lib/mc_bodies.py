#!/usr/bin/env python3
"""MC services test (deploy/demo/test_mc_services.sh): the bodies A's MC
server sends, and the checks of what B's MC server received and of what
crossed inside the IPsec SA.

  mc_bodies.py make DIR ADDR
      writes DIR/{video,sds,fd}.body and .ct (Content-Type), and
      DIR/secrets (one protected element value a line): an MCVideo group
      call INVITE body (SDP + mcvideo-info, TS 24.281 clause 9.2), an MCData
      one-to-one SDS (mcdata-info + mcdata-signalling + mcdata-payload,
      TS 24.282 clauses 9.2.2 and 15.1.2/15.1.4) and an MCData group FD
      over HTTP (mcdata-info + mcdata-signalling carrying the FD SIGNALLING
      PAYLOAD with the file URL, TS 24.282 clauses 10.2.4 and 15.1.3). The
      binary payloads hold no zero octet (sipp's [file] is a C string).
      ADDR is A's MC server address (SDP); IPv6 when it has a ':'.
  mc_bodies.py check SENT_BODY SENT_CT MSG_TRACE METHOD
      the first METHOD request in sipp's message trace MSG_TRACE (B's MC
      server) against what A sent: the same parts in the same order with
      the same content types; the opaque parts (SDP, mcdata-signalling,
      mcdata-payload) byte for byte (sha256); in each info part every
      element A sent, with its type attribute and value; no trace of the
      SPK protection. One "ok ..." or "FAIL ..." line per finding; exit 1
      on any FAIL.
  mc_bodies.py tunnel PCAP SECRETS [ADDR...]
      the SIP-3 inside the SA (a capture on the libipsec TUN device): TCP
      streams reassembled by sequence number, UDP payloads as they are.
      Prints the counts of EncryptedData, SignatureValue and type="Normal",
      "FAIL in clear: VALUE" for each line of SECRETS found, and "FAIL
      internal address ..." for each ADDR (the sender's internal addresses,
      hidden by topology hiding) in a SIP header section; exit 1 when one is
      found or nothing of SIP crossed.
"""
import hashlib
import os
import re
import struct
import sys
import xml.etree.ElementTree as ET

CRLF = b"\r\n"
VIDEO_NS = "urn:3gpp:ns:mcvideoInfo:1.0"
DATA_NS = "urn:3gpp:ns:mcdataInfo:1.0"
OPAQUE = ("application/sdp", "application/vnd.3gpp.mcdata-signalling",
          "application/vnd.3gpp.mcdata-payload")

# Users and groups: callers in A's domain, called users and groups in B's
# (the request-URI is B's MC server, as on SIP-3 between MC servers).
VIDEO_CALLER = "sip:cam-officer-7@a.mcx.example"
VIDEO_GROUP = "sip:video-group-7@b.mcx.example"
SDS_CALLER = "sip:dispatcher-2@a.mcx.example"
SDS_CALLED = "sip:medic-3@b.mcx.example"
FD_CALLER = "sip:dispatcher-4@a.mcx.example"
FD_GROUP = "sip:data-group-9@b.mcx.example"


def multipart(boundary, parts):
    out = b""
    for ctype, content in parts:
        out += b"--" + boundary + CRLF + b"Content-Type: " + ctype.encode() + CRLF + CRLF
        out += content + CRLF
    return out + b"--" + boundary + b"--" + CRLF


def nonzero(data):
    """Octets with every zero replaced by 0x5a (see the module comment)."""
    return bytes(b if b else 0x5A for b in data)


def ie(iei, value):
    """An information element in the TLV shape of TS 24.282 clause 15.2, with
    a one-octet length: the zero high octet of a two-octet length of a short
    value would end sipp's C strings. The border never parses these parts."""
    assert 0 < len(value) < 256
    return bytes([iei, len(value)]) + value


def info(ns, root, service, request_type, elements):
    """An mcvideo-info or mcdata-info document, one element a line."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<%s xmlns="%s">' % (root, ns),
             "<%s-Params>" % service]
    if request_type:
        lines.append(request_type)
    for name, uri in elements:
        lines.append('<%s type="Normal"><%sURI>%s</%sURI></%s>' % (name, service, uri, service, name))
    lines += ["</%s-Params>" % service, "</%s>" % root]
    return "\r\n".join(lines).encode() + CRLF


def make(out_dir, addr):
    ipv = "IP6" if ":" in addr else "IP4"
    secrets = []

    # MCVideo group call (TS 24.281 clause 9.2.1.2): SDP with the video media
    # and the transmission control m=application line, mcvideo-info naming
    # the group and the calling user.
    sdp = "\r\n".join([
        "v=0", "o=mcvideo 2890844526 2890842807 IN %s %s" % (ipv, addr), "s=-",
        "c=IN %s %s" % (ipv, addr), "t=0 0",
        "m=video 49170 RTP/AVP 96", "a=rtpmap:96 H264/90000",
        "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1",
        "m=application 49172 udp MCVideo", "a=fmtp:MCVideo mc_queueing;mc_priority=5",
    ]).encode() + CRLF
    video_elems = [("mcvideo-request-uri", VIDEO_GROUP), ("mcvideo-calling-user-id", VIDEO_CALLER),
                   ("mcvideo-calling-group-id", VIDEO_GROUP)]
    video = info(VIDEO_NS, "mcvideoinfo", "mcvideo", "<session-type>prearranged</session-type>",
                 video_elems)
    write(out_dir, "video", "multipart/mixed;boundary=mcvideo-b1",
          multipart(b"mcvideo-b1", [("application/sdp", sdp),
                                    ("application/vnd.3gpp.mcvideo-info+xml", video)]))
    secrets += [VIDEO_CALLER, VIDEO_GROUP]

    # MCData one-to-one SDS over signalling (TS 24.282 clause 9.2.2.2).
    conv = nonzero(os.urandom(16))
    sds_info = info(DATA_NS, "mcdatainfo", "mcdata", "<request-type>one-to-one-sds</request-type>",
                    [("mcdata-request-uri", SDS_CALLED), ("mcdata-calling-user-id", SDS_CALLER)])
    # SDS SIGNALLING PAYLOAD (15.1.2): message type 1, date and time (5
    # octets), conversation ID, message ID, disposition type (delivery and
    # read, 3).
    sds_sig = bytes([0x01]) + nonzero(struct.pack(">Q", 0x1F2E3D4C5B)[3:]) + conv + \
        nonzero(os.urandom(16)) + bytes([0x83, 0x03])
    # DATA PAYLOAD (15.1.4): message type 3, one payload IE: content type
    # BINARY (2) and octets of every value but zero.
    sds_payload = bytes([0x03, 0x01]) + ie(0x78, bytes([0x02]) + bytes(range(1, 255))) + \
        bytes(range(0xFF, 0x7F, -1))
    write(out_dir, "sds", "multipart/mixed;boundary=mcdata-sds1",
          multipart(b"mcdata-sds1", [("application/vnd.3gpp.mcdata-info+xml", sds_info),
                                     ("application/vnd.3gpp.mcdata-signalling", sds_sig),
                                     ("application/vnd.3gpp.mcdata-payload", sds_payload)]))
    secrets += [SDS_CALLED, SDS_CALLER]

    # MCData group FD over HTTP (TS 24.282 clause 10.2.4.1): the file is on
    # the content server; the FD SIGNALLING PAYLOAD (15.1.3) carries its URL
    # in a payload IE of content type FILEURL (4), with the file metadata.
    fd_info = info(DATA_NS, "mcdatainfo", "mcdata", "<request-type>group-fd</request-type>",
                   [("mcdata-request-uri", FD_GROUP), ("mcdata-calling-user-id", FD_CALLER)])
    url = b"https://mcdata-cs.a.mcx.example/fd/7d3e91c2/site-plan.pdf"
    meta = b"size=482113;type=application/pdf;sha256=" + hashlib.sha256(url).hexdigest().encode()
    fd_sig = bytes([0x02]) + nonzero(struct.pack(">Q", 0x1F2E3D4C6A)[3:]) + conv + \
        nonzero(os.urandom(16)) + bytes([0x8A, 0x01]) + ie(0x78, bytes([0x04]) + url) + \
        ie(0x7B, meta)
    write(out_dir, "fd", "multipart/mixed;boundary=mcdata-fd1",
          multipart(b"mcdata-fd1", [("application/vnd.3gpp.mcdata-info+xml", fd_info),
                                    ("application/vnd.3gpp.mcdata-signalling", fd_sig)]))
    secrets += [FD_GROUP, FD_CALLER]
    for name in ("video", "sds", "fd"):
        assert b"\0" not in open(os.path.join(out_dir, name + ".body"), "rb").read()
    with open(os.path.join(out_dir, "secrets"), "w") as f:
        f.write("\n".join(sorted(set(s.split(":", 1)[1] for s in secrets))) + "\n")


def write(out_dir, name, ctype, body):
    with open(os.path.join(out_dir, name + ".body"), "wb") as f:
        f.write(body)
    with open(os.path.join(out_dir, name + ".ct"), "w") as f:
        f.write(ctype)


def split_parts(ctype, body):
    """[(content type, content)] of a multipart body (RFC 2046 5.1.1)."""
    m = re.search(rb'boundary="?([^";\s]+)"?', ctype)
    if not m:
        raise ValueError("no boundary in " + ctype.decode("latin-1"))
    delim = CRLF + b"--" + m.group(1)
    chunks = (CRLF + body).split(delim)
    parts = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, content = chunk.partition(CRLF + CRLF)
        ct = re.search(rb"(?im)^content-type *: *([^\r\n;]+)", head)
        parts.append((ct.group(1).strip().decode().lower() if ct else "", content))
    return parts


def received(trace, method):
    """(Content-Type, body) of the first METHOD request in sipp's trace."""
    log = open(trace, "rb").read()
    at = re.search(rb"(?m)^" + method.encode() + rb" sip:", log)
    if not at:
        raise ValueError("no %s in %s" % (method, trace))
    head, rest = log[at.start():].split(CRLF + CRLF, 1)
    n = int(re.search(rb"(?im)^(?:Content-Length|l) *: *([0-9]+)", head).group(1))
    ct = re.search(rb"(?im)^(?:Content-Type|c) *: *([^\r\n]+)", head)
    return (ct.group(1) if ct else b""), rest[:n]


def elements(doc):
    """{(local name, type): value of its one child} of an info document."""
    out = {}
    for el in ET.fromstring(doc).iter():
        kids = list(el)
        if el.get("type") is not None and len(kids) == 1:
            out[(el.tag.split("}")[-1], el.get("type"))] = (kids[0].text or "").strip()
    return out


def check(sent_body, sent_ct, trace, method):
    fails = 0

    def say(ok, text):
        nonlocal fails
        print(("ok   " if ok else "FAIL ") + text)
        fails += 0 if ok else 1

    sent = split_parts(open(sent_ct, "rb").read(), open(sent_body, "rb").read())
    got_ct, got_body = received(trace, method)
    got = split_parts(got_ct, got_body)
    say([c for c, _ in got] == [c for c, _ in sent],
        "parts at B: %s (A sent %s)" % ([c for c, _ in got], [c for c, _ in sent]))
    say(not re.search(rb"EncryptedData|SignatureValue|mcptt-signed|type=.Encrypted", got_body),
        "no trace of the SPK protection at B")
    for (ctype, want), (_, have) in zip(sent, got):
        if ctype in OPAQUE:
            say(hashlib.sha256(want).digest() == hashlib.sha256(have).digest(),
                "%s byte for byte (%d octets, sha256 %s)"
                % (ctype, len(have), hashlib.sha256(have).hexdigest()[:16]))
        else:
            want_el, have_el = elements(want), elements(have)
            for (name, typ), value in sorted(want_el.items()):
                say(have_el.get((name, typ)) == value,
                    '%s: <%s type="%s"> %s (A sent %s)'
                    % (ctype, name, typ, have_el.get((name, typ)), value))
    return 1 if fails else 0


# --- pcap ---------------------------------------------------------------------


def packets(path):
    """(IP packet octets) of a pcap file of link type raw, Ethernet or SLL."""
    data = open(path, "rb").read()
    if len(data) < 24:
        return
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    skip = {1: 14, 101: 0, 228: 0, 229: 0, 12: 0, 113: 16, 276: 20, 0: 4}.get(linktype)
    if skip is None:
        raise ValueError("link type %d" % linktype)
    at = 24
    while at + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[at + 8:at + 12])[0]
        yield data[at + 16 + skip:at + 16 + incl]
        at += 16 + incl


def transport(pkt):
    """(proto, src, dst, sport, dport, seq, payload) of an IPv4/IPv6 packet."""
    if not pkt:
        return None
    if pkt[0] >> 4 == 4:
        hl, proto, src, dst, body = (pkt[0] & 15) * 4, pkt[9], pkt[12:16], pkt[16:20], None
        body = pkt[hl:struct.unpack(">H", pkt[2:4])[0]]
    elif pkt[0] >> 4 == 6:
        proto, src, dst = pkt[6], pkt[8:24], pkt[24:40]
        body = pkt[40:40 + struct.unpack(">H", pkt[4:6])[0]]
    else:
        return None
    if proto == 6 and len(body) >= 20:
        sport, dport, seq = struct.unpack(">HHI", body[:8])
        return ("tcp", src, dst, sport, dport, seq, body[(body[12] >> 4) * 4:])
    if proto == 17 and len(body) >= 8:
        sport, dport = struct.unpack(">HH", body[:4])
        return ("udp", src, dst, sport, dport, 0, body[8:])
    return None


def tunnel(pcap, secrets_file, internal):
    streams, texts = {}, []
    for pkt in packets(pcap):
        t = transport(pkt)
        if not t or not t[6]:
            continue
        if t[0] == "udp":
            texts.append(t[6])
        else:
            streams.setdefault(t[1:5], {})[t[5]] = t[6]
    for segs in streams.values():
        texts.append(b"".join(segs[s] for s in sorted(segs)))
    text = b"\n".join(texts)
    print("sip=%d encrypted=%d signature=%d normal=%d" % (
        len(re.findall(rb"(?m)^(?:INVITE|MESSAGE) sip:", text)), text.count(b"<xenc:EncryptedData"),
        text.count(b"SignatureValue>"), len(re.findall(rb'type="Normal"', text))))
    fails = 0 if re.search(rb"(?m)^(?:INVITE|MESSAGE) sip:", text) else 1
    for secret in open(secrets_file).read().split():
        if secret.encode() in text:
            print("FAIL in clear: " + secret)
            fails += 1
    # Topology: the sender's internal addresses in no SIP header section
    # (the SDP's media address is no topology).
    heads = b"\n".join(re.findall(rb"(?ms)^(?:[A-Z]+ sips?:\S+ SIP/2\.0|SIP/2\.0 \d{3}[^\r\n]*)\r\n"
                                  rb"(.*?)\r\n\r\n", text))
    for addr in internal:
        if addr.encode() in heads:
            print("FAIL internal address in SIP headers: " + addr)
            fails += 1
    return 1 if fails else 0


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "make" and len(sys.argv) == 4:
        make(sys.argv[2], sys.argv[3])
    elif cmd == "check" and len(sys.argv) == 6:
        sys.exit(check(*sys.argv[2:6]))
    elif cmd == "tunnel" and len(sys.argv) >= 4:
        sys.exit(tunnel(sys.argv[2], sys.argv[3], sys.argv[4:]))
    else:
        sys.exit(__doc__)
