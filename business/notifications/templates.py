"""Message templates: defaults in code, the owner's edits stored as BusinessSetting rows.
Rendered with string.Template (never eval); HTML email escapes every value."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from string import Template
from typing import Any

from sqlalchemy.orm import Session

from business.models import BusinessSetting

SETTING_KEY = "notification_templates"
FIELDS = ("sms", "subject", "email")

CONFIRM_LINE = "Reply YES to confirm, NO to cancel."
RESCHEDULE_LINE = "To reschedule, reply RESCHEDULE or call us at $business_phone."

DEFAULTS: dict[str, dict[str, str]] = {
    "booking_confirmation": {
        "sms": "Hi $first_name, $business here: your $service is booked for $when. $technician_line "
               "Address: $address. " + RESCHEDULE_LINE + " " + CONFIRM_LINE,
        "subject": "Your $service appointment, $when",
        "email": "Hi $first_name,\n\nThank you for choosing $business. Your $service is booked for $when.\n\n"
                 "$technician_line\nAddress: $address\n\n" + RESCHEDULE_LINE + "\n\n"
                 "Reply YES to our text to confirm, NO to cancel.\n\n$business",
    },
    "reschedule_confirmation": {
        "sms": "Hi $first_name, your $service with $business has moved to $when. $technician_line "
               + RESCHEDULE_LINE + " " + CONFIRM_LINE,
        "subject": "Your $service appointment has moved to $when",
        "email": "Hi $first_name,\n\nYour $service appointment has moved to $when.\n\n"
                 "$technician_line\nAddress: $address\n\n" + RESCHEDULE_LINE + "\n\n$business",
    },
    "cancellation_confirmation": {
        "sms": "Hi $first_name, your $service with $business for $when is cancelled. "
               "Call $business_phone or text us any time to book again.",
        "subject": "Your $service appointment is cancelled",
        "email": "Hi $first_name,\n\nYour $service appointment for $when is cancelled.\n\n"
                 "Call $business_phone or reply to our texts any time to book again.\n\n$business",
    },
    "reminder": {
        "sms": "Reminder from $business: your $service is $when. $technician_line "
               "Address: $address. " + RESCHEDULE_LINE + " " + CONFIRM_LINE,
        "subject": "Reminder: $service $when",
        "email": "Hi $first_name,\n\nA reminder that your $service is $when.\n\n$technician_line\n"
                 "Address: $address\n\n" + RESCHEDULE_LINE + "\n\n$business",
    },
    "en_route": {
        "sms": "$technician_first from $business is on the way to $address for your $service.",
        "subject": "$technician_first is on the way",
        "email": "Hi $first_name,\n\n$technician_first from $business is on the way to $address "
                 "for your $service.\n\n$business",
    },
    "review_request": {
        "sms": "Thanks for choosing $business, $first_name! How did $technician_first do? $review_line",
        "subject": "How did we do?",
        "email": "Hi $first_name,\n\nThanks for choosing $business for your $service. $review_line\n\n$business",
    },
    "technician_dispatch": {
        "sms": "New job #$appointment_id: $service, $when. $customer_name, $customer_phone, $address. "
               "Problem: $problem. Urgency: $urgency. Reply ACCEPT or DECLINE.",
        "subject": "New job #$appointment_id: $service, $when",
        "email": "New job #$appointment_id\n\n$service, $when\n$customer_name, $customer_phone\n"
                 "$address\nProblem: $problem\nUrgency: $urgency",
    },
    "owner_booking": {
        "sms": "New booking #$appointment_id: $service for $customer_name ($customer_phone), $when, "
               "$address. Technician: $technician_name. Via $channel.",
        "subject": "New booking: $service, $when",
        "email": "New booking #$appointment_id\n\n$service for $customer_name ($customer_phone)\n$when\n"
                 "$address\nTechnician: $technician_name\nProblem: $problem\nBooked via $channel.",
    },
    "owner_emergency": {
        "sms": "EMERGENCY #$appointment_id: $service for $customer_name ($customer_phone), $when, "
               "$address. Technician: $technician_name. Problem: $problem.",
        "subject": "EMERGENCY: $service for $customer_name, $when",
        "email": "EMERGENCY booking #$appointment_id\n\n$service for $customer_name ($customer_phone)\n$when\n"
                 "$address\nTechnician: $technician_name\nProblem: $problem",
    },
    "owner_cancellation": {
        "sms": "Cancelled #$appointment_id by $actor: $service for $customer_name ($customer_phone), $when.",
        "subject": "Cancelled: $service for $customer_name, $when",
        "email": "Appointment #$appointment_id was cancelled by $actor.\n\n$service for $customer_name "
                 "($customer_phone)\n$when\n$address",
    },
    "owner_reschedule": {
        "sms": "Moved #$appointment_id: $service for $customer_name ($customer_phone) from $previous_when "
               "to $when.",
        "subject": "Rescheduled: $service for $customer_name, now $when",
        "email": "Appointment #$appointment_id moved from $previous_when to $when.\n\n$service for "
                 "$customer_name ($customer_phone)\n$address",
    },
    "owner_technician_change": {
        "sms": "Job #$appointment_id ($service, $when): $previous_technician $reason. "
               "Now: $technician_name.",
        "subject": "Job #$appointment_id: $previous_technician $reason",
        "email": "Job #$appointment_id: $service for $customer_name ($customer_phone), $when.\n\n"
                 "$previous_technician $reason.\nNow assigned: $technician_name\n$address",
    },
    "owner_lead": {
        "sms": "Call-back request: $lead_name ($lead_phone) wants a person. Reason: $reason.",
        "subject": "Call-back request from $lead_name",
        "email": "$lead_name ($lead_phone) asked to speak with a person.\n\nReason: $reason",
    },
    "owner_sms_unanswered": {
        "sms": "A text from $lead_phone could not be answered (assistant unavailable). Please call them back.",
        "subject": "Unanswered text from $lead_phone",
        "email": "A text from $lead_phone could not be answered because the assistant was unavailable.\n\n"
                 "Please call them back.",
    },
    "owner_assistant_failed": {
        "sms": "The assistant hit a problem while talking to $lead_phone ($step). "
               "What they gave us is in the dashboard; please call them back.",
        "subject": "The assistant could not finish a conversation with $lead_phone",
        "email": "The assistant hit a problem ($step) while talking to $lead_phone and could not finish.\n\n"
                 "Whatever details they gave are in the dashboard (leads and calls). Please call them back.",
    },
    "owner_call_unanswered": {
        "sms": "A call from $lead_phone could not be answered (assistant unavailable). $callback_line",
        "subject": "Unanswered call from $lead_phone",
        "email": "A call from $lead_phone could not be answered because the assistant was unavailable.\n\n"
                 "$callback_line",
    },
}

HTML_LAYOUT = Template(
    '<!doctype html><html><body style="font-family: sans-serif; line-height: 1.5">'
    "<h2>$business</h2><p>$content</p></body></html>"
)


@dataclass(frozen=True)
class Rendered:
    sms: str
    subject: str
    text: str
    html: str


def load_overrides(*, session: Session) -> dict[str, dict[str, str]]:
    row = session.get(BusinessSetting, SETTING_KEY)
    return dict(row.value) if row is not None else {}


def get_template(*, session: Session, kind: str) -> dict[str, str]:
    return {**DEFAULTS[kind], **load_overrides(session=session).get(kind, {})}


def update_template(*, session: Session, kind: str, field: str, text: str | None) -> None:
    """Store the owner's wording (None goes back to the default). Checked against the
    default's placeholders first, so a typo cannot break sending later."""
    if kind not in DEFAULTS or field not in FIELDS:
        raise ValueError(f"unknown template {kind}.{field}")
    overrides = load_overrides(session=session)
    kind_overrides = dict(overrides.get(kind, {}))
    if text is None or not text.strip():
        kind_overrides.pop(field, None)
    else:
        allowed = set(placeholders(kind))
        unknown = _placeholders(text) - allowed
        if unknown:
            raise ValueError(f"unknown placeholders: {', '.join(sorted(unknown))}")
        kind_overrides[field] = text.strip()
    overrides[kind] = kind_overrides
    row = session.get(BusinessSetting, SETTING_KEY)
    if row is None:
        session.add(BusinessSetting(key=SETTING_KEY, value=overrides))
    else:
        row.value = overrides
    session.flush()


