"""`python -m duckling_server` as a real process: Rasa's wire format, `business.understanding.duckling`, and a
clean shutdown."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from business.understanding.duckling import DucklingClient, time_value

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venvs" / "rasa" / "bin" / "python"
STARTUP_DEADLINE = 60  # seconds
WINTER_MS = 1705000000000  # 2024-01-11 13:06:40 in Chicago


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_health(base_url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_DEADLINE
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"duckling_server exited early:\n{log.read_text()}", pytrace=False)
        try:
            if requests.get(f"{base_url}/health", timeout=1).json() == {"status": "ok"}:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    pytest.fail(f"duckling_server was not healthy within {STARTUP_DEADLINE}s", pytrace=False)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "DUCKLING_HOST": "127.0.0.1", "DUCKLING_PORT": str(port)}
    # A file rather than a pipe, so a chatty server can never block on a full pipe.
    log = tmp_path_factory.mktemp("duckling_server") / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "duckling_server"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, process, log)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            pytest.fail(f"duckling_server did not stop on SIGTERM:\n{log.read_text()}", pytrace=False)
    assert process.returncode == 0, log.read_text()
    assert "Shutting down: Master" in log.read_text()


def test_form_exactly_as_rasa_sends_it(base_url):
    # Mirrors DucklingEntityExtractor._payload and _duckling_parse in Rasa 3.6.
    payload = {
        "text": "tomorrow at 9am, call me back on 312 555 0199",
        "locale": "en_US",
        "tz": "America/Chicago",
        "dims": json.dumps(["time", "phone-number"]),
        "reftime": WINTER_MS,
    }
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}
    response = requests.post(f"{base_url}/parse", data=payload, headers=headers, timeout=3)
    response.raise_for_status()
    found = {entity["dim"]: entity["value"]["value"] for entity in response.json()}
    assert found == {"time": "2024-01-12T09:00:00.000-06:00", "phone-number": "3125550199"}


def test_form_as_rasa_sends_it_with_its_default_config(base_url):
    # Rasa's defaults are locale=None, timezone=None (requests leaves them out), dimensions=None.
    payload = {"text": "tomorrow at 9am", "locale": None, "tz": None, "dims": json.dumps(None), "reftime": WINTER_MS}
    response = requests.post(f"{base_url}/parse", data=payload, timeout=3)
    response.raise_for_status()
    assert [entity["value"]["value"] for entity in response.json()] == ["2024-01-12T09:00:00.000-06:00"]


def test_business_client(base_url):
    client = DucklingClient(base_url, timezone="America/Chicago")
    reftime = datetime(2024, 7, 10, 13, 6, 40, tzinfo=ZoneInfo("America/Chicago"))
    [found] = client.parse("tomorrow at 9am", dims=["time"], reftime=reftime)
    value = time_value(found)
    assert value.start == datetime(2024, 7, 11, 9, tzinfo=ZoneInfo("America/Chicago"))
    assert value.start.utcoffset().total_seconds() == -5 * 3600
    assert {entity["dim"] for entity in client.parse("call 312 555 0199 tomorrow")} == {"phone-number", "time"}


def test_business_client_raises_on_bad_input(base_url):
    client = DucklingClient(base_url, timezone="Mars/Olympus")
    with pytest.raises(requests.HTTPError) as raised:
        client.parse("tomorrow")
    assert raised.value.response.status_code == 400
    assert "Mars/Olympus" in raised.value.response.json()["error"]


@pytest.mark.slow
def test_rasa_duckling_entity_extractor(base_url):
    """Rasa's own component, in Rasa's own environment, against this server (about 15 s to import Rasa)."""
    assert RASA_PYTHON.exists(), "the Rasa environment is missing: run `make install` (make test does)"
    script = f"""
import json
from rasa.nlu.extractors.duckling_entity_extractor import DucklingEntityExtractor
from rasa.shared.nlu.training_data.message import Message
config = {{**DucklingEntityExtractor.get_default_config(), "url": {base_url!r},
          "locale": "en_US", "timezone": "America/Chicago", "dimensions": ["time", "phone-number"]}}
message = Message(data={{"text": "tomorrow at 9am, my number is 312 555 0199"}}, time={WINTER_MS // 1000})
DucklingEntityExtractor(config).process([message])
print(json.dumps(message.get("entities")))
"""
    result = subprocess.run(
        [str(RASA_PYTHON), "-W", "ignore", "-c", script],
        capture_output=True, text=True, timeout=300, # Rasa lets RASA_DUCKLING_HTTP_URL override the configured url, and `make`
        # exports it for the real stack; point it at this server.
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "RASA_DUCKLING_HTTP_URL": base_url},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    entities = json.loads(result.stdout.strip().splitlines()[-1])
    assert [(e["entity"], e["value"], e["extractor"]) for e in entities] == [
        ("time", "2024-01-12T09:00:00.000-06:00", "DucklingEntityExtractor"),
        ("phone-number", "3125550199", "DucklingEntityExtractor"),
    ]
