"""The conversations list and a conversation's transcript."""
from __future__ import annotations

from flask import abort, render_template

from business.repository import get_conversation, list_conversations
from dashboard.calls import bp
from dashboard.db import get_profile, get_session
from dashboard.auth.roles import STAFF, role_required

PAGE_LIMIT = 100
# Ids are 32-bit integers in the database; a larger one would be a database error, not a 404.
MAX_ID = 2**31 - 1


@bp.get("/")
@role_required(STAFF)
def index():
    conversations = list_conversations(session=get_session(), limit=PAGE_LIMIT)
    return render_template(
        "calls/index.html", conversations=conversations, timezone=get_profile().timezone, limit=PAGE_LIMIT
    )


@bp.get(f"/<int(max={MAX_ID}):conversation_id>")
@role_required(STAFF)
def detail(conversation_id: int):
    conversation = get_conversation(session=get_session(), conversation_id=conversation_id)
    if conversation is None:
        abort(404)
    return render_template("calls/detail.html", conversation=conversation, timezone=get_profile().timezone)
