"""Page numbers from the query string, for the dashboard's paginated lists (the query
itself pages in SQL with LIMIT/OFFSET)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, request

MAX_PAGE = 10_000


@dataclass(frozen=True)
class Page:
    number: int
    size: int
    total: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number * self.size < self.total

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def page_number() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        abort(400, f"page must be a whole number from 1 to {MAX_PAGE}.")
    return int(raw)
