"""The worker's job loop: a failing batch is retried and does not stop the other jobs."""
from __future__ import annotations

import threading

from business.settings import Settings
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
