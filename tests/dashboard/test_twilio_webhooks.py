"""Twilio's webhooks: the SDK's RequestValidator guards both against unsigned, wrongly
signed and replayed-with-a-changed-body requests (403, nothing changed, nothing logged of
the message); inbound texts confirm, cancel, opt out and reach Rasa; status callbacks
update the outbox. Runs with CSRF on, as in production."""
from __future__ import annotations

import json
import logging
import threading
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.etree import ElementTree

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from business.db import session_scope
from business.models import Appointment, AppointmentEvent, Customer, Notification
from business.profile import load_profile
from business.repository import get_service_by_slug
from business.scheduling import book_appointment
from business.notifications.config import NotificationSettings
from business.notifications.opt_outs import is_opted_out
from business.notifications.outbox import create_notification
from tests.business.twilio_http import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER
from tests.dashboard.conftest import BOOKED_START, NOW

PUBLIC = "https://receptionist.example.com"
CUSTOMER = "+13125550123"  # the `booked` fixture's customer
SID = "SM" + "a" * 32


class FakeRasaHandler(BaseHTTPRequestHandler):
    """Rasa's REST channel contract on a real socket: records the request, answers a list."""

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.received.append((self.path, body))
        answer = json.dumps([{"recipient_id": body["sender"], "text": "Sure, what day works for you?"},
                             {"recipient_id": body["sender"], "text": "We have Wednesday at 9 a.m."}])
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(answer.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def rasa_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeRasaHandler)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def notify() -> NotificationSettings:
    return NotificationSettings(twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                                twilio_from_number=FROM_NUMBER, public_base_url=PUBLIC)


@pytest.fixture
def webhook_client(make_app, notify, rasa_server):
    app = make_app(WTF_CSRF_ENABLED=True, NOTIFY=notify, RASA_URL=f"http://127.0.0.1:{rasa_server.server_port}")
    return app.test_client()


def signed(path: str, params: dict[str, str], token: str = AUTH_TOKEN) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(PUBLIC + path, params)}


def text(client, body: str, sender: str = CUSTOMER, sid: str | None = None):
    """A signed inbound text; each has its own MessageSid unless `sid` repeats one."""
    sid = sid or "SM" + uuid.uuid4().hex
    params = {"From": sender, "To": FROM_NUMBER, "Body": body, "MessageSid": sid, "AccountSid": ACCOUNT_SID}
    # The dashboard sits behind a proxy: Twilio signed the public URL, not localhost.
    return client.post("/twilio/sms", data=params, headers=signed("/twilio/sms", params))


def replies(response) -> list[str]:
    assert response.status_code == 200 and response.mimetype == "application/xml"
    return [m.text for m in ElementTree.fromstring(response.data).iter("Message")]


def appointment(url: str, appointment_id: int) -> Appointment:
    with session_scope(url) as session:
        return session.get(Appointment, appointment_id)


# Signatures

def test_a_correctly_signed_text_gets_a_twiml_reply(webhook_client, booked, seeded_url):
    assert replies(text(webhook_client, "HELP")) == [
        "Lakeshore Plumbing: call us at (312) 555-0100 or email office@lakeshoreplumbing.example. "
        "Reply YES to confirm your visit, NO to cancel, STOP to unsubscribe."]


@pytest.mark.parametrize("headers", [{}, {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}], ids=["missing", "wrong"])
@pytest.mark.parametrize("path", ["/twilio/sms", "/twilio/status"])
def test_unsigned_or_wrongly_signed_requests_are_refused(webhook_client, path, headers):
    params = {"From": CUSTOMER, "Body": "NO", "MessageSid": SID, "MessageStatus": "delivered"}
    assert webhook_client.post(path, data=params, headers=headers).status_code == 403


def test_signed_with_another_token_is_refused(webhook_client):
    params = {"From": CUSTOMER, "Body": "HELP"}
    response = webhook_client.post("/twilio/sms", data=params, headers=signed("/twilio/sms", params, token="other"))
    assert response.status_code == 403


