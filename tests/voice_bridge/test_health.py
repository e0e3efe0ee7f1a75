"""The voice bridge's health endpoint (not ready while its database is unreachable) and
JSON errors, through Starlette's test client."""
from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.voice_bridge.conftest import free_port
from voice_bridge.config import Settings
from voice_bridge.server import create_app


@pytest.fixture
def client(make_bridge):
    bridge = make_bridge()  # the models are loaded once per session and shared
    with TestClient(create_app(bridge.settings, services_factory=lambda s: bridge.app.state.services)) as client:
        yield client


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": "voice_bridge"}


def test_health_is_not_ready_while_the_database_is_unreachable(make_bridge):
    # PostgreSQL's address with nothing listening: the connection is refused.
    bridge = make_bridge(database_url=f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/receptionist")
    with TestClient(create_app(bridge.settings, services_factory=lambda s: bridge.app.state.services)) as client:
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "service": "voice_bridge", "error": "database unavailable"}


def test_unknown_route_is_a_json_404(client):
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.json() == {"error": "Not Found"}


def test_wrong_method_is_a_json_405(client):
    response = client.post("/health")
    assert response.status_code == 405
    assert response.json()["error"]


def test_settings_from_the_environment():
    assert Settings.from_env({"SECRET_KEY": "k"}) == Settings(host="127.0.0.1", port=8081, secret_key="k")
    assert Settings.from_env({"SECRET_KEY": "k", "VOICE_RASA_TIMEOUT_SECONDS": "2.5"}).rasa_timeout_seconds == 2.5
    with pytest.raises(ValueError, match="VOICE_RASA_TIMEOUT_SECONDS"):
        Settings.from_env({"SECRET_KEY": "k", "VOICE_RASA_TIMEOUT_SECONDS": "forever"})
    assert Settings.from_env({"PUBLIC_BASE_URL": "https://voice.example.com"}).media_url == \
        "wss://voice.example.com/twilio/media"
    with pytest.raises(ValueError, match="VOSK_MODEL_PATH"):
        Settings.from_env({"STT_ENGINE": "vosk"})
    with pytest.raises(ValueError, match="STT_ENGINE"):
        Settings.from_env({"STT_ENGINE": "deepgram"})
    assert Settings.from_env({"VOICE_BRIDGE_HOST": "0.0.0.0", "VOICE_BRIDGE_PORT": "9000"}).port == 9000
    with pytest.raises(ValueError, match="VOICE_BRIDGE_PORT"):
        Settings.from_env({"VOICE_BRIDGE_PORT": "http"})
