"""Migration 0003_calendar creates exactly what the calendar models declare, on SQLite
and PostgreSQL."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from business.db import get_engine
from business.models import Base

CALENDAR_TABLES = {"calendar_accounts", "calendar_busy_times", "calendar_blocks", "calendar_retries"}


def _table_of(diff) -> str:
    kind, *args = diff[0] if isinstance(diff, list) else diff  # modify_* diffs come in lists
    if kind in ("add_table", "remove_table"):
        return args[0].name
    if kind.endswith(("_index", "_constraint", "_fk")):
        return args[0].table.name
    return args[1]  # add_column, remove_column, modify_*: (schema, table, ...)


def test_migration_matches_the_calendar_models(database_url):
    engine = get_engine(database_url)
    with engine.connect() as connection:
        assert CALENDAR_TABLES <= set(inspect(connection).get_table_names())
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
    ours = [d for d in diffs if _table_of(d) in CALENDAR_TABLES]
    assert ours == []