def test_a_replayed_signature_with_a_changed_body_is_refused_and_changes_nothing(
    webhook_client, booked, seeded_url, caplog
):
    original = {"From": CUSTOMER, "Body": "YES", "MessageSid": SID}
    tampered = {**original, "Body": "CANCEL please call 312 555 0123"}
    with caplog.at_level(logging.WARNING):
        response = webhook_client.post("/twilio/sms", data=tampered, headers=signed("/twilio/sms", original))
    assert response.status_code == 403
    assert appointment(seeded_url, booked).status == "scheduled"
    assert "signature wrong" in caplog.text and "CANCEL" not in caplog.text and "0123" not in caplog.text


def test_the_signature_covers_the_public_url_not_our_host(webhook_client):
    params = {"From": CUSTOMER, "Body": "HELP"}
    local = {"X-Twilio-Signature": RequestValidator(AUTH_TOKEN).compute_signature("http://localhost/twilio/sms", params)}
    assert webhook_client.post("/twilio/sms", data=params, headers=local).status_code == 403


def test_without_an_auth_token_every_webhook_is_refused(make_app):
    client = make_app(NOTIFY=NotificationSettings(public_base_url=PUBLIC)).test_client()
    params = {"From": CUSTOMER, "Body": "HELP"}
    assert client.post("/twilio/sms", data=params, headers=signed("/twilio/sms", params)).status_code == 403


@pytest.mark.parametrize("params", [{"From": "not a number", "Body": "HELP", "MessageSid": SID},
                                    {"Body": "HELP", "MessageSid": SID},
                                    {"From": CUSTOMER, "Body": "x" * 1601, "MessageSid": SID},
                                    {"From": CUSTOMER, "Body": "HELP"},
                                    {"From": CUSTOMER, "Body": "HELP", "MessageSid": "SM123"}],
                         ids=["from", "no-from", "long", "no-sid", "bad-sid"])
def test_malformed_signed_texts_get_400(webhook_client, params):
    assert webhook_client.post("/twilio/sms", data=params, headers=signed("/twilio/sms", params)).status_code == 400


# Two-way SMS

def test_yes_confirms_the_next_appointment_with_history(webhook_client, booked, seeded_url):
    assert replies(text(webhook_client, "Yes!")) == [
        "Thanks, Dana! Your drain cleaning is confirmed for tomorrow, Tuesday November 24 at 10 a.m."]
    assert appointment(seeded_url, booked).status == "confirmed"
    with session_scope(seeded_url) as session:
        history = [(e.status, e.note) for e in session.scalars(
            select(AppointmentEvent).where(AppointmentEvent.appointment_id == booked).order_by(AppointmentEvent.id))]
    assert history[-1] == ("confirmed", "confirmed by text")


def test_cancel_cancels_it_and_tells_the_owner(webhook_client, booked, seeded_url):
    answer = replies(text(webhook_client, "cancel"))
    assert answer[0].startswith("Your drain cleaning for tomorrow, Tuesday November 24 at 10 a.m. is cancelled.")
    assert appointment(seeded_url, booked).status == "cancelled"
    with session_scope(seeded_url) as session:
        queued = {(n.kind, n.channel) for n in session.scalars(select(Notification))}
    # The customer had the reply; no second text, but the owner's alerts are queued.
    assert ("owner_cancellation", "sms") in queued and ("owner_cancellation", "email") in queued
    assert ("cancellation_confirmation", "sms") not in queued


