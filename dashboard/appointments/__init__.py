"""Appointments: the upcoming bookings, in the business's local time."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("appointments", __name__, template_folder="templates")

from dashboard.appointments import routes  # noqa: E402,F401  (registers views on bp)
