"""A Web Push service of our own for tests (RFC 8030): a werkzeug server on localhost that
accepts push message POSTs, keeps each request, and answers 201 with a Location, or the
status a path asks for (/status/410/...), as real push services do for a gone subscription.
Plus a browser's side of a subscription: a P-256 key pair and auth secret (RFC 8291)."""
from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class PushService:
    received: list[Received] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)
    url: str = ""

    def __call__(self, environ, start_response):
        request = Request(environ)
        with self.arrived:
            self.received.append(Received(request.path, dict(request.headers), request.get_data(), time.monotonic()))
            self.arrived.notify_all()
        parts = request.path.split("/")
        status = int(parts[2]) if len(parts) > 2 and parts[1] == "status" else 201
        response = Response(status=status)
        if status == 201:
            response.headers["Location"] = f"{self.url}/messages/{len(self.received)}"
        return response(environ, start_response)

    def wait_for(self, count: int, timeout: float = 10) -> list[Received]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout)
        return list(self.received)


def start_push_service():
    service = PushService()
    server = make_server("127.0.0.1", 0, service, threaded=True)
    service.url = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return service, server


@dataclass
class BrowserKeys:
    """What a browser's PushManager makes when it subscribes."""

    private: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        return b64url(self.private.public_key().public_bytes(serialization.Encoding.X962,
                                                             serialization.PublicFormat.UncompressedPoint))

    def subscription(self, endpoint: str) -> dict:
        return {"endpoint": endpoint, "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)}}

    def decrypt(self, body: bytes) -> dict:
        return json.loads(http_ece.decrypt(body, private_key=self.private, auth_secret=self.auth, version="aes128gcm"))


def verify_vapid(authorization: str, application_server_key: str) -> dict:
    """Checks an RFC 8292 `vapid t=<JWT>, k=<key>` header: the key is ours and the JWT's ES256
    signature verifies with it. Returns the JWT's claims."""
    scheme, _, params = authorization.partition(" ")
    assert scheme == "vapid"
    values = dict(part.strip().split("=", 1) for part in params.split(","))
    assert values["k"] == application_server_key
    header, claims, signature = values["t"].split(".")
    assert json.loads(unb64url(header)) == {"typ": "JWT", "alg": "ES256"}
    raw = unb64url(signature)
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(values["k"]))
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        public.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise AssertionError("the VAPID JWT signature does not verify with our public key") from None
    return json.loads(unb64url(claims))
