"""The running stack for end-to-end tests: `make run`'s real services under the same
supervisor (supervisord.conf: Duckling, action server, Rasa with the trained model, worker,
dashboard, voice bridge) on free ports and a fresh database."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import select

from channels.trust import sign_channel
from business.db import session_factory
from business.migrations_runner import upgrade
from business.models import BusinessSetting, Technician
from business.profile import PROFILE_KEY, WEEKDAYS, save_profile_data
from business.seed import seed
from business.settings import ROOT

STARTUP_DEADLINE = 300  # seconds; loading TensorFlow and the model dominates
SECRET_KEY = "e2e-secret-key-not-for-production"
ACTION_SERVER_TOKEN = "e2e-action-server-token"


CHICAGO = ZoneInfo("America/Chicago")


def day_ahead(days_ahead: int, hour: int) -> datetime:
    """That many days from today in the business's zone, at `hour`."""
    day = (datetime.now(CHICAGO) + timedelta(days=days_ahead)).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=CHICAGO)


def date_words(days_ahead: int) -> str:
    """'december 4': a caller naming the date. Duckling reads "in three days at 2pm" as
    72 hours from now and then the next 2 p.m., a day later once it is past 2 p.m."""
    day = day_ahead(days_ahead, 12)
    return f"{day:%B} {day.day}".lower()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def trained_model() -> str:
    name = os.environ.get("RASA_MODEL")
    if name and (ROOT / "rasa_project" / "models" / name).exists():
        return name
    models = sorted((ROOT / "rasa_project" / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        pytest.fail("no trained Rasa model: run `make model` (make test does this first)", pytrace=False)
    return models[-1].name


@dataclass
class Stack:
    database_url: str
    rasa_url: str
    log: Path
    voice_url: str = ""  # the voice bridge's base URL (http://...)
    supervisor_dir: Path | None = None
    dashboard_port: int = 0
    actions_url: str = ""
    duckling_url: str = ""

    def call(self, sender: str, text: str, caller: str, channel: str = "phone") -> list[str]:
        """A message as the voice bridge or SMS webhook sends it: caller ID signed."""
        signature = sign_channel(SECRET_KEY, channel=channel, caller=caller, sender_id=sender)
        return self.say(sender, text, {"channel": channel, "caller": caller, "signature": signature})

    def say(self, sender: str, text: str, metadata: dict | None = None) -> list[str]:
        """A message with the given metadata; by default as our front ends send an
        anonymous web visitor's: signed channel "web", no caller. Returns the texts."""
        return [m.get("text", "") for m in self.answer(sender, text, metadata)]

    def answer(self, sender: str, text: str, metadata: dict | None = None) -> list[dict]:
        """Rasa's whole answer (texts and custom payloads) to a message, as `say` sends it."""
        if metadata is None:
            metadata = {"channel": "web", "signature": sign_channel(SECRET_KEY, channel="web", caller=None,
                                                                     sender_id=sender)}
        payload = {"sender": sender, "message": text, "metadata": metadata}
        response = requests.post(f"{self.rasa_url}/webhooks/rest/webhook", json=payload, timeout=60)
        response.raise_for_status()
        return response.json()

    def supervisorctl(self, *args: str) -> str:
        result = subprocess.run([str(ROOT / ".venvs/app/bin/supervisorctl"), "-c", str(ROOT / "supervisord.conf"),
                                 *args], env={**os.environ, "SUPERVISOR_DIR": str(self.supervisor_dir)},
                                capture_output=True, text=True, timeout=60)
        return result.stdout


def open_every_day(database_url: str) -> None:
    """A business open daily with one plumber on duty, so 'tomorrow at 9am' is bookable
    whatever day the suite runs and a second caller for the same slot finds it taken."""
    every_day = {day: ["07:00", "19:00"] for day in WEEKDAYS}
    with session_factory(database_url).begin() as session:
        data = dict(session.get(BusinessSetting, PROFILE_KEY).value)
        # Technicians never answer job texts here; a day to answer keeps the worker from
        # moving jobs to someone else in the middle of a test.
        booking = {**data.get("booking", {}), "technician_reply_minutes": 24 * 60}
        save_profile_data(session=session, data={**data, "hours": every_day, "holidays": [], "closed_us_holidays": [],
                                                 "booking": booking})
        for tech in session.scalars(select(Technician)):
            tech.active = tech.name == "Mike Alvarez"
            tech.working_hours = every_day


def wait_until_ready(rasa_url: str, process: subprocess.Popen, log: Path,
                     limit: float = STARTUP_DEADLINE) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the stack exited early:\n{log.read_text()[-4000:]}", pytrace=False)
        try:
            probe = {"channel": "web", "signature": sign_channel(SECRET_KEY, channel="web", caller=None,
                                                                 sender_id="readiness-probe")}
            reply = requests.post(f"{rasa_url}/webhooks/rest/webhook",
                                  json={"sender": "readiness-probe", "message": "hello", "metadata": probe},
                                  timeout=30)
            # The trouble sentence (custom assistant_error) means the action server is not up yet.
            if reply.ok and reply.json() and not any(m.get("custom") for m in reply.json()):
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    pytest.fail(f"the stack was not ready in {limit}s:\n{log.read_text()[-4000:]}", pytrace=False)


def wait_for_health(url: str, process: subprocess.Popen, log: Path) -> None:
    """The voice bridge answers /health once its speech models are loaded."""
    deadline = time.monotonic() + STARTUP_DEADLINE
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the stack exited early:\n{log.read_text()[-4000:]}", pytrace=False)
        try:
            if requests.get(url, timeout=5).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    pytest.fail(f"{url} was not ready in {STARTUP_DEADLINE}s:\n{log.read_text()[-4000:]}", pytrace=False)


def stop_program(workdir: Path, name: str) -> None:
    """Stop one supervised program once supervisord answers (it starts them all)."""
    for _ in range(60):
        result = subprocess.run([str(ROOT / ".venvs/app/bin/supervisorctl"), "-c", str(ROOT / "supervisord.conf"),
                                 "stop", name], env={**os.environ, "SUPERVISOR_DIR": str(workdir)},
                                capture_output=True, text=True, timeout=60)
        if "stopped" in result.stdout or "not running" in result.stdout:
            return
        time.sleep(1)


@contextmanager
def launch_stack(workdir: Path, *, model: str | None = None, voice: bool = True,
                 startup_deadline: float = STARTUP_DEADLINE) -> Iterator[Stack]:
    """The whole stack under supervisord on free ports with a fresh seeded database in
    `workdir`; stopped on exit. Shared by the e2e fixture and bench/dialogue_eval.py, which
    needs no voice bridge (voice=False stops it to leave the cores to the dialogue)."""
    database_url = f"sqlite:///{workdir / 'receptionist.db'}"
    upgrade(database_url)
    with session_factory(database_url).begin() as session:
        seed(session=session, data_dir=ROOT / "data")
    open_every_day(database_url)

    ports = {name: free_port() for name in ("RASA_PORT", "ACTIONS_PORT", "DUCKLING_PORT", "DASHBOARD_PORT",
                                             "VOICE_BRIDGE_PORT")}
    env = {
        **os.environ,
        **{k: str(v) for k, v in ports.items()},
        "DATABASE_URL": database_url,
        "RASA_TRACKER_URL": f"sqlite:///{workdir / 'tracker.db'}",
        "RASA_EVENT_BROKER_URL": f"sqlite:///{workdir / 'rasa_events.db'}",
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{ports['ACTIONS_PORT']}/webhook",
        "DUCKLING_URL": f"http://127.0.0.1:{ports['DUCKLING_PORT']}",
        "RASA_DUCKLING_HTTP_URL": f"http://127.0.0.1:{ports['DUCKLING_PORT']}",
        "RASA_MODEL": model or trained_model(),
        "RASA_TELEMETRY_ENABLED": "false",
        "DASHBOARD_HOST": "127.0.0.1",
        "BUSINESS_TIMEZONE": "America/Chicago",
        "APP_ENV": "development",
        "SECRET_KEY": SECRET_KEY,
        "ACTION_SERVER_TOKEN": ACTION_SERVER_TOKEN,
        "SUPERVISOR_DIR": str(workdir),
        "RASA_HOST": "127.0.0.1",
        "ACTIONS_HOST": "127.0.0.1",
        "DUCKLING_HOST": "127.0.0.1",
        "VOICE_BRIDGE_HOST": "127.0.0.1",
        "RASA_URL": f"http://127.0.0.1:{ports['RASA_PORT']}",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{ports['VOICE_BRIDGE_PORT']}",
        "STT_ENGINE": "whisper",
    }
    log = workdir / "stack.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(ROOT / ".venvs/app/bin/supervisord"), "-c", str(ROOT / "supervisord.conf")],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        voice_url = f"http://127.0.0.1:{ports['VOICE_BRIDGE_PORT']}"
        if not voice:
            stop_program(workdir, "voice_bridge")
        wait_until_ready(f"http://127.0.0.1:{ports['RASA_PORT']}", process, log, startup_deadline)
        if voice:
            wait_for_health(f"{voice_url}/health", process, log)
        yield Stack(database_url=database_url, rasa_url=f"http://127.0.0.1:{ports['RASA_PORT']}", log=log,
                    voice_url=voice_url, supervisor_dir=workdir, dashboard_port=ports["DASHBOARD_PORT"],
                    actions_url=f"http://127.0.0.1:{ports['ACTIONS_PORT']}",
                    duckling_url=f"http://127.0.0.1:{ports['DUCKLING_PORT']}")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[Stack]:
    with launch_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running