def test_a_replayed_or_retried_text_is_handled_once(webhook_client, booked, seeded_url, rasa_server):
    # Two visits on file: before, the same signed NO delivered twice cancelled both.
    with session_scope(seeded_url) as session:
        customer = session.scalar(select(Customer).where(Customer.phone == CUSTOMER))
        later = book_appointment(
            session=session, profile=load_profile(session=session), customer=customer,
            service=get_service_by_slug(session=session, slug="drain_cleaning"),
            start=(BOOKED_START + timedelta(days=1)).astimezone(NOW.tzinfo), now=NOW,
        ).id
    first = text(webhook_client, "NO", sid=SID)
    assert replies(first)[0].startswith("Your drain cleaning for tomorrow")
    again = text(webhook_client, "NO", sid=SID)
    assert replies(again) == []  # an empty TwiML answer, so Twilio stops retrying
    assert (appointment(seeded_url, booked).status, appointment(seeded_url, later).status) == ("cancelled", "scheduled")
    with session_scope(seeded_url) as session:
        cancellations = session.scalars(select(Notification).where(Notification.kind == "owner_cancellation")).all()
    assert sorted(n.channel for n in cancellations) == ["email", "sms"]  # the owner hears once
    # A replay of a text that went on to Rasa is not sent to Rasa again either.
    text(webhook_client, "can you come friday", sid="SM" + "c" * 32)
    text(webhook_client, "can you come friday", sid="SM" + "c" * 32)
    assert len(rasa_server.received) == 1
    # A new text (a new MessageSid) is handled as usual.
    assert replies(text(webhook_client, "NO"))[0].startswith("Your drain cleaning for Wednesday")


@pytest.mark.parametrize("word", ["STOP", "stopall", "Unsubscribe", "CANCEL ALL", "end", "QUIT"])
def test_opt_out_words_stop_all_texts_until_start(webhook_client, booked, seeded_url, word):
    assert replies(text(webhook_client, word))[0].startswith("You're unsubscribed")
    assert appointment(seeded_url, booked).status == "scheduled"  # CANCEL ALL is not a cancellation
    with session_scope(seeded_url) as session:
        assert is_opted_out(session=session, phone=CUSTOMER)
    assert replies(text(webhook_client, "YES")) == []  # no texts to an opted-out number
    assert replies(text(webhook_client, "START"))[0].startswith("You're resubscribed")
    with session_scope(seeded_url) as session:
        assert not is_opted_out(session=session, phone=CUSTOMER)


def test_other_texts_continue_the_conversation_through_rasa(webhook_client, rasa_server, booked):
    assert replies(text(webhook_client, "RESCHEDULE")) == ["Sure, what day works for you?", "We have Wednesday at 9 a.m."]
    from channels.trust import metadata_is_signed

    secret = webhook_client.application.config["SECRET_KEY"]
    ((path, sent),) = rasa_server.received
    assert (path, sent["sender"], sent["message"]) == ("/webhooks/rest/webhook", f"sms:{CUSTOMER}", "RESCHEDULE")
    # Signed, so the actions may treat the texting number as a verified caller ID.
    assert {k: v for k, v in sent["metadata"].items() if k != "signature"} == {"channel": "sms", "caller": CUSTOMER}
    assert metadata_is_signed(secret, f"sms:{CUSTOMER}", sent["metadata"])


def test_yes_without_an_appointment_goes_to_rasa(webhook_client, rasa_server):
    replies(text(webhook_client, "yes", sender="+13125550177"))
    assert rasa_server.received[0][1]["message"] == "yes"


def test_rasa_down_gets_a_polite_reply_and_alerts_the_owner(make_app, notify, seeded_url):
    client = make_app(NOTIFY=notify, RASA_URL="http://127.0.0.1:9").test_client()  # nothing listens on 9
    answer = replies(text(client, "can you come friday"))
    assert answer == ["Sorry, we can't answer texts right now. Please call Lakeshore Plumbing at (312) 555-0100, "
                      "or we'll call you back soon."]
    text(client, "hello?")
    with session_scope(seeded_url) as session:
        alerts = session.scalars(select(Notification).where(Notification.kind == "owner_sms_unanswered")).all()
    assert sorted(a.channel for a in alerts) == ["email", "sms"]  # once, however many texts
    assert all(CUSTOMER in a.body for a in alerts) and "friday" not in alerts[0].body


