"""The speech-to-text interface: a recognizer, loaded once, opens one stream per utterance;
audio is 16-bit mono PCM at the stream's sample rate."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True)
class Transcript:
    text: str
    confidence: float | None  # 0..1, engine's own estimate


class RecognitionStream(ABC):
    @abstractmethod
    def feed(self, pcm: bytes) -> str | None:
        """Add audio; returns the partial text so far when the engine has one."""

    @abstractmethod
    def finish(self) -> Transcript:
        """The final transcript of everything fed."""


class Recognizer(ABC):
    name: str

    @abstractmethod
    def open(self, sample_rate: int, hints: list[str] | None = None) -> RecognitionStream:
        """A stream for one utterance; `hints` are words the caller is likely to say."""

    def transcribe(self, pcm: bytes, sample_rate: int, hints: list[str] | None = None) -> Transcript:
        stream = self.open(sample_rate, hints)
        stream.feed(pcm)
        return stream.finish()
