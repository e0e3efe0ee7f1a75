"""Talks to Rasa's REST channel: one caller utterance in, the assistant's replies out."""
from __future__ import annotations

import httpx


class RasaClient:
    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.url = base_url.rstrip("/") + "/webhooks/rest/webhook"
        self.http = httpx.AsyncClient(timeout=timeout)

    async def send(self, sender: str, text: str, metadata: dict[str, str]) -> list[str]:
        response = await self.http.post(self.url, json={"sender": sender, "message": text, "metadata": metadata})
        response.raise_for_status()
        return [m["text"] for m in response.json() if isinstance(m, dict) and m.get("text")]

    async def close(self) -> None:
        await self.http.aclose()
