"""Endpointing with webrtcvad: decides when the caller starts talking and when they stopped,
on 20 ms frames of 16-bit PCM, keeping a little audio from before speech was detected.
A short "pause" signal lets the caller's words be transcribed while we still wait to see
whether they go on; `end_after` moves the end of the turn once we know what was said."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import webrtcvad

FRAME_MS = 20
PRIORITY = {None: 0, "pause": 1, "start": 2, "end": 3}


@dataclass
class Utterance:
    audio: bytearray = field(default_factory=bytearray)
    voiced_frames: int = 0


class Endpointer:
    """`feed(frame)` returns "start" when speech begins, "pause" once the caller has been
    quiet for `pause_ms` (if set), "end" when quiet for `silence_ms` after speaking, else
    None. `utterance` holds the audio."""

    def __init__(self, sample_rate: int = 8000, start_ms: int = 100, silence_ms: int = 500,
                 preroll_ms: int = 200, aggressiveness: int = 2, max_utterance_ms: int = 15000,
                 pause_ms: int | None = None) -> None:
        self.vad = webrtcvad.Vad(aggressiveness)
        self.sample_rate = sample_rate
        self.frame_bytes = sample_rate * FRAME_MS // 1000 * 2
        self.start_frames = max(1, start_ms // FRAME_MS)
        self.default_end_frames = max(1, silence_ms // FRAME_MS)
        self.pause_frames = max(1, pause_ms // FRAME_MS) if pause_ms else None
        self.max_frames = max_utterance_ms // FRAME_MS
        self.preroll: deque[bytes] = deque(maxlen=max(1, preroll_ms // FRAME_MS))
        self.pending = bytearray()
        self.reset()

    def reset(self) -> None:
        self.speaking = False
        self.voiced_run = 0
        self.silent_run = 0
        self.frames = 0
        self.end_frames = self.default_end_frames
        self.utterance = Utterance()
        self.preroll.clear()

    @property
    def silent_ms(self) -> int:
        return self.silent_run * FRAME_MS if self.speaking else 0

    def end_after(self, silence_ms: int) -> bool:
        """Ends this utterance after `silence_ms` of quiet instead; True if that has passed."""
        self.end_frames = max(1, silence_ms // FRAME_MS)
        return self.speaking and self.silent_run >= self.end_frames

    def is_speech(self, frame: bytes) -> bool:
        return self.vad.is_speech(frame, self.sample_rate)

    def feed(self, pcm: bytes) -> str | None:
        """Any amount of audio; decisions are taken per whole 20 ms frame."""
        self.pending.extend(pcm)
        decision = None
        while len(self.pending) >= self.frame_bytes:
            frame = bytes(self.pending[: self.frame_bytes])
            del self.pending[: self.frame_bytes]
            latest = self._frame(frame)
            decision = latest if PRIORITY[latest] > PRIORITY[decision] else decision
            if decision == "end":
                break
        return decision

    def _frame(self, frame: bytes) -> str | None:
        voiced = self.is_speech(frame)
        if not self.speaking:
            self.preroll.append(frame)
            self.voiced_run = self.voiced_run + 1 if voiced else 0
            if self.voiced_run >= self.start_frames:
                self.speaking = True
                self.silent_run = 0
                self.utterance = Utterance(bytearray(b"".join(self.preroll)), self.voiced_run)
                self.frames = len(self.preroll)
                self.preroll.clear()
                return "start"
            return None
        self.utterance.audio.extend(frame)
        self.frames += 1
        if voiced:
            self.utterance.voiced_frames += 1
            self.silent_run = 0
            self.end_frames = self.default_end_frames  # what was judged at the pause is stale
        else:
            self.silent_run += 1
        if self.silent_run >= self.end_frames or self.frames >= self.max_frames:
            return "end"
        return "pause" if self.silent_run == self.pause_frames else None
