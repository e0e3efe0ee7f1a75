"""The push-to-talk page: issues a short-lived signed token for the voice bridge's socket
and lets the page connect to it (and play the answers) under the content policy."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, make_response, render_template
from flask_login import current_user

from channels.talk_token import MAX_AGE_SECONDS, issue_token
from dashboard.security import CONTENT_SECURITY_POLICY
from dashboard.talk import bp
from dashboard.auth.roles import STAFF, role_required


@bp.get("/")
@role_required(STAFF)
def index():
    bridge = current_app.config["VOICE_BRIDGE_URL"].rstrip("/")
    token = issue_token(current_app.config["SECRET_KEY"], current_user.username)
    response = make_response(render_template(
        "talk/index.html", socket_url=f"{bridge}/talk", token=token, token_seconds=MAX_AGE_SECONDS,
    ))
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(bridge))
    response.headers["Content-Security-Policy"] = (
        f"{CONTENT_SECURITY_POLICY}; connect-src 'self' {origin}; media-src 'self' blob:"
    )
    return response
