#!/usr/bin/env python3
"""A token service for the distribution registry's token authentication, for tests.

    python3 token_server.py PORTFILE KEY.pem CERT.pem ISSUER USERS...

USERS are USER:PASSWORD, or USER:PASSWORD:pull for a user who may only pull.  Answers
GET /token?service=S&scope=repository:NAME:ACTIONS... with a JWT signed RS256 by KEY (the
registry trusts CERT through its rootcertbundle; the certificate travels in the x5c header):
the requested actions to a user whose Basic credentials match (only pull to a pull-only
user), pull on repositories under public/ to anonymous callers, 401 to a wrong password.  The port it listens on (127.0.0.1, chosen by the system) is written to PORTFILE.
Each request is logged to stderr: "token USER SCOPE...".

Python standard library; the RSA signature is made by the openssl command.
"""
import base64
import http.server
import json
import os
import secrets
import ssl
import subprocess
import sys
import time
import urllib.parse


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def main(argv):
    portfile, key, cert, issuer = argv[1:5]
    users, readers = {}, set()
    for entry in argv[5:]:
        name, password, *rest = entry.split(":")
        users[name] = password
        if rest == ["pull"]:
            readers.add(name)
    der = ssl.PEM_cert_to_DER_cert(open(cert).read())

    def sign(claims):
        header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(der).decode()]}
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key],
                                   input=signing_input.encode(), capture_output=True,
                                   check=True).stdout
        return signing_input + "." + b64url(signature)

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            if url.path != "/token":
                self.send_error(404)
                return
            query = urllib.parse.parse_qs(url.query)
            user = None
            header = self.headers.get("Authorization", "")
            if header.startswith("Basic "):
                name, _, password = base64.b64decode(header[6:]).decode().partition(":")
                if users.get(name) != password:
                    sys.stderr.write("token refused %s\n" % name)
                    self.send_response(401)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"errors":[{"code":"UNAUTHORIZED","message":"bad password"}]}')
                    return
                user = name
            access = []
            for scope in query.get("scope", []):
                kind, _, rest = scope.partition(":")
                name, _, actions = rest.rpartition(":")
                if kind != "repository":
                    continue
                wanted = actions.split(",")
                if user in readers:
                    granted = [a for a in wanted if a == "pull"]
                elif user:
                    granted = wanted
                else:
                    granted = ["pull"] if name.startswith("public/") and "pull" in wanted else []
                access.append({"type": "repository", "name": name, "actions": granted})
            sys.stderr.write("token %s %s\n" % (user or "-", " ".join(query.get("scope", []))))
            now = int(time.time())
            claims = {"iss": issuer, "sub": user or "", "aud": query.get("service", [""])[0],
                      "exp": now + 300, "nbf": now - 10, "iat": now, "jti": secrets.token_hex(8),
                      "access": access}
            token = sign(claims)
            body = json.dumps({"token": token, "access_token": token, "expires_in": 300}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv)
