"""Settings of the Duckling HTTP service, read from the environment in one place."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


def _positive_int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    """Defaults used when a request leaves out `tz` or `locale`, plus server options."""

    default_tz: str = "America/Chicago"
    default_locale: str = "en_US"
    max_text: int = 2000
    host: str = "127.0.0.1"
    port: int = 8000
    # One single-threaded process per worker: see duckling_server.__main__ for why.
    workers: int = 2
    # Some inputs make Duckling run for minutes (e.g. "at 9 " repeated 20 times); the
    # gunicorn master kills a worker stuck longer than this and starts a fresh one.
    worker_timeout: int = 10

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            default_tz=env.get("DUCKLING_DEFAULT_TZ") or cls.default_tz,
            default_locale=env.get("DUCKLING_DEFAULT_LOCALE") or cls.default_locale,
            max_text=_positive_int(env, "DUCKLING_MAX_TEXT", cls.max_text),
            host=env.get("DUCKLING_HOST") or cls.host,
            port=_positive_int(env, "DUCKLING_PORT", cls.port),
            workers=_positive_int(env, "DUCKLING_WORKERS", cls.workers),
            worker_timeout=_positive_int(env, "DUCKLING_WORKER_TIMEOUT", cls.worker_timeout),
        )
