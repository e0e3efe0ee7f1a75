"""Strict query-parameter parsing for the API: anything unexpected is a 400 with a
message saying what was wrong, never a guess and never a 500."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import abort, request

DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
INT_RE = re.compile(r"[0-9]{1,9}")


def only_params(*allowed: str) -> None:
    """400 for a parameter the route does not know or one given twice; a typo such as
    `form=` would otherwise be ignored silently and return the default range."""
    unknown = sorted(set(request.args) - set(allowed))
    if unknown:
        abort(400, f"unknown query parameter(s): {', '.join(unknown)}; allowed: {', '.join(allowed)}")
    for name in allowed:
        if len(request.args.getlist(name)) > 1:
            abort(400, f"{name} may be given only once")


def local_date(name: str) -> date | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    if not DATE_RE.fullmatch(raw):
        abort(400, f"{name} must be a date like 2026-11-24")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400, f"{name} is not a real date: {raw}")


def bounded_int(name: str, *, default: int, minimum: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    # A plain ASCII pattern: int() would also take " 5", "+5", "5_0" and non-ASCII digits.
    if not INT_RE.fullmatch(raw) or not minimum <= int(raw) <= maximum:
        abort(400, f"{name} must be a whole number from {minimum} to {maximum}")
    return int(raw)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def date_range(*, today: date, default_days: int, max_days: int) -> tuple[date, date]:
    """`from` (inclusive) and `to` (exclusive) local dates; `from` defaults to today and
    `to` to `default_days` after `from`."""
    start = local_date("from") or today
    end = local_date("to")
    if end is None:
        try:
            end = start + timedelta(days=default_days)
        except OverflowError:
            abort(400, "from is too far in the future")
    if start > end:
        abort(400, "from must not be after to")
    if (end - start).days > max_days:
        abort(400, f"the range from..to may span at most {max_days} days")
    return start, end
