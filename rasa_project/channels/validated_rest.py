"""Rasa's REST channel with its input checked first: a malformed body, unknown fields, an
empty or oversized message or non-UTF-8 bytes get a 4xx with a clear JSON error instead
of an empty 200 or a server error. Same URL (/webhooks/rest/webhook), same answers."""
from __future__ import annotations

import json
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

MAX_BODY_BYTES = 64 * 1024
MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 255
FIELDS = {"sender", "message", "metadata", "input_channel"}
# `signature` is the HMAC our own front ends add (business/channel_trust.py); the actions
# check it before believing the channel or caller. `stt_confidence` comes from the voice bridge.
METADATA_FIELDS = {"channel", "caller", "call_sid", "signature", "stt_confidence"}


class PayloadError(ValueError):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def check_payload(body: bytes) -> dict[str, Any]:
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
    message, sender = payload.get("message"), payload.get("sender")
    if not isinstance(message, str) or not message.strip():
        raise PayloadError("'message' must be a non-empty string")
    if len(message) > MAX_MESSAGE_CHARS:
        raise PayloadError(f"'message' is longer than {MAX_MESSAGE_CHARS} characters", 413)
    if sender is not None and (not isinstance(sender, str) or not 0 < len(sender) <= MAX_SENDER_CHARS):
        raise PayloadError(f"'sender' must be a string of 1 to {MAX_SENDER_CHARS} characters")
    metadata = payload.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise PayloadError("'metadata' must be a JSON object")
        unknown = sorted(set(metadata) - METADATA_FIELDS)
        if unknown:
            raise PayloadError(f"unknown metadata field(s): {', '.join(unknown)}")
        if not all(isinstance(v, str) and len(v) <= 100 for v in metadata.values()):
            raise PayloadError("metadata values must be strings of at most 100 characters")
    return payload


class ValidatedRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)

        @blueprint.middleware("request")
        async def reject_bad_input(request: Request):
            if request.method != "POST":
                return None
            try:
                check_payload(request.body or b"")
            except PayloadError as error:
                return response.json({"error": str(error)}, status=error.status)
            return None

        return blueprint
