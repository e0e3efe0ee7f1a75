"""The worker's job loop: a failing batch is retried and does not stop the other jobs, and
its log leaves out the personal data an error may carry."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

from business.settings import ROOT, Settings
from business.worker import Job, run


def test_failing_job_is_retried_and_others_keep_running():
    stop = threading.Event()
    calls = {"flaky": 0, "steady": 0}

    def flaky(settings):
        calls["flaky"] += 1
        if calls["flaky"] == 1:
            raise RuntimeError("provider down")
        return 0

    def steady(settings):
        calls["steady"] += 1
        if calls["steady"] >= 3 and calls["flaky"] >= 2:
            stop.set()
        return 0

    thread = threading.Thread(
        target=run,
        args=(stop, Settings.from_env(), [Job("flaky", flaky, 0.01), Job("steady", steady, 0.01)]),
    )
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert calls["flaky"] >= 2 and calls["steady"] >= 3


def test_a_job_that_did_work_runs_again_before_waiting():
    stop = threading.Event()
    batches = [5, 5, 0]

    def drain(settings):
        done = batches.pop(0) if batches else 0
        if not batches:
            stop.set()
        return done

    run(stop, Settings.from_env(), [Job("drain", drain, interval=3600)])
    assert batches == []


def test_a_failed_batch_is_logged_without_the_personal_data_in_its_error():
    # SQLAlchemy's errors carry the statement's parameters: a transcript row, a caller's number.
    script = textwrap.dedent("""
        import threading
        from sqlalchemy.exc import DataError
        from business.settings import Settings
        from business.worker import Job, configure_logging, run

        stop = threading.Event()

        def failing(settings):
            stop.set()
            raise DataError("INSERT INTO transcript_turns (text, caller) VALUES (?, ?)",
                            ("hi this is Jessica Miller", "+13125550199"), ValueError("value too long"))

        configure_logging()
        run(stop, Settings.from_env(), [Job("transcripts", failing, 0.01)])
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert "job transcripts failed; retrying" in result.stderr and "DataError" in result.stderr
    assert "Jessica" not in result.stderr and "5550199" not in result.stderr


def test_the_worker_turns_spooled_failed_requests_into_leads(seeded_url, tmp_path, monkeypatch):
    """What the action server spooled while the database was down reaches the owner."""
    from sqlalchemy import select

    from business import worker
    from business.db import session_factory
    from business.conversations.failure_capture import FailedRequest, capture_failed_request
    from business.models import Lead
    from business.settings import Settings

    monkeypatch.setattr(worker, "VAR_DIR", tmp_path)
    down = "postgresql+psycopg2://nobody@127.0.0.1:1/none"
    request = FailedRequest(conversation="CA1", channel="phone", step="action_book_appointment",
                            name="Dana Whitfield", phone="+13125550123", problem="no hot water")
    assert capture_failed_request(database_url=down, spool_dir=tmp_path / "spool", request=request)
    settings = Settings.from_env({"DATABASE_URL": seeded_url, "RASA_TRACKER_URL": f"sqlite:///{tmp_path}/t.db",
                                  "SECRET_KEY": "k"})
    job = next(j for j in worker.jobs(settings) if j.name == "failed_requests")
    assert job.run(settings) == 1 and job.run(settings) == 0
    with session_factory(seeded_url)() as session:
        assert session.scalars(select(Lead.phone)).all() == ["+13125550123"]
