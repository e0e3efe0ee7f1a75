"""The Today page: today's and tomorrow's jobs by technician, calls live now, who waits
for a call back (missed calls and new leads), emergencies, failed notifications and
calendar conflicts. A technician's home is their own jobs instead."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import current_app, redirect, render_template, url_for
from flask_login import current_user

from business.calendar.sync import CONFLICT, list_calendar_pending
from business.conversations.follow_up import (
    EMERGENCY_INTENT, OPEN_LEAD_STATUSES, count_calls_to_call_back, count_leads, list_calls_to_call_back, list_leads,
)
from business.notifications.outbox import list_notifications
from business.repository import ACTIVE_STATUSES, list_appointments, list_live_conversations
from business.users import TECHNICIAN
from dashboard.auth.roles import EVERYONE, role_required
from dashboard.db import get_profile, get_session
from dashboard.today import bp

# Missed calls older than this drop off the home page (they stay in Calls).
CALL_BACK_WINDOW = timedelta(days=14)
LIVE_WINDOW = timedelta(minutes=10)
LIST_LIMIT = 10


def jobs_by_day_and_technician(jobs, days):
    """{day: {technician name (or "Unassigned"): [jobs]}} for each day, in order."""
    tz = get_profile().tz
    board = {day: {} for day in days}
    for job in jobs:
        day = job.start_at.astimezone(tz).date()
        if day in board:
            name = job.technician.name if job.technician else "Unassigned"
            board[day].setdefault(name, []).append(job)
    return board


@bp.get("/")
@role_required(EVERYONE)
def home():
    """Each role's home: Today (the installed app's start page, kept for reading offline at
    its own address), or a technician's own jobs."""
    if current_user.role == TECHNICIAN:
        return redirect(url_for("technicians.index"))
    return redirect(url_for("today.index"))


@bp.get("/today/")
@role_required(EVERYONE)
def index():
    if current_user.role == TECHNICIAN:
        return redirect(url_for("technicians.index"))
    session, profile = get_session(), get_profile()
    now = current_app.config["CLOCK"]()
    today = now.astimezone(profile.tz).date()
    start = datetime.combine(today, time(0), tzinfo=profile.tz)
    jobs = list_appointments(session=session, start=start, end=start + timedelta(days=2),
                             statuses=(*ACTIVE_STATUSES, "completed"))
    days = (today, today + timedelta(days=1))
    since = now - CALL_BACK_WINDOW
    calls = list_calls_to_call_back(session=session, since=since, limit=LIST_LIMIT)
    failed = [n for status in ("failed", "undelivered")
              for n in list_notifications(session=session, status=status, limit=LIST_LIMIT)]
    return render_template(
        "today/index.html",
        days=days, board=jobs_by_day_and_technician(jobs, days), timezone=profile.timezone,
        emergencies=[job for job in jobs if job.urgency == "emergency" and job.status in ACTIVE_STATUSES],
        live=[c for c in list_live_conversations(session=session, since=now - LIVE_WINDOW) if c.status == "in-progress"],
        calls=calls, calls_total=count_calls_to_call_back(session=session, since=since),
        emergency_calls=[c for c in calls if c.intent == EMERGENCY_INTENT],
        leads=list_leads(session=session, statuses=("new",), limit=LIST_LIMIT),
        leads_total=count_leads(session=session, statuses=OPEN_LEAD_STATUSES[:1]),
        failed=sorted(failed, key=lambda n: n.created_at, reverse=True)[:LIST_LIMIT],
        conflicts=[a for a, _retry in list_calendar_pending(session=session) if a.calendar_state == CONFLICT],
    )
