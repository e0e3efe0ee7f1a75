"""One phone call, read top to bottom as its stages: caller audio -> endpointing (VAD) ->
speech-to-text -> Rasa -> text-to-speech -> audio back, with barge-in, silence re-prompts,
DTMF/`request_human` transfer, an apology when the assistant cannot answer, and the call
record. Models are shared through `Services`.

Speech-to-text starts at the first short pause, while we still wait to see whether the
caller goes on; what they said so far decides how long to wait (`turn_taking`), and if
they stay quiet the turn uses that transcript instead of starting over."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone

from channels.rasa_client import RasaUnavailable
from voice_bridge import twilio_serializer as wire
from voice_bridge.services import Services
from voice_bridge.stt.base import Recognizer, Transcript
from voice_bridge.tts.piper import speakable_pieces
from voice_bridge.turn_taking import Patience
from voice_bridge.vad import Endpointer, Utterance

log = logging.getLogger("voice_bridge.pipeline")
PHONE_RATE = wire.SAMPLE_RATE
FRAME_BYTES = PHONE_RATE * wire.FRAME_MS // 1000 * 2  # 16-bit PCM
# A reply's next piece is queued to be synthesized this long before the audio runs out.
SYNTHESIS_LEAD_SECONDS = 0.8


@dataclass
class TurnTiming:
    """Where the time of one turn went, in milliseconds."""

    endpointed_at: float  # perf_counter when the caller was judged done
    stt_ms: float
    rasa_ms: float
    tts_first_ms: float | None = None
    text: str = ""
    early: bool = False  # the transcript started at a pause, before the end of the turn
    first_sent_at: float | None = None  # perf_counter when the reply's first frame went out


@dataclass
class EarlyTranscript:
    """Speech-to-text of an utterance started at a pause; good while no more speech came."""

    utterance: Utterance
    voiced_frames: int
    task: asyncio.Future[Transcript | None] | None = None
    claimed: bool = False  # the turn ended with no more speech: this is its transcript

    def still_current(self, utterance: Utterance) -> bool:
        return utterance is self.utterance and utterance.voiced_frames == self.voiced_frames


def transcribe_if(wanted: Callable[[], bool], recognizer: Recognizer, audio: bytes,
                  hints: list[str]) -> Transcript | None:
    """Transcribes unless the caller has gone on talking since the job was queued."""
    return recognizer.transcribe(audio, PHONE_RATE, hints) if wanted() else None


def frames(pcm: bytes) -> Iterator[bytes]:
    for start in range(0, len(pcm), FRAME_BYTES):
        yield pcm[start:start + FRAME_BYTES]


class Call:
    """`caller` is the verified caller ID (see stream_trust), never the stream's own claim."""

    def __init__(self, services: Services, send: Callable[[str], Awaitable[None]], start: wire.Start, *,
                 caller: str | None) -> None:
        self.services, self.send = services, send
        settings = services.settings
        self.stream_sid, self.call_sid = start.stream_sid, start.call_sid
        self.caller = caller
        self.endpointer = Endpointer(PHONE_RATE, start_ms=settings.barge_in_ms, preroll_ms=400,
                                     silence_ms=settings.endpoint_silence_ms, pause_ms=settings.endpoint_pause_ms)
        self.patience = Patience(finished=settings.endpoint_finished_ms, unsure=settings.endpoint_silence_ms,
                                 unfinished=settings.endpoint_unfinished_ms)
        self.early: EarlyTranscript | None = None
        self.started = datetime.now(timezone.utc)
        self.status = "in-progress"
        self.timings: list[TurnTiming] = []
        self.interrupted: list[str] = []
        self.pending_marks: dict[str, str | None] = {}  # mark -> reply text it belongs to
        self.current_text: str | None = None  # the reply being synthesized
        self.mark_seq = 0
        self.speaking: asyncio.Task | None = None
        self.turns = asyncio.Lock()
        self.busy = 0  # turns being understood or answered
        self.silences = 0
        self.failures = 0  # turns in a row the assistant did not answer
        self.last_activity = time.monotonic()
        self.ended = asyncio.Event()
        self.background: set[asyncio.Task] = set()

    # Stage 0: the call starts: record it, greet from the cache, watch for silence.
    async def begin(self) -> None:
        greeting = None
        if self.services.call_log:
            greeting = await asyncio.to_thread(self.services.call_log.start, self.call_sid, "phone", self.caller)
            self._spawn(self._refresh_vocabulary())
        self._spawn(self._watch_silence())
        await self.say([greeting or self.services.prompts.greeting], cached=True)

    @property
    def talking(self) -> bool:
        return bool(self.pending_marks) or (self.speaking is not None and not self.speaking.done())

    # Stage 1: caller audio -> endpointing; speech over the assistant is barge-in.
    async def on_audio(self, pcm: bytes) -> None:
        decision = self.endpointer.feed(pcm)
        if decision == "start":
            self.silences = 0
            self.early = None
            if self.talking:
                await self.barge_in()
        elif decision == "pause":
            self._transcribe_early()
        elif decision == "end":
            self._end_turn()

    def _transcribe_early(self) -> None:
        if self.early is not None and not self.early.task.done():
            return  # one guess at a time, so a hesitant caller cannot queue up work
        utterance = self.endpointer.utterance
        early = self.early = EarlyTranscript(utterance, utterance.voiced_frames)

        def wanted() -> bool:  # asked when the job's turn in the queue comes
            return early.claimed or (self.early is early and early.still_current(self.endpointer.utterance))

        early.task = asyncio.ensure_future(self.services.listen(
            transcribe_if, wanted, self.services.recognizer, bytes(utterance.audio), self.services.vocabulary))
        early.task.add_done_callback(lambda _task: self._judge_pause(early))

    def _judge_pause(self, early: EarlyTranscript) -> None:
        """The early transcript is in: a finished sentence ends the turn sooner."""
        if early is not self.early or early.task.cancelled() or early.task.exception() is not None:
            return
        if early.task.result() is None:
            return
        if not (self.endpointer.speaking and early.still_current(self.endpointer.utterance)):
            return
        if self.endpointer.end_after(self.patience.after(early.task.result().text)):
            self._end_turn()

    def _end_turn(self) -> None:
        utterance = self.endpointer.utterance
        early = self.early if self.early is not None and self.early.still_current(utterance) else None
        if early is not None:
            early.claimed = True
        self.early = None
        self.endpointer.reset()
        self.last_activity = time.monotonic()
        self.busy += 1
        self._spawn(self._turn(bytes(utterance.audio), time.perf_counter(), early))

    async def _transcribe(self, audio: bytes) -> Transcript:
        return await self.services.listen(self.services.recognizer.transcribe, audio, PHONE_RATE, self.services.vocabulary)

    async def barge_in(self) -> None:
        unheard = [text for text in dict.fromkeys([*self.pending_marks.values(), self.current_text]) if text]
        if self.speaking is not None:
            self.speaking.cancel()
        await self.send(wire.clear(self.stream_sid))
        self.pending_marks.clear()
        log.info("call %s: caller talked over %d reply(s)", self.call_sid, len(unheard))
        for text in unheard:
            self.interrupted.append(text)
            if self.services.call_log:
                self._spawn(self.services.call_log.mark_interrupted(self.call_sid, text))

    # Stages 2-4: speech-to-text -> Rasa -> speak the replies, one turn at a time in order.
    async def _turn(self, audio: bytes, endpointed_at: float, early: EarlyTranscript | None = None) -> None:
        try:
            async with self.turns:
                began = time.perf_counter()
                transcript = None
                if early is not None:
                    try:
                        transcript = await early.task
                    except Exception:  # noqa: BLE001 - transcribe the whole turn again below
                        log.exception("call %s: early transcript failed", self.call_sid)
                if transcript is None:
                    transcript = await self._transcribe(audio)
                heard = time.perf_counter()
                if not transcript.text:
                    return  # a cough or line noise
                metadata = {"channel": "phone", "call_sid": self.call_sid}
                if self.caller:
                    metadata["caller"] = self.caller
                if transcript.confidence is not None:
                    metadata["stt_confidence"] = f"{transcript.confidence:.3f}"
                try:
                    answer = await self.services.rasa.send_async(self.call_sid, transcript.text, metadata)
                    # Our REST channel's stand-in sentence is not the assistant answering.
                    replies, failure = ([], f"no reply ({answer.assistant_error})") if answer.assistant_error \
                        else (answer.texts, None)
                except RasaUnavailable as error:
                    replies, failure = [], str(error)
                timing = TurnTiming(endpointed_at=endpointed_at, stt_ms=(heard - began) * 1000,
                                    rasa_ms=(time.perf_counter() - heard) * 1000, text=transcript.text,
                                    early=early is not None)
                self.timings.append(timing)
                # The assistant hands a call to a person with a custom payload in its answer.
                if failure is None and any(p.get("handoff") == "transfer" for p in answer.custom):
                    await self.transfer()
                    return
                if not replies:
                    await self.assistant_failed(failure or "no reply")
                    return
                self.failures = 0
                await self.say(replies, timing=timing)
        except Exception:  # noqa: BLE001 - one failed turn must not end the call
            log.exception("call %s: turn failed", self.call_sid)
            await self._apologize_quietly()
        finally:
            self.busy -= 1
            self.last_activity = time.monotonic()

    # Stage 4b: the assistant failed, timed out or said nothing. The caller hears a true
    # sentence instead of silence, the owner is alerted once, the call record keeps what
    # was said; a second failure in a row hands the call off like "0" does.
    async def assistant_failed(self, reason: str) -> None:
        self.failures += 1
        log.error("call %s: the assistant did not answer (%s), %d turn(s) in a row",
                  self.call_sid, reason, self.failures)
        prompts = self.services.prompts
        if self.failures >= 2:
            await self._record_failure(None)
            await self.transfer()
            return
        said = prompts.trouble_noted if self.caller else prompts.trouble_told
        if not await self._record_failure(said):
            said = prompts.trouble
        await self.say([said], cached=True)

    async def _record_failure(self, said: str | None) -> bool:
        """Queues the owner's alert and keeps `said` in the transcript; False if it could not."""
        if self.services.call_log is None:
            return False
        try:
            await asyncio.to_thread(self.services.call_log.record_assistant_failure, self.call_sid, self.caller, said)
        except Exception:  # noqa: BLE001 - the caller must still hear something
            log.exception("call %s: the assistant's failure could not be recorded", self.call_sid)
            return False
        return True

    async def _apologize_quietly(self) -> None:
        try:
            await self.assistant_failed("internal error")
        except Exception:  # noqa: BLE001 - the stream itself is gone
            log.exception("call %s: could not tell the caller about the failure", self.call_sid)

    # Stage 5: text -> audio frames, sentence by sentence, each followed by a mark.
    async def say(self, texts: list[str], cached: bool = False, timing: TurnTiming | None = None) -> None:
        if self.speaking is not None and not self.speaking.done():
            await asyncio.wait({self.speaking})
        self.speaking = asyncio.create_task(self._speak(texts, cached, timing))
        try:
            await self.speaking
        except asyncio.CancelledError:
            if not self.speaking.cancelled():
                raise  # the call itself is being cancelled

    async def _speak(self, texts: list[str], cached: bool, timing: TurnTiming | None) -> None:
        speaker = self.services.speaker
        started = time.perf_counter()
        playback_end: float | None = None  # time.monotonic() when the audio sent so far has played
        for text in texts:
            self.current_text = text
            for piece in [text] if cached else speakable_pieces(text):
                # The first piece is due now; later ones only as the audio before them runs out.
                due = None if playback_end is None else playback_end - SYNTHESIS_LEAD_SECONDS
                pcm = await self.services.voice(speaker.cached if cached else speaker.piece, piece, due=due)
                now = time.monotonic()
                playback_end = max(playback_end or now, now) + len(pcm) / 2 / PHONE_RATE
                if timing is not None and timing.tts_first_ms is None:
                    timing.tts_first_ms = (time.perf_counter() - started) * 1000
                for frame in frames(pcm):
                    await self.send(wire.media(self.stream_sid, frame))
                    if timing is not None and timing.first_sent_at is None:
                        timing.first_sent_at = time.perf_counter()
                self.mark_seq += 1
                # A reply counts as heard once none of its sentences' marks is pending.
                self.pending_marks[f"s{self.mark_seq}"] = text
                await self.send(wire.mark(self.stream_sid, f"s{self.mark_seq}"))
        self.current_text = None
        # Names are opaque to Twilio; "end" tells a listener this turn's speech is complete.
        self.mark_seq += 1
        self.pending_marks[f"end{self.mark_seq}"] = None
        await self.send(wire.mark(self.stream_sid, f"end{self.mark_seq}"))

    def on_mark(self, name: str) -> None:
        if self.pending_marks.pop(name, "missing") != "missing" and not self.pending_marks:
            self.last_activity = time.monotonic()

    # Transfers, silence and the end of the call.
    async def on_dtmf(self, digit: str) -> None:
        if digit == "0":
            await self.transfer()

    async def transfer(self) -> None:
        owner = await asyncio.to_thread(self.services.call_log.owner_phone) if self.services.call_log else None
        if not owner:
            prompts = self.services.prompts
            await self.say([prompts.no_transfer if self.caller else prompts.no_transfer_anonymous], cached=True)
            return
        await self.say([self.services.prompts.transfer], cached=True)
        await self._wait_until_heard()
        self.status = "transferred"
        await asyncio.to_thread(self.services.calls.transfer, self.call_sid, owner)
        self.ended.set()

    async def _wait_until_heard(self, limit: float = 15.0) -> None:
        deadline = time.monotonic() + limit
        while self.pending_marks and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

    async def _watch_silence(self) -> None:
        settings = self.services.settings
        while not self.ended.is_set():
            await asyncio.sleep(0.1)
            quiet = not (self.talking or self.busy or self.endpointer.speaking)
            if not quiet or time.monotonic() - self.last_activity < settings.silence_seconds:
                continue
            self.silences += 1
            self.last_activity = time.monotonic()
            if self.silences > settings.max_silences:
                await self.say([self.services.prompts.goodbye], cached=True)
                await self._wait_until_heard()
                self.status = "completed"
                await asyncio.to_thread(self.services.calls.hang_up, self.call_sid)
                self.ended.set()  # in local mode the bridge closes the stream instead
                return
            await self.say([self.services.prompts.reprompt], cached=True)

    async def finish(self) -> None:
        """The stream closed: stop what is running and record the end of the call."""
        self.ended.set()
        for task in list(self.background) + ([self.speaking] if self.speaking else []):
            task.cancel()
        if self.status == "in-progress":
            self.status = "completed"
        if self.services.call_log:
            await asyncio.to_thread(self.services.call_log.end, self.call_sid, self.status, self.started)
            # Interruptions may still be waiting for the worker; keep trying after hang-up.
            for text in self.interrupted:
                asyncio.get_running_loop().create_task(self.services.call_log.mark_interrupted(self.call_sid, text))

    async def _refresh_vocabulary(self) -> None:
        """The owner may have renamed the business or changed services or the service area
        in Settings since the last call: re-read the recogniser's vocabulary while the
        greeting plays (a failure keeps the previous one)."""
        try:
            self.services.vocabulary = await asyncio.to_thread(self.services.call_log.vocabulary)
        except Exception:  # noqa: BLE001 - the call goes on with the vocabulary it has
            log.exception("vocabulary not refreshed")

    def _spawn(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self.background.add(task)
        task.add_done_callback(self.background.discard)
