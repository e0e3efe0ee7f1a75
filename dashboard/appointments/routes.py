"""The home page, the upcoming-appointments table and Today: today's and tomorrow's jobs
with addresses, the one private page the service worker keeps for reading offline."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import current_app, redirect, render_template, url_for
from flask_login import login_required

from business.repository import list_appointments
from dashboard.appointments import bp
from dashboard.db import get_profile, get_session

PAGE_LIMIT = 200


@bp.get("/")
@login_required
def index():
    return redirect(url_for("appointments.today"))


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


@bp.get("/today/")
@login_required
def today():
    profile = get_profile()
    now = current_app.config["CLOCK"]()
    local_today = now.astimezone(profile.tz).date()
    midnight = datetime.combine(local_today, time(), tzinfo=profile.tz)
    days = []
    for offset, label in ((0, "Today"), (1, "Tomorrow")):
        start = midnight + timedelta(days=offset)
        # Each day's bounds computed in local time, so a DST change day still has all its hours.
        end = datetime.combine(start.date() + timedelta(days=1), time(), tzinfo=profile.tz)
        jobs = list_appointments(session=get_session(), start=start, end=end, limit=PAGE_LIMIT)
        days.append({"label": label, "date": start, "jobs": jobs})
    return render_template("appointments/today.html", days=days, timezone=profile.timezone, now=now)
