"""Shared fixtures: a fresh, migrated and seeded database per test, on SQLite and on
PostgreSQL. In CI (CI=true) an unreachable PostgreSQL fails the run instead of skipping."""
from __future__ import annotations

import re

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from business.db import get_engine, session_factory
from business.migrations_runner import upgrade
from business.profile import load_profile
from business.seed import seed
from business.settings import ROOT

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
DATA_DIR = ROOT / "data"


def _postgres_admin():
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "not reachable"
        admin.dispose()
        message = f"PostgreSQL is not reachable at {make_url(POSTGRES_ADMIN_URL).render_as_string()}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return admin


def _database_url(name: str) -> str:
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """One migrated database per test run; each test gets a copy, which is much faster
    than migrating a new database every time."""
    admin = _postgres_admin()
    name = f"template_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    upgrade(_database_url(name))
    get_engine.cache_clear()  # CREATE DATABASE ... TEMPLATE needs no open connections to it
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    get_engine(f"sqlite:///{path}").dispose()
    return path


def _postgres_copy(template: str) -> Iterator[str]:
    admin = _postgres_admin()
    name = f"test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    url = _database_url(name)
    try:
        yield url
    finally:
        engine = get_engine(url)
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """An empty, migrated database; every test using it runs on both engines."""
    if request.param == "sqlite":
        target = tmp_path / "test.db"
        shutil.copyfile(sqlite_template, target)
        url = f"sqlite:///{target}"
        yield url
        get_engine(url).dispose()
        return
    yield from _postgres_copy(request.getfixturevalue("postgres_template"))


@pytest.fixture
def postgres_url(postgres_template: str) -> Iterator[str]:
    """For tests about what only PostgreSQL enforces (column lengths, row locks)."""
    yield from _postgres_copy(postgres_template)


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """For tests that are about our code rather than the database engine."""
    target = tmp_path / "test.db"
    shutil.copyfile(sqlite_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def seeded_url(database_url: str) -> str:
    with session_factory(database_url).begin() as session:
        seed(session=session, data_dir=DATA_DIR)
    return database_url


@pytest.fixture
def session(seeded_url: str) -> Iterator[Session]:
    with session_factory(seeded_url)() as session:
        yield session


@pytest.fixture
def profile(session: Session):
    return load_profile(session=session)


# The echo Rasa (tests/channels/echo_rasa.py): our real Rasa input channels in Rasa's own
# environment with an echo for the assistant, as a process on a free port. Channel tests
# and front ends (SMS, make chat) talk to it.

ECHO_SECRET_KEY = "channel-tests-secret"
ECHO_DASHBOARD_PORT = "18080"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def echo_rasa(tmp_path_factory) -> Iterator[str]:
    port = _free_port()
    log = tmp_path_factory.mktemp("echo_rasa") / "echo.log"
    env = {**os.environ, "SECRET_KEY": ECHO_SECRET_KEY, "PYTHONPATH": str(ROOT), "DASHBOARD_PORT": ECHO_DASHBOARD_PORT,
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
    # Sanic's websockets may still hold data when the process is told to stop; the loop it
    # would hand it to is closed by then. That shutdown noise is not our channel failing.
    text = re.sub(r"Exception ignored in: <coroutine object WebsocketImplProtocol[^\n]*\nTraceback \(most recent call "
                  r"last\):\n(?:[ \t][^\n]*\n)+RuntimeError: Event loop is closed\n?", "", log.read_text())
    assert "Traceback" not in text, text[-3000:]


@pytest.fixture
def broker_url(tmp_path):
    """The SQL event broker's own database, as in the embedded setup (never the tracker's:
    both tables are called `events`), with the table Rasa 3.6's SQLEventBroker creates."""
    from business.db import get_engine
    from tests.business.conversations.test_transcripts import broker_events

    url = f"sqlite:///{tmp_path / 'rasa_events.db'}"
    broker_events.create(get_engine(url))
    return url
