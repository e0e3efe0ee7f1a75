"""A Twilio stand-in for tests, benchmarks and trying the bridge without a phone:
`python -m voice_bridge.simulator --say "hi" --say "book a plumber"` asks `/twilio/voice`
for the call's TwiML (signed with X-Twilio-Signature when it has the auth token), opens the
<Stream> it names with its <Parameter>s, speaks caller lines (espeak-ng or a WAV) as 20 ms
mu-law frames, plays back and records the assistant's audio, answers marks like Twilio, and
prints both sides with timings."""
from __future__ import annotations

import argparse
import asyncio
import audioop
import io
import os
import subprocess
import sys
import time
import uuid
import wave
from dataclasses import dataclass, field
from xml.etree import ElementTree

import httpx
import webrtcvad
import websockets
from twilio.request_validator import RequestValidator

from voice_bridge import twilio_serializer as wire

RATE = wire.SAMPLE_RATE
FRAME_BYTES = RATE * wire.FRAME_MS // 1000 * 2
FRAME_SECONDS = wire.FRAME_MS / 1000
SILENCE = b"\x00" * FRAME_BYTES


def espeak(text: str, voice: str = "en-us", words_per_minute: int = 160) -> bytes:
    """Caller speech from espeak-ng as 16-bit 8 kHz PCM."""
    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", str(words_per_minute), "--stdout", text],
                         capture_output=True, check=True).stdout
    return read_wav(wav)


def read_wav(data: bytes) -> bytes:
    with wave.open(io.BytesIO(data)) as wav:
        pcm, rate, width = wav.readframes(wav.getnframes()), wav.getframerate(), wav.getsampwidth()
        if wav.getnchannels() == 2:
            pcm = audioop.tomono(pcm, width, 0.5, 0.5)
    if width != 2:
        pcm = audioop.lin2lin(pcm, width, 2)
    if rate != RATE:
        pcm, _ = audioop.ratecv(pcm, 2, 1, rate, RATE, None)
    return pcm


@dataclass
class Turn:
    speaker: str
    text: str
    at: float  # seconds since the call started


def stream_of(twiml: str) -> tuple[str, dict[str, str]]:
    """The media URL and the parameters of the <Connect><Stream> in an answer's TwiML."""
    stream = ElementTree.fromstring(twiml).find("./Connect/Stream")
    if stream is None:
        raise ValueError("the answer has no <Connect><Stream>")
    return stream.attrib["url"], {p.attrib["name"]: p.attrib["value"] for p in stream.findall("Parameter")}


