"""Which message metadata to believe. Anyone can send metadata (the web widget passes the
visitor's own), so a channel, caller number or the owner line counts only when one of our
front ends (the voice bridge, the SMS webhook, the dashboard) signed it with SECRET_KEY,
for this conversation, recently. Standard library only: Rasa's environment imports it too."""
from __future__ import annotations

import hashlib
import hmac
import re
import time

# A signature is made per message, right before it is sent to Rasa, and checked when that
# message arrives and while its actions run; anything older is a replay.
MAX_AGE_SECONDS = 300
_SIGNATURE = re.compile(r"(\d{1,12})\.([0-9a-f]{64})")


def _mac(secret_key: str, channel: str, caller: str | None, sender_id: str, issued_at: int) -> str:
    # backslashreplace: a lone surrogate or other junk must make the check fail, not raise.
    message = f"v2|{channel}|{caller or ''}|{sender_id}|{issued_at}".encode("utf-8", "backslashreplace")
    return hmac.new(secret_key.encode("utf-8", "backslashreplace"), message, hashlib.sha256).hexdigest()


def sign_channel(secret_key: str, *, channel: str, caller: str | None, sender_id: str,
                 issued_at: float | None = None) -> str:
    """The `signature` metadata value a trusted front end sends with one message."""
    stamp = int(time.time() if issued_at is None else issued_at)
    return f"{stamp}.{_mac(secret_key, channel, caller, sender_id, stamp)}"


def channel_is_signed(secret_key: str, *, channel: str, caller: str | None, sender_id: str,
                      signature: object, now: float | None = None, max_age: int = MAX_AGE_SECONDS) -> bool:
    """True only for a fresh signature over exactly this channel, caller and conversation."""
    if not secret_key or not isinstance(signature, str):
        return False
    match = _SIGNATURE.fullmatch(signature)
    if match is None:
        return False
    issued_at = int(match.group(1))
    age = (time.time() if now is None else now) - issued_at
    if not -30 <= age <= max_age:  # a little clock skew between our own processes is fine
        return False
    expected = _mac(secret_key, channel, caller, sender_id, issued_at)
    return hmac.compare_digest(expected, match.group(2))


def signed_metadata(secret_key: str, sender_id: str, metadata: dict[str, str]) -> dict[str, str]:
    """`metadata` with its `signature` added, as our Rasa clients send it."""
    signature = sign_channel(secret_key, channel=metadata.get("channel", ""), caller=metadata.get("caller"),
                             sender_id=sender_id)
    return {**metadata, "signature": signature}


def metadata_is_signed(secret_key: str, sender_id: str, metadata: object) -> bool:
    """Whether one message's metadata carries a valid signature for its channel and caller."""
    if not isinstance(metadata, dict):
        return False
    channel, caller = metadata.get("channel"), metadata.get("caller")
    if not isinstance(channel, str) or (caller is not None and not isinstance(caller, str)):
        return False
    return channel_is_signed(secret_key, channel=channel, caller=caller, sender_id=sender_id,
                             signature=metadata.get("signature"))
