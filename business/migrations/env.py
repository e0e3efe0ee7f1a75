"""Alembic environment: migrates the database named by DATABASE_URL (or -x url=...)."""
from alembic import context

from business.db import make_engine
from business.migrations.postgres_only import include_object
from business.models import Base
from business.settings import Settings

config = context.config


def _url() -> str:
    return context.get_x_argument(as_dictionary=True).get("url") or Settings.from_env().database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=Base.metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = make_engine(_url())
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:
    # render_as_batch lets later migrations alter columns on SQLite too.
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                      include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
