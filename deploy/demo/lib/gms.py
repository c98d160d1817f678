#!/usr/bin/env python3
"""Two-system demo: system A's GMS (group management server), a plain HTTP
server on A's inside network. It answers GET of a group document under
/xcap-root/org.openmobilealliance.groups/ with an XML document that names
the GMS by its internal address (the HTTP proxy must rewrite that towards
partners) and appends one line per request to LOG: method, path, the
asserted identity and the User-Agent it saw.

usage: gms.py IP PORT LOG"""
import http.server
import sys

GROUPS = "/xcap-root/org.openmobilealliance.groups/"
XML = "application/vnd.oma.poc.groups+xml"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GMS-A-internal/1.0"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        with open(self.server.log, "a") as out:
            out.write("%s %s identity=%s user-agent=%s\n" % (
                self.command, self.path,
                self.headers.get("X-3GPP-Asserted-Identity", "-"),
                self.headers.get("User-Agent", "-")))
        if not self.path.startswith(GROUPS):
            self.send_error(404)
            return
        me = "http://%s:%d" % self.server.server_address
        doc = ('<?xml version="1.0" encoding="UTF-8"?>\n'
               '<list-service xmlns="urn:oma:xml:poc:list-service" '
               'uri="sip:patrol-a@a.mcx.example">\n'
               '  <display-name>Patrol A</display-name>\n'
               '  <list><entry uri="sip:officer-7@a.mcx.example"/>'
               '<entry uri="sip:officer-9@a.mcx.example"/></list>\n'
               '  <supported-services href="%s%susers/patrol-a/services"/>\n'
               '</list-service>\n' % (me, GROUPS)).encode()
        self.send_response(200)
        self.send_header("Content-Type", XML)
        self.send_header("Content-Length", str(len(doc)))
        self.send_header("X-Internal-Node", "gms-a-01")
        self.end_headers()
        self.wfile.write(doc)


def main():
    server = http.server.ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), Handler)
    server.log = sys.argv[3]
    server.serve_forever()


if __name__ == "__main__":
    main()