def test_an_assistant_that_answers_nothing_is_treated_as_down(make_app, notify, seeded_url, echo_rasa):
    """Our real REST channel (echo Rasa) stands in a sentence when the assistant produced
    nothing; the SMS channel sees its marker and alerts the owner as when Rasa is down."""
    from tests.conftest import ECHO_SECRET_KEY
    client = make_app(NOTIFY=notify, RASA_URL=echo_rasa, SECRET_KEY=ECHO_SECRET_KEY).test_client()
    assert replies(text(client, "hello there"))[0].startswith("echo hello there")
    answer = replies(text(client, "silence"))
    assert answer and answer[0].startswith("Sorry, we can't answer texts right now")
    with session_scope(seeded_url) as session:
        assert session.scalars(select(Notification).where(Notification.kind == "owner_sms_unanswered")).all()


def test_a_technician_text_is_not_sent_to_rasa(webhook_client, rasa_server):
    # Mike has no job yet: the dispatch commands answer (tests/dashboard/test_technician_texts.py).
    (reply,) = replies(text(webhook_client, "ON MY WAY", sender="+13125550111"))
    assert reply.startswith("You don't have an open job with us right now.")
    assert rasa_server.received == []


# Status callbacks

def status(client, params: dict[str, str], query: str = ""):
    path = "/twilio/status" + query
    return client.post(path, data=params, headers=signed(path, params))


def queued_sms(url: str, **values) -> int:
    with session_scope(url) as session:
        row = create_notification(session=session, channel="sms", recipient=CUSTOMER, kind="test", key="k1", body="hi")
        for name, value in values.items():
            setattr(row, name, value)
        session.flush()
        return row.id


def test_delivery_status_callbacks_update_the_outbox(webhook_client, seeded_url):
    row_id = queued_sms(seeded_url, status="sent", provider_id=SID)
    assert status(webhook_client, {"MessageSid": SID, "MessageStatus": "delivered"}).status_code == 204
    with session_scope(seeded_url) as session:
        row = session.get(Notification, row_id)
        assert (row.status, row.delivery_status) == ("delivered", "delivered")
    # A late "sent" callback does not undo "delivered".
    status(webhook_client, {"MessageSid": SID, "MessageStatus": "sent"})
    with session_scope(seeded_url) as session:
        assert session.get(Notification, row_id).delivery_status == "delivered"


def test_an_undelivered_opted_out_number_is_suppressed_afterwards(webhook_client, seeded_url):
    row_id = queued_sms(seeded_url, status="sent", provider_id=SID)
    status(webhook_client, {"MessageSid": SID, "MessageStatus": "undelivered", "ErrorCode": "21610"})
    with session_scope(seeded_url) as session:
        row = session.get(Notification, row_id)
        assert (row.status, row.last_error) == ("undelivered", "Twilio undelivered error 21610")
        assert is_opted_out(session=session, phone=CUSTOMER)


def test_a_callback_links_a_send_the_sender_did_not_record(webhook_client, seeded_url):
    row_id = queued_sms(seeded_url, status="sending")
    assert status(webhook_client, {"MessageSid": SID, "MessageStatus": "sent"}, f"?n={row_id}").status_code == 204
    with session_scope(seeded_url) as session:
        assert session.get(Notification, row_id).provider_id == SID


@pytest.mark.parametrize("params, query", [
    ({"MessageSid": "nope", "MessageStatus": "sent"}, ""),
    ({"MessageSid": SID, "MessageStatus": "exploded"}, ""),
    ({"MessageSid": SID, "MessageStatus": "sent"}, "?n=99999999999"),
    ({"MessageSid": SID, "MessageStatus": "failed", "ErrorCode": "x1"}, ""),
])
def test_malformed_status_callbacks_get_400(webhook_client, params, query):
    assert status(webhook_client, params, query).status_code == 400


def test_huge_and_undecodable_bodies_are_refused_before_anything_runs(webhook_client, booked, seeded_url):
    huge = webhook_client.post("/twilio/sms", data=b"Body=" + b"x" * (2 * 1024 * 1024),
                               content_type="application/x-www-form-urlencoded")
    assert huge.status_code == 413
    latin1 = webhook_client.post("/twilio/sms", data=b"From=%2B13125550123&Body=NO%FF",
                                 content_type="application/x-www-form-urlencoded")
    assert latin1.status_code == 400
    assert appointment(seeded_url, booked).status == "scheduled"
