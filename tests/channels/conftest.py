"""The echo Rasa (tests/channels/echo_rasa.py) as a real process on a free port."""
from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
import requests

from business.settings import ROOT

SECRET_KEY = "channel-tests-secret"
DASHBOARD_PORT = "18080"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def echo_rasa(tmp_path_factory) -> Iterator[str]:
    port = _free_port()
    log = tmp_path_factory.mktemp("echo_rasa") / "echo.log"
    env = {**os.environ, "SECRET_KEY": SECRET_KEY, "PYTHONPATH": str(ROOT), "DASHBOARD_PORT": DASHBOARD_PORT,
           "WIDGET_ALLOWED_ORIGINS": ""}
    with log.open("w") as out:
        process = subprocess.Popen([str(ROOT / ".venvs/rasa/bin/python"), str(ROOT / "tests/channels/echo_rasa.py"),
                                    str(port)], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()[-3000:]
        try:
            if requests.get(f"{url}/webhooks/rest/", timeout=2).ok:
                break
        except requests.RequestException:
            pass
        time.sleep(0.3)
    else:
        pytest.fail(f"echo Rasa did not start:\n{log.read_text()[-3000:]}")
    yield url
    process.terminate()
    process.wait(timeout=30)
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
