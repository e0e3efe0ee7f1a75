"""Live calls streams must not hold the dashboard's threads: with as many pages following
the stream as the server has threads, an ordinary page still answers. The server here
has a fixed thread pool, as gunicorn's gthread worker does, so a held thread shows."""
from __future__ import annotations

import http.client
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from werkzeug.serving import BaseWSGIServer

from tests.dashboard.conftest import PASSWORD, USERNAME

THREADS = 4
# Bounds for joining threads, so a regression fails instead of hanging the suite.
JOIN_SECONDS = 10


class PooledServer(BaseWSGIServer):
    """Werkzeug's server with gthread's model: `threads` threads serve the connections;
    a new connection waits in the queue until one of them is free."""

    def __init__(self, app, threads: int):
        super().__init__("127.0.0.1", 0, app)
        self.pool = ThreadPoolExecutor(max_workers=threads)

    def process_request(self, request, client_address):
        self.pool.submit(self._serve, request, client_address)

    def _serve(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        except Exception:  # noqa: BLE001 - as socketserver does: report and carry on
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)


@pytest.fixture
def server(app, owner):
    server = PooledServer(app, THREADS)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.pool.shutdown(wait=False, cancel_futures=True)
    server.server_close()


@pytest.fixture
def cookie(app) -> str:
    client = app.test_client()
    assert client.post("/login", data={"username": USERNAME, "password": PASSWORD}).status_code == 302
    return f"dashboard_session={client.get_cookie('dashboard_session').value}"


def get(server, path: str, cookie: str, headers: dict | None = None) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=60)
    try:
        conn.request("GET", path, headers={"Cookie": cookie, **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


class Follower(threading.Thread):
    """What the browser's EventSource does: read the stream to its end, wait the `retry:`
    the server asked for, reconnect with the last event id."""

    def __init__(self, server, cookie: str, stop: threading.Event, connected: threading.Semaphore):
        super().__init__(daemon=True)
        self.server, self.cookie, self.stop, self.connected = server, cookie, stop, connected
        self.statuses: list[int] = []
        self.events = 0

    def run(self):
        last_id, first = None, True
        while not self.stop.is_set():
            conn = http.client.HTTPConnection("127.0.0.1", self.server.server_port, timeout=60)
            headers = {"Cookie": self.cookie, "Accept": "text/event-stream"}
            if last_id:
                headers["Last-Event-ID"] = last_id
            conn.request("GET", "/live/events", headers=headers)
            response = conn.getresponse()
            self.statuses.append(response.status)
            if first:
                self.connected.release()
                first = False
            body = response.read().decode()
            conn.close()
            self.events += body.count("event: calls")
            last_id = (re.findall(r"^id: (.*)$", body, re.M) or [last_id])[-1]
            retry = re.search(r"^retry: (\d+)$", body, re.M)
            self.stop.wait(int(retry.group(1)) / 1000 if retry else 1)


def test_an_ordinary_page_answers_while_every_thread_has_a_stream_open(server, cookie):
    stop, connected = threading.Event(), threading.Semaphore(0)
    followers = [Follower(server, cookie, stop, connected) for _ in range(THREADS)]
    for follower in followers:
        follower.start()
    try:
        for _ in followers:  # every stream has had its answer begin
            assert connected.acquire(timeout=JOIN_SECONDS)
        result = {}
        page = threading.Thread(target=lambda: result.update(answer=get(server, "/appointments/", cookie)), daemon=True)
        page.start()
        page.join(JOIN_SECONDS)
        assert not page.is_alive(), "the page waited behind the live streams"
        status, body = result["answer"]
        assert status == 200 and "Appointments" in body
    finally:
        stop.set()
        for follower in followers:
            follower.join(JOIN_SECONDS)
    assert all(status == 200 for f in followers for status in f.statuses)
    assert all(f.events >= 1 for f in followers)  # each page got the calls at least once
