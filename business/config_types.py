"""What every service's settings share: the base model that reads one environment mapping
with pydantic-settings, the field types (ports, URLs, milliseconds, time zones, ...), and
errors that name the variable holding the bad value."""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Annotated, Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from business.secret_key import SecretKeyMissing

LOCAL_ENVS = frozenset({"development", "test"})
TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


class SettingsError(ValueError):
    """The environment holds a value we refuse to run with."""


def env(name: str, default: Any = None, **kwargs: Any) -> Any:
    """A field read from the environment variable `name` (and settable by field name)."""
    if "default_factory" in kwargs:
        return Field(validation_alias=name, **kwargs)
    return Field(default, validation_alias=name, **kwargs)


def _whole(raw: object, low: int, high: int | None, what: str) -> int:
    text = raw.strip() if isinstance(raw, str) else raw
    if isinstance(text, str) and text.isascii() and text.isdigit():
        value = int(text)
    elif isinstance(text, int) and not isinstance(text, bool):
        value = text
    else:
        value = None
    if value is None or value < low or (high is not None and value > high):
        bounds = f"of {low} or more" if high is None else f"from {low} to {high}"
        raise ValueError(f"must be {what} {bounds}, got {raw!r}")
    return value


def whole_number(low: int = 0, high: int | None = None, what: str = "a whole number") -> Any:
    """An int written in ASCII digits (surrounding blanks allowed) between `low` and `high`."""
    return Annotated[int, BeforeValidator(lambda raw: _whole(raw, low, high, what))]


def seconds(low: float | None = None, high: float | None = None) -> Any:
    """A float number of seconds, optionally between `low` and `high`."""
    def parse(raw: object) -> float:
        try:
            value = float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            value = None
        if value is None or (low is not None and not low <= value) or (high is not None and not value <= high):
            bounds = f" between {low:g} and {high:g}" if low is not None and high is not None else ""
            raise ValueError(f"must be seconds{bounds}, got {raw!r}")
        return value
    return Annotated[float, BeforeValidator(parse)]


def one_of(*choices: str) -> Any:
    """A lower-cased word from `choices`."""
    def parse(raw: object) -> str:
        value = raw.lower() if isinstance(raw, str) else raw
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}, got {raw!r}")
        return value
    return Annotated[str, BeforeValidator(parse)]


def _flag(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    word = raw.strip().lower() if isinstance(raw, str) else raw
    if word in TRUE or word in FALSE:
        return word in TRUE
    raise ValueError(f"must be true or false, got {raw!r}")


def _time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"must be a time zone such as America/Chicago, got {name!r}") from None
    return name


def _http_url(url: str) -> str:
    if url and not url.startswith(("https://", "http://")):
        raise ValueError(f"must start with https:// or http://, got {url!r}")
    return url


def _database_url(url: str) -> str:
    try:
        make_url(url)
    except (ArgumentError, ValueError):  # the URL may hold a password: not echoed
        raise ValueError("must be a database URL such as sqlite:///var/receptionist.db or "
                         "postgresql+psycopg2://user:password@host/database") from None
    return url


Port = Annotated[int, BeforeValidator(lambda raw: _whole(raw, 1, 65535, "a port number"))]
Milliseconds = whole_number(20, 5000, "milliseconds")
Flag = Annotated[bool, BeforeValidator(_flag)]
TimeZone = Annotated[str, AfterValidator(_time_zone)]
# An http(s) address kept as written; empty means "not set".
HttpUrl = Annotated[str, AfterValidator(_http_url)]
DatabaseUrl = Annotated[str, AfterValidator(_database_url)]


class _MappingSource(EnvSettingsSource):
    """pydantic-settings' environment source over a given mapping instead of os.environ;
    only fields named after a variable are read (a field like `port` is no variable)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str], keep_empty: frozenset[str]):
        self._environ, self._keep_empty = environ, keep_empty
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        # An empty or blank variable (`PORT=` in a .env file, `${PORT:-}` in compose) means unset.
        return {k: v for k, v in self._environ.items() if v.strip() or k in self._keep_empty}

    def __call__(self) -> dict[str, Any]:
        names = {f.validation_alias for f in self.settings_cls.model_fields.values()}
        return {key: value for key, value in super().__call__().items() if key in names}


class ServiceSettings(BaseSettings):
    """One service's settings. `from_env()` reads the environment (or a given mapping);
    constructing directly (`Settings(port=...)`) reads nothing and takes the defaults."""

    model_config = SettingsConfigDict(frozen=True, case_sensitive=True, extra="ignore", populate_by_name=True,
                                      validate_default=False)
    # An empty APP_ENV is not development: business.secret_key.load_secret_key reads it that way.
    keep_empty: ClassVar[frozenset[str]] = frozenset({"APP_ENV"})

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings):
        return (init_settings,)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None):
        environ = os.environ if environ is None else environ
        return cls.from_values(environ, {})

    @classmethod
    def from_values(cls, environ: Mapping[str, str], derived: Mapping[str, Callable[[], Any]]):
        """Settings from `environ`; `derived` gives defaults (by variable) that depend on other
        variables or on the secret-key file, used only where the variable itself is unset
        (a maker returning None leaves the field's own default)."""
        try:
            values = _MappingSource(cls, environ, cls.keep_empty)()
            for name, make in derived.items():
                if name not in values and (value := make()) is not None:
                    values[name] = value
            return cls(**values)
        except SecretKeyMissing as exc:
            raise SettingsError(str(exc)) from None
        except ValidationError as exc:
            raise SettingsError(describe(exc)) from None


def describe(exc: ValidationError) -> str:
    """One line per bad variable, never echoing a value pydantic holds (it may be a secret);
    our validators quote values only where that is safe."""
    lines = []
    for error in exc.errors(include_url=False, include_input=False):
        name = ".".join(str(part) for part in error["loc"])
        message = str(error["ctx"]["error"]) if error["type"] == "value_error" else error["msg"]
        lines.append(f"{name} {message}" if name else message)
    return "; ".join(lines)

