"""Account views: the page, the password change (which ends every other session and
starts a new one here) and "Sign out everywhere" (which ends this one too)."""
from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_limiter import RequestLimit
from flask_login import current_user

from business.models import User
from business.users import count_user_sessions, delete_user_sessions
from dashboard.account import bp
from dashboard.account.forms import ChangePasswordForm, SignOutEverywhereForm
from dashboard.auth.accounts import AccountError, WrongPasswordError, change_password
from dashboard.auth.limits import PASSWORD_GUESSES, PER_USERNAME, TOO_MANY, current_username_key, wait_for
from dashboard.auth.sessions import expired_before, sign_in, sign_out
from dashboard.db import get_session
from dashboard.extensions import limiter
from dashboard.auth.roles import EVERYONE, role_required


def render_account(password_form: ChangePasswordForm, status: int = 200):
    sessions = count_user_sessions(session=get_session(), user_id=current_user.id, expired_before=expired_before())
    page = render_template("account/index.html", password_form=password_form,
                           sign_out_form=SignOutEverywhereForm(), sessions=sessions)
    return page, status


def limited_password_change(limit: RequestLimit) -> Response:
    form = ChangePasswordForm()
    form.current_password.errors = [TOO_MANY.format(what="password attempts", wait=wait_for(limit))]
    page, status = render_account(form, 429)
    return Response(page, status=status)


@bp.get("/")
@role_required(EVERYONE)
def index():
    return render_account(ChangePasswordForm())


@bp.post("/password")
@role_required(EVERYONE)
# The current password is a guess like any sign-in, so it draws on the same per-username count.
@limiter.shared_limit(PER_USERNAME, scope=PASSWORD_GUESSES, key_func=current_username_key,
                      on_breach=limited_password_change)
def password():
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return render_account(form)
    db = get_session()
    user = db.get(User, current_user.id)
    try:
        change_password(session=db, user=user, current_password=form.current_password.data,
                        new_password=form.new_password.data)
    except WrongPasswordError as exc:
        form.current_password.errors = [str(exc)]
        return render_account(form)
    except AccountError as exc:
        form.new_password.errors = [str(exc)]
        return render_account(form)
    sign_in(user)  # commits the new hash with a fresh session for this browser only
    flash("Your password has been changed. Every other browser has been signed out.")
    return redirect(url_for("account.index"))


@bp.post("/sign-out-everywhere")
@role_required(EVERYONE)
def sign_out_everywhere():
    if not SignOutEverywhereForm().validate_on_submit():
        return redirect(url_for("account.index"))
    db = get_session()
    delete_user_sessions(session=db, user_id=current_user.id)
    db.commit()
    sign_out()
    flash("Signed out on every browser, this one included.")
    return redirect(url_for("auth.login"))
