"""Talks to Rasa's REST channel: one caller utterance in, the assistant's replies out.
Anything but a list of messages (down, timed out, HTTP error, junk) is `RasaUnavailable`."""
from __future__ import annotations

import httpx

from business.rasa_rest import RasaUnavailable
from channels.trust import signed_metadata

__all__ = ["RasaClient", "RasaUnavailable"]


class RasaClient:
    def __init__(self, base_url: str, secret_key: str, timeout: float = 30.0) -> None:
        self.url = base_url.rstrip("/") + "/webhooks/rest/webhook"
        self.secret_key = secret_key
        self.http = httpx.AsyncClient(timeout=timeout)

    async def send(self, sender: str, text: str, metadata: dict[str, str]) -> list[str]:
        # Signed so the actions may trust the caller ID and the owner channel.
        payload = {"sender": sender, "message": text, "metadata": signed_metadata(self.secret_key, sender, metadata)}
        try:
            response = await self.http.post(self.url, json=payload)
            response.raise_for_status()
            answers = response.json()
        except httpx.HTTPStatusError as exc:
            raise RasaUnavailable(f"HTTP {exc.response.status_code}") from None
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(type(exc).__name__) from None
        if not isinstance(answers, list):
            raise RasaUnavailable("answer is not a list of messages")
        return [m["text"] for m in answers if isinstance(m, dict) and isinstance(m.get("text"), str) and m["text"]]

    async def close(self) -> None:
        await self.http.aclose()
