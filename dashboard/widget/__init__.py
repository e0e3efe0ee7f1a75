"""The website chat widget's public side: `/widget.js` (the bundle `make static` builds,
with the dashboard's defaults) for any site to embed, and `/demo/`, the seeded business's
home page with the widget on it. Neither needs a login; neither shows customer data."""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, render_template, request

from business.profile import WEEKDAYS
from business.repository import list_services
from business.customers.contacts import spoken_phone
from business.scheduling.spoken import spoken_time
from dashboard.auth.roles import public
from dashboard.db import get_profile, get_session

bp = Blueprint("widget", __name__, template_folder="templates")

BUNDLE = Path(__file__).resolve().parents[1] / "static" / "widget" / "widget.js"
DAY_NAMES = dict(zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")))
# The snippet's URL never changes, so browsers check back hourly (a 304 when unchanged).
SCRIPT_MAX_AGE = 3600
# The FAQ answers the demo page prints, in this order, when the owner has them.
DEMO_FAQ = ("estimate_fee", "payment_methods", "warranty", "licensed_insured")


def socket_url() -> str:
    return current_app.config["WIDGET_SOCKET_URL"]


def snippet(base_url: str) -> str:
    """The one line a business pastes into its site."""
    return (f'<script src="{base_url.rstrip("/")}/widget.js" data-socket-url="{socket_url()}" '
            f'data-title="{get_profile().name}" defer></script>')


@bp.get("/widget.js")
@public
def widget_script():
    try:
        bundle = BUNDLE.read_text(encoding="utf-8")
    except FileNotFoundError:
        current_app.logger.error("widget.js is not built: run `make static`")
        abort(404)
    defaults = json.dumps({"socketUrl": socket_url(), "title": get_profile().name})
    # A function scope, so the defaults are the bundle's and never a global of the host page.
    body = f"(function(__lakeshoreDefaults){{{bundle}\n}})({defaults});\n"
    response = Response(body, mimetype="text/javascript")
    response.set_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    response.headers["Cache-Control"] = f"public, max-age={SCRIPT_MAX_AGE}"
    # Any site may embed it, also with crossorigin="anonymous" or under COEP.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response.make_conditional(request)


def opening_hours(profile) -> list[tuple[str, str]]:
    today = date.today()
    rows = []
    for day in WEEKDAYS:
        hours = profile.hours.get(day)
        shown = (f"{spoken_time(datetime.combine(today, hours[0]))} to {spoken_time(datetime.combine(today, hours[1]))}"
                 if hours else "Closed")
        rows.append((DAY_NAMES[day], shown))
    return rows


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@bp.get("/demo/")
@public
def demo_site():
    profile = get_profile()
    services = list_services(session=get_session())
    faq = [(key, profile.faq[key]) for key in DEMO_FAQ if profile.faq.get(key)]
    response = Response(render_template("widget/demo.html", profile=profile, services=services, faq=faq,
                                        hours=opening_hours(profile), phone=spoken_phone(profile.phone)))
    # The page's own policy: scripts from here only, and the chat's socket.io connection.
    origin = _origin(socket_url())
    websocket = origin.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; connect-src 'self' {origin} {websocket}; frame-ancestors 'none'; "
        "form-action 'self'; base-uri 'none'")
    response.headers["Cache-Control"] = "no-cache"
    return response
