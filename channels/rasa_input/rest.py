"""Rasa's REST channel for our own front ends only (voice bridge, SMS webhook, dashboard):
every message must carry channel metadata signed with SECRET_KEY for its sender id, so no
one else can speak into a call's or a text thread's conversation. Malformed, oversized,
unsigned or non-JSON requests get a clear 4xx; a message the assistant could not answer
gets a true sentence instead of an empty list. Same URL: /webhooks/rest/webhook."""
from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

from channels.rasa_input.replies import ERROR_MARKER, TROUBLE
from channels.text_checks import message_problem, metadata_value_problem, sender_problem
from business.secret_key import load_secret_key
from channels.trust import metadata_is_signed

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
FIELDS = {"sender", "message", "metadata", "input_channel"}
# `signature` is the HMAC our front ends add (channels/trust.py); `stt_confidence` comes
# from the voice bridge.
METADATA_FIELDS = {"channel", "caller", "call_sid", "signature", "stt_confidence"}
# Far above a phone caller's pace (a turn every few seconds); stops a runaway client.
PER_SENDER = parse("30/minute")


class PayloadError(ValueError):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def check_payload(body: bytes, secret_key: str) -> dict[str, Any]:
    if len(body) > MAX_BODY_BYTES:
        raise PayloadError(f"request body is larger than {MAX_BODY_BYTES} bytes", 413)
    try:
        payload = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise PayloadError("request body is not valid UTF-8") from None
    except json.JSONDecodeError as exc:
        raise PayloadError(f"request body is not valid JSON: {exc.msg}") from None
    if not isinstance(payload, dict):
        raise PayloadError("request body must be a JSON object with 'sender' and 'message'")
    unknown = sorted(set(payload) - FIELDS)
    if unknown:
        raise PayloadError(f"unknown field(s): {', '.join(unknown)}")
    problem = message_problem(payload.get("message"))
    if problem:
        raise PayloadError(problem, 413 if problem.startswith("'message' is longer") else 400)
    problem = sender_problem(payload.get("sender"))
    if problem:
        raise PayloadError(problem)
    metadata = payload.get("metadata")
    if not isinstance(metadata, dict):
        raise PayloadError("'metadata' with a signed 'channel' is required on this channel", 401)
    unknown = sorted(set(metadata) - METADATA_FIELDS)
    if unknown:
        raise PayloadError(f"unknown metadata field(s): {', '.join(unknown)}")
    for value in metadata.values():
        problem = metadata_value_problem(value)
        if problem:
            raise PayloadError(problem)
    if not metadata_is_signed(secret_key, payload["sender"], metadata):
        raise PayloadError("metadata signature missing, expired or wrong for this sender", 401)
    return payload


class SignedRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def __init__(self, secret_key: str | None = None) -> None:
        self.secret_key = secret_key or load_secret_key()
        # The limiter holds its storage weakly: keep it alive here.
        self.rate_storage = MemoryStorage()
        self.limiter = MovingWindowRateLimiter(self.rate_storage)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        async def answered(message: UserMessage) -> None:
            try:
                await on_new_message(message)
            except Exception as exc:  # noqa: BLE001 - the caller still gets an answer
                # Rasa's own handler would log the caller's text; keep it out of the log.
                log.error("message on %s failed in Rasa: %s", message.sender_id, type(exc).__name__)
            output = message.output_channel
            if isinstance(output, CollectingOutputChannel) and not output.messages:
                log.error("no reply to a message on %s; sent the trouble sentence", message.sender_id)
                output.messages.append({"recipient_id": message.sender_id, "text": TROUBLE,
                                        "custom": ERROR_MARKER})

        blueprint = super().blueprint(answered)

        @blueprint.middleware("request")
        async def reject_bad_input(request: Request):
            if request.method != "POST":
                return None
            if request.content_type.split(";")[0].strip().lower() != "application/json":
                return response.json({"error": "Content-Type must be application/json"}, status=415)
            if "stream" in request.args:
                return response.json({"error": "streaming replies are not offered"}, status=400)
            try:
                payload = check_payload(request.body or b"", self.secret_key)
            except PayloadError as error:
                return response.json({"error": str(error)}, status=error.status)
            if not self.limiter.hit(PER_SENDER, "rest", payload["sender"]):
                return response.json({"error": "too many messages for this conversation"}, status=429)
            return None

        return blueprint
