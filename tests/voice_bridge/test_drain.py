"""Draining on SIGTERM and the active-calls metric: a call in progress is finished, new calls
and streams are refused, readiness fails while liveness holds, and the server stops once the
last call ends or the drain deadline passes. The in-process tests call the server's own
SIGTERM handler (signals reach only the main thread); one test sends a real SIGTERM to
`python -m voice_bridge`."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest
import websockets
from prometheus_client.parser import text_string_to_metric_families

from business.settings import ROOT
from tests.voice_bridge.conftest import ServerThread, free_port
from voice_bridge.config import Settings
from voice_bridge.drain import DrainingServer
from voice_bridge.server import create_app
from voice_bridge.simulator import SimulatedCall

FAST = 3.0


class DrainingServerThread(ServerThread):
    def __init__(self, app, port: int, drain_seconds: float) -> None:
        super().__init__(app, port)
        self.server = DrainingServer(self.server.config, app.state.drain, drain_seconds)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def sigterm(self) -> None:
        self.server.handle_exit(signal.SIGTERM, None)


@pytest.fixture
def start_draining(make_bridge):
    servers: list[DrainingServerThread] = []

    def _start(drain_seconds: float = 120.0) -> tuple[DrainingServerThread, str]:
        loaded = make_bridge()  # the models, loaded once per session
        port = free_port()
        settings = loaded.settings.model_copy(update={"port": port, "public_base_url": f"http://127.0.0.1:{port}"})
        app = create_app(settings, services_factory=lambda s: loaded.app.state.services)
        server = DrainingServerThread(app, port, drain_seconds).__enter__()
        servers.append(server)
        return server, f"http://127.0.0.1:{port}"

    yield _start
    for server in servers:
        server.__exit__(None, None, None)


def metrics(url: str) -> dict[str, float]:
    text = httpx.get(url + "/metrics").text
    return {sample.name: sample.value for family in text_string_to_metric_families(text) for sample in family.samples}


def media_url(url: str) -> str:
    return url.replace("http://", "ws://") + "/twilio/media"


def wait_stopped(server: DrainingServerThread, seconds: float = 30.0) -> bool:
    server.thread.join(timeout=seconds)
    return not server.thread.is_alive()


def test_a_call_in_progress_is_finished_and_new_calls_are_refused(start_draining, rasa, caller_lines):
    server, url = start_draining()

    async def scenario():
        async with SimulatedCall(media_url(url), speed=FAST) as call:
            assert await call.wait_for_reply(30)  # the greeting
            before = metrics(url)
            assert before["voice_bridge_active_calls"] == 1 and before["voice_bridge_draining"] == 0

            server.sigterm()
            async with httpx.AsyncClient() as http:
                ready = await http.get(url + "/health")
                live = await http.get(url + "/health/live")
                webhook = await http.post(url + "/twilio/voice", data={"CallSid": "CA" + "2" * 32})
            assert (ready.status_code, ready.json()["status"]) == (503, "draining")
            assert live.status_code == 200 and live.json()["active_calls"] == 1
            assert webhook.status_code == 503
            with pytest.raises(websockets.InvalidStatusCode) as refused:
                await websockets.connect(media_url(url))
            assert refused.value.status_code == 503
            during = metrics(url)
            assert during["voice_bridge_draining"] == 1 and during["voice_bridge_active_calls"] == 1

            # The caller who was already talking is still served.
            await call.say(caller_lines("my kitchen sink has a leak"), "my kitchen sink has a leak")
            assert await call.wait_for_reply(60)
            assert call.closed is None
            assert server.thread.is_alive()
        return call

    asyncio.run(scenario())
    assert any("leak" in request["message"].lower() for request in rasa.requests)
    assert wait_stopped(server), "the bridge did not stop after its last call ended"


def test_the_drain_deadline_stops_the_bridge_with_calls_still_open(start_draining):
    server, url = start_draining(drain_seconds=0.5)

    async def scenario():
        async with SimulatedCall(media_url(url), speed=FAST) as call:
            assert await call.wait_for_reply(30)
            server.sigterm()
            stopped = await asyncio.to_thread(wait_stopped, server)
            await asyncio.sleep(0.2)
            return stopped, call.closed

    stopped, closed = asyncio.run(scenario())
    assert stopped
    assert closed is not None  # uvicorn closed the stream that outlived the deadline


def test_a_second_sigterm_stops_at_once(start_draining):
    server, url = start_draining(drain_seconds=3600)

    async def scenario():
        async with SimulatedCall(media_url(url), speed=FAST) as call:
            assert await call.wait_for_reply(30)
            server.sigterm()
            assert server.thread.is_alive()
            server.sigterm()
            return await asyncio.to_thread(wait_stopped, server)

    assert asyncio.run(scenario())


def test_an_idle_bridge_stops_on_sigterm(start_draining):
    server, url = start_draining()
    assert metrics(url)["voice_bridge_active_calls"] == 0
    server.sigterm()
    assert wait_stopped(server)


def test_drain_seconds_from_the_environment():
    assert Settings.from_env({"VOICE_DRAIN_SECONDS": "570"}).drain_seconds == 570
    with pytest.raises(ValueError, match="VOICE_DRAIN_SECONDS"):
        Settings.from_env({"VOICE_DRAIN_SECONDS": "soon"})


def test_the_real_process_exits_cleanly_on_sigterm(voice_db, rasa):
    """The signal wiring of `python -m voice_bridge` itself: it installs the draining handler
    and exits with status 0 (drained), not killed by the signal."""
    port = free_port()
    env = {**os.environ, "VOICE_BRIDGE_PORT": str(port), "VOICE_BRIDGE_HOST": "127.0.0.1", "APP_ENV": "test",
           "DATABASE_URL": voice_db, "RASA_URL": rasa.url, "SECRET_KEY": "test-secret-key",
           "PUBLIC_BASE_URL": "", "TWILIO_AUTH_TOKEN": "", "TWILIO_ACCOUNT_SID": ""}
    process = subprocess.Popen([sys.executable, "-m", "voice_bridge"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, process.stdout.read()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health/live").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the bridge did not start"
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert "draining: no new calls" in output
