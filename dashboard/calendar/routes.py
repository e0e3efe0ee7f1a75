"""The calendar page. Its events come from /api/appointments and its free-time finder
from /api/availability, so the page and the assistant share one scheduling engine."""
from __future__ import annotations

from flask import current_app, render_template
from flask_login import login_required

from business.repository import list_services
from dashboard.calendar import bp
from dashboard.db import get_profile, get_session


@bp.get("/")
@login_required
def index():
    profile = get_profile()
    today = current_app.config["CLOCK"]().astimezone(profile.tz).date()
    return render_template(
        "calendar/index.html",
        timezone=profile.timezone,
        today=today.isoformat(),
        services=list_services(session=get_session()),
    )
