"""The Media Streams wire format: every inbound event Twilio sends, the outbound messages
we send, and malformed input rejected with a close code."""
from __future__ import annotations

import audioop
import base64
import json

import pytest

from voice_bridge import twilio_serializer as wire

STREAM, CALL = "MZ" + "a" * 32, "CA" + "b" * 32
PCM = audioop.lin2lin(bytes(range(256)) * 5, 1, 2)[:320]  # one 20 ms frame


def test_start_carries_call_and_custom_parameters():
    event = wire.parse(wire.inbound_start(STREAM, CALL, {"caller": "+13125550199", "callSid": CALL}))
    assert event == wire.Start(stream_sid=STREAM, call_sid=CALL, account_sid="AC" + "0" * 32,
                               parameters={"caller": "+13125550199", "callSid": CALL})


def test_media_is_decoded_from_mu_law():
    event = wire.parse(wire.inbound_media(STREAM, PCM, 40))
    assert isinstance(event, wire.Media) and event.timestamp_ms == 40
    assert len(event.pcm) == 320
    # mu-law is lossy; the round trip stays close to the original
    assert audioop.rms(audioop.add(event.pcm, audioop.mul(PCM, 2, -1), 2), 2) < audioop.rms(PCM, 2) * 0.1


def test_connected_mark_dtmf_stop():
    assert wire.parse(wire.inbound_connected()) == wire.Connected(protocol="Call")
    assert wire.parse(wire.inbound_mark(STREAM, "s1")) == wire.Mark("s1")
    assert wire.parse(wire.inbound_dtmf(STREAM, "0")) == wire.Dtmf("0")
    assert wire.parse(wire.inbound_stop(STREAM, CALL)) == wire.Stop(call_sid=CALL)


def test_outbound_messages_follow_twilio():
    media = json.loads(wire.media(STREAM, PCM))
    assert media["event"] == "media" and media["streamSid"] == STREAM
    assert base64.b64decode(media["media"]["payload"]) == audioop.lin2ulaw(PCM, 2)
    assert json.loads(wire.mark(STREAM, "end3")) == {"event": "mark", "streamSid": STREAM, "mark": {"name": "end3"}}
    assert json.loads(wire.clear(STREAM)) == {"event": "clear", "streamSid": STREAM}


def test_unknown_events_are_reported_not_fatal():
    assert wire.parse(json.dumps({"event": "transcription", "streamSid": STREAM})) == wire.Unknown("transcription")


@pytest.mark.parametrize("raw, code", [
    ("not json", 1003),
    (b"\x00\x01", 1003),
    ("[1, 2]", 1003),
    (json.dumps({"event": "media", "media": {"payload": "***not base64***"}}), 1003),
    (json.dumps({"event": "media", "media": {"payload": ""}}), 1003),
    (json.dumps({"event": "media", "media": {}}), 1003),
    (json.dumps({"event": "media", "media": {"payload": "AAAA", "timestamp": "soon"}}), 1003),
    (json.dumps({"event": "start", "streamSid": STREAM}), 1003),
    (json.dumps({"event": "start", "streamSid": STREAM, "start": {"callSid": 5}}), 1003),
    (json.dumps({"event": "dtmf", "dtmf": {"digit": "x"}}), 1003),
    (json.dumps({"event": "media", "media": {"payload": "A" * 20000}}), 1009),
    ("x" * (1024 * 1024), 1009),
])
def test_malformed_messages_are_rejected(raw, code):
    with pytest.raises(wire.FrameError) as error:
        wire.parse(raw)
    assert error.value.close_code == code
