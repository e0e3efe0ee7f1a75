"""Short-lived signed tokens that let a signed-in dashboard user open the push-to-talk
socket: the dashboard issues them, the bridge verifies them (shared SECRET_KEY)."""
from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALT = "voice-bridge-push-to-talk"
MAX_AGE_SECONDS = 120


def issue_token(secret_key: str, username: str) -> str:
    return URLSafeTimedSerializer(secret_key, salt=SALT).dumps({"user": username})


def verify_token(secret_key: str, token: str | None, max_age: int = MAX_AGE_SECONDS) -> str | None:
    """The username the token was issued to, or None if it is missing, forged or expired."""
    if not token or len(token) > 500:
        return None
    try:
        data = URLSafeTimedSerializer(secret_key, salt=SALT).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    user = data.get("user") if isinstance(data, dict) else None
    return user if isinstance(user, str) and user else None
