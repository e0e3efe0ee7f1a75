"""Configuration from the environment: cookie flags per environment, the secret-key rule,
the 1 MB body limit and the server address for `python -m dashboard`."""
from __future__ import annotations

import pytest

from business.settings import SettingsError
from dashboard import create_app
from dashboard.config import DEFAULT_HOST, DEFAULT_PORT, load_config, server_address


def test_environment_is_read(monkeypatch, sqlite_url):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("APP_ENV", "development")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app()
    assert app.config["DATABASE_URL"] == sqlite_url
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["WTF_CSRF_ENABLED"] is True


def test_overrides_win_over_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:////nowhere/env.db")
    config = load_config({"DATABASE_URL": "sqlite:////nowhere/override.db", "TESTING": True}, environ={})
    assert config["DATABASE_URL"] == "sqlite:////nowhere/override.db"
    assert config["TESTING"] is True


def test_production_sets_secure_cookies():
    config = load_config(environ={"APP_ENV": "production", "SECRET_KEY": "a-long-random-production-key-0123456789"})
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_SECURE"] is True


@pytest.mark.parametrize("secret", [None, "", "dev-only-not-secret"])
def test_production_refuses_development_secret(secret):
    environ = {"APP_ENV": "production"}
    if secret is not None:
        environ["SECRET_KEY"] = secret
    with pytest.raises(SettingsError):
        load_config(environ=environ)


def test_override_cannot_bring_development_secret_into_production():
    with pytest.raises(SettingsError):
        load_config({"SECRET_KEY": "dev-only-not-secret"}, environ={"APP_ENV": "production"})


def test_secure_cookie_in_production_app(sqlite_url):
    app = create_app({"DATABASE_URL": sqlite_url, "APP_ENV": "production", "SECRET_KEY": "k" * 32})
    response = app.test_client().get("/login")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("dashboard_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_server_address_defaults_and_env():
    assert server_address({}) == (DEFAULT_HOST, DEFAULT_PORT) == ("127.0.0.1", 8080)
    assert server_address({"DASHBOARD_HOST": "0.0.0.0", "DASHBOARD_PORT": "9000"}) == ("0.0.0.0", 9000)


@pytest.mark.parametrize("port", ["http", "0", "70000", "-1", "８０"])
def test_server_address_refuses_bad_port(port):
    with pytest.raises(ValueError):
        server_address({"DASHBOARD_PORT": port})


def test_proxy_count_decides_whose_address_is_seen(sqlite_url):
    from dashboard import create_app
    seen = {}

    from dashboard.auth.roles import public

    def remember(app):
        @app.get("/_address")
        @public
        def address():
            from flask import request
            seen["address"] = request.remote_addr
            return "ok"
        return app

    headers = {"X-Forwarded-For": "203.0.113.9"}
    direct = remember(create_app({"DATABASE_URL": sqlite_url}))
    direct.test_client().get("/_address", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert seen["address"] == "10.0.0.2"  # a forged header is not believed without a proxy
    proxied = remember(create_app({"DATABASE_URL": sqlite_url, "PROXY_COUNT": 1}))
    proxied.test_client().get("/_address", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert seen["address"] == "203.0.113.9"


@pytest.mark.parametrize("raw", ["-1", "x", "9"])
def test_proxy_count_refuses_nonsense(raw):
    with pytest.raises(SettingsError):
        load_config(environ={"PROXY_COUNT": raw})
