"""docker/Caddyfile run by the real Caddy (Debian's package, `make system-packages`) in front
of two stand-in upstreams: TLS from Caddy's local CA, Twilio's webhook, its media stream and
the push-to-talk socket to the voice bridge, everything else to the dashboard, with the
forwarded headers the dashboard's PROXY_COUNT=1 expects."""
from __future__ import annotations

import asyncio
import os
import shutil
import ssl
import subprocess
import time

import httpx
import pytest
import websockets
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from business.settings import ROOT
from tests.voice_bridge.conftest import ServerThread, free_port

CADDYFILE = ROOT / "docker" / "Caddyfile"


def upstream(name: str) -> Starlette:
    async def echo(request: Request) -> JSONResponse:
        return JSONResponse({"upstream": name, "path": request.url.path,
                             "forwarded_proto": request.headers.get("x-forwarded-proto"),
                             "forwarded_for": request.headers.get("x-forwarded-for")})

    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        async for text in websocket.iter_text():
            await websocket.send_text(f"{name}:{websocket.url.path}:{text}")

    return Starlette(routes=[WebSocketRoute("/twilio/media", socket), WebSocketRoute("/talk", socket),
                             Route("/{path:path}", echo, methods=["GET", "POST"])])


@pytest.fixture
def caddy(tmp_path):
    binary = shutil.which("caddy")
    assert binary, "caddy is missing: run `make system-packages`"
    bridge_port, dashboard_port, rasa_port, https_port, http_port = (free_port() for _ in range(5))
    with ServerThread(upstream("bridge"), bridge_port), ServerThread(upstream("dashboard"), dashboard_port), \
            ServerThread(upstream("rasa"), rasa_port):
        env = {**os.environ, "SITE_ADDRESS": "localhost", "CADDY_HTTPS_PORT": str(https_port),
               "CADDY_HTTP_PORT": str(http_port), "BRIDGE_UPSTREAM": f"127.0.0.1:{bridge_port}",
               "DASHBOARD_UPSTREAM": f"127.0.0.1:{dashboard_port}",
               "RASA_UPSTREAM": f"127.0.0.1:{rasa_port}", "XDG_DATA_HOME": str(tmp_path / "data"),
               "XDG_CONFIG_HOME": str(tmp_path / "config"), "HOME": str(tmp_path)}
        process = subprocess.Popen([binary, "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
                                   env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        root = tmp_path / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
        base = f"https://localhost:{https_port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, process.stdout.read()
                if root.exists():
                    try:
                        httpx.get(base + "/health", verify=ssl.create_default_context(cafile=str(root)))
                        break
                    except (httpx.TransportError, ssl.SSLError):
                        pass
                assert time.monotonic() < deadline, "caddy did not serve"
                time.sleep(0.2)
            yield base, ssl.create_default_context(cafile=str(root)), http_port
        finally:
            process.terminate()
            process.wait(timeout=20)


@pytest.mark.parametrize("method, path, expected", [
    ("POST", "/twilio/voice", "bridge"),
    ("GET", "/", "dashboard"),
    ("GET", "/login", "dashboard"),
    ("POST", "/twilio/sms", "dashboard"),
    ("GET", "/talk/page", "dashboard"),
    ("GET", "/twilio/voiceover", "dashboard"),
    ("GET", "/socket.io/", "rasa"),
    ("GET", "/webhooks/rest/webhook", "dashboard"),  # Rasa's REST channel is never public
])
def test_requests_are_routed_by_path_over_tls(caddy, method, path, expected):
    base, tls, _ = caddy
    response = httpx.request(method, base + path, verify=tls)
    assert response.status_code == 200
    body = response.json()
    assert (body["upstream"], body["path"]) == (expected, path)
    assert body["forwarded_proto"] == "https"
    assert body["forwarded_for"] == "127.0.0.1"  # one hop: PROXY_COUNT=1


@pytest.mark.parametrize("path", ["/twilio/media", "/talk"])
def test_websockets_reach_the_bridge_through_tls(caddy, path):
    base, tls, _ = caddy

    async def exchange():
        async with websockets.connect(base.replace("https://", "wss://") + path, ssl=tls) as socket:
            replies = []
            for text in ("start", "media"):
                await socket.send(text)
                replies.append(await socket.recv())
            return replies

    assert asyncio.run(exchange()) == [f"bridge:{path}:start", f"bridge:{path}:media"]


def test_plain_http_goes_to_https_and_never_reaches_an_upstream(caddy):
    base, _, http_port = caddy
    redirect = httpx.get(f"http://localhost:{http_port}/login")
    assert redirect.status_code == 308
    assert redirect.headers["location"].startswith("https://localhost") and redirect.headers["location"].endswith("/login")
    refused = httpx.get(base.replace("https://", "http://") + "/login")
    assert refused.status_code == 400 and "upstream" not in refused.text
