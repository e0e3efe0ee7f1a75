"""Speech-to-text benchmark: Whisper tiny.en with the full 30 s encoder window (what
faster-whisper does) against the utterance-sized window the voice bridge uses, on caller
lines spoken by three synthetic voices through the phone path (8 kHz, mu-law, line noise).
Reports word error rate, whether every number (house number, ZIP, phone) came out right,
and decode time. Writes reports/bench-stt.md.

    .venvs/app/bin/python bench/stt_window.py [--repeats 2]
"""
from __future__ import annotations

import argparse
import audioop
import platform
import re
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voice_bridge.stt.whisper import WhisperRecognizer  # noqa: E402
from voice_bridge.tts.piper import PiperSpeaker  # noqa: E402

REPORT = ROOT / "reports" / "bench-stt.md"
HINTS = ["Lakeshore Plumbing", "faucet", "water heater", "sewer", "sump pump", "Halsted", "Belmont", "Clark"]
# (what the caller says, what a perfect transcript holds): numbers as callers say them.
LINES = [
    ("Hi, I need a plumber tomorrow morning at nine. My name is Jessica Miller.",
     "hi i need a plumber tomorrow morning at 9 my name is jessica miller"),
    ("Yes.", "yes"),
    ("No.", "no"),
    ("Yeah, that works.", "yeah that works"),
    ("My kitchen sink is leaking.", "my kitchen sink is leaking"),
    ("The address is fourteen twenty North Halsted Street.", "the address is 1420 north halsted street"),
    ("My zip code is six oh six one four.", "my zip code is 60614"),
    ("It's twenty two fifty West Belmont Avenue.", "it's 2250 west belmont avenue"),
    ("My number is three one two, five five five, zero one nine nine.", "my number is 3125550199"),
    ("The first one, please.", "the first one please"),
    ("The later one.", "the later one"),
    ("Can I move my appointment to Thursday afternoon?", "can i move my appointment to thursday afternoon"),
    ("I want to cancel my appointment.", "i want to cancel my appointment"),
    ("How much do you charge for a water heater replacement?",
     "how much do you charge for a water heater replacement"),
    ("Do you come out to zip code six oh six five seven?", "do you come out to zip code 60657"),
    ("There's water everywhere, a pipe burst in the basement.",
     "there's water everywhere a pipe burst in the basement"),
    ("I smell gas in my kitchen.", "i smell gas in my kitchen"),
    ("When is my appointment?", "when is my appointment"),
    ("Can I talk to a real person?", "can i talk to a real person"),
    ("The toilet keeps running all night.", "the toilet keeps running all night"),
    ("What are your hours on Saturday?", "what are your hours on saturday"),
    ("Are you licensed and insured?", "are you licensed and insured"),
    ("No, make it Friday at two instead.", "no make it friday at 2 instead"),
    ("Thank you, goodbye.", "thank you goodbye"),
    ("Am I talking to a robot?", "am i talking to a robot"),
    ("My garbage disposal is jammed.", "my garbage disposal is jammed"),
    ("The sump pump stopped working after the storm.", "the sump pump stopped working after the storm"),
    ("My email is jessica at example dot com.", "my email is jessica at example dot com"),
    ("Um, hold on a second.", "um hold on a second"),
    ("Hi, this is Robert Chen, I have an appointment on Tuesday.",
     "hi this is robert chen i have an appointment on tuesday"),
]
WORD = re.compile(r"[a-z0-9']+")


def normalized(text: str) -> list[str]:
    text = text.lower().replace("-", " ")
    text = re.sub(r"(?<=\d)[ ,.](?=\d)", "", text)  # "312 555 0199", "1,420", "6.0614"
    return WORD.findall(text)


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    row = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, 1):
        diagonal, row[0] = row[0], i
        for j, heard in enumerate(hyp, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (word != heard))
    return row[-1]


def numbers_right(reference: str, hypothesis: str) -> bool:
    wanted = re.findall(r"\d+", " ".join(normalized(reference)))
    got = re.findall(r"\d+", " ".join(normalized(hypothesis)))
    return all(number in got for number in wanted)


