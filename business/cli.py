"""Command line for the owner and for make: migrate, seed, and look up free slots.

    python -m business.cli migrate
    python -m business.cli seed
    python -m business.cli slots drain_cleaning --from "2026-11-24 09:00" -n 5
    python -m business.cli slots burst_pipe --emergency
"""
from __future__ import annotations

from datetime import datetime, timedelta

import click

from business.calendar import blocked_for_booking
from business.db import session_scope
from business.migrations_runner import upgrade
from business.profile import load_profile
from business.repository import get_service_by_slug, list_services, list_technicians
from business.scheduling import REASONS, search_availability
from business.seed import seed
from business.settings import Settings
from business.scheduling.spoken import spoken_datetime, spoken_window


@click.group()
def main() -> None:
    """Lakeshore receptionist: database and scheduling commands."""


@main.command("migrate")
def migrate_command() -> None:
    """Apply database migrations up to the newest."""
    upgrade(Settings.from_env().database_url)
    click.echo("database is up to date")


@main.command("seed")
@click.option("--overwrite", is_flag=True, help="Replace what the owner set in Settings with data/.")
def seed_command(overwrite: bool) -> None:
    """Migrate, then load data/ into a new database (an already seeded one is left as it is)."""
    settings = Settings.from_env()
    upgrade(settings.database_url)
    with session_scope(settings.database_url) as session:
        counts = seed(session=session, data_dir=settings.data_dir, overwrite=overwrite)
    click.echo("seeded " + ", ".join(f"{n} {what}" for what, n in counts.items()))


@main.command("slots")
@click.argument("service_slug")
@click.option("--from", "--after", "start", metavar="WHEN",
              help="Local date or time wanted, e.g. '2026-11-24' or '2026-11-24 09:00'; default now.")
@click.option("--to", "end", metavar="WHEN", help="End of the wanted range (exclusive), same format.")
@click.option("-n", "count", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option("--emergency", is_flag=True, help="Earliest emergency arrivals, at any hour.")
def slots_command(service_slug: str, start: str | None, end: str | None, count: int, emergency: bool) -> None:
    """Print the next free slots for a service, nearest to the wanted time first."""
    settings = Settings.from_env()
    with session_scope(settings.database_url) as session:
        profile = load_profile(session=session)
        service = get_service_by_slug(session=session, slug=service_slug)
        if service is None:
            slugs = ", ".join(s.slug for s in list_services(session=session))
            raise click.BadParameter(f"unknown service; choose one of: {slugs}", param_hint="SERVICE_SLUG")
        now = datetime.now(profile.tz)
        wanted_from = _local(start, profile.tz, "--from") or now
        wanted_to = _local(end, profile.tz, "--to")
        if wanted_to is None and start is not None and len(start) == len("2026-11-24"):
            wanted_to = wanted_from + timedelta(days=1)  # a date alone means any time that day
        if wanted_to is not None and wanted_to <= wanted_from:
            raise click.BadParameter("must be after --from", param_hint="--to")
        # The owner's busy calendar time counts here as it does for a caller.
        blocked = blocked_for_booking(session=session, settings=settings,
                                      horizon_days=profile.booking.max_horizon_days, now=now)
        found = search_availability(session=session, profile=profile, service=service, preferred_from=wanted_from,
                                    preferred_to=wanted_to, count=count, now=now,
                                    urgency="emergency" if emergency else "routine", blocked=blocked)
        names = {t.id: t.name for t in list_technicians(session=session, active_only=False)}
        click.echo(f"{service.name} ({service.duration_minutes} min), {profile.booking.mode} booking, "
                   f"times in {profile.timezone}:")
        if found.reason:
            reason = REASONS[found.reason].format(days=profile.booking.max_horizon_days)
            click.echo(f"  not as asked: {reason}")
        if not found.options:
            click.echo("  nothing free")
        for slot in found.options:
            begin, finish = slot.start.astimezone(profile.tz), slot.end.astimezone(profile.tz)
            spoken = (spoken_window(begin, finish, now) if slot.kind == "window" else spoken_datetime(begin, now))
            click.echo(f"  {begin:%Y-%m-%d %H:%M}-{finish:%H:%M}  {spoken}  ({names.get(slot.technician_id)} is free)")


def _local(raw: str | None, tz, option: str) -> datetime | None:
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise click.BadParameter(f"{raw!r} is not a date or time like 2026-11-24 09:00", param_hint=option) from None
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


if __name__ == "__main__":
    main()
