"""Calls: the conversations the assistant has had, and each one's transcript."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("calls", __name__, url_prefix="/calls", template_folder="templates")

from dashboard.calls import routes  # noqa: E402,F401  (registers views on bp)
