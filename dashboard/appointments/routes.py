"""The home page and the upcoming-appointments table."""
from __future__ import annotations

from flask import current_app, redirect, render_template, url_for
from flask_login import current_user

from business.repository import list_appointments
from business.users import TECHNICIAN
from dashboard.appointments import bp
from dashboard.db import get_profile, get_session
from dashboard.auth.roles import EVERYONE, STAFF, role_required

PAGE_LIMIT = 200


@bp.get("/")
@role_required(EVERYONE)
def index():
    if current_user.role == TECHNICIAN:
        return redirect(url_for("technicians.index"))
    return redirect(url_for("appointments.upcoming"))


@bp.get("/appointments/")
@role_required(STAFF)
def upcoming():
    now = current_app.config["CLOCK"]()
    # Starting from now, but an appointment under way still shows until it ends.
    appointments = list_appointments(session=get_session(), start=now, limit=PAGE_LIMIT)
    return render_template(
        "appointments/index.html",
        appointments=appointments,
        timezone=get_profile().timezone,
        limit=PAGE_LIMIT,
    )
