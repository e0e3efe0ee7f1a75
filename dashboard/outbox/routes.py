"""The outbox list (bodies masked: they hold customers' details) and resending a failed message."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required

from business.notifications.outbox import RESENDABLE, get_notification, list_notifications, mask_preview
from business.notifications.outbox import update_notification_for_resend
from dashboard.db import get_profile, get_session
from dashboard.outbox import bp

PAGE_LIMIT = 200
MAX_ID = 2**31 - 1
STATUSES = ("queued", "sending", "unconfirmed", "sent", "delivered", "held_local", "undelivered", "failed",
            "suppressed", "cancelled")


@bp.get("/")
@login_required
def index():
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        abort(400, "Unknown status.")
    notifications = list_notifications(session=get_session(), limit=PAGE_LIMIT, status=status)
    return render_template(
        "outbox/index.html", notifications=notifications, preview=mask_preview, resendable=RESENDABLE,
        statuses=STATUSES, status=status, notify=current_app.config["NOTIFY"],
        timezone=get_profile().timezone, limit=PAGE_LIMIT,
    )


@bp.post(f"/<int(max={MAX_ID}):notification_id>/resend")
@login_required
def resend(notification_id: int):
    session = get_session()
    notification = get_notification(session=session, notification_id=notification_id)
    if notification is None:
        abort(404)
    if update_notification_for_resend(session=session, notification=notification, now=current_app.config["CLOCK"]()):
        session.commit()
        flash(f"Message #{notification_id} is queued to be sent again.")
    else:
        flash(f"Message #{notification_id} is {notification.status}; only failed messages can be resent.")
    return redirect(url_for("outbox.index"))
