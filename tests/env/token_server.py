#!/usr/bin/env python3
"""A registry token server for tests (docker's token authentication and its OAuth2 refresh).

Usage: token_server.py DIR USER PASSWORD

Makes an RSA key and a self-signed certificate (DIR/cert.pem, the registry's rootcertbundle),
listens on 127.0.0.1 (a free port, written to DIR/port once it listens) and answers at /token:
- GET with HTTP Basic USER:PASSWORD: a JWT for the scope asked; with `offline_token=true` also a
  refresh token (docker's identity token), which it remembers;
- POST `grant_type=refresh_token` with a refresh token it issued: a JWT (OAuth2's
  `access_token`); `grant_type=password` with USER/PASSWORD likewise.
Anything else gets 401. Each request is logged as one JSON line in DIR/requests.log (method,
query or form, whether Basic credentials came), so tests can say which grant a client used.
The registry (Debian's docker-registry, distribution 2.8) checks the JWTs: issuer
`skiff-test-issuer`, audience (service) `skiff-test`, signed RS256 with the certificate in the
`x5c` header, which chains to its rootcertbundle.
"""
import base64
import datetime
import http.server
import json
import os
import secrets
import sys
import time
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

ISSUER = "skiff-test-issuer"
SERVICE = "skiff-test"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_key(directory):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "skiff test token signer")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    with open(os.path.join(directory, "cert.pem"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    return key, base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def main():
    directory, user, password = sys.argv[1:4]
    key, cert_der = make_key(directory)
    refresh_tokens = set()
    log_path = os.path.join(directory, "requests.log")

    def jwt(subject, scopes):
        access = []
        for scope in scopes:
            parts = scope.split(":")
            if len(parts) >= 3:
                access.append(
                    {
                        "type": parts[0],
                        "name": ":".join(parts[1:-1]),
                        "actions": [a for a in parts[-1].split(",") if a],
                    }
                )
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT", "x5c": [cert_der]}
        claims = {
            "iss": ISSUER,
            "sub": subject,
            "aud": SERVICE,
            "exp": now + 300,
            "nbf": now - 10,
            "iat": now,
            "jti": secrets.token_hex(8),
            "access": access,
        }
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        sig = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + b64url(sig)

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def record(self, fields):
            entry = {
                "method": self.command,
                "basic": self.headers.get("Authorization", "").startswith("Basic "),
            }
            entry.update(fields)
            with open(log_path, "a") as f:
                f.write(json.dumps(entry) + "\n")

        def answer(self, code, body):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def basic_ok(self):
            auth = self.headers.get("Authorization", "")
            if not auth.startswith("Basic "):
                return False
            try:
                got = base64.b64decode(auth[6:]).decode()
            except ValueError:
                return False
            return got == f"{user}:{password}"

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            q = urllib.parse.parse_qs(url.query)
            self.record({"query": {k: v[-1] for k, v in q.items()}})
            if url.path != "/token" or not self.basic_ok():
                return self.answer(401, {"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]})
            token = jwt(user, q.get("scope", []))
            body = {"token": token, "access_token": token, "expires_in": 300}
            if q.get("offline_token", [""])[-1] == "true":
                refresh = "refresh-" + secrets.token_hex(16)
                refresh_tokens.add(refresh)
                body["refresh_token"] = refresh
            self.answer(200, body)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            form = urllib.parse.parse_qs(self.rfile.read(length).decode())
            fields = {k: v[-1] for k, v in form.items()}
            self.record({"form": fields})
            grant = fields.get("grant_type")
            ok = (grant == "refresh_token" and fields.get("refresh_token") in refresh_tokens) or (
                grant == "password" and fields.get("username") == user and fields.get("password") == password
            )
            if urllib.parse.urlsplit(self.path).path != "/token" or not ok:
                return self.answer(401, {"error": "invalid_grant"})
            scopes = fields.get("scope", "").split()
            self.answer(200, {"access_token": jwt(user, scopes), "expires_in": 300, "scope": fields.get("scope", "")})

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_file = os.path.join(directory, "port")
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
