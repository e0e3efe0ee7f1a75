"""Notifications: the system alerts page with per-user read marks, and Web Push on this
device (subscribe, choose events, unsubscribe)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications", template_folder="templates")

from dashboard.notifications import routes  # noqa: E402,F401  (registers views on bp)
