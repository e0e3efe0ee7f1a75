"""Settings for every service of ours, read from the environment in one place.

SECRET_KEY comes from the environment; in development a random key is made on first use
(var/secret_key), never a constant, and outside development a missing key is refused.
Field types shared with the other services' settings live in business.config_types.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, ValidationInfo, field_validator

from business.config_types import (
    LOCAL_ENVS, DatabaseUrl, HttpUrl, ServiceSettings, SettingsError, TimeZone, env, whole_number,
)
from business.secret_key import load_secret_key

__all__ = ["ROOT", "VAR_DIR", "Settings", "SettingsError"]

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", ROOT / "var"))


class Settings(ServiceSettings):
    app_env: str = env("APP_ENV", "development")
    database_url: DatabaseUrl = env("DATABASE_URL", default_factory=lambda: f"sqlite:///{VAR_DIR / 'receptionist.db'}")
    tracker_database_url: DatabaseUrl = env(
        "RASA_TRACKER_URL", default_factory=lambda: f"sqlite:///{VAR_DIR / 'rasa_tracker.db'}"
    )
    # Where the worker reads Rasa's event broker: the SQL broker's own database (its table is
    # named `events` like the tracker store's, so never the same database) or amqp://... for
    # RabbitMQ, with `?queue=` when endpoints.yml names a queue other than rasa_core_events.
    event_broker_url: str = env("RASA_EVENT_BROKER_URL", default_factory=lambda: f"sqlite:///{VAR_DIR / 'rasa_events.db'}")
    business_timezone: TimeZone = env("BUSINESS_TIMEZONE", "America/Chicago")
    duckling_url: HttpUrl = env("DUCKLING_URL", "http://127.0.0.1:8000")
    rasa_url: HttpUrl = env("RASA_URL", "http://127.0.0.1:5005")
    # Transcripts and Rasa's events older than this are deleted, old calls anonymised; 0 keeps all.
    retention_months: whole_number(0) = env("RETENTION_MONTHS", 24)
    secret_key: str = env("SECRET_KEY", "", repr=False)
    data_dir: Path = env("SEED_DATA_DIR", ROOT / "data")
    # Google Calendar linking (business/calendar/); without them the local calendar is used.
    calendar_token_key: str = env("CALENDAR_TOKEN_KEY", "", repr=False)
    google_client_id: str = env("GOOGLE_CLIENT_ID", "")
    google_client_secret: str = env("GOOGLE_CLIENT_SECRET", "", repr=False)
    public_base_url: Annotated[HttpUrl, AfterValidator(lambda url: url.rstrip("/"))] = env("PUBLIC_BASE_URL", "")

    @field_validator("secret_key")
    @classmethod
    def _secret_key_is_strong_outside_development(cls, key: str, info: ValidationInfo) -> str:
        if not key:
            raise ValueError("must be set to a random value outside development")
        if info.data.get("app_env") not in LOCAL_ENVS and len(key) < 32:
            raise ValueError("must be at least 32 random characters outside development")
        return key

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.business_timezone)

    @property
    def is_development(self) -> bool:
        return self.app_env in LOCAL_ENVS

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        return cls.from_values(environ, {
            "SECRET_KEY": lambda: load_secret_key(environ),
            # Rasa's tracker lives beside our tables on a database server, or in its own
            # SQLite file, since two processes writing one SQLite file would contend.
            "RASA_TRACKER_URL": lambda: _on_database_server(environ.get("DATABASE_URL", "")),
        })


def _on_database_server(database_url: str) -> str | None:
    return database_url if database_url.startswith("postgresql") else None
