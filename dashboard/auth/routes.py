"""Sign-in and sign-out views, and what Flask-Login does for a visitor not signed in:
redirect pages to the sign-in form, answer 401 JSON on the API."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from dashboard.auth import bp
from dashboard.auth.accounts import authenticate
from dashboard.auth.forms import LoginForm
from dashboard.auth.limits import (
    PASSWORD_GUESSES, PER_ADDRESS, PER_USERNAME, address_key, limited_sign_in, submitted_username_key,
)
from dashboard.auth.sessions import load_user, sign_in, sign_out
from dashboard.db import get_session
from dashboard.errors import wants_json
from dashboard.extensions import limiter, login_manager
from dashboard.auth.roles import EVERYONE, public, role_required

BAD_CREDENTIALS = "Invalid username or password."


login_manager.user_loader(load_user)


@login_manager.unauthorized_handler
def unauthorized():
    if wants_json():
        abort(401)  # an API client cannot follow a redirect to a form
    # Only a GET can be replayed after sign-in; a POST target would land on a 405.
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target))


def safe_next(target: str | None) -> str:
    """`target` if it is a path on this site, else the home page: never an open redirect."""
    default = url_for("today.index")  # each role's home page
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    # Browsers read "/\evil.example" as "//evil.example"; control characters can hide tricks.
    if "\\" in target or not target.isprintable():
        return default
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.shared_limit(PER_USERNAME, scope=PASSWORD_GUESSES, key_func=submitted_username_key, methods=["POST"],
                      on_breach=limited_sign_in)
@limiter.limit(PER_ADDRESS, key_func=address_key, methods=["POST"], on_breach=limited_sign_in)
def login():
    next_target = request.args.get("next")
    if current_user.is_authenticated:
        return redirect(safe_next(next_target))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        db = get_session()
        user = authenticate(session=db, username=form.username.data, password=form.password.data)
        if user is not None:
            user.last_sign_in_at = current_app.config["CLOCK"]()
            sign_in(user)  # commits too, keeping a password rehashed with newer argon2 parameters
            return redirect(safe_next(next_target))
    if form.is_submitted():
        current_app.logger.warning("failed sign-in from %s", request.remote_addr)
        error = BAD_CREDENTIALS
    return render_template("auth/login.html", form=form, error=error, next_target=next_target)


@bp.post("/logout")
@role_required(EVERYONE)
def logout():
    sign_out()
    flash("You have signed out.")
    response = redirect(url_for("auth.login"))
    # The service worker keeps today's jobs for reading offline: the browser drops them, and
    # the worker with them, as the session ends (static/js/pwa.js also empties the caches first).
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response
