"""The only module that calls the compiled Duckling library: one time-zone database per process,
cached locales and dimension lists, and checks for the inputs Duckling would silently misread."""
from __future__ import annotations

import functools
import os
import re
import time
from datetime import datetime, timezone

import duckling  # importing starts the Haskell runtime in this process

ZONEINFO_DIR = "/usr/share/zoneinfo"

# Reference times outside datetime's years 1..9999 overflow the library's integer conversion.
MIN_REFTIME_MS = int(datetime(1, 1, 1, tzinfo=timezone.utc).timestamp()) * 1000
MAX_REFTIME_MS = int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc).timestamp()) * 1000

_LOCALE = re.compile(r"(?P<lang>[A-Za-z]{2})(?:_(?P<region>[A-Za-z]{2}))?")
_DIMENSION = re.compile(r"[a-z][a-z-]*")


class InvalidInput(ValueError):
    """A request value Duckling cannot use; the message is safe to show to the caller."""


@functools.lru_cache(maxsize=None)
def _time_zone_db(zoneinfo_dir: str):
    return duckling.load_time_zones(zoneinfo_dir)


@functools.lru_cache(maxsize=None)
def time_zone_names(zoneinfo_dir: str = ZONEINFO_DIR) -> frozenset[str]:
    """Names Duckling's database knows: every TZif file under the directory, by relative path."""
    names = set()
    for root, dirs, files in os.walk(zoneinfo_dir):
        if root == zoneinfo_dir:
            # Checked against the library: it does not load these alternative copies of the tree.
            dirs[:] = [name for name in dirs if name not in ("posix", "right")]
        for file in files:
            path = os.path.join(root, file)
            with open(path, "rb") as handle:
                if handle.read(4) == b"TZif":
                    names.add(os.path.relpath(path, zoneinfo_dir))
    return frozenset(names)


def check_time_zone(name: str, zoneinfo_dir: str = ZONEINFO_DIR) -> str:
    # Duckling answers in UTC for a zone it does not know, which would shift every time.
    if name not in time_zone_names(zoneinfo_dir):
        raise InvalidInput(f"unknown time zone {name!r}; use an IANA name like 'America/Chicago'")
    return name


@functools.lru_cache(maxsize=64)
def locale(name: str) -> duckling.Locale:
    """`en_US` or `en` as a Duckling locale; a region Duckling lacks falls back to the language's rules."""
    match = _LOCALE.fullmatch(name)
    if match is None:
        raise InvalidInput(f"locale must look like 'en_US' or 'en', got {name!r}")
    code = match["lang"].upper()
    language = duckling.parse_lang(code)
    # parse_lang answers EN for any language it does not know instead of failing.
    if language.name != code:
        raise InvalidInput(f"Duckling does not support the language of locale {name!r}")
    return duckling.parse_locale(name, duckling.default_locale_lang(language))


@functools.lru_cache(maxsize=64)
def _dimensions(names: tuple[str, ...]) -> tuple[duckling.Dimension, ...]:
    # parse_dimensions drops names it does not know, and an empty list means "every dimension",
    # so a typo would silently widen the search: check each name on its own.
    unknown = [
        name
        for name in names
        if not _DIMENSION.fullmatch(name) or len(duckling.parse_dimensions([name])) != 1
    ]
    if unknown:
        raise InvalidInput(f"unknown dimension(s): {', '.join(map(repr, unknown))}")
    return tuple(duckling.parse_dimensions(list(names)))


def dimensions(names: list[str]) -> tuple[duckling.Dimension, ...]:
    """Dimension objects for the names (case-insensitive, as in Duckling's own server); [] means all."""
    return _dimensions(tuple(dict.fromkeys(name.lower() for name in names)))


def parse_json(
    text: str,
    *,
    locale_name: str,
    tz: str,
    dims: list[str],
    reftime_ms: int | None = None,
    latent: bool = False,
    zoneinfo_dir: str = ZONEINFO_DIR,
) -> str:
    """Duckling's JSON answer, untouched. Validates every argument before it reaches the library."""
    if "\x00" in text:
        # The library panics (an uncatchable-by-Flask BaseException) on NUL characters.
        raise InvalidInput("text must not contain NUL characters")
    if reftime_ms is None:
        reftime_ms = int(time.time() * 1000)
    if not MIN_REFTIME_MS <= reftime_ms <= MAX_REFTIME_MS:
        raise InvalidInput("reftime must be milliseconds since the epoch between the years 1 and 9999")
    context = duckling.Context(
        # The library takes whole seconds; Duckling's own server keeps the milliseconds.
        duckling.parse_ref_time(
            _time_zone_db(zoneinfo_dir), check_time_zone(tz, zoneinfo_dir), reftime_ms // 1000
        ),
        locale(locale_name),
    )
    return duckling.parse_text(text, context, dimensions(dims), latent)


def warm_up(*, locale_name: str, tz: str, zoneinfo_dir: str = ZONEINFO_DIR) -> None:
    """Load the time-zone database and check the defaults now, so a bad setting fails at start-up."""
    parse_json("tomorrow at 9am", locale_name=locale_name, tz=tz, dims=[], zoneinfo_dir=zoneinfo_dir)
