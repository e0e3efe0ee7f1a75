"""How often a password may be tried, per username and per client address, and what a
limited attempt sees: the sign-in form again, with a message and 429.

Every POST counts, right password or wrong, so there is no window between checking a
limit and counting an attempt that parallel requests could slip through."""
from __future__ import annotations

import hashlib

from flask import Response, render_template, request
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from flask_login import current_user

from dashboard.auth.forms import LoginForm

# Per username: an online guesser gets at most 20 tries an hour at one account (about 480 a
# day), while an owner who mistypes a few times waits a minute at most. The hourly cap is
# also how long anyone who knows the username can keep its owner out: an hour at worst.
PER_USERNAME = "5/minute;20/hour"
# Per address: someone trying many usernames from one place; an office behind one NAT
# address signs in far less often than this.
PER_ADDRESS = "30/minute"
# The per-username count is shared by sign-in and the Account page's password change: both
# let someone try a password, so holding a session must not buy more guesses.
PASSWORD_GUESSES = "password-guesses"
TOO_MANY = "Too many {what}. Wait {wait}, then try again."


def username_key(username: str) -> str:
    # Hashed: the form field is whatever the client sent, of any length.
    return "login-user:" + hashlib.sha256(username.encode("utf-8", "replace")).hexdigest()[:32]


def submitted_username_key() -> str:
    return username_key(request.form.get("username", ""))


def current_username_key() -> str:
    return username_key(getattr(current_user, "username", ""))


def address_key() -> str:
    return "login-address:" + (get_remote_address() or "unknown")


def wait_for(limit: RequestLimit) -> str:
    seconds = limit.limit.get_expiry()
    return "a minute" if seconds <= 60 else "an hour" if seconds <= 3600 else "a day"


def limited_sign_in(limit: RequestLimit) -> Response:
    error = TOO_MANY.format(what="sign-in attempts", wait=wait_for(limit))
    page = render_template("auth/login.html", form=LoginForm(), error=error, next_target=request.args.get("next"))
    return Response(page, status=429)
