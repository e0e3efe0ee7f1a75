"""docker-compose.yml as a production install runs it: every long-running service comes
back after a crash, only the dashboard and the bridge are published (on loopback, for the
reverse proxy), and messaging credentials reach the containers that send and check them."""
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
def test_only_the_front_doors_are_published_and_on_loopback(name):
    ports = SERVICES[name].get("ports", [])
    if name not in {"dashboard", "voice_bridge"}:
        assert ports == [], f"{name} must not be published"
        return
    for port in ports:
        default = re.search(r"\$\{[A-Z_]+:-([^}]*)\}", port)
        assert default and default.group(1).startswith("127.0.0.1:"), port


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