@dataclass
class SimulatedCall:
    """One simulated phone call. `speed` > 1 streams and plays faster than real time.

    Like Twilio, it first asks the bridge's `/twilio/voice` (next to `url`) for the TwiML
    and passes the <Stream>'s parameters in `start`. `auth_token` signs both requests as
    Twilio does, over `public_url` (PUBLIC_BASE_URL; default: where `url` points).
    `answered=False` skips the webhook and sends `parameters` as they are: a stream nobody
    answered, or a forged one."""

    url: str
    caller: str = "+13125550199"
    speed: float = 1.0
    headers: dict[str, str] = field(default_factory=dict)
    call_sid: str = field(default_factory=lambda: "CA" + uuid.uuid4().hex)
    stream_sid: str = field(default_factory=lambda: "MZ" + uuid.uuid4().hex)
    auth_token: str | None = None
    public_url: str | None = None
    answered: bool = True
    parameters: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.turns: list[Turn] = []
        self.outbound: list[dict] = []  # every message the bridge sent, in order
        self.assistant_audio = bytearray()
        self.first_audio_after: list[float] = []  # latency per caller line, seconds
        self.clears: list[float] = []  # perf_counter of each clear received
        self.underruns = 0
        self.greeting_after: float | None = None  # seconds from `start` to the first audio
        self.closed: tuple[int, str] | None = None
        self._queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._last_voiced: float | None = None
        self._playback_end = 0.0
        self._in_reply = False
        self._pending_marks: list[tuple[float, str]] = []
        self._reply_done = asyncio.Event()
        self._vad = webrtcvad.Vad(2)

    @property
    def bridge_url(self) -> str:
        """The bridge's http(s) address, from the media stream's ws(s) URL."""
        return "http" + self.url.split("/twilio/media", 1)[0].removeprefix("ws")

    async def answer(self) -> tuple[str, dict[str, str]]:
        """POST /twilio/voice as Twilio does when the call comes in; the <Stream> it returns."""
        form = {"AccountSid": "AC" + "0" * 32, "ApiVersion": "2010-04-01", "CallSid": self.call_sid,
                "CallStatus": "ringing", "Direction": "inbound", "From": self.caller, "To": "+13125550100"}
        headers = {}
        if self.auth_token:
            signed_url = (self.public_url or self.bridge_url).rstrip("/") + "/twilio/voice"
            headers["X-Twilio-Signature"] = RequestValidator(self.auth_token).compute_signature(signed_url, form)
        async with httpx.AsyncClient() as http:
            response = await http.post(self.bridge_url + "/twilio/voice", data=form, headers=headers)
        response.raise_for_status()
        return stream_of(response.text)

    async def __aenter__(self) -> SimulatedCall:
        if self.answered:
            stream_url, parameters = await self.answer()
        else:
            stream_url = (self.public_url or self.bridge_url).rstrip("/").replace("http", "ws", 1) + "/twilio/media"
            parameters = self.parameters
        headers = dict(self.headers)
        if self.auth_token and "X-Twilio-Signature" not in headers:
            # Twilio signs the <Stream> URL; the same for every call, hence the parameters.
            headers["X-Twilio-Signature"] = RequestValidator(self.auth_token).compute_signature(stream_url, {})
        self.ws = await websockets.connect(self.url, extra_headers=headers, max_size=2**22)
        self.t0 = time.perf_counter()
        await self.ws.send(wire.inbound_connected())
        await self.ws.send(wire.inbound_start(self.stream_sid, self.call_sid, parameters))
        self._tasks = [asyncio.create_task(self._line()), asyncio.create_task(self._listen())]
        return self

    async def __aexit__(self, *exc) -> None:
        if self.closed is None:
            try:
                await self.ws.send(wire.inbound_stop(self.stream_sid, self.call_sid))
            except websockets.ConnectionClosed:
                pass
        for task in self._tasks:
            task.cancel()
        await self.ws.close()

    def now(self) -> float:
        return time.perf_counter() - self.t0

    # The line: Twilio streams a frame every 20 ms, caller speech or silence.
    async def _line(self) -> None:
        timestamp, next_at = 0, time.perf_counter()
        while True:
            frame = SILENCE if self._queue.empty() else self._queue.get_nowait()
            if frame is not SILENCE and self._vad.is_speech(frame, RATE):
                self._last_voiced = time.perf_counter()
            try:
                await self.ws.send(wire.inbound_media(self.stream_sid, frame, timestamp))
            except websockets.ConnectionClosed:
                return
            timestamp += wire.FRAME_MS
            self._answer_marks()
            next_at += FRAME_SECONDS / self.speed
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))

    def _answer_marks(self) -> None:
        # Twilio echoes a mark once the audio sent before it has played.
        now = time.perf_counter()
        while self._pending_marks and self._pending_marks[0][0] <= now:
            _, name = self._pending_marks.pop(0)
            asyncio.ensure_future(self._send_quietly(wire.inbound_mark(self.stream_sid, name)))
            if name.startswith("end"):
                self._in_reply = False
                self._reply_done.set()

    async def _send_quietly(self, message: str) -> None:
        try:
            await self.ws.send(message)
        except websockets.ConnectionClosed:
            pass

    async def _listen(self) -> None:
        try:
            async for raw in self.ws:
                self._receive(wire.parse_outbound(raw))
        except websockets.ConnectionClosed:
            pass
        self.closed = (self.ws.close_code, self.ws.close_reason)
        self._reply_done.set()

    def _receive(self, message: dict) -> None:
        now = time.perf_counter()
        self.outbound.append({k: v for k, v in message.items() if k != "pcm"})
        event = message.get("event")
        if event == "media":
            if self.greeting_after is None:
                self.greeting_after = now - self.t0
            if self._last_voiced is not None:
                self.first_audio_after.append(now - self._last_voiced)
                self._last_voiced = None
            if self._in_reply and now > self._playback_end + 0.001:
                self.underruns += 1
            self._in_reply = True
            self._playback_end = max(self._playback_end, now) + len(message["pcm"]) / 2 / RATE / self.speed
            self.assistant_audio.extend(message["pcm"])
        elif event == "mark":
            self._pending_marks.append((max(self._playback_end, now), message["mark"]["name"]))
        elif event == "clear":
            self.clears.append(now)
            self._playback_end, self._in_reply = now, False
            for _, name in self._pending_marks:  # Twilio returns the marks a clear discards
                asyncio.ensure_future(self._send_quietly(wire.inbound_mark(self.stream_sid, name)))
            self._pending_marks.clear()

    # What a test or a user does on the call.
    async def say(self, pcm: bytes, text: str = "") -> None:
        """Queue caller speech; returns once it has all been streamed."""
        self.turns.append(Turn("caller", text, self.now()))
        for start in range(0, len(pcm), FRAME_BYTES):
            self._queue.put_nowait(pcm[start:start + FRAME_BYTES].ljust(FRAME_BYTES, b"\x00"))
        while not self._queue.empty():
            await asyncio.sleep(0.01)

    async def wait_for_reply(self, timeout: float = 60.0) -> bool:
        """Until the assistant finished a turn (its "end" mark played) or the stream closed."""
        self._reply_done.clear()
        try:
            await asyncio.wait_for(self._reply_done.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    async def press(self, digit: str) -> None:
        await self.ws.send(wire.inbound_dtmf(self.stream_sid, digit))

    async def send_raw(self, message: str | bytes) -> None:
        await self.ws.send(message)

    async def wait_closed(self, timeout: float = 30.0) -> tuple[int, str] | None:
        await asyncio.wait_for(asyncio.shield(self._tasks[1]), timeout)
        return self.closed


async def _main(args: argparse.Namespace) -> int:
    lines = [(text, espeak(text)) for text in args.say]
    if args.wav:
        with open(args.wav, "rb") as f:
            lines.insert(0, (args.wav, read_wav(f.read())))
    heard_text = _transcriber() if args.transcribe else (lambda pcm: "")
    async with SimulatedCall(args.url, caller=args.caller, speed=args.speed, auth_token=args.auth_token or None,
                             public_url=args.public_url or None) as call:
        await call.wait_for_reply()
        print(f"{call.now():7.2f}s assistant: {heard_text(bytes(call.assistant_audio))} "
              f"({len(call.assistant_audio) / 2 / RATE:.1f}s of audio)")
        for text, pcm in lines:
            heard = len(call.assistant_audio)
            await call.say(pcm, text)
            print(f"{call.now():7.2f}s caller:    {text}")
            await call.wait_for_reply(args.timeout)
            latency = call.first_audio_after[-1] * 1000 if call.first_audio_after else float("nan")
            reply = bytes(call.assistant_audio[heard:])
            print(f"{call.now():7.2f}s assistant: {heard_text(reply)} ({len(reply) / 2 / RATE:.1f}s of audio, "
                  f"first audio {latency:.0f} ms after speech)")
            if call.closed:
                print(f"stream closed by the bridge: {call.closed}")
                break
        if args.record:
            with wave.open(args.record, "wb") as out:
                out.setnchannels(1), out.setsampwidth(2), out.setframerate(RATE)
                out.writeframes(bytes(call.assistant_audio))
        print(f"underruns: {call.underruns}, clears: {len(call.clears)}")
    return 0


def _transcriber():
    """What the assistant said, heard back through Whisper (the simulator only gets audio)."""
    from voice_bridge.stt.whisper import WhisperRecognizer

    whisper = WhisperRecognizer()
    return lambda pcm: whisper.transcribe(pcm, RATE).text or "(silence)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m voice_bridge.simulator", description=__doc__)
    parser.add_argument("--url", default="ws://127.0.0.1:8081/twilio/media")
    parser.add_argument("--say", action="append", default=[], help="a caller line, spoken with espeak-ng")
    parser.add_argument("--wav", help="a WAV file to stream as the caller's first line")
    parser.add_argument("--caller", default="+13125550199")
    parser.add_argument("--auth-token", default=os.environ.get("TWILIO_AUTH_TOKEN", ""),
                        help="sign requests like Twilio (default: $TWILIO_AUTH_TOKEN)")
    parser.add_argument("--public-url", default=os.environ.get("PUBLIC_BASE_URL", ""),
                        help="the address Twilio is configured with (default: $PUBLIC_BASE_URL, else --url's)")
    parser.add_argument("--speed", type=float, default=1.0, help="how much faster than real time")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--record", help="write the assistant's audio to this WAV file")
    parser.add_argument("--transcribe", action="store_true", help="print the assistant's words (Whisper)")
    return asyncio.run(_main(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
