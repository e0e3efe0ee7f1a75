"""The actions server's way into the business database: one unit of work per action."""
from __future__ import annotations

from functools import lru_cache

from business.db import session_scope
from business.settings import Settings


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings.from_env()


def unit_of_work():
    return session_scope(settings().database_url)
