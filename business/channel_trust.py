"""Which message metadata to believe. The web widget lets a visitor send any metadata, so
a caller number or the owner channel counts only when our own front ends (the voice bridge,
the SMS webhook, the dashboard) signed it with SECRET_KEY."""
from __future__ import annotations

import hashlib
import hmac


def _message(channel: str, caller: str | None, sender_id: str) -> bytes:
    return f"{channel}|{caller or ''}|{sender_id}".encode()


def sign_channel(secret_key: str, *, channel: str, caller: str | None, sender_id: str) -> str:
    """The `signature` metadata value a trusted front end sends with each message."""
    return hmac.new(secret_key.encode(), _message(channel, caller, sender_id), hashlib.sha256).hexdigest()


def channel_is_signed(secret_key: str, *, channel: str, caller: str | None, sender_id: str,
                      signature: str | None) -> bool:
    if not signature or not secret_key:
        return False
    expected = sign_channel(secret_key, channel=channel, caller=caller, sender_id=sender_id)
    return hmac.compare_digest(expected, str(signature))


def signed_metadata(secret_key: str, sender_id: str, metadata: dict[str, str]) -> dict[str, str]:
    """`metadata` with its `signature` added, as the Rasa REST clients send it."""
    signature = sign_channel(secret_key, channel=metadata.get("channel", ""), caller=metadata.get("caller"),
                             sender_id=sender_id)
    return {**metadata, "signature": signature}
