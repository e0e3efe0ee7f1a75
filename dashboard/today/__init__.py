"""Today, the home page: what needs the owner now, on one screen that works on a phone."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("today", __name__, template_folder="templates")

from dashboard.today import routes  # noqa: E402,F401  (registers views on bp)
