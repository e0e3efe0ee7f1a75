"""Inbound texts: opt-out keywords, HELP, YES to confirm and NO/CANCEL to cancel the next
appointment; anything else continues the conversation through Rasa. Returns the replies
to send back (the webhook wraps them in TwiML). Each Twilio MessageSid is handled once."""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from business.contacts import spoken_phone
from business.identity import identify_customer, next_appointment
from business.models import Appointment, AppointmentEvent, InboundMessage, Technician, utcnow
from business.notifications.events import sms_unanswered
from business.notifications.messages import spoken_when
from business.notifications.opt_outs import is_opted_out, update_opt_out
from business.profile import BusinessProfile, load_profile
from channels.rasa_client import RasaClient, RasaUnavailable
from business.scheduling import cancel_appointment
from business.spoken import sentence

log = logging.getLogger(__name__)

OPT_OUT = {"STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "CANCEL ALL", "END", "QUIT"}
OPT_IN = {"START", "UNSTOP"}
HELP = {"HELP", "INFO"}
CONFIRM = {"YES", "Y", "CONFIRM"}
CANCEL = {"NO", "N", "CANCEL"}  # "CANCEL ALL" is an opt-out, checked first

# Who may text us besides customers. A technician's replies (ACCEPT, DECLINE, DONE, ON MY
# WAY) belong to dispatch: it registers a handler here, e.g.
#   TECHNICIAN_HANDLERS.append(handle_technician_sms)
# with the signature (session, technician, keyword, text, now) -> list[str] | None.
# Until one answers, a technician's text gets no automatic reply.
TechnicianHandler = Callable[[Session, Technician, str, str, datetime], "list[str] | None"]
TECHNICIAN_HANDLERS: list[TechnicianHandler] = []


def keyword(text: str) -> str:
    """'  Yes! ' -> 'YES'; 'cancel all' -> 'CANCEL ALL'."""
    return " ".join(re.sub(r"[^\w\s]", " ", text).upper().split())


def handle_inbound_sms(
    *, session: Session, message_sid: str, phone: str, text: str, rasa: RasaClient, now: datetime
) -> list[str]:
    """`phone` is the sender in E.164. Writes in `session` and the caller commits (a text
    passed on to Rasa commits earlier, see _ask_rasa). A MessageSid seen before (Twilio
    retrying, or a captured request replayed) changes nothing and gets no reply."""
    if not claim_message(session=session, message_sid=message_sid):
        return []
    profile = load_profile(session=session)
    word = keyword(text)
    if word in OPT_OUT:
        update_opt_out(session=session, phone=phone, opted_out=True, keyword=word)
        return [f"You're unsubscribed from {profile.name} texts. Reply START to resubscribe."]
    if word in OPT_IN:
        update_opt_out(session=session, phone=phone, opted_out=False, keyword=word)
        return [f"You're resubscribed to {profile.name} texts. Reply STOP to unsubscribe."]
    if word in HELP:
        return [_help(profile)]
    if is_opted_out(session=session, phone=phone):
        return []  # nothing is texted to an opted-out number until START
    technician = session.scalar(select(Technician).where(Technician.phone == phone, Technician.active.is_(True)))
    if technician is not None:
        return _technician(session, technician, word, text, now)
    if word in CONFIRM or word in CANCEL:
        appointment = _next_appointment(session, phone, now)
        if appointment is not None:
            if word in CONFIRM:
                return [_confirm(session, appointment, profile, now)]
            return [_cancel(session, appointment, profile, now)]
    return _ask_rasa(session, phone, text, rasa, profile, now)


def claim_message(*, session: Session, message_sid: str) -> bool:
    """True the first time `message_sid` arrives. The claim is the first write of the
    transaction that acts on the text, so it commits (or rolls back) with the effect; a
    concurrent duplicate waits on the unique key and then finds it taken."""
    try:
        with session.begin_nested():
            session.add(InboundMessage(message_sid=message_sid, received_at=utcnow()))
    except IntegrityError:
        log.info("text %s already handled; ignored", message_sid)
        return False
    return True


def _help(profile: BusinessProfile) -> str:
    email = f" or email {profile.email}" if profile.email else ""
    return (f"{profile.name}: call us at {spoken_phone(profile.phone)}{email}. "
            "Reply YES to confirm your visit, NO to cancel, STOP to unsubscribe.")


def _technician(session, technician, word, text, now) -> list[str]:
    for handler in TECHNICIAN_HANDLERS:
        replies = handler(session, technician, word, text, now)
        if replies is not None:
            return replies
    log.info("text from technician %s: no handler yet", technician.id)
    return []


def _next_appointment(session: Session, phone: str, now: datetime) -> Appointment | None:
    # The texting number is Twilio-verified: it identifies the customer like caller ID.
    customer = identify_customer(session=session, phone=phone, caller_id_trusted=True)
    return next_appointment(session=session, customer=customer, now=now) if customer else None


def _confirm(session, appointment: Appointment, profile, now) -> str:
    when = spoken_when(appointment, profile, now)
    if appointment.status != "confirmed":
        appointment.status = "confirmed"
        session.add(AppointmentEvent(appointment_id=appointment.id, status="confirmed", note="confirmed by text"))
        session.flush()
    first_name = appointment.customer.name.split()[0]
    return sentence(f"Thanks, {first_name}! Your {appointment.service.name.lower()} is confirmed for {when}")


def _cancel(session, appointment: Appointment, profile, now) -> str:
    when = spoken_when(appointment, profile, now)
    # The reply below is the customer's text confirmation; the email and the owner's
    # alert go through the outbox.
    cancel_appointment(session=session, appointment=appointment, note="cancelled by the customer by text",
                       actor="the customer by text", text_customer=False)
    return (f"Your {appointment.service.name.lower()} for {when} is cancelled. "
            f"Text us or call {spoken_phone(profile.phone)} any time to book again.")


def _ask_rasa(session, phone, text, rasa: RasaClient, profile, now) -> list[str]:
    # Rasa's actions write to this database; holding our transaction (SQLite's write lock)
    # while waiting for Rasa would block them, so what we did so far is committed first.
    session.commit()
    try:
        return rasa.send(f"sms:{phone}", text, {"channel": "sms", "caller": phone}).texts
    except RasaUnavailable as exc:
        log.warning("assistant unavailable for a text (%s); owner alerted", exc)
        # One alert per number per hour, however many texts arrive meanwhile.
        sms_unanswered(session=session, phone=phone, conversation_key=f"{phone}:{now:%Y%m%d%H}")
        return [f"Sorry, we can't answer texts right now. Please call {profile.name} at "
                f"{spoken_phone(profile.phone)}, or we'll call you back soon."]
