"""Voice latency and capacity benchmark: simulated Twilio calls against the voice bridge
(in this process, so each turn's time can be split) on the real stack (Duckling, actions,
Rasa with the trained model, worker). Writes reports/bench-voice.md.

    .venvs/app/bin/python bench/voice_latency.py [--levels 1,2,4,8,12] [--turns-single 30]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from business.db import session_factory  # noqa: E402
from business.migrations_runner import upgrade  # noqa: E402
from business.seed import seed  # noqa: E402
from tests.e2e.conftest import (  # noqa: E402
    ACTION_SERVER_TOKEN, SECRET_KEY, free_port, open_every_day, trained_model, wait_until_ready)
from tests.voice_bridge.conftest import ServerThread  # noqa: E402
from voice_bridge.config import Settings  # noqa: E402
from voice_bridge.server import create_app  # noqa: E402
from voice_bridge.services import load_services  # noqa: E402
from voice_bridge.simulator import SimulatedCall  # noqa: E402
from voice_bridge.tts.piper import PiperSpeaker  # noqa: E402

# Things callers say that get an answer without ending the call.
LINES = [
    "What are your hours on Saturday?",
    "How much does drain cleaning cost?",
    "Do you work in the 60610 zip code?",
    "Do you fix water heaters?",
    "How much is a faucet repair?",
    "Are you licensed and insured?",
    "What forms of payment do you take?",
    "Do you charge for an estimate?",
    "Do you fix garbage disposals?",
    "How much is a water heater replacement?",
]
CLK_TCK = os.sysconf("SC_CLK_TCK")
args_verbose = False


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def cpu_seconds(pids: set[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / CLK_TCK


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def descendants(root: int) -> set[int]:
    """The stack's processes: supervisord and everything it started (each in its own group)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(Path(f"/proc/{entry.name}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    found, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in found]
        found.update(children)
        frontier.extend(children)
    return found


@dataclass
class Level:
    calls: int
    greeting: list[float] = field(default_factory=list)  # ms, stream start -> first greeting audio
    latencies: list[float] = field(default_factory=list)  # ms, caller's last voiced frame -> first reply audio
    endpoint: list[float] = field(default_factory=list)
    stt: list[float] = field(default_factory=list)
    rasa: list[float] = field(default_factory=list)
    tts: list[float] = field(default_factory=list)
    delivery: list[float] = field(default_factory=list)  # end of turn -> first frame sent by the bridge
    early: int = 0  # turns whose transcript was started at the pause
    tts_hits: int = 0
    tts_pieces: int = 0
    underruns: int = 0
    wall: float = 0.0
    bridge_cpu: float = 0.0
    stack_cpu: float = 0.0
    rss_peak: float = 0.0
    failures: int = 0


async def one_call(url: str, lines: list, index: int, app, level: Level, delay: float) -> None:
    await asyncio.sleep(delay)
    async with SimulatedCall(url, caller=f"+1312555{1000 + index:04d}", speed=1.0) as call:
        if not await call.wait_for_reply(60):
            level.failures += 1
            return
        level.greeting.append(call.greeting_after * 1000)
        live = app.state.calls[call.call_sid]
        for text, pcm in lines:
            turns_before = len(live.timings)
            await call.say(pcm, text)
            last_voiced = call._last_voiced
            answered = await call.wait_for_reply(120)
            if not answered or len(live.timings) <= turns_before or not call.first_audio_after:
                level.failures += 1
                continue
            timing = live.timings[turns_before]
            level.latencies.append(call.first_audio_after[-1] * 1000)
            if last_voiced is not None:
                level.endpoint.append((timing.endpointed_at - last_voiced) * 1000)
                if args_verbose:
                    print(f"  {level.endpoint[-1]:5.0f} ms endpoint, {level.latencies[-1]:5.0f} ms total: "
                          f"{timing.text!r}", flush=True)
            level.stt.append(timing.stt_ms)
            if timing.first_sent_at is not None:
                level.delivery.append((timing.first_sent_at - timing.endpointed_at) * 1000)
            level.early += timing.early
            level.rasa.append(timing.rasa_ms)
            if timing.tts_first_ms is not None:
                level.tts.append(timing.tts_first_ms)
        level.underruns += call.underruns


