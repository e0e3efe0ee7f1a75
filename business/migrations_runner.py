"""Runs the Alembic migrations from code, for `make seed`, the services and the tests."""
from __future__ import annotations

from alembic import command
from alembic.config import Config

from business.settings import ROOT


def upgrade(database_url: str, revision: str = "heads") -> None:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "business" / "migrations"))
    from business.db import make_engine

    engine = make_engine(database_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    engine.dispose()
