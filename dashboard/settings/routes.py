"""The settings page: link or unlink Google Calendar (OAuth web flow with a checked
`state`), choose calendars, sync now, block time, and see what waits for the calendar."""
from __future__ import annotations

import hmac
import logging
from datetime import datetime

import requests
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for

from business.calendar import GoogleCalendar, calendar_for, service_for
from business.calendar.accounts import (
    LinkError,
    authorization_url,
    build_flow,
    create_calendar_account,
    delete_calendar_account,
    exchange_code,
    get_calendar_account,
    linking_problem,
    redirect_uri,
    update_calendar_account,
)
from business.calendar.base import CalendarError
from business.calendar.blocks import create_calendar_block, delete_calendar_block, list_calendar_blocks
from business.calendar.sync import list_calendar_pending, restore_appointment_time, sync_calendar
from business.models import Appointment
from business.settings import Settings
from dashboard.db import get_profile, get_session
from dashboard.settings import bp
from dashboard.settings.forms import ActionForm, BlockForm, CalendarChoiceForm
from dashboard.auth.roles import OWNER_ONLY, role_required
from dashboard.widget import snippet

log = logging.getLogger(__name__)
OAUTH_SESSION_KEY = "google_oauth"


def calendar_settings() -> Settings:
    config = current_app.config
    return Settings(
        app_env=config["APP_ENV"], database_url=config["DATABASE_URL"],
        calendar_token_key=config["CALENDAR_TOKEN_KEY"], google_client_id=config["GOOGLE_CLIENT_ID"],
        google_client_secret=config["GOOGLE_CLIENT_SECRET"], public_base_url=config["PUBLIC_BASE_URL"],
    )


def oauth_http() -> requests.Session | None:
    adapter = current_app.config["GOOGLE_OAUTH_ADAPTER"]
    if adapter is None:
        return None
    http = requests.Session()
    http.mount("https://", adapter)
    return http


def _calendar_form(account) -> CalendarChoiceForm:
    form = CalendarChoiceForm()
    choices = [(c["id"], c["summary"]) for c in account.calendar_choices or []]
    form.booking_calendar.choices = choices
    form.busy_calendars.choices = choices
    if request.method == "GET":
        form.booking_calendar.data = account.booking_calendar_id
        form.busy_calendars.data = list(account.busy_calendar_ids or [])
    return form


@bp.get("/")
@role_required(OWNER_ONLY)
def index():
    return render_settings(BlockForm())


def render_settings(block_form: BlockForm, status: int = 200):
    """The settings page; a refused block form comes back with its errors in place."""
    db = get_session()
    account = get_calendar_account(session=db)
    now = current_app.config["CLOCK"]()
    return render_template(
        "settings/index.html",
        account=account,
        calendar_form=_calendar_form(account) if account else None,
        problem=linking_problem(calendar_settings()),
        redirect_uri=redirect_uri(calendar_settings()),
        pending=list_calendar_pending(session=db),
        blocks=list_calendar_blocks(session=db, start=now),
        block_form=block_form,
        action_form=ActionForm(),
        timezone=get_profile().timezone,
        widget_snippet=snippet(current_app.config["PUBLIC_BASE_URL"] or request.host_url),
    ), status


# Linking


@bp.post("/google/link")
@role_required(OWNER_ONLY)
def google_link():
    if not ActionForm().validate_on_submit():
        abort(400, "The form expired; please try again.")
    try:
        flow = build_flow(calendar_settings())
    except LinkError as exc:
        flash(str(exc))
        return redirect(url_for("settings.index"))
    url, state = authorization_url(flow)
    session[OAUTH_SESSION_KEY] = {"state": state, "code_verifier": flow.code_verifier}
    return redirect(url)


@bp.get("/google/callback")
@role_required(OWNER_ONLY)
def google_callback():
    expected = session.pop(OAUTH_SESSION_KEY, None) or {}
    state = request.args.get("state", "")
    # The state ties Google's answer to the owner's own click: anything else is forged.
    if not expected.get("state") or not hmac.compare_digest(state.encode(), expected["state"].encode()):
        abort(400, "The Google sign-in could not be verified. Please start linking again.")
    if request.args.get("error"):
        flash("Google Calendar was not linked: access was not granted.")
        return redirect(url_for("settings.index"))
    code = request.args.get("code", "")
    if not code or len(code) > 2048:
        abort(400, "Google's answer had no sign-in code.")
    settings = calendar_settings()
    try:
        flow = build_flow(settings, state=expected["state"], code_verifier=expected.get("code_verifier"),
                          adapter=current_app.config["GOOGLE_OAUTH_ADAPTER"])
        credentials = exchange_code(flow, code)
    except LinkError as exc:
        flash(str(exc))
        return redirect(url_for("settings.index"))
    google = GoogleCalendar(service_for(credentials, api_http=current_app.config["GOOGLE_API_HTTP"]))
    try:
        calendars = google.list_calendars()
    except CalendarError as exc:
        log.warning("could not list the linked account's calendars: %s", exc)
        calendars = [{"id": "primary", "summary": "Primary calendar", "primary": True}]
    create_calendar_account(session=get_session(), settings=settings, credentials=credentials, calendars=calendars)
    get_session().commit()
    flash("Google Calendar linked. New bookings go to your primary calendar until you choose another.")
    return redirect(url_for("settings.index"))


