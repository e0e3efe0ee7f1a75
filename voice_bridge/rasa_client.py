"""Talks to Rasa's REST channel: one caller utterance in, the assistant's replies out."""
from __future__ import annotations

import httpx

from channels.trust import signed_metadata


class RasaClient:
    def __init__(self, base_url: str, secret_key: str, timeout: float = 30.0) -> None:
        self.url = base_url.rstrip("/") + "/webhooks/rest/webhook"
        self.secret_key = secret_key
        self.http = httpx.AsyncClient(timeout=timeout)

    async def send(self, sender: str, text: str, metadata: dict[str, str]) -> list[str]:
        # Signed so the actions may trust the caller ID and the owner channel.
        payload = {"sender": sender, "message": text, "metadata": signed_metadata(self.secret_key, sender, metadata)}
        response = await self.http.post(self.url, json=payload)
        response.raise_for_status()
        return [m["text"] for m in response.json() if isinstance(m, dict) and m.get("text")]

    async def close(self) -> None:
        await self.http.aclose()
