"""Vosk (Kaldi) streaming recognizer with partial results; the model folder comes from
VOSK_MODEL_PATH (the production image downloads vosk-model-small-en-us-0.15)."""
from __future__ import annotations

import json
from pathlib import Path

import vosk

from voice_bridge.stt.base import RecognitionStream, Recognizer, Transcript


class VoskStream(RecognitionStream):
    def __init__(self, model: vosk.Model, sample_rate: int) -> None:
        # Vosk resamples to its model's rate itself, so 8 kHz phone audio goes in as is.
        self.recognizer = vosk.KaldiRecognizer(model, float(sample_rate))
        self.recognizer.SetWords(True)
        self.words: list[dict] = []
        self.partial = ""

    def _keep(self, result: str) -> None:
        self.words.extend(json.loads(result).get("result") or [])

    def feed(self, pcm: bytes) -> str | None:
        if self.recognizer.AcceptWaveform(pcm):
            self._keep(self.recognizer.Result())
        self.partial = json.loads(self.recognizer.PartialResult()).get("partial", "")
        prefix = " ".join(w["word"] for w in self.words)
        return " ".join(p for p in (prefix, self.partial) if p) or None

    def finish(self) -> Transcript:
        self._keep(self.recognizer.FinalResult())
        if not self.words:
            return Transcript("", None)
        text = " ".join(w["word"] for w in self.words)
        confidence = sum(float(w.get("conf", 0.0)) for w in self.words) / len(self.words)
        return Transcript(text, round(confidence, 3))


class VoskRecognizer(Recognizer):
    """Vosk takes vocabulary only as a closed grammar, which would stop it hearing any word
    outside the list, so hints are not applied to it."""

    name = "vosk"

    def __init__(self, model_path: str | Path) -> None:
        path = Path(model_path)
        if not (path / "am").is_dir() and not (path / "final.mdl").exists():
            raise FileNotFoundError(f"{path} is not a Vosk model folder (VOSK_MODEL_PATH)")
        vosk.SetLogLevel(-1)
        self.model = vosk.Model(str(path))

    def open(self, sample_rate: int, hints: list[str] | None = None) -> RecognitionStream:
        return VoskStream(self.model, sample_rate)
