"""Email through a real SMTP server (aiosmtpd) on localhost: what arrives (To, Subject,
plain and HTML parts, a Message-ID from the outbox key), STARTTLS with login, a refused
recipient failing for good, and a mail server that is down delivering once it is back."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from business.db import session_scope
from business.models import Notification
from business.notifications.base import Outgoing, PermanentError, TransientError
from business.notifications.config import NotificationSettings
from business.notifications.email import SmtpEmail, message_id
from business.notifications.outbox import create_notification
from business.notifications.sender import OutboxSender
from business.notifications.sms import LocalSms
from tests.business.smtp_server import PASSWORD, USERNAME, Inbox, free_port, self_signed, start_server

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=timezone.utc)
SENDER = "office@lakeshoreplumbing.example"
MESSAGE = Outgoing(key="booked:1:1795622400:customer:email", recipient="jessica@example.com",
                   subject="Your drain cleaning appointment", body="Hi Jessica,\n\nSee you Wednesday.",
                   html_body="<html><body><p>Hi Jessica &amp; family</p></body></html>")


@pytest.fixture
def inbox():
    return Inbox()


@pytest.fixture
def plain_server(inbox):
    controller = start_server(inbox)
    yield controller
    controller.stop()


def smtp_settings(port: int, **values) -> NotificationSettings:
    return NotificationSettings(smtp_host="127.0.0.1", smtp_port=port, smtp_from=SENDER,
                                smtp_starttls=values.pop("starttls", False), **values)


def test_a_message_arrives_with_plain_and_html_parts(plain_server, inbox):
    sent = SmtpEmail(smtp_settings(plain_server.port)).send(MESSAGE)
    [arrived] = inbox.messages
    assert inbox.envelopes == [(SENDER, ["jessica@example.com"])]
    assert arrived["To"] == "jessica@example.com" and arrived["From"] == SENDER
    assert arrived["Subject"] == "Your drain cleaning appointment"
    assert arrived["Message-ID"] == sent.provider_id == message_id(MESSAGE.key, SENDER)
    assert arrived.get_body(("plain",)).get_content().replace("\r\n", "\n").strip() == "Hi Jessica,\n\nSee you Wednesday."
    assert "Hi Jessica &amp; family" in arrived.get_body(("html",)).get_content()


def test_starttls_with_login(tmp_path, inbox):
    server_context, client_context = self_signed(tmp_path)
    controller = start_server(inbox, tls_context=server_context)
    try:
        settings = smtp_settings(controller.port, starttls=True, smtp_username=USERNAME, smtp_password=PASSWORD)
        SmtpEmail(settings, ssl_context=client_context).send(MESSAGE)
        assert len(inbox.messages) == 1
        # Without STARTTLS the server refuses to go on, and that is worth retrying later.
        with pytest.raises(TransientError):
            SmtpEmail(smtp_settings(controller.port, starttls=False), ssl_context=client_context).send(MESSAGE)
        assert len(inbox.messages) == 1
    finally:
        controller.stop()


def test_a_refused_recipient_fails_for_good(plain_server, inbox):
    inbox.refuse.add("nobody@example.com")
    with pytest.raises(PermanentError, match="550"):
        SmtpEmail(smtp_settings(plain_server.port)).send(
            Outgoing(key="k", recipient="nobody@example.com", subject="s", body="b"))
    assert inbox.messages == []


def test_mail_server_down_then_back_delivers_once(sqlite_url, inbox):
    port = free_port()
    with session_scope(sqlite_url) as session:
        create_notification(session=session, channel="email", recipient="jessica@example.com", kind="test",
                            key="k1", subject="Hello", body="plain", html_body="<p>html</p>")
    clock = [NOW]
    sender = OutboxSender(sqlite_url, sms=LocalSms(), email=SmtpEmail(smtp_settings(port)), clock=lambda: clock[0])
    for _ in range(4):  # nothing listens on the port yet
        sender.send_due()
        clock[0] += timedelta(minutes=10)
    with session_scope(sqlite_url) as session:
        row = session.scalars(select(Notification)).one()
        assert row.status == "queued" and row.attempts >= 2 and row.last_error.startswith("SMTP unavailable")
    controller = start_server(inbox, port=port)
    try:
        for _ in range(6):
            sender.send_due()
            clock[0] += timedelta(minutes=10)
    finally:
        controller.stop()
    assert len(inbox.messages) == 1 and inbox.messages[0]["Subject"] == "Hello"
    with session_scope(sqlite_url) as session:
        assert session.scalars(select(Notification)).one().status == "sent"
