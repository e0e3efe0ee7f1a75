"""Sign-in and sign-out, the user loader, and the `create-user` CLI command."""
from __future__ import annotations

from flask import Blueprint

# cli_group=None puts the blueprint's commands at the top: `flask --app dashboard create-user`.
bp = Blueprint("auth", __name__, template_folder="templates", cli_group=None)

from dashboard.auth import cli, routes  # noqa: E402,F401  (registers views and commands on bp)
