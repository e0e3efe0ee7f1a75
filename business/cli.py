"""Command line for the owner and for make: migrate, seed, and look up free slots.

    python -m business.cli migrate
    python -m business.cli seed
    python -m business.cli slots drain_cleaning --after "2026-11-24 09:00" -n 5
"""
from __future__ import annotations

from datetime import datetime

import click

from business.db import session_scope
from business.migrations_runner import upgrade
from business.profile import load_profile
from business.repository import get_service_by_slug, list_services
from business.scheduling import find_open_slots
from business.seed import seed
from business.settings import Settings
from business.spoken import spoken_datetime


@click.group()
def main() -> None:
    """Lakeshore receptionist: database and scheduling commands."""


@main.command("migrate")
def migrate_command() -> None:
    """Apply database migrations up to the newest."""
    upgrade(Settings.from_env().database_url)
    click.echo("database is up to date")


@main.command("seed")
def seed_command() -> None:
    """Migrate, then load data/ into the database (safe to run again)."""
    settings = Settings.from_env()
    upgrade(settings.database_url)
    with session_scope(settings.database_url) as session:
        counts = seed(session=session, data_dir=settings.data_dir)
    click.echo("seeded " + ", ".join(f"{n} {what}" for what, n in counts.items()))


@main.command("slots")
@click.argument("service_slug")
@click.option("--after", help="Local date and time, e.g. '2026-11-24 09:00'; default now.")
@click.option("-n", "count", default=5, show_default=True)
def slots_command(service_slug: str, after: str | None, count: int) -> None:
    """Print the next free slots for a service."""
    settings = Settings.from_env()
    with session_scope(settings.database_url) as session:
        profile = load_profile(session=session)
        service = get_service_by_slug(session=session, slug=service_slug)
        if service is None:
            slugs = ", ".join(s.slug for s in list_services(session=session))
            raise click.BadParameter(f"unknown service; choose one of: {slugs}")
        now = datetime.now(profile.tz)
        preferred = datetime.fromisoformat(after).replace(tzinfo=profile.tz) if after else now
        for slot in find_open_slots(session=session, profile=profile, service=service,
                                    preferred=preferred, count=count, now=now):
            click.echo(f"{slot.start.astimezone(profile.tz):%Y-%m-%d %H:%M}  {spoken_datetime(slot.start.astimezone(profile.tz), now)}")


if __name__ == "__main__":
    main()
