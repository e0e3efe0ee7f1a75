"""VAPID keys (RFC 8292) that sign our Web Push requests: from VAPID_PRIVATE_KEY and
VAPID_PUBLIC_KEY, or in development a P-256 key made on first use in var/vapid_private_key.
`python -m business.notifications.vapid` prints a new pair for a production .env."""
from __future__ import annotations

import base64
import os
from collections.abc import Mapping

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from business.config_types import LOCAL_ENVS
from business.secret_key import kept_secret


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_private_key() -> str:
    """A P-256 private key as base64url of its 32-byte scalar (the format web-push tools use)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def public_key_for(private_key: str) -> str:
    """The application server key browsers subscribe with: base64url of the uncompressed point."""
    raw = b64url_decode(private_key)
    if len(raw) != 32:
        raise ValueError("must be base64url of a 32-byte P-256 private key")
    key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    return b64url(key.public_key().public_bytes(serialization.Encoding.X962,
                                                serialization.PublicFormat.UncompressedPoint))


def development_private_key(environ: Mapping[str, str] | None = None) -> str | None:
    """In development only: the key kept in var/vapid_private_key, made on first use the way
    SECRET_KEY is (business.secret_key), so every local service signs alike."""
    env = os.environ if environ is None else environ
    if env.get("APP_ENV", "development") not in LOCAL_ENVS:
        return None
    return kept_secret(env, "vapid_private_key", new_private_key)


if __name__ == "__main__":
    private = new_private_key()
    print(f"VAPID_PRIVATE_KEY={private}\nVAPID_PUBLIC_KEY={public_key_for(private)}")
