"""Settings for every service of ours, read from the environment in one place.

SECRET_KEY comes from the environment; in development a random key is made on first use
(var/secret_key), never a constant, and outside development a missing key is refused.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from channels.trust import SecretKeyMissing, load_secret_key

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", ROOT / "var"))


class SettingsError(ValueError):
    """The environment holds a value we refuse to run with."""


@dataclass(frozen=True)
class Settings:
    app_env: str = "development"
    database_url: str = field(default_factory=lambda: f"sqlite:///{VAR_DIR / 'receptionist.db'}")
    tracker_database_url: str = field(
        default_factory=lambda: f"sqlite:///{VAR_DIR / 'rasa_tracker.db'}"
    )
    business_timezone: str = "America/Chicago"
    duckling_url: str = "http://127.0.0.1:8000"
    rasa_url: str = "http://127.0.0.1:5005"
    # Transcripts and Rasa's events older than this are deleted, old calls anonymised; 0 keeps all.
    retention_months: int = 24
    secret_key: str = field(default="", repr=False)
    data_dir: Path = ROOT / "data"
    # Google Calendar linking (business/calendar/); without them the local calendar is used.
    calendar_token_key: str = field(default="", repr=False)
    google_client_id: str = ""
    google_client_secret: str = field(default="", repr=False)
    public_base_url: str = ""

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.business_timezone)

    @property
    def is_development(self) -> bool:
        return self.app_env in {"development", "test"}

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        defaults = cls()
        settings = cls(
            app_env=env.get("APP_ENV", defaults.app_env),
            database_url=env.get("DATABASE_URL") or defaults.database_url,
            # Rasa's tracker lives beside our tables on a database server, or in its own
            # SQLite file, since two processes writing one SQLite file would contend.
            tracker_database_url=env.get("RASA_TRACKER_URL")
            or (env["DATABASE_URL"] if env.get("DATABASE_URL", "").startswith("postgresql") else "")
            or defaults.tracker_database_url,
            business_timezone=env.get("BUSINESS_TIMEZONE", defaults.business_timezone),
            duckling_url=env.get("DUCKLING_URL", defaults.duckling_url),
            rasa_url=env.get("RASA_URL", defaults.rasa_url),
            retention_months=_whole_number(env, "RETENTION_MONTHS", defaults.retention_months),
            secret_key=_secret_key(env),
            data_dir=Path(env.get("SEED_DATA_DIR", defaults.data_dir)),
            calendar_token_key=env.get("CALENDAR_TOKEN_KEY", ""),
            google_client_id=env.get("GOOGLE_CLIENT_ID", ""),
            google_client_secret=env.get("GOOGLE_CLIENT_SECRET", ""),
            public_base_url=env.get("PUBLIC_BASE_URL", "").rstrip("/"),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        try:
            ZoneInfo(self.business_timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise SettingsError(f"BUSINESS_TIMEZONE {self.business_timezone!r} is not a time zone") from exc
        if not self.secret_key:
            raise SettingsError("SECRET_KEY must be set to a random value outside development")
        if not self.is_development and len(self.secret_key) < 32:
            raise SettingsError("SECRET_KEY must be at least 32 random characters outside development")


def _whole_number(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()):
        raise SettingsError(f"{name} must be a whole number of 0 or more, not {raw!r}")
    return int(raw)


def _secret_key(env: Mapping[str, str]) -> str:
    try:
        return load_secret_key(env)
    except SecretKeyMissing as exc:
        raise SettingsError(str(exc)) from None
