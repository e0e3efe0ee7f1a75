"""A one-thread executor that always runs the queued job with the nearest deadline.

Text-to-speech uses it: the first sentence of a reply is due now (a caller is waiting in
silence), while the next sentence is due only when the one before it finishes playing.
First-in-first-out would make a caller wait behind another caller's long answer."""
from __future__ import annotations

import heapq
import itertools
import threading
from concurrent.futures import Future
from typing import Any, Callable


class DeadlineExecutor:
    def __init__(self, name: str) -> None:
        self._queue: list[tuple[float, int, Future, Callable[..., Any], tuple]] = []
        self._order = itertools.count()  # equal deadlines run in submission order
        self._changed = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    def submit(self, due: float, function: Callable[..., Any], *args: Any) -> Future:
        """`due` is a time.monotonic() value; earlier runs first."""
        future: Future = Future()
        with self._changed:
            if self._closed:
                raise RuntimeError("executor is shut down")
            heapq.heappush(self._queue, (due, next(self._order), future, function, args))
            self._changed.notify()
        return future

    def _work(self) -> None:
        while True:
            with self._changed:
                while not self._queue and not self._closed:
                    self._changed.wait()
                if not self._queue:
                    return
                _due, _order, future, function, args = heapq.heappop(self._queue)
            if not future.set_running_or_notify_cancel():
                continue  # cancelled while queued (the caller talked over the reply)
            try:
                future.set_result(function(*args))
            except BaseException as exc:  # noqa: BLE001 - handed to whoever awaits the future
                future.set_exception(exc)

    def shutdown(self) -> None:
        """Cancels what is queued; the job running now finishes."""
        with self._changed:
            self._closed = True
            for _due, _order, future, _function, _args in self._queue:
                future.cancel()
            self._queue.clear()
            self._changed.notify_all()
