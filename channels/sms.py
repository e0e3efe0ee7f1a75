"""Texts to the business's number as a channel: each Twilio MessageSid counts once, the
business answers its own keywords (business/conversations/sms_replies.py), and anything else continues
the texter's conversation with the assistant, signed with the Twilio-verified number."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from business.conversations.sms_replies import claim_message, reply_to_text, text_unanswered
from channels.rasa_client import RasaClient, RasaUnavailable

log = logging.getLogger(__name__)


def answer_text(*, session: Session, rasa: RasaClient, message_sid: str, phone: str, text: str,
                now: datetime) -> list[str]:
    """The replies to text back to `phone` (E.164). Writes in `session`; the caller commits.
    A MessageSid seen before (Twilio retrying, or a captured request replayed) changes
    nothing and gets no reply."""
    if not claim_message(session=session, message_sid=message_sid):
        return []
    replies = reply_to_text(session=session, phone=phone, text=text, now=now)
    if replies is not None:
        return replies
    # Rasa's actions write to this database; holding our transaction (SQLite's write lock)
    # while waiting for Rasa would block them, so the claim is committed first.
    session.commit()
    try:
        answer = rasa.send(f"sms:{phone}", text, {"channel": "sms", "caller": phone})
    except RasaUnavailable as exc:
        log.warning("assistant unavailable for a text (%s); owner alerted", exc)
        return text_unanswered(session=session, phone=phone, now=now)
    if answer.assistant_error:
        # Rasa is up but produced nothing (an action server down): the same as no answer.
        log.warning("assistant gave no reply to a text (%s); owner alerted", answer.assistant_error)
        return text_unanswered(session=session, phone=phone, now=now)
    return answer.texts
