"""Client for the Duckling HTTP service (`duckling_server` or the official container), and helpers
that turn a Duckling time entity into timezone-aware Python values."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests


@dataclass(frozen=True)
class TimeValue:
    """One resolved time: an `instant` (end is None) or an `interval` whose end is exclusive
    (Duckling's "tomorrow morning" is 00:00-12:00) and may be None when open ("after 5pm")."""

    kind: str
    start: datetime
    end: datetime | None
    grain: str


class DucklingUnavailable(Exception):
    """Duckling did not answer (down, timed out, or an error status)."""


class DucklingClient:
    """Parses text through Duckling's `POST /parse`, with this business's time zone and locale."""

    def __init__(self, base_url: str, timezone: str, locale: str = "en_US", timeout: float = 3.0):
        self.parse_url = base_url.rstrip("/") + "/parse"
        self.timezone = timezone
        self.locale = locale
        self.timeout = timeout

    def parse(
        self, text: str, dims: list[str] | None = None, reftime: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Duckling's entities for `text`; `dims` limits the dimensions, `reftime` (aware) sets "now"."""
        form = {"text": text, "locale": self.locale, "tz": self.timezone}
        if dims is not None:
            form["dims"] = json.dumps(dims)
        if reftime is not None:
            if reftime.tzinfo is None:
                raise ValueError("reftime must be timezone-aware")
            form["reftime"] = str(round(reftime.timestamp() * 1000))
        try:
            response = requests.post(self.parse_url, data=form, timeout=self.timeout)
        except requests.RequestException as exc:
            raise DucklingUnavailable(type(exc).__name__) from exc
        if response.status_code >= 500:
            raise DucklingUnavailable(f"HTTP {response.status_code}")
        response.raise_for_status()  # a 4xx is our request's fault, not an outage
        try:
            return response.json()
        except ValueError as exc:
            raise DucklingUnavailable("answer is not JSON") from exc


def time_value(entity: dict[str, Any]) -> TimeValue:
    """The primary value of a time entity, as returned by Duckling or as a Rasa entity (whose
    `additional_info` holds Duckling's value). Other candidates stay in the entity's `values`.

    Raises ValueError for other dimensions and for intervals without a start ("before noon").
    """
    dim = entity.get("dim", entity.get("entity"))
    if dim != "time":
        raise ValueError(f"not a time entity: {dim!r}")
    value = entity["additional_info"] if "additional_info" in entity else entity["value"]
    if value["type"] == "value":
        return TimeValue("instant", _datetime(value["value"]), None, value["grain"])
    if "from" not in value:
        raise ValueError(f"interval has no start: {entity.get('body', entity.get('text'))!r}")
    end = value.get("to")
    return TimeValue(
        "interval",
        _datetime(value["from"]["value"]),
        _datetime(end["value"]) if end else None,
        value["from"]["grain"],
    )


def _datetime(iso: str) -> datetime:
    # Duckling writes e.g. 2024-01-12T09:00:00.000-06:00, which fromisoformat reads on 3.10.
    return datetime.fromisoformat(iso)
