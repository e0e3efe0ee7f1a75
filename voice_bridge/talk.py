"""The owner's push-to-talk socket: 16 kHz 16-bit PCM in while the button is held, then the
transcript, the assistant's replies as text and WAV audio, on Rasa's "owner" channel."""
from __future__ import annotations

import io
import json
import logging
import wave

from starlette.websockets import WebSocket, WebSocketDisconnect

from channels.talk_token import verify_token
from voice_bridge.drain import refuse_while_draining

log = logging.getLogger("voice_bridge.talk")
TALK_RATE = 16000
MAX_CHUNK_BYTES = 64 * 1024
MAX_UTTERANCE_BYTES = TALK_RATE * 2 * 30  # 30 seconds


def wav_bytes(pcm: bytes, rate: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)
    return buffer.getvalue()


class TalkError(ValueError):
    def __init__(self, message: str, close_code: int = 1003) -> None:
        super().__init__(message)
        self.close_code = close_code


async def talk_endpoint(websocket: WebSocket) -> None:
    settings = websocket.app.state.settings
    user = verify_token(settings.secret_key, websocket.query_params.get("token"))
    if user is None:
        log.warning("rejected push-to-talk socket: missing, forged or expired token")
        await websocket.close(code=1008)
        return
    drain = websocket.app.state.drain
    if drain.draining:
        await refuse_while_draining(websocket)
        return
    await websocket.accept()
    services = websocket.app.state.services
    audio = bytearray()
    drain.talk_sessions.add(websocket)
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("bytes") is not None:
                chunk = message["bytes"]
                if len(chunk) > MAX_CHUNK_BYTES or len(chunk) % 2:
                    raise TalkError("audio chunks must be 16-bit PCM of at most 64 KiB")
                if len(audio) + len(chunk) > MAX_UTTERANCE_BYTES:
                    raise TalkError("utterance longer than 30 seconds", close_code=1009)
                audio.extend(chunk)
                continue
            try:
                command = json.loads(message.get("text") or "")
            except json.JSONDecodeError:
                raise TalkError("text messages must be JSON") from None
            if not isinstance(command, dict) or command.get("event") != "stop":
                raise TalkError("the only command is {\"event\": \"stop\"}")
            await _answer(websocket, services, user, bytes(audio))
            audio.clear()
    except TalkError as error:
        log.error("closing push-to-talk socket of %s: %s", user, error)
        await websocket.close(code=error.close_code, reason=str(error)[:120])
    except WebSocketDisconnect:
        pass
    finally:
        drain.talk_sessions.discard(websocket)


async def _answer(websocket: WebSocket, services, user: str, audio: bytes) -> None:
    transcript = await services.listen(services.recognizer.transcribe, audio, TALK_RATE, services.vocabulary)
    await websocket.send_json({"event": "transcript", "text": transcript.text, "confidence": transcript.confidence})
    if transcript.text:
        metadata = {"channel": "owner"}
        if transcript.confidence is not None:
            metadata["stt_confidence"] = f"{transcript.confidence:.3f}"
        try:
            replies = (await services.rasa.send_async(f"owner-{user}", transcript.text, metadata)).texts
        except Exception:  # noqa: BLE001 - tell the page rather than drop the socket
            log.exception("Rasa did not answer the owner's message")
            replies = []
            await websocket.send_json({"event": "error", "message": "The assistant is not reachable."})
        for text in replies:
            await websocket.send_json({"event": "reply", "text": text})
            pcm = await services.voice(services.speaker.speak, text, TALK_RATE)
            await websocket.send_bytes(wav_bytes(pcm, TALK_RATE))
    await websocket.send_json({"event": "done"})
