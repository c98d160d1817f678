#!/usr/bin/env python3
"""Test next hop for mcsec-httpd: an HTTP (or, with --tls, HTTPS requiring
a client certificate) server that appends every request it receives to a
JSON-lines file and answers with headers and an XML body that leak its
internal topology, so the tests can prove the proxy hides them.

With --doc FILE, paths ending in /doc are answered with that file as an
application/xml document (a stored group document, e.g. holding GKTPs).
Paths ending in /slow are answered after 1.5 s; paths ending in /bighead
carry a 9000-octet ETag (a response head too large to relay); paths ending
in /answer-NAME get the canned answer NAME of ANSWERS (internal host names
in every form, coded or non-UTF-8 bodies, types or sizes the partner's
rules refuse: what the proxy must rewrite or refuse).

usage: recorder.py PORT RECORD_FILE LEAK_HOST [--tls CERT KEY CLIENT_CA] [--doc FILE]"""
import gzip
import http.server
import json
import ssl
import sys
import time


XML = "application/vnd.oma.poc.groups+xml"
# name: (Content-Type, Content-Encoding or None, body)
ANSWERS = {
    "bare": (XML, None, ('<?xml version="1.0"?><list-service><entry>gms.a.internal</entry>'
                         '<e host="GMS.A.Internal:8080" uri="sip:conf@gms.a.internal"/>'
                         '<note>see gms.a.internal.</note></list-service>').encode()),
    "href": (XML + '; href="http://gms.a.internal/xcap-root/x"', None, b"<x/>"),
    "escaped": (XML, None, b'<x uri="http://gms%2Ea.internal/x"/>'),
    "charref": (XML, None, b"<x>gms&#46;a&#x2e;internal</x>"),
    "subdomain": (XML, None, b"<x>node1.gms.a.internal</x>"),
    "json": ("application/json", None, b'{"served_by": "gms.a.internal"}'),
    "gzip": (XML, "gzip", gzip.compress(b"<x/>")),
    "ibm037": (XML, None, '<?xml version="1.0" encoding="IBM037"?><x/>'.encode("cp037")),
    "utf16": (XML + "; charset=utf-16", None, "<x/>".encode("utf-16")),
    # an answer naming a third system's user (the reply rule of body identities)
    "foreignid": ("application/vnd.3gpp.mcptt-info+xml", None,
                  b'<mcpttinfo xmlns="urn:3gpp:ns:mcpttInfo:1.0"><mcptt-Params>'
                  b'<mcptt-calling-user-id type="Normal"><mcpttURI>sip:carol@c.mcx.example'
                  b'</mcpttURI></mcptt-calling-user-id></mcptt-Params></mcpttinfo>'),
    "ourid": ("application/vnd.3gpp.mcptt-info+xml", None,
              b'<mcpttinfo xmlns="urn:3gpp:ns:mcpttInfo:1.0"><mcptt-Params>'
              b'<mcptt-calling-user-id type="Normal"><mcpttURI>sip:alice@a.mcx.example'
              b'</mcpttURI></mcptt-calling-user-id></mcptt-Params></mcpttinfo>'),
    # what the partner's content-type list and max_body refuse in answers
    "octet": ("application/octet-stream", None, b"\x00\x01 opaque"),
    "big": (XML, None, b"<x>" + b"a" * 5000 + b"</x>"),
    "mpbad": ("multipart/mixed; boundary=b", None,
              b"--b\r\nContent-Type: " + XML.encode() + b"\r\n\r\n<x/>\r\n"
              b"--b\r\nContent-Type: application/octet-stream\r\n\r\nzz\r\n--b--\r\n"),
}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "InternalGMS/9.9"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(length) if length else b""
        peer = None
        if isinstance(self.connection, ssl.SSLSocket):
            cert = self.connection.getpeercert()
            peer = dict(x[0] for x in cert.get("subject", ())).get("commonName") if cert else None
        with open(self.server.record, "a") as out:
            out.write(json.dumps({"method": self.command, "path": self.path,
                                  "headers": [[k, v] for k, v in self.headers.items()],
                                  "body": body.decode("utf-8", "replace"),
                                  "peer_cn": peer}) + "\n")
        leak = self.server.leak
        if self.path.endswith("/slow"):
            time.sleep(1.5)
        if self.server.doc is not None and self.path.endswith("/doc"):
            with open(self.server.doc, "rb") as f:
                page = f.read()
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(page)
            return
        name = self.path.rsplit("/answer-", 1)[-1] if "/answer-" in self.path else None
        if name in ANSWERS:
            ctype, coding, page = ANSWERS[name]
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            if coding:
                self.send_header("Content-Encoding", coding)
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        if self.path.endswith("/fail500"):
            page = b"<html>stack trace at gms.a.internal</html>"
            self.send_response(500)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        doc = ('<?xml version="1.0"?>\n<list-service uri="http://%s/xcap-root/groups/g1">'
               '<entry uri="http://gms.a.internal:8080/xcap-root/x"/>'
               '<display-name>ok %s</display-name></list-service>\n' % (leak, self.command))
        data = doc.encode()
        self.send_response(201 if self.command == "PUT" else 200)
        self.send_header("Content-Type", "application/vnd.oma.poc.groups+xml")
        self.send_header("ETag", '"%s"' % ("v" * 9000 if self.path.endswith("/bighead") else "v1"))
        self.send_header("Via", "1.1 gms.a.internal")
        self.send_header("X-Powered-By", "InternalStack/1.0")
        self.send_header("X-Forwarded-For", "10.9.9.9")
        self.send_header("Forwarded", "for=10.9.9.9")
        self.send_header("X-Internal-Node", "gms-7")
        self.send_header("Location", "http://%s/xcap-root/groups/g1" % leak)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = handle_any


def main():
    port, record, leak = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.record, server.leak, server.doc = record, leak, None
    args = sys.argv[4:]
    tls = None
    while args:
        if args[0] == "--tls":
            tls, args = args[1:4], args[4:]
        elif args[0] == "--doc":
            server.doc, args = args[1], args[2:]
        else:
            sys.exit("recorder.py: unknown argument " + args[0])
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tls[0], tls[1])
        ctx.load_verify_locations(tls[2])
        ctx.verify_mode = ssl.CERT_REQUIRED
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    open(record, "a").close()
    server.serve_forever()


if __name__ == "__main__":
    main()
