"""Revision 0007_robustness creates the tables the models declare, on both databases."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from business.db import get_engine
from business.models import Base

TABLES = {"skipped_events", "inbound_messages"}


def test_migration_creates_what_the_models_declare(database_url):
    with get_engine(database_url).connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert [d for d in diffs if any(table in str(d) for table in TABLES)] == []
