"""The outbox list (bodies masked: they hold customers' details), resending a failed message,
and the owner's wording of each message template."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from business.notifications.outbox import RESENDABLE, get_notification, list_notifications, mask_preview
from business.notifications.outbox import update_notification_for_resend
from business.notifications.templates import DEFAULTS, FIELDS, get_template, load_overrides, placeholders
from business.notifications.templates import update_template
from dashboard.db import get_profile, get_session
from dashboard.outbox import bp
from dashboard.outbox.forms import TemplateForm
from dashboard.auth.roles import OWNER_ONLY, STAFF, role_required

PAGE_LIMIT = 200
MAX_ID = 2**31 - 1
STATUSES = ("queued", "sending", "unconfirmed", "sent", "delivered", "held_local", "undelivered", "failed",
            "suppressed", "cancelled")


@bp.get("/")
@role_required(STAFF)
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
@role_required(STAFF)
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


@bp.get("/templates/")
@role_required(OWNER_ONLY)
def templates():
    return render_template("outbox/templates.html", kinds=list(DEFAULTS), overrides=load_overrides(session=get_session()))


@bp.route("/templates/<kind>", methods=["GET", "POST"])
@role_required(OWNER_ONLY)
def edit_template(kind: str):
    if kind not in DEFAULTS:
        abort(404)
    session = get_session()
    form = TemplateForm(data=get_template(session=session, kind=kind))
    error = None
    if form.validate_on_submit():
        try:
            for field in FIELDS:
                text = None if form.reset.data else form[field].data
                update_template(session=session, kind=kind, field=field, text=text)
        except ValueError as exc:
            session.rollback()  # all three fields or none
            error = str(exc)
        else:
            session.commit()
            flash("Default wording restored." if form.reset.data else "Template saved.")
            return redirect(url_for("outbox.edit_template", kind=kind))
    return render_template("outbox/template_form.html", kind=kind, form=form, error=error,
                           placeholders=placeholders(kind))
