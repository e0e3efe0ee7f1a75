"""Who may open what: every view declares its roles with `role_required(...)` (or `public`
for the few that need no login), and a hook refuses any view that declared nothing."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Flask, abort, current_app, request
from flask_login import current_user

from business.users import OFFICE, OWNER, TECHNICIAN

# Role sets the routes use, named for what they mean.
EVERYONE = frozenset({OWNER, OFFICE, TECHNICIAN})
STAFF = frozenset({OWNER, OFFICE})  # everything but users and settings
OWNER_ONLY = frozenset({OWNER})
# Marks a view that needs no login (sign-in, health, signed webhooks).
PUBLIC = frozenset({"public"})
# Flask's own static file views have no decorator to carry a declaration.
STATIC_ENDPOINTS = {"static"}


def role_required(*roles: str | frozenset[str]) -> Callable:
    """`@role_required(STAFF)` or `@role_required(OWNER, OFFICE)`: signed in and one of these
    roles, else the sign-in form (API: 401) or 403."""
    allowed = frozenset(r for group in roles for r in ((group,) if isinstance(group, str) else group))
    if not allowed <= EVERYONE:
        raise ValueError(f"unknown roles: {sorted(allowed - EVERYONE)}")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            check_role(allowed)
            return view(*args, **kwargs)

        wrapper.allowed_roles = allowed
        return wrapper

    return decorate


def public(view: Callable) -> Callable:
    view.allowed_roles = PUBLIC
    return view


def allowed_roles(endpoint: str) -> frozenset[str] | None:
    """What the view behind `endpoint` declared; None when it declared nothing."""
    if endpoint in STATIC_ENDPOINTS or endpoint.endswith(".static"):
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "allowed_roles", None)


def check_role(allowed: frozenset[str]) -> None:
    if not current_user.is_authenticated:
        abort(current_app.login_manager.unauthorized())
    if current_user.role not in allowed:
        abort(403)


def can(endpoint: str) -> bool:
    """For templates: whether the signed-in user may open `endpoint` (hides links they may not)."""
    roles = allowed_roles(endpoint)
    if roles is None:
        return False
    return roles is PUBLIC or (current_user.is_authenticated and current_user.role in roles)


def enforce_declared_roles():
    """Deny by default: a view someone forgot to declare is refused to every user, and
    tests/dashboard/test_roles.py fails on it."""
    if request.endpoint is None:
        return None  # 404 or 405: the error handler answers
    roles = allowed_roles(request.endpoint)
    if roles is PUBLIC:
        return None
    check_role(roles or frozenset())
    return None


def init_app(app: Flask) -> None:
    app.before_request(enforce_declared_roles)
    app.jinja_env.globals["can"] = can
