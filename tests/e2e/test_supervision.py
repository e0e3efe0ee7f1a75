"""`make run`'s supervisor keeps the product up: killing one service (here the action
server, mid-conversation) does not stop the others, and the killed one comes back."""
from __future__ import annotations

import os
import signal
import time

import pytest
import requests

pytestmark = pytest.mark.e2e


def _pid(stack, name: str) -> int:
    status = stack.supervisorctl("pid", name).strip()
    assert status.isdigit() and int(status) > 0, status
    return int(status)


def test_a_killed_service_is_restarted_and_the_rest_keep_serving(stack):
    assert stack.say("supervision-1", "what are your hours")
    before = _pid(stack, "actions")
    os.kill(before, signal.SIGKILL)
    # While it is down, Rasa is still up and says something true instead of nothing.
    replies = stack.say("supervision-2", "hi, my sink is leaking")
    assert replies and all(r.strip() for r in replies)
    assert requests.get(f"{stack.voice_url}/health", timeout=10).status_code in {200, 503}
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = stack.supervisorctl("status", "actions")
        if "RUNNING" in status and _pid(stack, "actions") != before:
            break
        time.sleep(1)
    else:
        pytest.fail(f"the action server was not restarted: {stack.supervisorctl('status')}")
    # Running is not yet listening: wait for its health check before the next conversation.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{stack.actions_url}/health", timeout=5).ok:
                break
        except requests.RequestException:
            pass
        time.sleep(1)
    replies = stack.say("supervision-3", "hi, my sink is leaking")
    assert replies and "trouble" not in " ".join(replies), replies
