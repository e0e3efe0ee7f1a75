"""Public, because the browser fetches them without asking the user: the manifest (only
the business's name, nothing private), the service worker script and the offline page."""
from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, jsonify, render_template, send_file, url_for

from dashboard.db import get_profile
from dashboard.auth.roles import public
from dashboard.pwa import bp

THEME_COLOUR = "#1c5fb8"  # --accent in static/css/app.css
BACKGROUND_COLOUR = "#f6f7f9"  # --bg
DEFAULT_NAME = "Receptionist"


def _business_name() -> str:
    try:
        return get_profile().name
    except LookupError:  # not seeded yet
        return DEFAULT_NAME


def _icon(size: int, purpose: str = "any") -> dict:
    name = f"icons/icon-{size}{'-maskable' if purpose == 'maskable' else ''}.png"
    return {"src": url_for("static", filename=name), "sizes": f"{size}x{size}", "type": "image/png",
            "purpose": purpose}


@bp.get("/manifest.webmanifest")
@public
def manifest():
    name = _business_name()
    today = url_for("today.index")
    body = {
        "id": today,
        "name": f"{name} dashboard",
        "short_name": name if len(name) <= 12 else DEFAULT_NAME,
        "description": "Today's jobs, calls, alerts and the assistant, for the business's staff.",
        "start_url": today,
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [_icon(192), _icon(512), _icon(512, "maskable")],
        "shortcuts": [
            {"name": "Today", "short_name": "Today", "url": today, "icons": [_icon(192)]},
            {"name": "Calls", "short_name": "Calls", "url": url_for("calls.index"), "icons": [_icon(192)]},
            {"name": "Talk to the assistant", "short_name": "Talk", "url": url_for("talk.index"),
             "icons": [_icon(192)]},
        ],
    }
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/sw.js")
@public
def service_worker():
    """Built by `make static` (Workbox); missing means the build step did not run."""
    path = Path(current_app.static_folder) / "sw.js"
    if not path.is_file():
        abort(404, "The service worker is not built: run `make static`.")
    response = send_file(path, mimetype="text/javascript", max_age=0)
    # Browsers check for a new worker on navigation; it must never come from a cache.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/offline")
@public
def offline():
    """Precached by the service worker and shown for any page that cannot be reached."""
    return render_template("pwa/offline.html")
