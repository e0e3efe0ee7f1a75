"""The Live calls page and its server-sent events. Each request answers at once with the
calls as they are now (or nothing new) and ends; the browser's EventSource reconnects
after `retry`, sending the last event id. So a page following the calls costs a thread
for one query a second, not for as long as it stays open: gunicorn's 2 x 8 threads are
shared with every other page. Reading the database sees calls from any voice bridge."""
from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from functools import lru_cache

from flask import Response, current_app, render_template, request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from business.db import make_engine
from business.conversations.follow_up import call_result
from business.models import Conversation
from business.repository import list_live_conversations
from dashboard.db import get_profile
from dashboard.formatting import iso_local
from dashboard.live import bp
from dashboard.auth.roles import STAFF, role_required

# How soon the browser asks again: the same one-second freshness the page always had.
RETRY_MS = 1000
RECENT = timedelta(minutes=10)


def snapshot(conversation: Conversation) -> dict:
    return {
        "id": conversation.id,
        "caller": conversation.caller,
        "name": conversation.caller_name,
        "channel": conversation.channel,
        # A website chat has no call status: it is on until it ends.
        "status": conversation.status or ("ended" if conversation.ended_at else "chatting"),
        # What the call came to once it ended: its outcome, or "no_outcome" (shown red).
        "result": call_result(conversation),
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
@role_required(STAFF)
def index():
    return render_template("live/index.html", timezone=get_profile().timezone)


@bp.get("/events")
@role_required(STAFF)
def events():
    data = json.dumps(live_calls(current_app.config["DATABASE_URL"], current_app.config["CLOCK"]()))
    version = hashlib.sha256(data.encode()).hexdigest()[:16]
    body = f"retry: {RETRY_MS}\n\n"
    if request.headers.get("Last-Event-ID") != version:  # unchanged since the last event: nothing to send
        body += f"id: {version}\nevent: calls\ndata: {data}\n\n"
    return Response(body, mimetype="text/event-stream", headers={"Cache-Control": "no-store"})
