"""The text-to-speech queue runs the nearest deadline first."""
from __future__ import annotations

import threading
from concurrent.futures import CancelledError

import pytest

from voice_bridge.deadline_executor import DeadlineExecutor


@pytest.fixture
def executor():
    executor = DeadlineExecutor("test")
    yield executor
    executor.shutdown()


def blocked(executor: DeadlineExecutor) -> threading.Event:
    """Occupies the worker until the returned event is set."""
    release, started = threading.Event(), threading.Event()
    executor.submit(0.0, lambda: (started.set(), release.wait(10)))
    assert started.wait(10)
    return release


def test_queued_jobs_run_nearest_deadline_first(executor):
    release = blocked(executor)
    ran: list[str] = []
    futures = [executor.submit(due, ran.append, name) for due, name in
               [(30.0, "next sentence of a long answer"), (10.0, "first sentence"), (20.0, "second"),
                (10.0, "another first sentence")]]
    release.set()
    for future in futures:
        future.result(10)
    assert ran == ["first sentence", "another first sentence", "second", "next sentence of a long answer"]


def test_a_failing_job_hands_its_error_to_the_caller_and_the_queue_goes_on(executor):
    def fail():
        raise ValueError("piper could not phonemize")

    with pytest.raises(ValueError, match="phonemize"):
        executor.submit(1.0, fail).result(10)
    assert executor.submit(1.0, lambda: 42).result(10) == 42


def test_a_job_cancelled_while_queued_never_runs(executor):
    release = blocked(executor)
    ran: list[str] = []
    cancelled = executor.submit(1.0, ran.append, "interrupted reply")
    kept = executor.submit(2.0, ran.append, "next reply")
    assert cancelled.cancel()
    release.set()
    kept.result(10)
    assert ran == ["next reply"]


def test_shutdown_cancels_what_is_queued_and_refuses_more(executor):
    release = blocked(executor)
    queued = executor.submit(1.0, lambda: "never")
    executor.shutdown()
    release.set()
    with pytest.raises(CancelledError):
        queued.result(10)
    with pytest.raises(RuntimeError):
        executor.submit(1.0, lambda: None)
