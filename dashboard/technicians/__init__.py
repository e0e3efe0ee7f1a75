"""Technicians: each one's status and jobs today, with the buttons a technician's texts
would press (accept, decline, on my way, arrived, done)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("technicians", __name__, url_prefix="/technicians", template_folder="templates")

from dashboard.technicians import routes  # noqa: E402,F401  (registers views on bp)
