"""Client for our Rasa server's REST channel (`/webhooks/rest/webhook`): one message in,
the assistant's text answers out. Used where a conversation continues outside a call (SMS)."""
from __future__ import annotations

import requests

from channels.trust import signed_metadata

TIMEOUT_SECONDS = 20
MAX_MESSAGE_CHARS = 2000  # what channels/text_checks.py accepts


class RasaUnavailable(Exception):
    """Rasa did not answer usefully: down, timed out, or refused the message."""


class RasaRestClient:
    def __init__(self, base_url: str, *, secret_key: str, http: requests.Session | None = None,
                 timeout: float = TIMEOUT_SECONDS):
        self.url = f"{base_url.rstrip('/')}/webhooks/rest/webhook"
        self.secret_key = secret_key
        self.http = http or requests.Session()
        self.timeout = timeout

    def send(self, *, sender: str, message: str, metadata: dict[str, str]) -> list[str]:
        # Signed so the actions may trust the texting number as caller ID.
        payload = {"sender": sender, "message": message[:MAX_MESSAGE_CHARS],
                   "metadata": signed_metadata(self.secret_key, sender, metadata)}
        try:
            response = self.http.post(self.url, json=payload, timeout=self.timeout)
            response.raise_for_status()
            answers = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise RasaUnavailable(type(exc).__name__) from None
        if not isinstance(answers, list):
            raise RasaUnavailable("unexpected answer")
        return [a["text"] for a in answers if isinstance(a, dict) and isinstance(a.get("text"), str)]
