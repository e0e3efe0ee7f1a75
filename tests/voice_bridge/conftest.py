"""Voice bridge fixtures: the real Whisper and Piper models loaded once per session, the
bridge served by uvicorn on a free port, Twilio's SDK with a recording HTTP client, and a
recording HTTP endpoint that answers in the shape of Rasa's REST channel (or fails like
a broken Rasa: HTTP 500, an empty answer, no answer at all)."""
from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from twilio.http import HttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.rest import Client

from business.db import session_scope
from business.seed import seed
from channels.rasa_client import RasaClient
from channels.rasa_input.replies import ERROR_MARKER, TROUBLE
from tests.conftest import DATA_DIR
from voice_bridge.call_log import CallLog
from voice_bridge.config import Settings
from voice_bridge.prompts import Prompts
from voice_bridge.server import create_app
from voice_bridge.services import Services
from voice_bridge.stt.whisper import WhisperRecognizer
from voice_bridge.telephony import CallControl
from voice_bridge.tts.piper import PiperSpeaker

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
LONG_REPLY = ("Here is everything about our drain cleaning service. We clear kitchen and bathroom drains. "
              "We use a camera to find the blockage first. Then we clear it with a cable or water jet. "
              "Most jobs take about an hour. Prices start at one hundred and fifty dollars.")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerThread:
    """A real uvicorn server for an ASGI app, in a thread of the test process."""

    def __init__(self, app, port: int) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, ws="websockets", log_level="warning",
                                ws_max_size=4 * 1024 * 1024)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.port = port

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class RecordingTwilioHttp(HttpClient):
    """Twilio's own test hook: the SDK builds the real request, we record it."""

    def __init__(self) -> None:
        super().__init__(logger=None, is_async=False)
        self.requests: list[dict] = []

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        self.requests.append({"method": method, "uri": uri, "data": dict(data or {})})
        sid = uri.rsplit("/", 1)[-1].removesuffix(".json")
        return TwilioResponse(200, json.dumps({"sid": sid, "status": "in-progress"}))


class RasaEndpoint:
    """Answers POST /webhooks/rest/webhook like Rasa's REST channel, from a script keyed by
    words in the message, and records every request. The dialogue itself is tested against
    the real Rasa server in tests/e2e."""

    FAILURES = ("error", "empty", "no_reply", "hang")

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: list[tuple[str, list[str]]] = [
            ("drain", [LONG_REPLY]),
            ("leak", ["Sorry to hear that. What is your address?", "And your name, please?"]),
        ]
        self.failures: list[str] = []  # how to answer the next requests, then the script
        self.released = threading.Event()  # ends every "hang"

    def fail_next(self, *failures: str) -> None:
        """`error` (HTTP 500), `empty` ([]), `no_reply` (our REST channel's stand-in sentence
        with its `custom` marker), `hang` (no answer until released)."""
        assert set(failures) <= set(self.FAILURES), failures
        self.failures.extend(failures)

    async def webhook(self, request: Request) -> JSONResponse:
        payload = await request.json()
        self.requests.append(payload)
        failure = self.failures.pop(0) if self.failures else None
        if failure == "error":
            return JSONResponse({"error": "internal server error"}, status_code=500)
        if failure == "empty":
            return JSONResponse([])
        if failure == "no_reply":
            return JSONResponse([{"recipient_id": payload["sender"], "text": TROUBLE, "custom": ERROR_MARKER}])
        if failure == "hang":
            while not self.released.is_set():
                await asyncio.sleep(0.05)
            return JSONResponse([])
        message = payload["message"].lower()
        for word, replies in self.script:
            if word in message:
                return JSONResponse([{"recipient_id": payload["sender"], "text": r} for r in replies])
        return JSONResponse([{"recipient_id": payload["sender"], "text": "How can I help?"}])

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/webhooks/rest/webhook", self.webhook, methods=["POST"])])


@pytest.fixture(scope="session")
def whisper() -> WhisperRecognizer:
    return WhisperRecognizer()


@pytest.fixture(scope="session")
def piper() -> PiperSpeaker:
    return PiperSpeaker(steady=True)  # the same caller audio on every run


@pytest.fixture(scope="session")
def caller_lines(piper) -> Callable[[str], bytes]:
    """Caller speech at the phone's 8 kHz; Piper's voice is clearer than espeak-ng's
    through mu-law, so Whisper hears these lines reliably."""
    cache: dict[str, bytes] = {}

    def line(text: str) -> bytes:
        if text not in cache:
            cache[text] = piper.speak(text, 8000)
        return cache[text]

    return line


@pytest.fixture
def rasa() -> Iterator[RasaEndpoint]:
    endpoint = RasaEndpoint()
    port = free_port()
    server = ServerThread(endpoint.app(), port)
    with server:
        endpoint.url = f"http://127.0.0.1:{port}"
        yield endpoint
        endpoint.released.set()


@pytest.fixture
def twilio_http() -> RecordingTwilioHttp:
    return RecordingTwilioHttp()


@pytest.fixture
def voice_db(sqlite_url) -> str:
    with session_scope(sqlite_url) as session:
        seed(session=session, data_dir=DATA_DIR)
    return sqlite_url


class Bridge:
    def __init__(self, url: str, settings: Settings, app) -> None:
        self.url, self.settings, self.app = url, settings, app
        self.media_url = url.replace("http://", "ws://") + "/twilio/media"


@pytest.fixture
def make_bridge(whisper, piper, rasa, twilio_http, voice_db):
    """Starts the bridge with settings overrides; Twilio credentials make it call the
    (recorded) Twilio REST API instead of local mode."""
    stack: list[ServerThread] = []

    def _start(**overrides) -> Bridge:
        port = free_port()
        settings = Settings(**{"port": port, "rasa_url": rasa.url, "database_url": voice_db,
                               "public_base_url": f"http://127.0.0.1:{port}", "app_env": "test",
                               "secret_key": "test-secret-key", "silence_seconds": 30.0, **overrides})

        def services(settings: Settings) -> Services:
            calls = CallControl(None) if settings.twilio_local_mode else CallControl(
                Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=twilio_http))
            loaded = Services(
                settings=settings, recognizer=whisper, speaker=piper,
                rasa=RasaClient(settings.rasa_url, secret_key=settings.secret_key, timeout=settings.rasa_timeout_seconds),
                calls=calls, prompts=Prompts(greeting="Thanks for calling Lakeshore Plumbing."),
                call_log=CallLog(settings.database_url), vocabulary=["Lakeshore Plumbing", "drain cleaning"],
            )
            loaded.warm_up()
            return loaded

        app = create_app(settings, services_factory=services)
        server = ServerThread(app, port).__enter__()
        stack.append(server)
        return Bridge(f"http://127.0.0.1:{port}", settings, app)

    yield _start
    for server in stack:
        server.__exit__(None, None, None)
