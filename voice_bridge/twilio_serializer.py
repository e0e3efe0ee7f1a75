"""Twilio Media Streams wire format: parses inbound JSON messages into events and builds
outbound `media`, `mark` and `clear` messages. Nothing else in the bridge knows the format."""
from __future__ import annotations

import audioop
import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any, Union

SAMPLE_RATE = 8000
FRAME_MS = 20
FRAME_BYTES = SAMPLE_RATE * FRAME_MS // 1000  # mu-law: one byte per sample
MAX_MESSAGE_CHARS = 16 * 1024
# Twilio sends 20 ms frames; anything much larger is not a phone call.
MAX_PAYLOAD_BYTES = 50 * FRAME_BYTES


class FrameError(ValueError):
    """An inbound message that breaks the protocol; the stream is closed with `close_code`."""

    def __init__(self, message: str, close_code: int = 1003) -> None:
        super().__init__(message)
        self.close_code = close_code


@dataclass(frozen=True)
class Connected:
    protocol: str


@dataclass(frozen=True)
class Start:
    stream_sid: str
    call_sid: str
    account_sid: str
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Media:
    pcm: bytes  # 16-bit linear PCM, 8 kHz mono
    timestamp_ms: int


@dataclass(frozen=True)
class Mark:
    name: str


@dataclass(frozen=True)
class Dtmf:
    digit: str


@dataclass(frozen=True)
class Stop:
    call_sid: str


@dataclass(frozen=True)
class Unknown:
    event: str


Event = Union[Connected, Start, Media, Mark, Dtmf, Stop, Unknown]


def _object(message: dict[str, Any], key: str) -> dict[str, Any]:
    value = message.get(key)
    if not isinstance(value, dict):
        raise FrameError(f"'{message.get('event')}' message without a '{key}' object")
    return value


def _string(container: dict[str, Any], key: str, limit: int = 64) -> str:
    value = container.get(key)
    if not isinstance(value, str) or not 0 < len(value) <= limit:
        raise FrameError(f"'{key}' must be a string of 1 to {limit} characters")
    return value


def parse(raw: str | bytes) -> Event:
    """One WebSocket text message -> one event; raises FrameError on anything malformed."""
    if isinstance(raw, bytes):
        raise FrameError("binary messages are not part of the protocol")
    if len(raw) > MAX_MESSAGE_CHARS:
        raise FrameError(f"message longer than {MAX_MESSAGE_CHARS} characters", close_code=1009)
    try:
        message = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise FrameError(f"message is not JSON: {exc.msg}") from None
    if not isinstance(message, dict) or not isinstance(message.get("event"), str):
        raise FrameError("message must be a JSON object with an 'event'")
    event = message["event"]
    if event == "connected":
        return Connected(protocol=str(message.get("protocol", "")))
    if event == "start":
        start = _object(message, "start")
        params = start.get("customParameters") or {}
        if not isinstance(params, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and len(v) <= 200 for k, v in params.items()
        ):
            raise FrameError("'customParameters' must map names to short strings")
        return Start(
            stream_sid=_string(message, "streamSid"),
            call_sid=_string(start, "callSid"),
            account_sid=str(start.get("accountSid", "")),
            parameters=dict(params),
        )
    if event == "media":
        media = _object(message, "media")
        payload = media.get("payload")
        if not isinstance(payload, str):
            raise FrameError("media without a payload")
        try:
            ulaw = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            raise FrameError("media payload is not base64") from None
        if not 0 < len(ulaw) <= MAX_PAYLOAD_BYTES:
            raise FrameError(f"media payload must be 1 to {MAX_PAYLOAD_BYTES} bytes")
        try:
            timestamp = int(media.get("timestamp") or 0)
        except (TypeError, ValueError):
            raise FrameError("media timestamp is not a number") from None
        return Media(pcm=audioop.ulaw2lin(ulaw, 2), timestamp_ms=timestamp)
    if event == "mark":
        return Mark(name=_string(_object(message, "mark"), "name", limit=200))
    if event == "dtmf":
        digit = _string(_object(message, "dtmf"), "digit", limit=1)
        if digit not in "0123456789*#":
            raise FrameError(f"'{digit}' is not a telephone key")
        return Dtmf(digit=digit)
    if event == "stop":
        stop = message.get("stop") if isinstance(message.get("stop"), dict) else {}
        return Stop(call_sid=str(stop.get("callSid", "")))
    return Unknown(event=event[:40])


def media(stream_sid: str, pcm: bytes) -> str:
    """16-bit 8 kHz PCM -> an outbound media message of mu-law audio."""
    payload = base64.b64encode(audioop.lin2ulaw(pcm, 2)).decode("ascii")
    return json.dumps({"event": "media", "streamSid": stream_sid, "media": {"payload": payload}})


def mark(stream_sid: str, name: str) -> str:
    return json.dumps({"event": "mark", "streamSid": stream_sid, "mark": {"name": name}})


def clear(stream_sid: str) -> str:
    return json.dumps({"event": "clear", "streamSid": stream_sid})


# What Twilio sends; the simulator and tests speak the same protocol through these.

def inbound_connected() -> str:
    return json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"})


def inbound_start(stream_sid: str, call_sid: str, parameters: dict[str, str]) -> str:
    return json.dumps({
        "event": "start", "sequenceNumber": "1", "streamSid": stream_sid,
        "start": {
            "accountSid": "AC" + "0" * 32, "streamSid": stream_sid, "callSid": call_sid,
            "tracks": ["inbound"], "customParameters": parameters,
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": SAMPLE_RATE, "channels": 1},
        },
    })


def inbound_media(stream_sid: str, pcm: bytes, timestamp_ms: int) -> str:
    payload = base64.b64encode(audioop.lin2ulaw(pcm, 2)).decode("ascii")
    return json.dumps({"event": "media", "streamSid": stream_sid,
                       "media": {"track": "inbound", "timestamp": str(timestamp_ms), "payload": payload}})


def inbound_dtmf(stream_sid: str, digit: str) -> str:
    return json.dumps({"event": "dtmf", "streamSid": stream_sid, "dtmf": {"track": "inbound_track", "digit": digit}})


def inbound_stop(stream_sid: str, call_sid: str) -> str:
    return json.dumps({"event": "stop", "streamSid": stream_sid, "stop": {"callSid": call_sid}})


def parse_outbound(raw: str) -> dict[str, Any]:
    """An outbound message as the simulator sees it; `pcm` decoded for media."""
    message = json.loads(raw)
    if message.get("event") == "media":
        message["pcm"] = audioop.ulaw2lin(base64.b64decode(message["media"]["payload"]), 2)
    return message


def inbound_mark(stream_sid: str, name: str) -> str:
    return json.dumps({"event": "mark", "streamSid": stream_sid, "mark": {"name": name}})
