"""Settings: the Google Calendar link, blocked times and appointments waiting for the
calendar."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("settings", __name__, url_prefix="/settings", template_folder="templates")

from dashboard.settings import business_settings, notifications, routes, users  # noqa: E402,F401  (register views on bp)
