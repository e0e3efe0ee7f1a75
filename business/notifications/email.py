"""Email through SMTP (STARTTLS, implicit TLS on port 465, or plain for a local relay), or
the local outbox when no SMTP_HOST is set. The Message-ID comes from the outbox key, so a
message retried after a crash is recognised as the same message by mail clients."""
from __future__ import annotations

import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, parseaddr

from business.notifications.base import Outgoing, PermanentError, Sent, TransientError
from business.notifications.config import NotificationSettings

TIMEOUT_SECONDS = 20


def message_id(key: str, sender: str) -> str:
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return f"<{re.sub(r'[^A-Za-z0-9.-]', '.', key)}@{domain}>"


def build_message(message: Outgoing, sender: str, business_name: str | None = None) -> EmailMessage:
    email = EmailMessage()
    email["From"] = formataddr((business_name, sender)) if business_name else sender
    email["To"] = message.recipient
    email["Subject"] = message.subject or ""
    email["Message-ID"] = message_id(message.key, sender)
    email.set_content(message.body)
    if message.html_body:
        email.add_alternative(message.html_body, subtype="html")
    return email


class SmtpEmail:
    channel = "email"
    local = False

    def __init__(self, settings: NotificationSettings, ssl_context: ssl.SSLContext | None = None):
        self.settings = settings
        self.ssl_context = ssl_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.smtp_port == 465:
            return smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=TIMEOUT_SECONDS, context=self.ssl_context)
        client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=TIMEOUT_SECONDS)
        if s.smtp_starttls:
            client.starttls(context=self.ssl_context)
        return client

    def send(self, message: Outgoing) -> Sent:
        email = build_message(message, self.settings.smtp_from)
        try:
            with self._connect() as client:
                if self.settings.smtp_username:
                    client.login(self.settings.smtp_username, self.settings.smtp_password)
                client.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = sorted({code for code, _ in exc.recipients.values()})
            error = PermanentError if all(code >= 500 for code in codes) else TransientError
            raise error(f"SMTP refused the recipient ({', '.join(map(str, codes))})") from None
        except smtplib.SMTPAuthenticationError as exc:
            raise TransientError(f"SMTP login failed ({exc.smtp_code})") from None
        except smtplib.SMTPDataError as exc:
            # The server refused this message (size, content): sending it again cannot help.
            error = PermanentError if exc.smtp_code >= 500 else TransientError
            raise error(f"SMTP refused the message ({exc.smtp_code})") from None
        except smtplib.SMTPResponseException as exc:
            # Anything else (STARTTLS or login required, sender refused) is our configuration:
            # kept for retrying, so nothing is lost while the owner fixes the settings.
            raise TransientError(f"SMTP error {exc.smtp_code}") from None
        except TimeoutError:
            raise TransientError("SMTP timed out", maybe_sent=True) from None
        except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
            raise TransientError(f"SMTP unavailable: {type(exc).__name__}") from None
        return Sent(provider_id=email["Message-ID"])

    def find_sent(self, message: Outgoing) -> Sent | None:
        return None  # SMTP cannot be asked; the stable Message-ID lets clients drop a duplicate


class LocalEmail:
    """Keeps every email in the outbox table, visible on the dashboard, and sends nothing."""

    channel = "email"
    local = True

    def send(self, message: Outgoing) -> Sent:
        return Sent(provider_id=f"local:{message.key}", status="held_local")

    def find_sent(self, message: Outgoing) -> Sent | None:
        return None


def make_email_transport(settings: NotificationSettings, ssl_context: ssl.SSLContext | None = None):
    if settings.smtp_enabled:
        return SmtpEmail(settings, ssl_context)
    return LocalEmail()
