"""What only the bridge knows about a call, written to the same conversation the transcript
worker fills: status, duration, how it ended (its outcome), which assistant replies the
caller talked over, and what the caller heard when the assistant could not answer (with
the owner's alert)."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from business.conversations.outcome import record_call_ended
from business.db import session_scope
from business.notifications.events import call_unanswered
from business.repository import (
    add_turn,
    get_or_create_conversation,
    update_assistant_turn_interrupted,
    update_conversation,
)
from business.profile import load_profile

log = logging.getLogger("voice_bridge.call_log")
# How long to keep trying to mark a reply interrupted while the worker copies it (seconds).
INTERRUPT_RETRY_SECONDS = 10.0
# The transcript worker numbers turns too; two writers may pick the same next number once.
TURN_ATTEMPTS = 3


def database_answers(database_url: str) -> bool:
    """A cheap `SELECT 1`, for the health check."""
    try:
        with session_scope(database_url) as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        log.exception("health check: database unavailable")
        return False
    return True


class CallLog:
    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    def start(self, call_sid: str, channel: str, caller: str | None) -> str | None:
        """Records the call and returns the greeting as the owner last set it in Settings
        (read per call, so an edit is heard on the next call), None before seeding."""
        with session_scope(self.database_url) as session:
            conversation = get_or_create_conversation(
                session=session, external_id=call_sid, channel=channel, caller=caller
            )
            update_conversation(session=session, conversation=conversation, status="in-progress", channel=channel)
            try:
                return load_profile(session=session).greeting_line()
            except LookupError:
                return None

    def end(self, call_sid: str, status: str, started: datetime) -> None:
        """Status, length and outcome in one transaction: a hang-up or a hand-off is never
        recorded without the other."""
        ended = datetime.now(timezone.utc)
        with session_scope(self.database_url) as session:
            conversation = get_or_create_conversation(session=session, external_id=call_sid)
            update_conversation(
                session=session, conversation=conversation, status=status, ended_at=ended,
                duration_seconds=round((ended - started).total_seconds(), 1),
            )
            record_call_ended(session=session, external_id=call_sid, status=status, now=ended)

    def record_assistant_failure(self, call_sid: str, caller: str | None, said: str | None) -> None:
        """The assistant did not answer: the owner is alerted (once per call, with the
        caller's number when known) and `said`, what the caller heard instead, goes into
        the transcript, so the call record shows the failure."""
        for attempt in range(1, TURN_ATTEMPTS + 1):
            try:
                with session_scope(self.database_url) as session:
                    conversation = get_or_create_conversation(session=session, external_id=call_sid,
                                                              channel="phone", caller=caller)
                    call_unanswered(session=session, call_sid=call_sid, phone=caller)
                    if said:
                        add_turn(session=session, conversation=conversation, speaker="assistant", text=said)
                return
            except IntegrityError:
                if attempt == TURN_ATTEMPTS:
                    raise

    def owner_phone(self) -> str | None:
        with session_scope(self.database_url) as session:
            return load_profile(session=session).owner_phone

    def vocabulary(self) -> list[str]:
        """Words callers of this business say that a general model may miss: its name, the
        towns it serves, its services and its customers' streets. (Technicians' first names
        are left out: "Mike" in the prompt turned "my kitchen" into "Mike Hitchen".)"""
        import usaddress
        import zipcodes

        from business.repository import list_customers, list_services

        with session_scope(self.database_url) as session:
            profile = load_profile(session=session)
            words = [profile.name]
            words += sorted({m["city"].title() for z in profile.service_area_zips for m in zipcodes.matching(z)})
            words += [s.name for s in list_services(session=session)]
            for customer in list_customers(session=session):
                try:
                    parts, _kind = usaddress.tag(customer.address) if customer.address else ({}, None)
                except usaddress.RepeatedLabelError:
                    continue
                if parts.get("StreetName"):
                    words.append(" ".join(filter(None, [parts.get("StreetName"), parts.get("StreetNamePostType")])))
        return list(dict.fromkeys(words))

    def _mark_interrupted(self, call_sid: str, text: str) -> bool:
        with session_scope(self.database_url) as session:
            return update_assistant_turn_interrupted(session=session, external_id=call_sid, text=text)

    async def mark_interrupted(self, call_sid: str, text: str) -> bool:
        """Retries until the transcript worker has copied the reply."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + INTERRUPT_RETRY_SECONDS
        while True:
            if await asyncio.to_thread(self._mark_interrupted, call_sid, text):
                return True
            if loop.time() > deadline:
                log.warning("reply of call %s never reached the transcript; interruption not stored", call_sid)
                return False
            await asyncio.sleep(0.5)
