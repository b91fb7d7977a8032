#!/usr/bin/env python3
"""An HTTP proxy in front of a test registry that logs every request and injects faults.

    python3 fault_proxy.py PORTFILE UPSTREAM_PORT LOG [OPTIONS]

Listens on 127.0.0.1 (port chosen by the system, written to PORTFILE) and forwards every
request to 127.0.0.1:UPSTREAM_PORT, keeping the Host header (so the registry's Location
headers point back at the proxy).  Absolute request URIs ("GET http://any.host:1234/v2/..."),
as a client configured with http_proxy sends them, are forwarded the same way: the proxy then
stands for an outbound HTTP proxy.

Every request is appended to LOG as one JSON line:
    {"method", "path", "range", "host", "absolute", "authorization", "status", "sent", "fault"}
where "authorization" is the scheme of the request's Authorization header ("Basic", "Bearer")
or null: what a host that should never see the credentials received.

    --tls CERT KEY                  speak HTTPS (to the client; the upstream stays plain HTTP)
    --location-origin ORIGIN        in answers to upload requests (/v2/<name>/blobs/uploads/...),
                                    put ORIGIN ("http://127.0.0.1:1234") in place of the scheme,
                                    host and port of the Location header: a registry that sends
                                    the upload to another host

Faults (on GET responses for blobs, /v2/<name>/blobs/sha256:<hex>):
    --cut-after N [--cut-times K]   send the headers and N body bytes, then drop the
                                    connection (the first K times, default 1)
    --stall-after N --marker FILE   send N body bytes, create FILE, then hang until killed
    --flip DIGEST                   flip one byte in the middle of that blob, every time
    --min-size N                    faults apply only to blobs larger than N bytes (default 0)
and on any request:
    --fail-first K                  answer the first K requests with 503
    --ask-credentials               answer every request with 401 and a Basic challenge (a host
                                    that wants the credentials it should never get)
and, for a registry that implements the OCI 1.1 referrers API (Debian's does not: 404):
    --referrers DIR                 answer GET /v2/<name>/referrers/sha256:<hex> with the image
                                    index DIR/<name>/<hex>.json (an empty one when there is no
                                    such file), filtered by its artifactType query parameter

Python standard library only.
"""
import argparse
import http.client
import http.server
import json
import os
import re
import socket
import ssl
import sys
import threading
import time
import urllib.parse

BLOB = re.compile(r"^/v2/.+/blobs/(sha256:[0-9a-f]{64})$")
UPLOAD = re.compile(r"^/v2/.+/blobs/uploads/")
ORIGIN = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*")
REFERRERS = re.compile(r"^/v2/(.+)/referrers/sha256:([0-9a-f]{64})$")
INDEX = "application/vnd.oci.image.index.v1+json"


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("portfile")
    ap.add_argument("upstream", type=int)
    ap.add_argument("log")
    ap.add_argument("--cut-after", type=int)
    ap.add_argument("--cut-times", type=int, default=1)
    ap.add_argument("--stall-after", type=int)
    ap.add_argument("--marker")
    ap.add_argument("--flip")
    ap.add_argument("--min-size", type=int, default=0)
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--location-origin")
    ap.add_argument("--ask-credentials", action="store_true")
    ap.add_argument("--referrers")
    opts = ap.parse_args(argv[1:])
    lock = threading.Lock()
    state = {"cuts": 0, "stalls": 0, "requests": 0}

    def log(entry):
        with lock:
            with open(opts.log, "a") as f:
                f.write(json.dumps(entry) + "\n")

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def handle_any(self):
            target = self.path
            absolute = False
            if target.startswith("http://"):
                absolute = True
                parts = urllib.parse.urlsplit(target)
                target = parts.path + ("?" + parts.query if parts.query else "")
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            authorization = self.headers.get("Authorization")
            entry = {"method": self.command, "path": target, "range": self.headers.get("Range"),
                     "host": self.headers.get("Host"), "absolute": absolute,
                     "authorization": authorization.split(" ")[0] if authorization else None,
                     "fault": None}
            with lock:
                state["requests"] += 1
                fail = state["requests"] <= opts.fail_first
            if opts.ask_credentials:
                entry.update(status=401, sent=0, fault="401")
                log(entry)
                payload = b'{"errors":[{"code":"UNAUTHORIZED","message":"injected"}]}'
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="fault proxy"')
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            if fail:
                entry.update(status=503, sent=0, fault="503")
                log(entry)
                payload = b'{"errors":[{"code":"UNAVAILABLE","message":"injected"}]}'
                self.send_response(503)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            referrers = REFERRERS.match(target.split("?")[0])
            if opts.referrers and referrers and self.command == "GET":
                index = {"schemaVersion": 2, "mediaType": INDEX, "manifests": []}
                stored = os.path.join(opts.referrers, referrers.group(1),
                                      referrers.group(2) + ".json")
                if os.path.exists(stored):
                    with open(stored) as f:
                        index = json.load(f)
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(target).query)
                wanted = query.get("artifactType")
                if wanted:
                    index["manifests"] = [m for m in index["manifests"]
                                          if m.get("artifactType") in wanted]
                payload = json.dumps(index).encode()
                entry.update(status=200, sent=len(payload), fault="referrers")
                log(entry)
                self.send_response(200)
                self.send_header("Content-Type", INDEX)
                if wanted:
                    self.send_header("OCI-Filters-Applied", "artifactType")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            upstream = http.client.HTTPConnection("127.0.0.1", opts.upstream, timeout=60)
            headers = {k: v for k, v in self.headers.items()
                       if k.lower() not in ("connection", "proxy-connection", "keep-alive")}
            upstream.request(self.command, target, body=body, headers=headers)
            response = upstream.getresponse()
            data = response.read() if self.command != "HEAD" else b""
            upstream.close()
            blob = BLOB.match(target.split("?")[0])
            fault = None
            limit = None
            if blob and self.command == "GET" and response.status in (200, 206) and \
                    len(data) > opts.min_size:
                if opts.flip and blob.group(1) == opts.flip:
                    middle = len(data) // 2
                    data = data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1:]
                    fault = "flip"
                with lock:
                    if opts.stall_after is not None and state["stalls"] == 0 and \
                            len(data) > opts.stall_after:
                        state["stalls"] += 1
                        fault, limit = "stall", opts.stall_after
                    elif opts.cut_after is not None and state["cuts"] < opts.cut_times and \
                            len(data) > opts.cut_after:
                        state["cuts"] += 1
                        fault, limit = "cut", opts.cut_after
            self.send_response(response.status, response.reason)
            for k, v in response.getheaders():
                if k.lower() not in ("connection", "keep-alive", "transfer-encoding",
                                     "content-length"):
                    if k.lower() == "location" and opts.location_origin and \
                            UPLOAD.match(target.split("?")[0]):
                        v = opts.location_origin + ORIGIN.sub("", v)
                        fault = "location"
                    self.send_header(k, v)
            if self.command == "HEAD":
                self.send_header("Content-Length", response.getheader("Content-Length", "0"))
            else:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            sent = len(data) if limit is None else limit
            entry.update(status=response.status, sent=sent, fault=fault)
            log(entry)
            self.wfile.write(data[:sent])
            self.wfile.flush()
            if fault == "stall":
                open(opts.marker, "w").close()
                while True:
                    time.sleep(1)
            if fault == "cut":
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = handle_any

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if opts.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(opts.tls[0], opts.tls[1])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    with open(opts.portfile + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(opts.portfile + ".tmp", opts.portfile)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv)