@bp.post("/google/calendars")
@role_required(OWNER_ONLY)
def google_calendars():
    db = get_session()
    account = get_calendar_account(session=db)
    if account is None:
        abort(404, "No Google account is linked.")
    form = _calendar_form(account)
    if not form.validate_on_submit():
        abort(400, "Choose calendars from the list.")
    try:
        update_calendar_account(session=db, account=account, booking_calendar_id=form.booking_calendar.data,
                                busy_calendar_ids=form.busy_calendars.data)
    except ValueError:
        abort(400, "Choose calendars from the list.")
    db.commit()
    flash("Calendars saved.")
    return redirect(url_for("settings.index"))


@bp.post("/google/unlink")
@role_required(OWNER_ONLY)
def google_unlink():
    if not ActionForm().validate_on_submit():
        abort(400, "The form expired; please try again.")
    db = get_session()
    account = get_calendar_account(session=db)
    if account is not None and account.channel_id and account.channel_resource_id:
        calendar = calendar_for(db, calendar_settings(), api_http=current_app.config["GOOGLE_API_HTTP"],
                                auth_http=oauth_http())
        try:
            calendar.stop_watch(channel_id=account.channel_id, resource_id=account.channel_resource_id)
        except CalendarError as exc:  # the channel expires by itself within a week
            log.warning("could not stop the calendar channel: %s", exc)
    revoked = delete_calendar_account(session=db, settings=calendar_settings(), http=oauth_http())
    db.commit()
    flash("Google Calendar unlinked." if revoked else
          "Google Calendar unlinked here, but Google could not be told: remove the access in your Google account.")
    return redirect(url_for("settings.index"))


# Sync


@bp.post("/sync")
@role_required(OWNER_ONLY)
def sync_now():
    if not ActionForm().validate_on_submit():
        abort(400, "The form expired; please try again.")
    db = get_session()
    calendar = calendar_for(db, calendar_settings(), api_http=current_app.config["GOOGLE_API_HTTP"],
                            auth_http=oauth_http())
    report = sync_calendar(session=db, calendar=calendar, profile=get_profile(),
                           now=current_app.config["CLOCK"](), public_base_url=current_app.config["PUBLIC_BASE_URL"])
    message = f"Sync done: {report.pushed} written to the calendar, {report.pulled} changed from Google."
    if report.error:
        message += f" Google could not be read ({report.error}); it is tried again shortly."
    flash(message)
    return redirect(url_for("settings.index"))


@bp.post("/appointments/<int:appointment_id>/keep-our-time")
@role_required(OWNER_ONLY)
def keep_our_time(appointment_id: int):
    if not ActionForm().validate_on_submit():
        abort(400, "The form expired; please try again.")
    db = get_session()
    appointment = db.get(Appointment, appointment_id)
    if appointment is None or appointment.calendar_state != "calendar_conflict":
        abort(404, "No calendar conflict for that appointment.")
    restore_appointment_time(session=db, appointment=appointment)
    db.commit()
    flash("Kept our time; the calendar event is moved back on the next sync.")
    return redirect(url_for("settings.index"))


# Blocked time


@bp.post("/blocks")
@role_required(OWNER_ONLY)
def add_block():
    form = BlockForm()
    if not form.validate_on_submit():
        return render_settings(form, 422)
    tz = get_profile().tz
    start = datetime.combine(form.day.data, form.start.data, tzinfo=tz)
    end = datetime.combine(form.day.data, form.end.data, tzinfo=tz)
    try:
        create_calendar_block(session=get_session(), start=start, end=end, title=form.title.data)
    except ValueError as exc:
        form.end.errors = [f"That block cannot be saved: {exc}."]
        return render_settings(form, 422)
    get_session().commit()
    flash("Time blocked.")
    return redirect(url_for("settings.index"))


@bp.post("/blocks/<int:block_id>/delete")
@role_required(OWNER_ONLY)
def remove_block(block_id: int):
    if not ActionForm().validate_on_submit():
        abort(400, "The form expired; please try again.")
    if not delete_calendar_block(session=get_session(), block_id=block_id):
        abort(404, "That blocked time does not exist.")
    get_session().commit()
    flash("Blocked time removed.")
    return redirect(url_for("settings.index"))
