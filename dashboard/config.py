"""The dashboard's configuration, read from the environment in this one place.

Values shared with the other services come from `business.settings.Settings`, so the same
validation (no development secret outside development) applies here too; the dashboard's
own variables are `DashboardSettings`."""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator

from business.config_types import Port, ServiceSettings, env, whole_number
from business.models import utcnow
from business.notifications.config import NotificationSettings
from business.settings import Settings, SettingsError

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "DashboardSettings", "SettingsError", "load_config", "server_address"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
# Keys a caller may override that Settings also validates; they are fed back through
# Settings so an override cannot sneak a development secret into production.
SETTINGS_KEYS = ("DATABASE_URL", "SECRET_KEY", "APP_ENV")
# Where sign-in attempts are counted: memory:// for one process; a redis:// URL when several
# processes or replicas must share the count.
RATELIMIT_SCHEMES = ("memory", "redis", "rediss", "redis+unix", "redis+sentinel", "redis+cluster")


def _ratelimit_storage(uri: str) -> str:
    scheme, separator, _ = uri.partition("://")
    if scheme not in RATELIMIT_SCHEMES or not separator:  # the rest may hold a password: not echoed
        raise ValueError(f"must start with memory:// or redis://, not {scheme!r}")
    return uri


class DashboardSettings(ServiceSettings):
    host: str = env("DASHBOARD_HOST", DEFAULT_HOST)
    port: Port = env("DASHBOARD_PORT", DEFAULT_PORT)
    ratelimit_storage_uri: Annotated[str, AfterValidator(_ratelimit_storage)] = env(
        "RATELIMIT_STORAGE_URI", "memory://", repr=False)
    # Reverse proxies in front of the dashboard whose X-Forwarded-* headers are believed
    # (0: none, the address as received; the per-address sign-in limit needs the real one).
    proxy_count: whole_number(0, 5, "a number of proxies") = env("PROXY_COUNT", 0)
    # Where the browser reaches the voice bridge's push-to-talk socket.
    voice_bridge_port: Port = env("VOICE_BRIDGE_PORT", 8081)
    voice_bridge_url: str = env("VOICE_BRIDGE_URL", "")
    # Where visitors' browsers reach Rasa's socket.io for the chat widget (blank: RASA_URL).
    widget_socket_url: str = env("WIDGET_SOCKET_URL", "")

    @property
    def voice_bridge_socket_url(self) -> str:
        return self.voice_bridge_url or f"ws://127.0.0.1:{self.voice_bridge_port}"


def load_config(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Flask config for the dashboard: environment first, then `overrides` (tests)."""
    overrides = dict(overrides or {})
    env = dict(os.environ if environ is None else environ)
    env.update({key: str(overrides[key]) for key in SETTINGS_KEYS if key in overrides})
    settings = Settings.from_env(env)
    dashboard = DashboardSettings.from_env(env)
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
        "RATELIMIT_STORAGE_URI": dashboard.ratelimit_storage_uri,
        # Said for every app: the limiter is one object, and an app left without the key
        # would inherit whatever the last app bound to it set (e.g. a test turning it off).
        "RATELIMIT_ENABLED": True,
        "PROXY_COUNT": dashboard.proxy_count,
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
        "VOICE_BRIDGE_URL": dashboard.voice_bridge_socket_url,
        "WIDGET_SOCKET_URL": (dashboard.widget_socket_url or settings.rasa_url).rstrip("/"),
    }
    config.update(overrides)
    return config


def server_address(environ: Mapping[str, str] | None = None) -> tuple[str, int]:
    """Where `python -m dashboard` listens: DASHBOARD_HOST / DASHBOARD_PORT."""
    settings = DashboardSettings.from_env(environ)
    return settings.host, settings.port
