"""`flask --app dashboard create-user USERNAME [--role office|technician --technician NAME]`: the only way to make an account, so an
install never ships with a default user or password."""
from __future__ import annotations

import sys

import click
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from dashboard.auth import bp
from business.models import Technician
from business.users import OWNER, ROLES, TECHNICIAN
from dashboard.auth.accounts import AccountError, check_password, check_username, create_user
from dashboard.db import get_session


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        # One line; only the line ending is stripped, spaces belong to the password.
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@bp.cli.command("create-user")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--role", type=click.Choice(ROLES), default=OWNER, show_default=True,
              help="owner: everything; office: everything but users and settings; technician: their own jobs.")
@click.option("--technician", "technician_name", help="A technician's account: the technician's name as in data/technicians.yaml.")
def create_user_command(username: str, password_stdin: bool, role: str, technician_name: str | None) -> None:
    """Create a dashboard user; asks for the password twice (hidden)."""
    if role == TECHNICIAN and not technician_name:
        raise click.UsageError("a technician's account needs --technician NAME")
    try:
        check_username(username)
        password = check_password(_read_password(password_stdin))
        session = get_session()
        technician_id = None
        if technician_name:
            technician = session.scalar(select(Technician).where(Technician.name == technician_name))
            if technician is None:
                raise AccountError(f"no technician is named {technician_name!r}")
            technician_id = technician.id
        create_user(session=session, username=username, password=password, role=role, technician_id=technician_id)
        session.commit()
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    except IntegrityError as exc:  # someone created the same username meanwhile
        raise click.ClickException(f"user {username!r} already exists") from exc
    except SQLAlchemyError as exc:
        raise click.ClickException(f"the database is not ready ({type(exc).__name__}); run `make seed` first") from exc
    click.echo(f"created user {username!r} ({role})")
