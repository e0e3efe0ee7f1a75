"""The action server process as Rasa reaches it (`python -m actions.server`): a token on
every request but /health, a health check that asks the database, and an action that
fails (here: the database is down mid-booking) answering with a true sentence while the
caller's details are kept in the spool, which the worker turns into a lead and an alert."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from actions.server import KEPT, action_server_token, TokenMissing
from business.db import session_factory
from business.conversations.failure_capture import SPOOL_FILE, import_spooled_requests
from business.models import Lead, Notification
from business.settings import ROOT

TOKEN = "test-action-server-token-123"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def down_server(tmp_path: Path):
    """The action server with its database unreachable (nothing listens on port 1)."""
    port = _free_port()
    env = {**os.environ, "ACTION_SERVER_TOKEN": TOKEN, "VAR_DIR": str(tmp_path), "APP_ENV": "test",
           "SECRET_KEY": "test-secret", "DATABASE_URL": "postgresql+psycopg2://nobody@127.0.0.1:1/none"}
    log = (tmp_path / "actions.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "actions.server", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            requests.get(f"{url}/health", timeout=5)
            break
        except requests.ConnectionError:
            assert process.poll() is None, (tmp_path / "actions.log").read_text()
            time.sleep(0.3)
    yield url, tmp_path
    process.terminate()
    process.wait(timeout=30)


def _booking_call(sender: str) -> dict:
    slots = {"customer_name": "Dana Whitfield", "phone": "+13125550123", "problem": "water heater leaking",
             "appointment_time": "2030-01-08T09:00:00-06:00", "address": "1420 N Lake Shore Dr, Chicago, 60610",
             "zip_code": "60610", "booking_confirmed": True, "service_slug": "water_heater_repair"}
    return {"next_action": "action_book_appointment", "sender_id": sender, "version": "3.6.2", "domain": {},
            "tracker": {"sender_id": sender, "slots": slots, "latest_message": {"text": "yes"},
                        "events": [], "paused": False, "followup_action": None, "active_loop": {},
                        "latest_action_name": "action_listen"}}


def test_token_is_required_and_must_be_long(monkeypatch):
    with pytest.raises(TokenMissing):
        action_server_token({})
    with pytest.raises(TokenMissing):
        action_server_token({"ACTION_SERVER_TOKEN": "short"})
    assert action_server_token({"ACTION_SERVER_TOKEN": TOKEN}) == TOKEN


def test_failed_booking_says_something_true_and_keeps_the_details(down_server, seeded_url):
    url, var_dir = down_server
    assert requests.get(f"{url}/health", timeout=10).status_code == 503
    assert requests.post(f"{url}/webhook", json=_booking_call("CA-down"), timeout=30).status_code == 401
    reply = requests.post(f"{url}/webhook", json=_booking_call("CA-down"), timeout=60,
                          headers={"Authorization": f"Bearer {TOKEN}"})
    assert reply.status_code == 200
    assert reply.json() == {"events": [], "responses": [{"text": KEPT}]}
    spooled = [json.loads(line) for line in (var_dir / "spool" / SPOOL_FILE).read_text().splitlines()]
    assert len(spooled) == 1 and spooled[0]["phone"] == "+13125550123"
    assert spooled[0]["step"] == "action_book_appointment" and spooled[0]["problem"] == "water heater leaking"
    assert "Dana Whitfield" not in (var_dir / "actions.log").read_text()  # no personal data in the log

    # The database is back: the worker's import makes the lead and the owner's alert, once.
    assert import_spooled_requests(database_url=seeded_url, spool_dir=var_dir / "spool") == 1
    assert import_spooled_requests(database_url=seeded_url, spool_dir=var_dir / "spool") == 0
    with session_factory(seeded_url)() as session:
        lead = session.scalars(select(Lead)).one()
        assert (lead.name, lead.phone) == ("Dana Whitfield", "+13125550123")
        assert "water heater leaking" in lead.reason and "action_book_appointment" in lead.reason
        kinds = {n.kind for n in session.scalars(select(Notification))}
        assert {"owner_lead", "owner_assistant_failed"} <= kinds
