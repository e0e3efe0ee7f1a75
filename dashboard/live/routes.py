"""The Live calls page and its server-sent events: the stream polls the database, so it
sees calls handled by any voice bridge process."""
from __future__ import annotations

import json
import time
from datetime import timedelta
from functools import lru_cache

from flask import Response, current_app, render_template, request, stream_with_context
from flask_login import login_required

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from business.db import make_engine
from business.models import Conversation
from business.repository import list_live_conversations
from dashboard.db import close_session, get_profile
from dashboard.formatting import iso_local
from dashboard.live import bp

POLL_SECONDS = 1.0
# Each stream ends after this and the browser reconnects, so a sync worker is never held long.
STREAM_SECONDS = 20.0
RECENT = timedelta(minutes=10)


def snapshot(conversation: Conversation) -> dict:
    return {
        "id": conversation.id,
        "caller": conversation.caller,
        "channel": conversation.channel,
        "status": conversation.status,
        "started_at": iso_local(conversation.started_at),
        "duration_seconds": conversation.duration_seconds,
        "intent": conversation.intent,
        "slots": {k: v for k, v in (conversation.slots or {}).items() if v not in (None, "", [])},
        "turns": [
            {"seq": t.seq, "speaker": t.speaker, "text": t.text, "at": iso_local(t.at), "intent": t.intent,
             "confidence": t.confidence, "stt_confidence": t.stt_confidence, "interrupted": t.interrupted}
            for t in conversation.turns
        ],
    }


@lru_cache(maxsize=4)
def reader(database_url: str) -> Engine:
    # Polling every second must never take SQLite's write lock from a booking.
    return make_engine(database_url, read_only=True)


def live_calls(database_url: str, now) -> list[dict]:
    with Session(reader(database_url)) as session:
        return [snapshot(c) for c in list_live_conversations(session=session, since=now - RECENT)]


@bp.get("/")
@login_required
def index():
    return render_template("live/index.html", timezone=get_profile().timezone)


@bp.get("/events")
@login_required
def events():
    database_url, clock = current_app.config["DATABASE_URL"], current_app.config["CLOCK"]
    once = request.args.get("once") == "1"
    get_profile()  # read the time zone now: the stream outlives the request's own session,
    close_session()  # which would otherwise hold SQLite's write lock while it runs

    def stream():
        yield f"retry: {int(POLL_SECONDS * 1000)}\n\n"
        last, deadline = None, time.monotonic() + STREAM_SECONDS
        while True:
            data = json.dumps(live_calls(database_url, clock()))
            if data != last:
                yield f"event: calls\ndata: {data}\n\n"
                last = data
            if once or time.monotonic() > deadline:
                return
            time.sleep(POLL_SECONDS)

    return Response(stream_with_context(stream()), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
