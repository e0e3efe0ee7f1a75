"""Analytics: how the business is doing over a date range, one chart per report, each fed
by its own JSON endpoint, with a table view and a CSV download."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("analytics", __name__, url_prefix="/analytics", template_folder="templates")

from dashboard.analytics import routes  # noqa: E402,F401  (registers views on bp)
