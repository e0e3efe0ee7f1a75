"""The signed-in browser's server-side session (a row in user_sessions): started at
sign-in, looked up by Flask-Login on every request, ended at sign-out."""
from __future__ import annotations

from datetime import datetime

from flask import current_app, session
from flask_login import current_user, login_user, logout_user

from business.models import User
from business.users import create_user_session, delete_user_session, get_user_by_session_token
from dashboard.auth.accounts import DashboardUser
from dashboard.db import get_session


def expired_before() -> datetime:
    """Sessions started before this have ended: the same lifetime as Flask's signed cookie,
    but enforced on the server, so a copied cookie cannot outlive it either."""
    return current_app.config["CLOCK"]() - current_app.permanent_session_lifetime


def load_user(token: str) -> DashboardUser | None:
    """Flask-Login's user loader, for the session cookie and the remember-me cookie alike."""
    user = get_user_by_session_token(session=get_session(), token=token, expired_before=expired_before())
    return None if user is None else dashboard_user(user, token)


def dashboard_user(user: User, token: str) -> DashboardUser:
    return DashboardUser(user.id, user.username, token, role=user.role, technician_id=user.technician_id)


def sign_in(user: User) -> None:
    """Starts a new session for this browser and commits; nothing from before carries over."""
    db = get_session()
    token = create_user_session(session=db, user=user, now=current_app.config["CLOCK"](),
                                expired_before=expired_before())
    db.commit()
    session.clear()
    login_user(dashboard_user(user, token))


def sign_out() -> None:
    """Ends this browser's session on the server (and commits) and in its cookie."""
    if current_user.is_authenticated:
        db = get_session()
        delete_user_session(session=db, token=current_user.get_id())
        db.commit()
    logout_user()
    session.clear()