async def run_level(url: str, app, speech: list, calls: int, turns: int, stack_pid: int, stagger: float) -> Level:
    level = Level(calls)
    # Call i asks questions i, i+1, ...: different calls say different things at once.
    scripts = [[speech[(i + k) % len(speech)] for k in range(turns)] for i in range(calls)]
    # Random (seeded) start times within `stagger` seconds: real callers do not speak in lockstep.
    delays = [random.Random(calls * 1000 + i).uniform(0, stagger) if i else 0.0 for i in range(calls)]
    stack = descendants(stack_pid)
    cpu0, stack0, wall0 = time.process_time(), cpu_seconds(stack), time.perf_counter()
    peak = rss_mb(os.getpid())
    speaker = app.state.services.speaker
    hits0, misses0 = speaker.hits, speaker.misses

    async def sample():
        nonlocal peak
        while True:
            peak = max(peak, rss_mb(os.getpid()))
            await asyncio.sleep(0.5)

    sampler = asyncio.create_task(sample())
    await asyncio.gather(*(one_call(url, scripts[i], i, app, level, delays[i]) for i in range(calls)))
    sampler.cancel()
    level.wall = time.perf_counter() - wall0
    level.bridge_cpu = time.process_time() - cpu0
    level.stack_cpu = cpu_seconds(stack) - stack0
    level.rss_peak = peak
    level.tts_hits = speaker.hits - hits0
    level.tts_pieces = level.tts_hits + speaker.misses - misses0
    return level


