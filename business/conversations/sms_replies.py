"""The business's answers to inbound texts: opt-out keywords, HELP, YES to confirm and
NO/CANCEL to cancel the next appointment, technicians' job commands. `reply_to_text` returns
the replies, or None when the text is not one of ours and belongs to the assistant (the SMS
channel, channels/sms.py, passes it on). Writes in the session; the caller commits."""
from __future__ import annotations

import logging
import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from business.customers.contacts import spoken_phone
from business.customers.identity import identify_customer, next_appointment
from business.models import Appointment, AppointmentEvent, InboundMessage, Technician, utcnow
from business.notifications.events import sms_unanswered
from business.notifications.messages import spoken_when
from business.notifications.opt_outs import is_opted_out, update_opt_out
from business.profile import BusinessProfile, load_profile
from business.scheduling import cancel_appointment
from business.scheduling.spoken import sentence
from business.dispatch.technician_sms import handle_technician_sms

log = logging.getLogger(__name__)

OPT_OUT = {"STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "CANCEL ALL", "END", "QUIT"}
OPT_IN = {"START", "UNSTOP"}
HELP = {"HELP", "INFO"}
CONFIRM = {"YES", "Y", "CONFIRM"}
CANCEL = {"NO", "N", "CANCEL"}  # "CANCEL ALL" is an opt-out, checked first


def keyword(text: str) -> str:
    """'  Yes! ' -> 'YES'; 'cancel all' -> 'CANCEL ALL'."""
    return " ".join(re.sub(r"[^\w\s]", " ", text).upper().split())


def reply_to_text(*, session: Session, phone: str, text: str, now: datetime) -> list[str] | None:
    """`phone` is the sender in E.164. The replies to text back ([] for none), or None when
    the text is for the assistant."""
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
        # A technician's texts are about their jobs, never a conversation with the assistant.
        return handle_technician_sms(session, technician, word, text, now)
    if word in CONFIRM or word in CANCEL:
        appointment = _next_appointment(session, phone, now)
        if appointment is not None:
            if word in CONFIRM:
                return [_confirm(session, appointment, profile, now)]
            return [_cancel(session, appointment, profile, now)]
    return None


def text_unanswered(*, session: Session, phone: str, now: datetime) -> list[str]:
    """The assistant could not answer a text: the owner is alerted and the texter told."""
    # One alert per number per hour, however many texts arrive meanwhile.
    sms_unanswered(session=session, phone=phone, conversation_key=f"{phone}:{now:%Y%m%d%H}")
    profile = load_profile(session=session)
    return [f"Sorry, we can't answer texts right now. Please call {profile.name} at "
            f"{spoken_phone(profile.phone)}, or we'll call you back soon."]


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
