"""Jobs from the office: book a new appointment, move or cancel one, through the same
scheduling engine, locks and notifications as the assistant."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("jobs", __name__, template_folder="templates", url_prefix="/jobs")

from dashboard.jobs import routes  # noqa: E402,F401  (registers views on bp)
