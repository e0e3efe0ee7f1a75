"""The per-request database session and business profile, opened lazily on `g` and
closed when the application context ends (after a request or a CLI command)."""
from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from business.db import session_factory
from business.profile import BusinessProfile, load_profile


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = session_factory(current_app.config["DATABASE_URL"])()
    return g.db_session


def get_profile() -> BusinessProfile:
    """The business profile (time zone, hours), read once per request."""
    if "profile" not in g:
        g.profile = load_profile(session=get_session())
    return g.profile


def close_session(_exc: BaseException | None = None) -> None:
    # Closing rolls back anything not committed, so a failed request leaves no half-write.
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_session)
