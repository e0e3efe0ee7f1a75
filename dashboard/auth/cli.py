"""`flask --app dashboard create-user USERNAME`: the only way to make an account, so an
install never ships with a default user or password."""
from __future__ import annotations

import sys

import click
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from dashboard.auth import bp
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
def create_user_command(username: str, password_stdin: bool) -> None:
    """Create a dashboard user; asks for the password twice (hidden)."""
    try:
        check_username(username)
        password = check_password(_read_password(password_stdin))
        session = get_session()
        create_user(session=session, username=username, password=password)
        session.commit()
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    except IntegrityError as exc:  # someone created the same username meanwhile
        raise click.ClickException(f"user {username!r} already exists") from exc
    except SQLAlchemyError as exc:
        raise click.ClickException(f"the database is not ready ({type(exc).__name__}); run `make seed` first") from exc
    click.echo(f"created user {username!r}")
