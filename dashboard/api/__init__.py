"""The JSON API: appointments by local date range and recent conversations with turns.
Signed-out requests get 401 JSON, bad query parameters 400 JSON."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from dashboard.api import routes  # noqa: E402,F401  (registers views on bp)
