"""Revisions 0009_dash1_roles and 0010_dash1_follow_up: the columns, tables and indexes the
models declare, on both databases, and the lead statuses renamed on the way."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from business.db import get_engine
from business.migrations_runner import upgrade
from business.migrations.postgres_only import POSTGRES_ONLY_INDEXES, include_object
from business.models import Base

TABLES = {"users", "conversations", "leads", "customer_erasures"}


def test_migrations_create_what_the_models_declare(database_url):
    with get_engine(database_url).connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object})
        diffs = compare_metadata(context, Base.metadata)
        if conn.dialect.name == "postgresql":  # the keyword search's trigram indexes
            names = set(conn.scalars(text("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%_trgm'")))
            assert names == POSTGRES_ONLY_INDEXES
    assert [d for d in diffs if any(table in str(d) for table in TABLES)] == []


def test_lead_statuses_become_called_and_lost(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0009_dash1_roles")
    with get_engine(url).begin() as conn:
        for status in ("new", "contacted", "closed"):
            conn.execute(text("INSERT INTO leads (name, phone, created_at, status) "
                              "VALUES ('x', '+13125550100', '2026-11-01 00:00:00', :s)"), {"s": status})
    upgrade(url)
    with get_engine(url).connect() as conn:
        assert sorted(conn.scalars(text("SELECT status FROM leads"))) == ["called", "lost", "new"]
    get_engine(url).dispose()
