"""OAuth tokens encrypted at rest with Fernet; the key comes from CALENDAR_TOKEN_KEY and
is never stored beside the tokens."""
from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken


class TokenKeyError(RuntimeError):
    """No usable encryption key: linking is refused rather than storing tokens in clear."""


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


def _fernet(key: str | None) -> Fernet:
    if not key:
        raise TokenKeyError("CALENDAR_TOKEN_KEY is not set, so tokens cannot be stored encrypted")
    try:
        return Fernet(key.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise TokenKeyError("CALENDAR_TOKEN_KEY is not a Fernet key (32 url-safe base64 bytes)") from exc


def encrypt_tokens(tokens: dict[str, Any], *, key: str | None) -> str:
    return _fernet(key).encrypt(json.dumps(tokens, sort_keys=True).encode("utf-8")).decode("ascii")


def decrypt_tokens(ciphertext: str, *, key: str | None) -> dict[str, Any]:
    try:
        return json.loads(_fernet(key).decrypt(ciphertext.encode("ascii")))
    except InvalidToken as exc:
        raise TokenKeyError("stored calendar tokens do not open with CALENDAR_TOKEN_KEY") from exc
