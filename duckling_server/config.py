"""Settings of the Duckling HTTP service, read from the environment in one place."""
from __future__ import annotations

from business.config_types import Port, ServiceSettings, TimeZone, env, whole_number


class Settings(ServiceSettings):
    """Defaults used when a request leaves out `tz` or `locale`, plus server options."""

    default_tz: TimeZone = env("DUCKLING_DEFAULT_TZ", "America/Chicago")
    default_locale: str = env("DUCKLING_DEFAULT_LOCALE", "en_US")
    max_text: whole_number(1) = env("DUCKLING_MAX_TEXT", 2000)
    host: str = env("DUCKLING_HOST", "127.0.0.1")
    port: Port = env("DUCKLING_PORT", 8000)
    # One single-threaded process per worker: see duckling_server.__main__ for why.
    workers: whole_number(1) = env("DUCKLING_WORKERS", 2)
    # Some inputs make Duckling run for minutes (e.g. "at 9 " repeated 20 times); the
    # gunicorn master kills a worker stuck longer than this and starts a fresh one.
    worker_timeout: whole_number(1) = env("DUCKLING_WORKER_TIMEOUT", 10)
