"""docker-compose.yml as a production install runs it: every long-running service comes
back after a crash, only the TLS proxy is published, messaging credentials reach the
containers that send and check them, replicas' shared state is in Redis, and the health
checks and start order hold."""
from __future__ import annotations

import re

import pytest
import yaml

from business.settings import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
LONG_RUNNING = [name for name in SERVICES if name != "migrate"]


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_long_running_services_restart(name):
    assert SERVICES[name].get("restart") in {"unless-stopped", "always", "on-failure"}


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_only_the_tls_proxy_is_published(name):
    ports = SERVICES[name].get("ports", [])
    if name != "proxy":
        assert ports == [], f"{name} must not be published"
        return
    assert [port.rsplit(":", 1)[1] for port in ports] == ["80", "443"]


def test_the_proxy_runs_the_tested_caddyfile_in_front_of_healthy_services():
    proxy = SERVICES["proxy"]
    assert "./docker/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert proxy["depends_on"] == {"dashboard": {"condition": "service_healthy"},
                                   "voice_bridge": {"condition": "service_healthy"}}
    assert SERVICES["dashboard"]["environment"]["PROXY_COUNT"] == "1"
    assert COMPOSE["x-app-env"]["PUBLIC_BASE_URL"].startswith("https://")


def test_duckling_is_the_development_build():
    """The same duckling_server as `make run`, so both parse the project's phrases alike."""
    duckling = SERVICES["duckling"]
    assert duckling["build"]["dockerfile"] == "docker/app.Dockerfile" and "image" not in duckling
    assert duckling["command"] == "python -m duckling_server"
    supervised = (ROOT / "supervisord.conf").read_text()
    assert "-m duckling_server" in supervised


def test_replicas_share_redis_for_rasa_locks_and_sign_in_limits():
    environment = COMPOSE["x-app-env"]
    assert (environment["RASA_LOCK_STORE"], environment["RASA_LOCK_STORE_HOST"]) == ("redis", "redis")
    assert environment["RATELIMIT_STORAGE_URI"].startswith("redis://redis:")


def test_the_bridge_drains_within_compose_stop_grace_period():
    bridge = SERVICES["voice_bridge"]
    grace = int(bridge["stop_grace_period"].removesuffix("s"))
    assert 0 < int(bridge["environment"]["VOICE_DRAIN_SECONDS"]) < grace


def test_the_vosk_model_is_checked_against_its_sha256():
    dockerfile = (ROOT / "docker" / "app.Dockerfile").read_text()
    assert re.search(r"^ARG VOSK_MODEL_SHA256=[0-9a-f]{64}$", dockerfile, re.MULTILINE)
    assert 'echo "${VOSK_MODEL_SHA256}  /tmp/vosk.zip" | sha256sum -c -' in dockerfile


@pytest.mark.parametrize("name", ["worker", "dashboard", "voice_bridge"])
def test_messaging_credentials_reach_the_senders(name):
    environment = SERVICES[name]["environment"]
    for variable in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "SMTP_HOST", "SMTP_PASSWORD"):
        assert variable in environment, f"{name} lacks {variable}"


def test_secrets_are_required_not_defaulted():
    text = (ROOT / "docker-compose.yml").read_text()
    for variable in ("SECRET_KEY", "ACTION_SERVER_TOKEN", "POSTGRES_PASSWORD"):
        assert re.search(r"\$\{" + variable + r":\?", text), variable


def test_rasa_accepts_no_cross_site_calls_and_no_http_api():
    commands = [line for line in (ROOT / "docker" / "rasa.Dockerfile").read_text().splitlines()
                if line.startswith("CMD")]
    commands += [line for line in (ROOT / "supervisord.conf").read_text().splitlines()
                 if line.startswith("command=") and "rasa run" in line]
    assert len(commands) == 2
    for command in commands:
        assert "--cors" not in command and "--enable-api" not in command, command
