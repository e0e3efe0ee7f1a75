"""Settings > Users: the owner's list of dashboard logins and the forms that add one, change
its role or technician, reset its password and deactivate it (dashboard/auth/user_admin.py
validates and stores). A refused value comes back on its form with the reason (status 400)."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from business.models import User
from business.owner_settings import SettingsRefused
from business.repository import list_technicians
from business.users import ROLES, list_users
from dashboard.auth.roles import OWNER_ONLY, role_required
from dashboard.auth.user_admin import add_user, change_access, set_active, set_password
from dashboard.db import get_session
from dashboard.settings import bp

MAX_ID = 2**31 - 1


def _render(template: str, status: int = 200, **context: Any):
    technicians = list_technicians(session=get_session(), active_only=False)
    return render_template(f"settings/sections/{template}.html", section="users", roles=ROLES,
                           technicians=technicians, **context), status


def _user_or_404(user_id: int) -> User:
    user = get_session().get(User, user_id) if user_id <= MAX_ID else None
    if user is None:
        abort(404)
    return user


def _form() -> dict[str, Any]:
    return {k: v for k, v in request.form.items() if k != "csrf_token"}


@bp.get("/users")
@role_required(OWNER_ONLY)
def users():
    return _render("users", users=list_users(session=get_session()), values={"role": "office"}, errors={})


@bp.post("/users/add")
@role_required(OWNER_ONLY)
def add_user_view():
    db = get_session()
    values = _form()
    try:
        user = add_user(session=db, values=values)
    except SettingsRefused as refused:
        db.rollback()
        values.pop("password", None)  # never echoed back into the page
        return _render("users", 400, users=list_users(session=db), values=values, errors=refused.errors)
    db.commit()
    flash(f"{user.username} added ({user.role}). Give them the password; they can change it under Account.")
    return redirect(url_for("settings.users"))


def _edit_page(user: User, status: int = 200, errors: dict[str, str] | None = None, values: dict | None = None):
    values = values or {"role": user.role, "technician_id": user.technician_id}
    return _render("user", status, user=user, values=values, errors=errors or {})


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required(OWNER_ONLY)
def edit_user(user_id: int):
    db = get_session()
    user = _user_or_404(user_id)
    if request.method == "GET":
        return _edit_page(user)
    values = _form()
    try:
        changed = change_access(session=db, user=user, values=values)
    except SettingsRefused as refused:
        db.rollback()
        return _edit_page(user, 400, refused.errors, values)
    db.commit()
    flash(f"{user.username} is now {user.role}; they were signed out everywhere." if changed
          else "Nothing changed.")
    return _after_change(user, signed_out=changed)


@bp.post("/users/<int:user_id>/password")
@role_required(OWNER_ONLY)
def reset_user_password(user_id: int):
    db = get_session()
    user = _user_or_404(user_id)
    try:
        set_password(session=db, user=user, password=request.form.get("password", ""))
    except SettingsRefused as refused:
        db.rollback()
        return _edit_page(user, 400, refused.errors)
    db.commit()
    flash(f"{user.username}'s password was reset and they were signed out everywhere.")
    return _after_change(user)


@bp.post("/users/<int:user_id>/active")
@role_required(OWNER_ONLY)
def set_user_active(user_id: int):
    db = get_session()
    user = _user_or_404(user_id)
    try:
        set_active(session=db, user=user, active=request.form.get("active", ""))
    except SettingsRefused as refused:
        db.rollback()
        return _edit_page(user, 400, refused.errors)
    db.commit()
    flash(f"{user.username} " + ("can sign in again." if user.active else "is deactivated and signed out everywhere."))
    return _after_change(user)


def _after_change(user: User, signed_out: bool = True):
    # Changing your own account ends your session too: the next page is the sign-in form.
    if signed_out and user.id == current_user.id:
        return redirect(url_for("auth.login"))
    return redirect(url_for("settings.edit_user", user_id=user.id))