def start_stack(workdir: Path) -> tuple[subprocess.Popen, str, str]:
    database_url = f"sqlite:///{workdir / 'receptionist.db'}"
    upgrade(database_url)
    with session_factory(database_url).begin() as session:
        seed(session=session, data_dir=ROOT / "data")
    open_every_day(database_url)
    ports = {name: free_port() for name in ("RASA_PORT", "ACTIONS_PORT", "DUCKLING_PORT", "DASHBOARD_PORT",
                                             "VOICE_BRIDGE_PORT")}
    env = {
        **os.environ, **{k: str(v) for k, v in ports.items()},
        "APP_ENV": "development", "SECRET_KEY": SECRET_KEY, "ACTION_SERVER_TOKEN": ACTION_SERVER_TOKEN,
        "SUPERVISOR_DIR": str(workdir), "RASA_HOST": "127.0.0.1", "ACTIONS_HOST": "127.0.0.1",
        "DUCKLING_HOST": "127.0.0.1", "DASHBOARD_HOST": "127.0.0.1", "VOICE_BRIDGE_HOST": "127.0.0.1",
        "DATABASE_URL": database_url, "RASA_TRACKER_URL": f"sqlite:///{workdir / 'tracker.db'}",
        "RASA_EVENT_BROKER_URL": f"sqlite:///{workdir / 'rasa_events.db'}",
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{ports['ACTIONS_PORT']}/webhook",
        "DUCKLING_URL": f"http://127.0.0.1:{ports['DUCKLING_PORT']}",
        "RASA_DUCKLING_HTTP_URL": f"http://127.0.0.1:{ports['DUCKLING_PORT']}",
        "RASA_MODEL": trained_model(), "RASA_TELEMETRY_ENABLED": "false",
    }
    log = workdir / "stack.log"
    process = subprocess.Popen(
        [str(ROOT / ".venvs/app/bin/supervisord"), "-c", str(ROOT / "supervisord.conf")],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    rasa_url = f"http://127.0.0.1:{ports['RASA_PORT']}"
    wait_until_ready(rasa_url, process, log)
    # The bridge under test runs in this process; the stack's own bridge and the dashboard
    # would only take CPU from it.
    subprocess.run([str(ROOT / ".venvs/app/bin/supervisorctl"), "-c", str(ROOT / "supervisord.conf"), "stop",
                    "voice_bridge", "dashboard"], env=env, check=True, capture_output=True, timeout=60)
    os.environ["RASA_TRACKER_URL"] = env["RASA_TRACKER_URL"]
    return process, rasa_url, database_url


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return (f"{os.cpu_count()} CPU cores ({cpu}), {int(mem) / 1024 / 1024:.1f} GiB RAM, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def report(levels: list[Level], description: str, started_load: str, ended_load: str, settings: Settings,
           cache_mb: int, stagger: float) -> str:
    lines = [
        "# Voice bridge latency and capacity",
        "",
        f"Measured by `bench/voice_latency.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        f"**Machine:** {description}. {started_load} {ended_load}",
        "",
        "Each simulated call is a Twilio stand-in (`voice_bridge.simulator`) streaming 20 ms mu-law frames in"
        " real time: caller lines synthesized by Piper, the assistant's audio played back in real time with"
        " marks answered like Twilio. The bridge runs in the benchmark process (Whisper tiny.en int8 with the"
        " utterance-sized window, Piper joe-medium, webrtcvad; one queue each for speech-to-text and text-to-speech); Duckling, the action"
        f" server, Rasa (trained model) and the transcript worker run as `make run` starts them (supervisord). {len(LINES)}"
        f" different caller questions; call *i* asks questions *i*, *i*+1, ... The calls of a level start at"
        f" random (seeded) times within {stagger:g} s (about one caller turn), since real callers do not speak"
        " in lockstep.",
        "",
        "**Latency** = from the caller's last voiced frame sent to the first frame of the assistant's audio"
        " received. Split: *endpoint* = last voiced frame to the bridge's end-of-turn decision (speech-to-text"
        f" starts at a {settings.endpoint_pause_ms} ms pause; the turn ends after"
        f" {settings.endpoint_finished_ms} ms of silence if those words end a sentence,"
        f" {settings.endpoint_silence_ms} ms when unsure, {settings.endpoint_unfinished_ms} ms after a filler);"
        " *STT* = waiting for the transcript after that; *early* = turns whose transcript was the one started at"
        " the pause; *Rasa* (REST round trip incl. actions); *TTS first* = first piece of the reply synthesized"
        f" (reply pieces are cached, {cache_mb} MB; *cache hits* counts pieces said before).",
        "",
        "| calls | turns | greeting p95 ms | p50 ms | p95 ms | endpoint p50 / p95 | STT wait p50 / p95 | early | Rasa p50 / p95 | TTS first p50 / p95 | TTS cache hits | underruns | failed turns | bridge CPU % of a core per call | stack CPU % | bridge RSS peak MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for lv in levels:
        lines.append(
            f"| {lv.calls} | {len(lv.latencies)} | {percentile(lv.greeting, 95):.0f} | {percentile(lv.latencies, 50):.0f} | {percentile(lv.latencies, 95):.0f} | "
            f"{percentile(lv.endpoint, 50):.0f} / {percentile(lv.endpoint, 95):.0f} | "
            f"{percentile(lv.stt, 50):.0f} / {percentile(lv.stt, 95):.0f} | {lv.early}/{len(lv.stt)} | "
            f"{percentile(lv.rasa, 50):.0f} / {percentile(lv.rasa, 95):.0f} | "
            f"{percentile(lv.tts, 50):.0f} / {percentile(lv.tts, 95):.0f} | {lv.tts_hits}/{lv.tts_pieces} | "
            f"{lv.underruns} | {lv.failures} | "
            f"{100 * lv.bridge_cpu / lv.wall / lv.calls:.0f} | {100 * lv.stack_cpu / lv.wall:.0f} | {lv.rss_peak:.0f} |"
        )
    return "\n".join(lines) + "\n"


async def main_async(args) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-voice-"))
    description = machine()
    started_load = "Load average (1/5/15 min) at start: {:.1f} / {:.1f} / {:.1f}.".format(*os.getloadavg())
    process, rasa_url, database_url = start_stack(workdir)
    try:
        port = free_port()
        settings = Settings(port=port, rasa_url=rasa_url, database_url=database_url, secret_key=SECRET_KEY,
                            public_base_url=f"http://127.0.0.1:{port}", silence_seconds=60.0)
        app = create_app(settings, services_factory=lambda s: load_services(s, tts_cache_bytes=args.tts_cache_mb << 20))
        with ServerThread(app, port):
            # The caller's lines, synthesized apart from the bridge's speaker and its cache.
            caller_voice = PiperSpeaker(cache_bytes=0)
            speech = [(text, caller_voice.speak(text, 8000)) for text in LINES]
            url = f"ws://127.0.0.1:{port}/twilio/media"
            levels = []
            for calls in args.levels:
                turns = args.turns_single if calls == 1 else args.turns
                level = await run_level(url, app, speech, calls, turns, process.pid, args.stagger)
                levels.append(level)
                print(f"end->first frame sent p50/p95 {percentile(level.delivery, 50):.0f}/{percentile(level.delivery, 95):.0f}")
                print(f"{calls} calls: {len(level.latencies)} turns, p50 {percentile(level.latencies, 50):.0f} ms, "
                      f"p95 {percentile(level.latencies, 95):.0f} ms, underruns {level.underruns}, "
                      f"failed {level.failures}", flush=True)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    ended_load = "At the end: {:.1f} / {:.1f} / {:.1f}.".format(*os.getloadavg())
    text = report(levels, description, started_load, ended_load, settings, args.tts_cache_mb, args.stagger)
    Path(args.output).write_text(text + args.notes)
    print(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--levels", default="1,2,4,8,12", type=lambda s: [int(x) for x in s.split(",")])
    parser.add_argument("--turns-single", type=int, default=30, help="turns of the one-call level")
    parser.add_argument("--turns", type=int, default=3, help="turns per call at the other levels")
    parser.add_argument("--output", default=str(ROOT / "reports" / "bench-voice.md"))
    parser.add_argument("--stagger", type=float, default=6.0,
                        help="seconds over which the calls of a level start (one caller turn is about 6 s)")
    parser.add_argument("--tts-cache-mb", type=int, default=32, help="reply audio cache; 0 turns it off")
    parser.add_argument("--notes", default="", help="text appended to the report")
    parser.add_argument("--verbose", action="store_true", help="print every turn")
    args = parser.parse_args()
    global args_verbose
    args_verbose = args.verbose
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
