"""endpoints.yml's lock store, loaded by Rasa itself (its own environment): in memory for
`make run`'s single Rasa process, and Redis when several replicas must take turns on one
conversation; a lock held by one replica is then seen by another."""
from __future__ import annotations

import configparser
import json
import os
import re
import subprocess
import uuid

import pytest

from business.settings import ROOT

RASA_PYTHON = ROOT / ".venvs" / "rasa" / "bin" / "python"
# Two "replicas": two lock stores built from endpoints.yml the way `rasa run` builds one.
# While the first holds a conversation's lock, does the second see it taken?
PROBE = """
import asyncio, json, sys
from rasa.core.lock_store import LockStore
from rasa.core.utils import read_endpoints_from_path
endpoints = read_endpoints_from_path("endpoints.yml")
first, second = LockStore.create(endpoints.lock_store), LockStore.create(endpoints.lock_store)
conversation = sys.argv[1]
async def probe():
    async with first.lock(conversation):
        return second.is_someone_waiting(conversation)
seen = asyncio.run(probe())
print(json.dumps({"store": type(first).__name__, "second_replica_sees_the_lock": seen,
                  "released": not second.is_someone_waiting(conversation)}))
"""


def supervised_rasa_environment() -> dict[str, str]:
    """The `environment=` of supervisord.conf's Rasa program (`make run`, tests/e2e)."""
    parser = configparser.RawConfigParser()
    parser.read(ROOT / "supervisord.conf")
    pairs = re.findall(r'(\w+)="([^"]*)"', parser.get("program:rasa", "environment"))
    return {name: value for name, value in pairs if name.startswith("RASA_LOCK_STORE")}


def probe(lock_store: str | None, **lock_env: str) -> dict:
    assert RASA_PYTHON.exists(), "Rasa's environment is missing: run `make install`"
    if lock_store is not None:
        lock_env = {"RASA_LOCK_STORE": lock_store, "RASA_LOCK_STORE_HOST": "127.0.0.1",
                    "RASA_LOCK_STORE_PORT": "6379", "RASA_LOCK_STORE_PASSWORD": ""}
    base = {k: v for k, v in os.environ.items() if not k.startswith("RASA_LOCK_STORE")}
    env = {**base, **lock_env, "ACTION_ENDPOINT_URL": "http://127.0.0.1:5055/webhook", "ACTION_SERVER_TOKEN": "t",
           "RASA_TRACKER_URL": "sqlite://", "RASA_EVENT_BROKER_URL": "sqlite://", "RASA_TELEMETRY_ENABLED": "false"}
    result = subprocess.run([str(RASA_PYTHON), "-c", PROBE, f"test-{uuid.uuid4().hex}"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.usefixtures("redis_server")
def test_replicas_share_the_redis_lock_store():
    assert probe("redis") == {"store": "RedisLockStore", "second_replica_sees_the_lock": True, "released": True}


def test_make_run_keeps_the_lock_in_memory_of_its_one_process():
    """supervisord.conf alone defines what endpoints.yml needs, so `make run`, the end-to-end
    tests and the benchmarks start Rasa whatever the calling environment holds."""
    assert probe(None, **supervised_rasa_environment()) == {
        "store": "InMemoryLockStore", "second_replica_sees_the_lock": False, "released": True}
