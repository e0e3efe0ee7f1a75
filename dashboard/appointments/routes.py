"""The upcoming-appointments table (the home page is Today, dashboard/today)."""
from __future__ import annotations

from flask import current_app, render_template

from business.repository import list_appointments
from dashboard.appointments import bp
from dashboard.db import get_profile, get_session
from dashboard.settings.forms import ActionForm
from dashboard.auth.roles import STAFF, role_required

PAGE_LIMIT = 200


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
        action_form=ActionForm(),
    )
