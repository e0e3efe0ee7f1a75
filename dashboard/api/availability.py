"""`GET /api/availability?service=<slug>&from=<iso>&to=<iso>&count=<n>`: the same search
the assistant uses, so the owner sees exactly what a caller would be offered."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask import abort, current_app, jsonify, request

from business.repository import get_service_by_slug
from business.scheduling import REASONS, search_availability
from dashboard.api import bp
from dashboard.api.params import bounded_int, only_params
from dashboard.db import get_profile, get_session
from dashboard.formatting import iso_local
from dashboard.auth.roles import STAFF, role_required
from dashboard.calendar.busy import owner_busy_times

SLUG_RE = re.compile(r"[a-z0-9_]{1,60}")
# 2026-11-24, 2026-11-24T09:00, 2026-11-24T09:00:00-06:00 (ASCII only; no week dates etc.)
ISO_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}:[0-9]{2})?)?")
MAX_SPAN = timedelta(days=14)


def _moment(name: str, tz) -> datetime | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    if not ISO_RE.fullmatch(raw):
        abort(400, f"{name} must be an ISO date or time like 2026-11-24 or 2026-11-24T09:00")
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        abort(400, f"{name} is not a real date or time: {raw}")
    # A time without an offset is the business's local time.
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


@bp.get("/availability")
@role_required(STAFF)
def availability():
    only_params("service", "from", "to", "count", "urgency")
    profile = get_profile()
    slug = request.args.get("service")
    if slug is None or not SLUG_RE.fullmatch(slug):
        abort(400, "service must be a service slug such as drain_cleaning")
    urgency = request.args.get("urgency", "routine")
    if urgency not in ("routine", "emergency"):
        abort(400, "urgency must be routine or emergency")
    count = bounded_int("count", default=3, minimum=1, maximum=20)
    now = current_app.config["CLOCK"]()
    start = _moment("from", profile.tz) or now
    if abs(start - now) > timedelta(days=3660):
        abort(400, "from must be within ten years of today")
    end = _moment("to", profile.tz)
    if end is None and len(request.args.get("from", "")) == len("2026-11-24"):
        end = start + timedelta(days=1)  # a date alone means any time that day
    if end is not None and not start < end:
        abort(400, "from must be before to")
    if end is not None and end - start > MAX_SPAN:
        abort(400, "the range from..to may span at most 14 days")
    service = get_service_by_slug(session=get_session(), slug=slug)
    if service is None:
        abort(404, f"there is no service {slug}")
    # The owner's busy time counts, exactly as when a caller asks.
    found = search_availability(session=get_session(), profile=profile, service=service, preferred_from=start,
                                preferred_to=end, urgency=urgency, count=count, now=now,
                                blocked=owner_busy_times(now))
    return jsonify({
        "service": {"slug": service.slug, "name": service.name, "duration_minutes": service.duration_minutes},
        "timezone": profile.tz.key,
        "mode": profile.booking.mode,
        "reason": found.reason,
        "reason_text": None if found.reason is None else REASONS[found.reason].format(
            days=profile.booking.max_horizon_days),
        "options": [
            {"start": iso_local(slot.start), "end": iso_local(slot.end), "kind": slot.kind,
             "technician_id": slot.technician_id}
            for slot in found.options
        ],
    })
