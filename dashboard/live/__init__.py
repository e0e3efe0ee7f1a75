"""Live calls: phone calls as they happen, turn by turn, streamed to the page."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("live", __name__, url_prefix="/live", template_folder="templates")

from dashboard.live import routes  # noqa: E402,F401  (registers views on bp)
