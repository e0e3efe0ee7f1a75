"""The one client for Rasa's REST channel (`/webhooks/rest/webhook`): one message in, signed
with SECRET_KEY, the assistant's text replies and `custom` payloads out. Anything but a list
of messages (down, timed out, HTTP error, junk) is `RasaUnavailable`.

One class with a blocking `send` (the SMS webhook in Flask, `make chat`) and an awaitable
`send_async` (the voice bridge's event loop), over httpx's `Client` and `AsyncClient`. Both
share the payload and the reading of the answer; only the transport differs. A sync wrapper
around one async client would need an event loop per text and could not be called from a
thread that already runs one, so each caller gets a native transport instead."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from channels.text_checks import MAX_MESSAGE_CHARS
from channels.trust import signed_metadata

__all__ = ["RasaAnswer", "RasaClient", "RasaUnavailable"]

TIMEOUT_SECONDS = 20.0


class RasaUnavailable(Exception):
    """Rasa did not answer usefully: down, timed out, or refused the message."""


@dataclass(frozen=True)
class RasaAnswer:
    """What the assistant said to one message: its text replies and any `custom` payloads."""

    texts: list[str] = field(default_factory=list)
    custom: list[dict[str, Any]] = field(default_factory=list)

    @property
    def assistant_error(self) -> str | None:
        """Set when our REST channel stood in for an assistant that produced nothing
        (channels/rasa_input/replies.py): the texts are then only its fallback sentence."""
        for payload in self.custom:
            if isinstance(payload.get("assistant_error"), str):
                return payload["assistant_error"]
        return None


def read_answer(answers: object) -> RasaAnswer:
    if not isinstance(answers, list):
        raise RasaUnavailable("answer is not a list of messages")
    messages = [m for m in answers if isinstance(m, dict)]
    return RasaAnswer(
        texts=[m["text"] for m in messages if isinstance(m.get("text"), str) and m["text"]],
        custom=[m["custom"] for m in messages if isinstance(m.get("custom"), dict)],
    )


class RasaClient:
    def __init__(self, base_url: str, *, secret_key: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self.url = base_url.rstrip("/") + "/webhooks/rest/webhook"
        self.secret_key = secret_key
        self.timeout = timeout
        # Made on first use: a process that only ever sends one way opens one pool.
        self._sync: httpx.Client | None = None
        self._async: httpx.AsyncClient | None = None

    def _payload(self, sender: str, text: str, metadata: dict[str, str]) -> dict[str, Any]:
        # Signed so the actions may trust the caller ID, the texting number and the owner channel.
        return {"sender": sender, "message": text[:MAX_MESSAGE_CHARS],
                "metadata": signed_metadata(self.secret_key, sender, metadata)}

    def send(self, sender: str, text: str, metadata: dict[str, str]) -> RasaAnswer:
        if self._sync is None:
            self._sync = httpx.Client(timeout=self.timeout)
        try:
            return _answer_from(self._sync.post(self.url, json=self._payload(sender, text, metadata)))
        except httpx.HTTPError as exc:
            raise RasaUnavailable(type(exc).__name__) from None

    async def send_async(self, sender: str, text: str, metadata: dict[str, str]) -> RasaAnswer:
        if self._async is None:
            self._async = httpx.AsyncClient(timeout=self.timeout)
        try:
            return _answer_from(await self._async.post(self.url, json=self._payload(sender, text, metadata)))
        except httpx.HTTPError as exc:
            raise RasaUnavailable(type(exc).__name__) from None

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()
            self._sync = None

    async def aclose(self) -> None:
        self.close()
        if self._async is not None:
            await self._async.aclose()
            self._async = None


def _answer_from(response: httpx.Response) -> RasaAnswer:
    try:
        response.raise_for_status()
        return read_answer(response.json())
    except httpx.HTTPStatusError as exc:
        raise RasaUnavailable(f"HTTP {exc.response.status_code}") from None
    except ValueError as exc:  # not JSON
        raise RasaUnavailable(type(exc).__name__) from None
