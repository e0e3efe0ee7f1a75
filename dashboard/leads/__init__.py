"""Leads: callers who asked for a call back or a quote, and what became of them."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("leads", __name__, template_folder="templates", url_prefix="/leads")

from dashboard.leads import routes  # noqa: E402,F401  (registers views on bp)
