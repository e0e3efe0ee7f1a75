"""The calendar page. Its events come from /api/appointments and its free-time finder
from /api/availability, so the page and the assistant share one scheduling engine."""
from __future__ import annotations

import secrets

from flask import current_app, make_response, render_template

from business.repository import list_services, list_technicians
from dashboard.calendar import bp
from dashboard.db import get_profile, get_session
from dashboard.security import CONTENT_SECURITY_POLICY
from dashboard.auth.roles import STAFF, role_required


@bp.get("/")
@role_required(STAFF)
def index():
    profile = get_profile()
    today = current_app.config["CLOCK"]().astimezone(profile.tz).date()
    # FullCalendar injects its stylesheet at run time; a fresh nonce per page lets exactly
    # that <style> element in, while inline styles elsewhere stay refused; its arrow icons
    # are a font in a data: URL.
    nonce = secrets.token_urlsafe(16)
    response = make_response(render_template(
        "calendar/index.html",
        timezone=profile.timezone,
        today=today.isoformat(),
        services=list_services(session=get_session()),
        technicians=list_technicians(session=get_session()),
        style_nonce=nonce,
    ))
    response.headers["Content-Security-Policy"] = f"{CONTENT_SECURITY_POLICY}; style-src 'self' 'nonce-{nonce}'; font-src 'self' data:"
    return response
