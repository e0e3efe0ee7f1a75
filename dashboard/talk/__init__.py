"""Push-to-talk: the owner speaks to the assistant from the browser."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("talk", __name__, url_prefix="/talk", template_folder="templates")

from dashboard.talk import routes  # noqa: E402,F401  (registers views on bp)
