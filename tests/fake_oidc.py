"""A tiny OpenID Connect provider for the tests: discovery, JWKS, authorize (straight back with a code) and
a token endpoint that issues an RS256-signed ID token.

It runs on 127.0.0.1 on a free port in a thread (werkzeug ``make_server``), so Ketenflow's real Authlib
client talks HTTP to it exactly as to a real identity provider. ``claims`` and ``tamper`` let a test change
who logs in and break the token on purpose (wrong audience, issuer, nonce, key).
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

CLIENT_ID = "ketenflow-test"
CLIENT_SECRET = "fake-client-secret"  # the fake provider's own test value


def _rsa_key(kid: str) -> RSAKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return RSAKey.import_key(pem, {"kid": kid, "use": "sig", "alg": "RS256"})


class FakeProvider:
    def __init__(self) -> None:
        self.key = _rsa_key("fake-1")
        self.other_key = _rsa_key("fake-1")  # same key id, different key: a forged signature
        self.issuer = ""
        self.claims: dict[str, Any] = {
            "sub": "weert-0001",
            "email": "hulpverlener@example.org",
            "email_verified": True,
        }
        self.tamper: dict[str, Any] = {}  # claims to overwrite in the next ID tokens; "forge" signs wrongly
        self._codes: dict[str, dict[str, str]] = {}
        self.app = self._build()

    def _build(self) -> Flask:
        app = Flask("fake_oidc")

        @app.get("/.well-known/openid-configuration")
        def discovery() -> Response:
            return jsonify(
                issuer=self.issuer,
                authorization_endpoint=f"{self.issuer}/authorize",
                token_endpoint=f"{self.issuer}/token",
                jwks_uri=f"{self.issuer}/jwks",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
                token_endpoint_auth_methods_supported=["client_secret_basic"],
            )

        @app.get("/jwks")
        def jwks() -> Response:
            return jsonify(keys=[self.key.as_dict(private=False)])

        @app.get("/authorize")
        def authorize() -> Response:
            args = request.args
            if args.get("client_id") != CLIENT_ID or args.get("response_type") != "code":
                abort(400)
            code = secrets.token_urlsafe(16)
            self._codes[code] = {"nonce": args.get("nonce", ""), "redirect_uri": args["redirect_uri"]}
            query = urlencode({"code": code, "state": args.get("state", "")})
            return redirect(f"{args['redirect_uri']}?{query}")

        @app.post("/token")
        def token() -> Response:
            expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if request.headers.get("Authorization") != f"Basic {expected}":
                abort(401)
            grant = self._codes.pop(request.form.get("code", ""), None)
            if grant is None or request.form.get("redirect_uri") != grant["redirect_uri"]:
                abort(400)
            return jsonify(
                access_token=secrets.token_urlsafe(16),
                token_type="Bearer",
                expires_in=300,
                id_token=self._id_token(grant["nonce"]),
            )

        return app

    def _id_token(self, nonce: str) -> str:
        now = int(time.time())  # Authlib checks expiry against the real clock
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            **self.claims,
        }
        tamper = dict(self.tamper)
        forge = tamper.pop("forge", False)
        claims.update(tamper)
        key = self.other_key if forge else self.key
        return jwt.encode({"alg": "RS256", "kid": "fake-1"}, claims, key)


@contextmanager
def running_provider() -> Iterator[FakeProvider]:
    provider = FakeProvider()
    server = make_server("127.0.0.1", 0, provider.app, threaded=True)
    provider.issuer = f"http://127.0.0.1:{server.server_port}"
    # A short poll: shutting down waits for the loop's next look, half a second by default, in every test.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-oidc", daemon=True
    )
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
