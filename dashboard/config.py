"""The dashboard's configuration, read from the environment in this one place.

Values shared with the other services come from `business.settings.Settings`, so the same
validation (no development secret outside development) applies here too."""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from business.models import utcnow
from business.notifications.config import NotificationSettings
from business.settings import Settings, SettingsError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
# Keys a caller may override that Settings also validates; they are fed back through
# Settings so an override cannot sneak a development secret into production.
SETTINGS_KEYS = ("DATABASE_URL", "SECRET_KEY", "APP_ENV")
# Where sign-in attempts are counted: memory:// for one process; a redis:// URL when several
# processes or replicas must share the count.
RATELIMIT_SCHEMES = ("memory", "redis", "rediss", "redis+unix", "redis+sentinel", "redis+cluster")


def load_config(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Flask config for the dashboard: environment first, then `overrides` (tests)."""
    overrides = dict(overrides or {})
    env = dict(os.environ if environ is None else environ)
    env.update({key: str(overrides[key]) for key in SETTINGS_KEYS if key in overrides})
    settings = Settings.from_env(env)
    ratelimit_storage = env.get("RATELIMIT_STORAGE_URI") or "memory://"
    scheme, separator, _ = ratelimit_storage.partition("://")
    if scheme not in RATELIMIT_SCHEMES or not separator:  # the rest may hold a password: not echoed
        raise SettingsError(f"RATELIMIT_STORAGE_URI must start with memory:// or redis://, not {scheme!r}")
    config: dict[str, Any] = {
        "APP_ENV": settings.app_env,
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": settings.secret_key,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "SESSION_COOKIE_NAME": "dashboard_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": not settings.is_development,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": not settings.is_development,
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_STORAGE_URI": ratelimit_storage,
        # Reverse proxies in front of the dashboard whose X-Forwarded-* headers are believed
        # (0: none, the address as received; the per-address sign-in limit needs the real one).
        "PROXY_COUNT": _proxy_count(env.get("PROXY_COUNT", "0")),
        # Zero-argument callable giving the current aware time; tests pin it so "upcoming"
        # and "today" do not depend on the day the suite runs.
        "CLOCK": utcnow,
        # Twilio webhooks: the auth token that signs them and the public URL they are signed for.
        "NOTIFY": NotificationSettings.from_env(env),
        "RASA_URL": settings.rasa_url,
        # Google Calendar linking (dashboard/settings); see business.calendar.accounts.
        "CALENDAR_TOKEN_KEY": settings.calendar_token_key,
        "GOOGLE_CLIENT_ID": settings.google_client_id,
        "GOOGLE_CLIENT_SECRET": settings.google_client_secret,
        "PUBLIC_BASE_URL": settings.public_base_url,
        # Tests replace Google's network: a requests adapter for OAuth, an httplib2-style
        # object for the Calendar API. None means the real network.
        "GOOGLE_OAUTH_ADAPTER": None,
        "GOOGLE_API_HTTP": None,
        # Where the browser reaches the voice bridge's push-to-talk socket.
        "VOICE_BRIDGE_URL": env.get("VOICE_BRIDGE_URL")
        or f"ws://127.0.0.1:{env.get('VOICE_BRIDGE_PORT') or 8081}",
    }
    config.update(overrides)
    return config


def _proxy_count(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or int(raw) > 5:
        raise SettingsError(f"PROXY_COUNT must be a number of proxies from 0 to 5, got {raw!r}")
    return int(raw)


def server_address(environ: Mapping[str, str] | None = None) -> tuple[str, int]:
    """Where `python -m dashboard` listens: DASHBOARD_HOST / DASHBOARD_PORT."""
    env = os.environ if environ is None else environ
    host = env.get("DASHBOARD_HOST") or DEFAULT_HOST
    raw_port = env.get("DASHBOARD_PORT") or str(DEFAULT_PORT)
    if not raw_port.isascii() or not raw_port.isdigit() or not 0 < int(raw_port) < 65536:
        raise ValueError(f"DASHBOARD_PORT {raw_port!r} is not a port number")
    return host, int(raw_port)
