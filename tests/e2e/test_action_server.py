"""The action server of the running stack listens on loopback only and answers nobody but
our Rasa server: a hand-made POST to /webhook, the way the probe read and cancelled a
customer's appointment, is refused."""
from __future__ import annotations

import pytest
import requests

from tests.e2e.conftest import ACTION_SERVER_TOKEN

pytestmark = pytest.mark.e2e


def _call(sender: str) -> dict:
    return {"next_action": "action_find_appointment", "sender_id": sender, "version": "3.6.2",
            "domain": {}, "tracker": {"sender_id": sender, "slots": {"customer_id": 1.0, "pending_request": "check"},
                                       "latest_message": {}, "events": [], "paused": False,
                                       "followup_action": None, "active_loop": {}, "latest_action_name": None}}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token-0123456789"},
                                     {"Authorization": ACTION_SERVER_TOKEN}, {"Authorization": "Bearer \u00e9"}])
def test_webhook_refuses_requests_without_the_token(stack, headers):
    reply = requests.post(f"{stack.actions_url}/webhook", json=_call("probe"), headers=headers, timeout=30)
    assert reply.status_code == 401
    assert requests.get(f"{stack.actions_url}/actions", headers=headers, timeout=30).status_code == 401


def test_health_checks_the_database(stack):
    reply = requests.get(f"{stack.actions_url}/health", timeout=30)
    assert reply.status_code == 200 and reply.json() == {"status": "ok", "database": "ok"}


def test_with_the_token_the_action_runs(stack):
    reply = requests.post(f"{stack.actions_url}/webhook", json=_call("probe-2"),
                          headers={"Authorization": f"Bearer {ACTION_SERVER_TOKEN}"}, timeout=30)
    assert reply.status_code == 200 and "events" in reply.json()