def phone_path(pcm: bytes, noise: float, seed: int) -> bytes:
    """mu-law round trip, as every Twilio frame is, plus a little line hiss."""
    samples = np.frombuffer(audioop.ulaw2lin(audioop.lin2ulaw(pcm, 2), 2), np.int16).astype(np.float32)
    samples += np.random.default_rng(seed).normal(0, noise, samples.size)
    return np.clip(samples, -32768, 32767).astype(np.int16).tobytes()


def espeak(text: str, voice: str) -> bytes:
    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", "165", "--stdout", text],
                         capture_output=True, check=True).stdout
    return subprocess.run(["sox", "-t", "wav", "-", "-t", "raw", "-r", "8000", "-e", "signed", "-b", "16",
                           "-c", "1", "-"], input=wav, capture_output=True, check=True).stdout


def corpus(repeats: int) -> list[tuple[str, str, bytes]]:
    piper = PiperSpeaker()
    items = []
    for n in range(repeats):  # Piper adds generator noise, so each rendition differs
        items += [("piper joe", ref, phone_path(piper.speak(said, 8000), 150, n)) for said, ref in LINES]
    items += [("espeak en-us", ref, phone_path(espeak(said, "en-us"), 150, 7)) for said, ref in LINES]
    items += [("espeak en-us+f3", ref, phone_path(espeak(said, "en-us+f3"), 300, 8)) for said, ref in LINES]
    return items


def score(recognizer: WhisperRecognizer, items) -> dict[str, dict]:
    results: dict[str, dict] = {}
    recognizer.transcribe(items[0][2], 8000, HINTS)  # first decode allocates buffers
    for voice, reference, pcm in items:
        started = time.perf_counter()
        text = recognizer.transcribe(pcm, 8000, HINTS).text
        elapsed = (time.perf_counter() - started) * 1000
        for key in (voice, "all"):
            row = results.setdefault(key, {"errors": 0, "words": 0, "numbers": 0, "with_numbers": 0, "ms": []})
            ref = normalized(reference)
            row["errors"] += edit_distance(ref, normalized(text))
            row["words"] += len(ref)
            if re.search(r"\d", reference):
                row["with_numbers"] += 1
                row["numbers"] += numbers_right(reference, text)
            row["ms"].append(elapsed)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="Piper renditions of each line")
    args = parser.parse_args()
    items = corpus(args.repeats)
    modes = {"full 30 s window": WhisperRecognizer(adaptive_window=False),
             "utterance window (bridge default)": WhisperRecognizer(adaptive_window=True)}
    scored = {name: score(recognizer, items) for name, recognizer in modes.items()}
    load = " / ".join(Path("/proc/loadavg").read_text().split()[:3])
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    lines = [
        "# Whisper tiny.en: full window against utterance window", "",
        f"Measured by `bench/stt_window.py --repeats {args.repeats}` on "
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC.", "",
        f"**Machine:** 2 CPU cores ({cpu}), Python {platform.python_version()}, int8 on the CPU, "
        f"2 threads; load average at the end {load}.", "",
        f"{len(LINES)} caller lines (bookings, addresses, ZIP codes, a phone number, yes/no answers), "
        f"spoken by Piper joe-medium ({args.repeats} renditions) and two espeak-ng voices, sent through "
        "mu-law at 8 kHz with line hiss, decoded with the business vocabulary as the prompt. "
        "WER counts words after lower-casing and joining digit groups; *numbers right* is the share "
        "of lines with a number where every number came out exactly.", "",
        "| Window | Voice | Lines | WER | Numbers right | Decode p50 ms | p95 ms |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, results in scored.items():
        for voice, row in sorted(results.items(), key=lambda item: item[0] == "all"):
            times = sorted(row["ms"])
            lines.append(
                f"| {name} | {voice} | {len(times)} | {row['errors'] / row['words']:.3f} | "
                f"{row['numbers']}/{row['with_numbers']} | {np.percentile(times, 50):.0f} | "
                f"{np.percentile(times, 95):.0f} |")
    REPORT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
