"""New job (a form that shows a refused time with the reason and the nearest free times),
cancel, and the calendar's drag-to-move (JSON, refused with the reason when a rule forbids)."""
from __future__ import annotations

from datetime import datetime

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from business.customers.contacts import normalize_phone
from business.models import Appointment
from business.repository import get_service_by_slug, list_services, upsert_customer
from business.scheduling import SlotUnavailable
from business.scheduling.office import book_from_office, cancel_from_office, move_from_office, refusal_text
from dashboard.api.availability import ISO_RE
from dashboard.api.serializers import appointment_json
from dashboard.auth.roles import STAFF, role_required
from dashboard.calendar.busy import owner_busy_times
from dashboard.db import get_profile, get_session
from dashboard.formatting import local_datetime
from dashboard.jobs import bp
from dashboard.jobs.forms import JobForm
from dashboard.settings.forms import ActionForm

MAX_ID = 2**31 - 1
JOB = f"/<int(max={MAX_ID}):appointment_id>"


def appointment_or_404(appointment_id: int) -> Appointment:
    appointment = get_session().get(Appointment, appointment_id)
    if appointment is None:
        abort(404, "That appointment does not exist.")
    return appointment


def refused(error: SlotUnavailable) -> str:
    text = refusal_text(get_profile(), error)
    if error.alternatives:
        text += " Free instead: " + "; ".join(local_datetime(slot.start) for slot in error.alternatives) + "."
    return text


@bp.route("/new", methods=["GET", "POST"])
@role_required(STAFF)
def new():
    session, profile = get_session(), get_profile()
    form = JobForm()
    form.service.choices = [(s.slug, s.name) for s in list_services(session=session)]
    if request.method == "GET" and request.args.get("day"):
        form.day.process_data(request.args.get("day"))
    if form.validate_on_submit():
        phone = normalize_phone(form.phone.data)
        service = get_service_by_slug(session=session, slug=form.service.data)
        if phone is None:
            form.phone.errors = ["That is not a phone number we can text or call."]
        else:
            customer = upsert_customer(session=session, phone=phone, name=form.name.data.strip(),
                                       address=form.address.data.strip(), zip_code=form.zip_code.data.strip())
            now = current_app.config["CLOCK"]()
            start = datetime.combine(form.day.data, form.start.data, tzinfo=profile.tz)
            try:
                appointment = book_from_office(
                    session=session, profile=profile, customer=customer, service=service, start=start, now=now,
                    blocked=owner_busy_times(now), problem=form.problem.data or None, urgency=form.urgency.data)
            except SlotUnavailable as exc:
                session.rollback()
                form.start.errors = [refused(exc)]
            else:
                session.commit()
                who = appointment.technician.name if appointment.technician else "nobody yet"
                flash(f"Booked job #{appointment.id} for {customer.name}, "
                      f"{local_datetime(appointment.start_at)}; technician: {who}. The customer is texted.")
                return redirect(url_for("appointments.upcoming"))
    status = 422 if form.errors else 200
    return render_template("jobs/new.html", form=form, timezone=profile.timezone), status


@bp.post(f"{JOB}/cancel")
@role_required(STAFF)
def cancel(appointment_id: int):
    appointment = appointment_or_404(appointment_id)
    if not ActionForm().validate_on_submit():
        abort(400, "The form expired; please try again.")
    try:
        cancel_from_office(session=get_session(), appointment=appointment, actor=current_user.username)
    except ValueError as exc:
        abort(409, f"{str(exc)[0].upper()}{str(exc)[1:]}.")
    get_session().commit()
    flash(f"Job #{appointment_id} cancelled; the customer and the technician are told.")
    return redirect(url_for("appointments.upcoming"))


@bp.post(f"{JOB}/move")
@role_required(STAFF)
def move(appointment_id: int):
    """JSON {"start": "2026-11-24T10:00"} (business time without an offset). 409 with the
    reason when the time cannot be booked; the calendar puts the event back."""
    body = request.get_json(silent=True)
    raw = body.get("start") if isinstance(body, dict) else None
    if not isinstance(raw, str) or not ISO_RE.fullmatch(raw) or "T" not in raw:
        return jsonify(error="start must be a time like 2026-11-24T10:00"), 400
    try:
        start = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return jsonify(error=f"start is not a real time: {raw}"), 400
    profile = get_profile()
    start = start.replace(tzinfo=profile.tz) if start.tzinfo is None else start
    appointment = appointment_or_404(appointment_id)
    now = current_app.config["CLOCK"]()
    try:
        move_from_office(session=get_session(), profile=profile, appointment=appointment, start=start, now=now,
                         actor=current_user.username, blocked=owner_busy_times(now))
    except SlotUnavailable as exc:
        get_session().rollback()
        return jsonify(error=refused(exc), reason=exc.reason), 409
    except ValueError as exc:
        get_session().rollback()
        return jsonify(error=f"{str(exc)[0].upper()}{str(exc)[1:]}."), 409
    get_session().commit()
    return jsonify(appointment=appointment_json(appointment))
