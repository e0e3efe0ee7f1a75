"""The production warning on every page: when the worker has no Twilio sender or no SMTP
server, texts or emails are kept in the outbox (status held_local) instead of being sent,
which is the point in development and a silent failure in production."""
from __future__ import annotations

from flask import current_app
from flask_login import current_user

from business.notifications.config import NotificationSettings
from dashboard.outbox import bp


def local_mode_warning(app_env: str, notify: NotificationSettings) -> str | None:
    """What is not being sent, or None when there is nothing to warn about."""
    if app_env != "production":
        return None
    held = [what for what, enabled in (("Texts", notify.twilio_enabled), ("emails", notify.smtp_enabled))
            if not enabled]
    if not held:
        return None
    return " and ".join(held).capitalize() + " are NOT being sent"


@bp.app_context_processor
def messaging_warning() -> dict:
    # Signed-in users only: the sign-in page does not tell strangers how the office is set up.
    if not current_user.is_authenticated:
        return {"messaging_warning": None}
    notify = current_app.config["NOTIFY"]
    return {
        "messaging_warning": local_mode_warning(current_app.config["APP_ENV"], notify),
        "messaging_missing_twilio": not notify.twilio_enabled,
        "messaging_missing_smtp": not notify.smtp_enabled,
    }
