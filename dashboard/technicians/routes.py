"""The technicians page and the job buttons; each button does what the matching text does."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from business.dispatch.engine import list_latest_dispatch_records
from business.models import Appointment
from business.repository import ACTIVE_STATUSES, list_appointments, list_technicians
from business.users import TECHNICIAN
from business.dispatch.technician_jobs import JOB_ACTIONS, JobActionError, apply_job_action
from dashboard.db import get_profile, get_session
from dashboard.settings.forms import ActionForm
from dashboard.technicians import bp
from dashboard.auth.roles import EVERYONE, role_required

DONE_MESSAGES = {"accept": "accepted", "decline": "declined and sent to the next technician",
                 "en_route": "marked on the way; the customer has been texted", "arrived": "marked on site",
                 "done": "marked done; the customer gets the review request"}


def own_technician_id() -> int | None:
    """A technician's account sees and acts on its own technician's jobs only; 0 when the
    account is not linked to one (so it matches nothing)."""
    if current_user.role == TECHNICIAN:
        return current_user.technician_id or 0
    return None


@bp.get("/")
@role_required(EVERYONE)
def index():
    session, tz = get_session(), get_profile().tz
    today = current_app.config["CLOCK"]().astimezone(tz).date()
    start = datetime.combine(today, time(0), tzinfo=tz)
    only = own_technician_id()
    jobs = list_appointments(session=session, start=start, end=start + timedelta(days=1),
                             statuses=(*ACTIVE_STATUSES, "completed"), technician_id=only)
    technicians = list_technicians(session=session)
    if only is not None:
        technicians = [tech for tech in technicians if tech.id == only]
    dispatch = list_latest_dispatch_records(session=session, appointment_ids=[a.id for a in jobs])
    by_technician: dict[int, list[Appointment]] = {}
    for job in jobs:
        if job.technician_id is not None:
            by_technician.setdefault(job.technician_id, []).append(job)
    return render_template("technicians/index.html", technicians=technicians,
                           jobs=by_technician, dispatch=dispatch, today=today, timezone=get_profile().timezone,
                           action_form=ActionForm())


@bp.post("/jobs/<int:appointment_id>/<action>")
@role_required(EVERYONE)
def job_action(appointment_id: int, action: str):
    if action not in JOB_ACTIONS:
        abort(404, "That job action does not exist.")
    if not ActionForm().validate_on_submit():
        abort(400, "The form expired; please try again.")
    session = get_session()
    appointment = session.get(Appointment, appointment_id)
    only = own_technician_id()
    if appointment is None or appointment.technician is None or only not in (None, appointment.technician_id):
        abort(404, "That job does not exist or has no technician.")
    technician = appointment.technician
    try:
        apply_job_action(session=session, action=action, appointment=appointment, technician=technician,
                         now=current_app.config["CLOCK"]())
    except JobActionError as exc:
        abort(409, f"{str(exc)[0].upper()}{str(exc)[1:]}.")
    session.commit()
    flash(f"Job #{appointment_id} for {technician.name}: {DONE_MESSAGES[action]}.")
    return redirect(url_for("technicians.index"))
