"""Google Calendar push notifications (events.watch): Google POSTs here when the booking
calendar changes, and we pull the changes at once. Public, so it checks the channel's
secret token instead of a login; nothing in the body is read."""
from __future__ import annotations

from flask import abort, current_app, request

from business.calendar import calendar_for
from business.calendar.base import CalendarError
from business.calendar.sync import is_our_channel, pull_changes
from dashboard.auth.roles import public
from dashboard.db import get_profile, get_session
from dashboard.extensions import csrf
from dashboard.settings import bp
from dashboard.settings.routes import calendar_settings, oauth_http


@bp.post("/google/notifications")
@csrf.exempt
@public  # Google's channel token stands in for a login
def google_notification():
    db = get_session()
    channel_id = request.headers.get("X-Goog-Channel-ID", "")
    token = request.headers.get("X-Goog-Channel-Token", "")
    if not is_our_channel(session=db, channel_id=channel_id, token=token):
        abort(403, "Unknown notification channel.")
    if request.headers.get("X-Goog-Resource-State") == "sync":
        return "", 204  # Google's hello when the channel opens; nothing changed yet
    calendar = calendar_for(db, calendar_settings(), api_http=current_app.config["GOOGLE_API_HTTP"],
                            auth_http=oauth_http())
    try:
        pull_changes(session=db, calendar=calendar, profile=get_profile(), now=current_app.config["CLOCK"]())
    except CalendarError:
        db.rollback()
        # Google retries failed deliveries with backoff, and the worker polls meanwhile.
        abort(503, "Google Calendar could not be read; try again later.")
    return "", 204
