"""`GET /api/appointments?from=&to=` and `GET /api/conversations?limit=`."""
from __future__ import annotations

from flask import current_app, jsonify

from business.dispatch.engine import list_latest_dispatch_records
from business.repository import list_appointments, list_conversations
from dashboard.api import bp
from dashboard.api.params import bounded_int, date_range, local_midnight, only_params
from dashboard.api.serializers import appointment_json, conversation_json
from dashboard.db import get_profile, get_session
from dashboard.auth.roles import STAFF, role_required

DEFAULT_DAYS = 14
MAX_DAYS = 366
APPOINTMENT_LIMIT = 500
CONVERSATIONS_DEFAULT = 50
CONVERSATIONS_MAX = 500


@bp.get("/appointments")
@role_required(STAFF)
def appointments():
    only_params("from", "to")
    tz = get_profile().tz
    today = current_app.config["CLOCK"]().astimezone(tz).date()
    start, end = date_range(today=today, default_days=DEFAULT_DAYS, max_days=MAX_DAYS)
    rows = list_appointments(
        session=get_session(),
        start=local_midnight(start, tz),
        end=local_midnight(end, tz),
        limit=APPOINTMENT_LIMIT,
    )
    dispatch = list_latest_dispatch_records(session=get_session(), appointment_ids=[a.id for a in rows])
    return jsonify(
        {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "timezone": tz.key,
            # True when the limit cut the list short; ask for a narrower range then.
            "truncated": len(rows) >= APPOINTMENT_LIMIT,
            "appointments": [appointment_json(appt, dispatch.get(appt.id)) for appt in rows],
        }
    )


@bp.get("/conversations")
@role_required(STAFF)
def conversations():
    only_params("limit")
    limit = bounded_int("limit", default=CONVERSATIONS_DEFAULT, minimum=1, maximum=CONVERSATIONS_MAX)
    rows = list_conversations(session=get_session(), limit=limit)
    return jsonify(
        {
            "timezone": get_profile().tz.key,
            "conversations": [conversation_json(conv) for conv in rows],
        }
    )
