"""The owner's push-to-talk socket: only with a fresh token signed by SECRET_KEY; 16 kHz
speech in, transcript, replies and WAV audio out, on Rasa's owner channel."""
from __future__ import annotations

import asyncio
import io
import json
import wave

import pytest
import websockets

from channels.talk_token import issue_token, verify_token


def test_tokens_are_signed_and_expire():
    token = issue_token("secret", "owner")
    assert verify_token("secret", token) == "owner"
    assert verify_token("other-secret", token) is None
    assert verify_token("secret", token + "x") is None
    assert verify_token("secret", None) is None
    assert verify_token("secret", token, max_age=-1) is None


def talk(bridge, token: str, chunks: list, timeout: float = 60):
    async def scenario():
        messages = []
        async with websockets.connect(f"{bridge.media_url.rsplit('/twilio', 1)[0]}/talk?token={token}") as ws:
            for chunk in chunks:
                await ws.send(chunk)
            try:
                while True:
                    message = await asyncio.wait_for(ws.recv(), timeout)
                    messages.append(message)
                    if isinstance(message, str) and json.loads(message)["event"] == "done":
                        break
            except websockets.ConnectionClosed:
                pass
            return messages, ws.close_code

    return asyncio.run(scenario())


def test_spoken_question_gets_transcript_reply_and_audio(make_bridge, rasa, piper):
    bridge = make_bridge()
    speech = piper.speak("My water heater has a leak.", 16000)
    chunks = [speech[i:i + 8192] for i in range(0, len(speech), 8192)] + [json.dumps({"event": "stop"})]
    messages, _ = talk(bridge, issue_token("test-secret-key", "owner"), chunks)
    events = [json.loads(m) if isinstance(m, str) else m for m in messages]
    assert events[0]["event"] == "transcript" and "leak" in events[0]["text"].lower()
    assert [e["text"] for e in events if isinstance(e, dict) and e["event"] == "reply"] == [
        "Sorry to hear that. What is your address?", "And your name, please?"]
    audio = [e for e in events if isinstance(e, bytes)]
    assert len(audio) == 2
    with wave.open(io.BytesIO(audio[0])) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (16000, 1, 2)
        assert wav.getnframes() > 16000  # over a second of speech
    [request] = rasa.requests
    assert request["sender"] == "owner-owner" and request["metadata"]["channel"] == "owner"


@pytest.mark.parametrize("token", ["", "forged", "wrong-key"])
def test_socket_without_a_valid_token_is_refused(make_bridge, token):
    bridge = make_bridge()
    if token == "wrong-key":
        token = issue_token("not-the-bridge-secret", "owner")
    with pytest.raises(websockets.InvalidStatusCode) as error:
        talk(bridge, token, [])
    assert error.value.status_code == 403


def test_bad_audio_closes_the_socket(make_bridge):
    bridge = make_bridge()
    token = issue_token("test-secret-key", "owner")
    assert talk(bridge, token, [b"\x00" * 3])[1] == 1003  # not 16-bit samples
    assert talk(bridge, token, ['{"event": "dance"}'])[1] == 1003
    assert talk(bridge, token, [b"\x00" * 65536] * 16)[1] == 1009  # over 30 seconds
