"""Calendar: the appointments on a week or month grid (FullCalendar), with technician,
status, arrival window and the dispatcher's explanation for each."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("calendar", __name__, url_prefix="/calendar", template_folder="templates")

from dashboard.calendar import routes  # noqa: E402,F401  (registers views on bp)
