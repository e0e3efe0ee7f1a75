"""The alerts list (marked read per user) and this device's push settings. The JSON views
take the CSRF token in the X-CSRFToken header, as Flask-WTF checks it for every POST."""
from __future__ import annotations

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from business.push.alerts import list_alerts, mark_alerts_read
from business.push.subscriptions import (
    DEFAULT_EVENTS, EVENTS, delete_push_subscription, list_push_subscriptions, save_push_subscription,
)
from dashboard.db import get_session
from dashboard.auth.roles import EVERYONE, STAFF, role_required
from dashboard.notifications import bp
from dashboard.notifications.subscription_input import BadSubscription, parse_subscription

MAX_ID = 2**31 - 1


@bp.get("/")
@role_required(STAFF)
def index():
    alerts = list_alerts(session=get_session(), user_id=current_user.id)
    return render_template("notifications/index.html", alerts=alerts,
                           unread=sum(not alert.read for alert in alerts))


@bp.post("/read")
@role_required(STAFF)
def mark_read():
    keys = [key for key in request.form.getlist("alert") if key][:200]
    if not keys:
        flash("Nothing to mark read.")
        return redirect(url_for("notifications.index"))
    db = get_session()
    mark_alerts_read(session=db, user_id=current_user.id, keys=keys, now=current_app.config["CLOCK"]())
    db.commit()
    return redirect(url_for("notifications.index"))


@bp.get("/push")
@role_required(EVERYONE)
def push_settings():
    notify = current_app.config["NOTIFY"]
    devices = list_push_subscriptions(session=get_session(), user_id=current_user.id)
    return render_template("notifications/push.html", events=EVENTS, default_events=DEFAULT_EVENTS, devices=devices,
                           public_key=notify.application_server_key, push_enabled=notify.push_enabled)


@bp.post("/push/subscriptions")
@role_required(EVERYONE)
def subscribe():
    """Saves this browser's subscription and chosen events (a new choice replaces the old)."""
    try:
        found = parse_subscription(request.get_json(silent=True),
                                   development=current_app.config["APP_ENV"] in ("development", "test"))
    except BadSubscription as exc:
        return jsonify(error=str(exc)), 400
    db = get_session()
    device = request.user_agent.string[:120]
    row = save_push_subscription(session=db, user_id=current_user.id, endpoint=found.endpoint, p256dh=found.p256dh,
                                 auth=found.auth, events=found.events, device=device)
    db.commit()
    return jsonify(id=row.id, events=row.events), 201


@bp.post("/push/subscriptions/delete")
@role_required(EVERYONE)
def unsubscribe():
    data = request.get_json(silent=True)
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    if not isinstance(endpoint, str) or not endpoint:
        return jsonify(error="endpoint is missing"), 400
    db = get_session()
    deleted = delete_push_subscription(session=db, endpoint=endpoint, user_id=current_user.id)
    db.commit()
    return jsonify(deleted=deleted)


@bp.post(f"/push/<int(max={MAX_ID}):subscription_id>/delete")
@role_required(EVERYONE)
def remove_device(subscription_id: int):
    """Removes one of the user's own devices from the list (a lost phone, an old browser)."""
    db = get_session()
    if delete_push_subscription(session=db, subscription_id=subscription_id, user_id=current_user.id):
        db.commit()
        flash("That device gets no more notifications.")
    return redirect(url_for("notifications.push_settings"))
