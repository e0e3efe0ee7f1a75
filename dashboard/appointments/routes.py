"""The home page and the upcoming-appointments table."""
from __future__ import annotations

from flask import current_app, redirect, render_template, url_for
from flask_login import login_required

from business.repository import list_appointments
from dashboard.appointments import bp
from dashboard.db import get_profile, get_session

PAGE_LIMIT = 200


@bp.get("/")
@login_required
def index():
    return redirect(url_for("appointments.upcoming"))


@bp.get("/appointments/")
@login_required
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
