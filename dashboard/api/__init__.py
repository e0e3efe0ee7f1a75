"""The JSON API: appointments by local date range, recent conversations with turns and
free times for a service.
Signed-out requests get 401 JSON, bad query parameters 400 JSON."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from dashboard.api import availability, routes  # noqa: E402,F401  (registers views on bp)
