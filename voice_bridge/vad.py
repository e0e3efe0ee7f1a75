"""Endpointing with webrtcvad: decides when the caller starts talking and when they stopped,
on 20 ms frames of 16-bit PCM, keeping a little audio from before speech was detected."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import webrtcvad

FRAME_MS = 20


@dataclass
class Utterance:
    audio: bytearray = field(default_factory=bytearray)
    voiced_frames: int = 0


class Endpointer:
    """`feed(frame)` returns "start" when speech begins, "end" when the caller has been
    quiet for `silence_ms` after speaking, else None. `utterance` holds the audio."""

    def __init__(self, sample_rate: int = 8000, start_ms: int = 100, silence_ms: int = 500,
                 preroll_ms: int = 200, aggressiveness: int = 2, max_utterance_ms: int = 15000) -> None:
        self.vad = webrtcvad.Vad(aggressiveness)
        self.sample_rate = sample_rate
        self.frame_bytes = sample_rate * FRAME_MS // 1000 * 2
        self.start_frames = max(1, start_ms // FRAME_MS)
        self.end_frames = max(1, silence_ms // FRAME_MS)
        self.max_frames = max_utterance_ms // FRAME_MS
        self.preroll: deque[bytes] = deque(maxlen=max(1, preroll_ms // FRAME_MS))
        self.pending = bytearray()
        self.reset()

    def reset(self) -> None:
        self.speaking = False
        self.voiced_run = 0
        self.silent_run = 0
        self.frames = 0
        self.utterance = Utterance()
        self.preroll.clear()

    def is_speech(self, frame: bytes) -> bool:
        return self.vad.is_speech(frame, self.sample_rate)

    def feed(self, pcm: bytes) -> str | None:
        """Any amount of audio; decisions are taken per whole 20 ms frame."""
        self.pending.extend(pcm)
        decision = None
        while len(self.pending) >= self.frame_bytes:
            frame = bytes(self.pending[: self.frame_bytes])
            del self.pending[: self.frame_bytes]
            decision = self._frame(frame) or decision
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
        else:
            self.silent_run += 1
        if self.silent_run >= self.end_frames or self.frames >= self.max_frames:
            return "end"
        return None
