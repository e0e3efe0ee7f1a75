"""A small, realistic business day for the browser tests and screenshots: customers,
today's and tomorrow's jobs (one emergency), calls that booked, calls that came to
nothing, leads, a failed text and a calendar conflict. All through the business package."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from business.db import session_scope
from business.customers.leads import create_lead
from business.notifications.outbox import create_notification, mark_failed
from business.profile import load_profile
from business.repository import add_turn, get_or_create_conversation, get_service_by_slug, upsert_customer
from business.scheduling import book_appointment
from tests.dashboard.conftest import CHICAGO, NOW

CUSTOMERS = [
    ("Dana Whitfield", "+13125550123", "233 S Wacker Dr, Chicago", "60606", "drain_cleaning", (1, 10), "routine"),
    ("Marcus Lee", "+13125550124", "875 N Michigan Ave, Chicago", "60611", "leak_repair", (0, 13), "routine"),
    ("Priya Raman", "+13125550125", "1060 W Addison St, Chicago", "60613", "water_heater", (1, 8), "routine"),
    ("Tomasz Nowak", "+13125550126", "2233 W Division St, Chicago", "60622", "burst_pipe", (0, 11), "emergency"),
    ("Grace Kim", "+13125550127", "4800 N Broadway, Chicago", "60640", "toilet_repair", (1, 14), "routine"),
]


def _call(session, external_id, caller, minutes_ago, outcome, intent, summary, lines, customer=None):
    started = NOW - timedelta(minutes=minutes_ago)
    call = get_or_create_conversation(session=session, external_id=external_id, channel="phone", caller=caller,
                                      started_at=started)
    call.outcome, call.intent, call.summary, call.status = outcome, intent, summary, "completed"
    call.ended_at, call.duration_seconds = started + timedelta(seconds=20 * len(lines) + 15), 20.0 * len(lines) + 15
    call.customer_id = customer.id if customer else None
    for i, (speaker, text) in enumerate(lines):
        add_turn(session=session, conversation=call, speaker=speaker, text=text, at=started + timedelta(seconds=20 * i),
                 confidence=0.91 if speaker == "caller" else None)
    return call


def load_demo_day(url: str) -> None:
    with session_scope(url) as session:
        profile = load_profile(session=session)
        for name, phone, address, zip_code, slug, (days, hour), urgency in CUSTOMERS:
            customer = upsert_customer(session=session, phone=phone, name=name, address=address, zip_code=zip_code)
            service = get_service_by_slug(session=session, slug=slug)
            start = datetime.combine((NOW.astimezone(CHICAGO) + timedelta(days=days)).date(),
                                     datetime.min.time().replace(hour=hour), tzinfo=CHICAGO)
            appointment = book_appointment(session=session, profile=profile, customer=customer, service=service,
                                           start=start.astimezone(timezone.utc), now=NOW, urgency=urgency,
                                           problem=f"{service.name.lower()} needed", source_channel="phone")
            if name == "Grace Kim":
                appointment.calendar_state = "calendar_conflict"
            if name == "Dana Whitfield":
                call = _call(session, "CA-demo-booked", phone, 50, "booked", "book_appointment",
                      "Dana Whitfield booked a drain cleaning for tomorrow at 10 a.m.",
                      [("caller", "Hi, my kitchen sink is clogged"), ("assistant", "I can send someone tomorrow at 10."),
                       ("caller", "Yes please")], customer)
                appointment.conversation_id = call.id
        _call(session, "CA-demo-hangup", "+17735550140", 35, "abandoned", "book_appointment",
              "Caller asked about a leaking water heater and hung up before booking.",
              [("caller", "My water heater is leaking in the basement"), ("assistant", "What is your address?")])
        _call(session, "CA-demo-flood", "+17735550141", 20, "handed_off", "emergency_request",
              "Emergency: basement flooding, asked for a person.",
              [("caller", "There's water everywhere in my basement"),
               ("assistant", "Turn off the main water valve if you can safely reach it.")])
        _call(session, "CA-demo-silent", "+17735550142", 15, None, None, None, [("caller", "hello?")])
        live = _call(session, "CA-demo-live", "+17735550145", 1, None, "book_appointment", None,
                     [("caller", "Hi, my toilet keeps running"), ("assistant", "When would suit you?")])
        live.status, live.ended_at, live.duration_seconds = "in-progress", None, None
        live.slots = {"service_type": "toilet_repair",
                      "appointment_time": {"from": "2026-11-24T13:00:00-06:00", "to": "2026-11-24T17:00:00-06:00"}}
        quote = create_lead(session=session, name="Pat Doyle", phone="+17735550143",
                            reason="Wants a quote for replacing a 40-gallon water heater.")
        repiping = create_lead(session=session, name="Ana Ruiz", phone="+17735550144",
                               reason="Asked for a call back about repiping.")
        quote.created_at, repiping.created_at = NOW - timedelta(hours=16), NOW - timedelta(minutes=40)
        text = create_notification(session=session, channel="sms", recipient="+13125550124", kind="reminder",
                                   key="demo-failed", body="Reminder: your plumber arrives tomorrow at 1 p.m.")
        mark_failed(notification=text, reason="Twilio 21610: the number has opted out")
