"""The migrations create exactly what the models declare, on SQLite and PostgreSQL."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from business.db import get_engine
from business.migrations.postgres_only import include_object
from business.models import Base


def test_migrated_schema_matches_the_models(database_url):
    engine = get_engine(database_url)
    with engine.connect() as conn:
        # PostgreSQL's trigram indexes are made in SQL only (business/migrations/postgres_only.py).
        context = MigrationContext.configure(conn, opts={"compare_type": False, "include_object": include_object})
        assert compare_metadata(context, Base.metadata) == []
        columns = {c["name"] for c in inspect(conn).get_columns("appointments")}
        assert {"window_start", "window_end"} <= columns
        assert "actor" in {c["name"] for c in inspect(conn).get_columns("appointment_events")}
        dispatch = {c["name"] for c in inspect(conn).get_columns("dispatch_records")}
        assert dispatch == {"id", "appointment_id", "technician_id", "explanation", "candidates", "emergency",
                            "flagged_for_owner", "owner_note", "status", "created_at"}
