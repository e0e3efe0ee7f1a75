"""Speech-to-text engines behind one interface; `load_recognizer(settings)` picks one."""
from __future__ import annotations

from voice_bridge.config import Settings
from voice_bridge.stt.base import Recognizer, RecognitionStream, Transcript


def load_recognizer(settings: Settings) -> Recognizer:
    """Loads the configured model once; every call shares it."""
    if settings.stt_engine == "vosk":
        from voice_bridge.stt.vosk import VoskRecognizer

        return VoskRecognizer(settings.vosk_model_path)
    from voice_bridge.stt.whisper import WhisperRecognizer

    return WhisperRecognizer()


__all__ = ["Recognizer", "RecognitionStream", "Transcript", "load_recognizer"]