COMMON_PLACEHOLDERS = ("business", "business_phone")


def placeholders(kind: str) -> list[str]:
    """What the owner may use in a template of this kind."""
    names = set(COMMON_PLACEHOLDERS)
    for text in DEFAULTS[kind].values():
        names |= _placeholders(text)
    return sorted(names)


def _placeholders(text: str) -> set[str]:
    """Names used in `text` (Template.get_identifiers needs Python 3.11); a lone "$" that
    is not "$$" is refused, as Template.substitute would refuse it."""
    names = set()
    for match in Template.pattern.finditer(text):
        if match.group("invalid") is not None:
            raise ValueError("a $ must start a placeholder such as $first_name; write $$ for a dollar sign")
        names.add(match.group("named") or match.group("braced"))
    names.discard(None)
    return names


def _tidy(text: str) -> str:
    """'at 10 a.m..' reads as a typo: one full stop after a.m. and p.m."""
    return _DOUBLE_STOP.sub(r"\1", text)


_DOUBLE_STOP = re.compile(r"([ap]\.m\.)\.")


def render(*, session: Session, kind: str, context: dict[str, Any]) -> Rendered:
    template = get_template(session=session, kind=kind)
    values = {key: "" if value is None else str(value) for key, value in context.items()}
    escaped = {key: html.escape(value) for key, value in values.items()}
    email_text = _tidy(Template(template["email"]).safe_substitute(values))
    content = _tidy(Template(html.escape(template["email"])).safe_substitute(escaped))
    content = content.replace("\n\n", "</p><p>").replace("\n", "<br>")
    return Rendered(
        sms=_tidy(" ".join(Template(template["sms"]).safe_substitute(values).split())),
        subject=" ".join(Template(template["subject"]).safe_substitute(values).split())[:200],
        text=email_text,
        html=HTML_LAYOUT.substitute(business=escaped.get("business", ""), content=content),
    )
