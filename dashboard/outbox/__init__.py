"""Outbox: every text and email the business sent or holds, with its status."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("outbox", __name__, url_prefix="/outbox", template_folder="templates")

from dashboard.outbox import local_mode, routes  # noqa: E402,F401  (registers views and the banner on bp)
