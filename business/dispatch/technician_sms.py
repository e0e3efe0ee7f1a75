"""A technician's texts about their jobs: ACCEPT, DECLINE, ON MY WAY (OMW), ARRIVED and DONE,
optionally with a job number ("DONE 123"). Answered from business/conversations/sms_replies.py when the
texting number is an active technician's."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.orm import Session

from business.models import Technician
from business.notifications.messages import spoken_when
from business.profile import load_profile
from business.scheduling.spoken import sentence
from business.dispatch.technician_jobs import JobActionError, apply_job_action, get_technician_job

COMMANDS = {
    "ACCEPT": "accept", "ACCEPTED": "accept", "OK": "accept",
    "DECLINE": "decline", "DECLINED": "decline", "REJECT": "decline",
    "ON MY WAY": "en_route", "OMW": "en_route", "EN ROUTE": "en_route", "ON THE WAY": "en_route",
    "ARRIVED": "arrived", "HERE": "arrived", "ON SITE": "arrived",
    "DONE": "done", "COMPLETE": "done", "COMPLETED": "done", "FINISHED": "done",
}
HELP_LINE = ("Reply ACCEPT or DECLINE to a new job, OMW when you head out, ARRIVED on site, DONE when "
             "finished. Add the job number for another job, e.g. DONE 123.")
# "DONE 123", "done #123", "Job 123 done": the command words and at most one job number.
_NUMBER = re.compile(r"\b(?:JOB\s+)?(\d{1,9})\b")


def parse_command(word: str) -> tuple[str | None, int | None]:
    """(action, appointment id) from an upper-cased keyword; action None if unknown."""
    numbers = _NUMBER.findall(word)
    rest = " ".join(_NUMBER.sub(" ", word).split())
    if len(numbers) > 1:
        return None, None
    return COMMANDS.get(rest), int(numbers[0]) if numbers else None


def handle_technician_sms(session: Session, technician: Technician, word: str, text: str,
                          now: datetime) -> list[str]:
    """The confirmation to text back; writes in `session`, the caller commits."""
    action, appointment_id = parse_command(word)
    if action is None:
        return [HELP_LINE]
    appointment = get_technician_job(session=session, technician=technician, appointment_id=appointment_id)
    if appointment is None:
        which = f"job #{appointment_id}" if appointment_id is not None else "an open job"
        return [f"You don't have {which} with us right now. {HELP_LINE}"]
    job = f"job #{appointment.id}"
    detail = (f"{appointment.service.name.lower()}, "
              f"{spoken_when(appointment, load_profile(session=session), now)}")
    try:
        apply_job_action(session=session, action=action, appointment=appointment, technician=technician, now=now)
    except JobActionError as exc:
        return [f"Sorry, {exc}."]
    first = technician.name.split()[0]
    return [{
        "accept": sentence(f"Thanks, {first}! Job #{appointment.id} is yours: {detail}") + " Reply OMW when you head out.",
        "decline": f"OK, {first}, {job} ({detail}) goes to someone else.",
        "en_route": f"Thanks, {first}. We've told {appointment.customer.name.split()[0]} you're on the way.",
        "arrived": f"Got it: you're on site for {job}. Reply DONE when finished.",
        "done": f"Great work, {first}! Job #{appointment.id} is marked done.",
    }[action]]

