"""SQLAlchemy models for the business: customers, services, technicians, bookings,
conversations with their transcripts, the notifications outbox and settings."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stores UTC and always hands back an aware datetime, also on SQLite,
    which has no time-zone type of its own."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused: every stored time is time-zone aware")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[str]: JSON}


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Customer(TimestampMixin, Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(300))
    zip_code: Mapped[str | None] = mapped_column(String(10))
    notes: Mapped[str | None] = mapped_column(Text)

    appointments: Mapped[list["Appointment"]] = relationship(back_populates="customer")


class Service(Base):
    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    skill: Mapped[str] = mapped_column(String(60))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    price_min: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    price_max: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    emergency: Mapped[bool] = mapped_column(default=False)
    keywords: Mapped[list[str]] = mapped_column(default=list)
    description: Mapped[str | None] = mapped_column(Text)


class Technician(TimestampMixin, Base):
    __tablename__ = "technicians"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    phone: Mapped[str] = mapped_column(String(20))
    skills: Mapped[list[str]] = mapped_column(default=list)
    home_zip: Mapped[str] = mapped_column(String(10))
    # {"mon": ["08:00", "17:00"], ...}; a weekday missing means off that day.
    working_hours: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default="available")
    active: Mapped[bool] = mapped_column(default=True)


class Appointment(TimestampMixin, Base):
    __tablename__ = "appointments"
    # Analytics (revision 0009_dash2): a customer's earlier jobs (new or repeat).
    __table_args__ = (Index("ix_appointments_customer_id_start_at", "customer_id", "start_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    start_at: Mapped[datetime] = mapped_column(index=True)
    end_at: Mapped[datetime]
    # "exact" for a set time, "window" when start/end is an arrival window.
    time_kind: Mapped[str] = mapped_column(String(10), default="exact")
    status: Mapped[str] = mapped_column(String(20), default="scheduled", index=True)
    urgency: Mapped[str] = mapped_column(String(20), default="routine")
    problem: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(300))
    zip_code: Mapped[str | None] = mapped_column(String(10))
    source_channel: Mapped[str] = mapped_column(String(20), default="web")
    calendar_event_id: Mapped[str | None] = mapped_column(String(200))
    calendar_state: Mapped[str] = mapped_column(String(20), default="synced")
    # The arrival window promised to the customer when time_kind is "window"; start/end
    # then hold the technician's planned time inside it.
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]

    customer: Mapped[Customer] = relationship(back_populates="appointments")
    service: Mapped[Service] = relationship()
    technician: Mapped[Technician | None] = relationship()
    history: Mapped[list["AppointmentEvent"]] = relationship(
        back_populates="appointment", order_by="AppointmentEvent.at"
    )


class AppointmentEvent(Base):
    """Status history: every booking, reschedule and cancellation with its time."""

    __tablename__ = "appointment_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(40))  # who made the change: caller, owner, system

    appointment: Mapped[Appointment] = relationship(back_populates="history")


class Conversation(Base):
    __tablename__ = "conversations"
    # The follow-up lists ask for calls with a given outcome, newest first; analytics
    # (revision 0009_dash2) for one channel's conversations in a date range.
    __table_args__ = (Index("ix_conversations_outcome_started_at", "outcome", "started_at"),
                      Index("ix_conversations_channel_started_at", "channel", "started_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # Rasa's sender id (a CallSid for phone calls, a socket id for the web widget).
    external_id: Mapped[str] = mapped_column(String(255), unique=True)
    channel: Mapped[str] = mapped_column(String(20), default="web")  # phone/web/sms/owner
    caller: Mapped[str | None] = mapped_column(String(40), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(index=True)
    intent: Mapped[str | None] = mapped_column(String(80))
    outcome: Mapped[str | None] = mapped_column(String(30))
    summary: Mapped[str | None] = mapped_column(Text)
    # Voice bridge: call status (in-progress/transferred/completed), length, and the
    # dialogue's filled slots as the transcript worker last saw them.
    status: Mapped[str | None] = mapped_column(String(20), index=True)
    duration_seconds: Mapped[float | None]
    slots: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Revision 0010_dash1_follow_up: when and by whom a call that came to nothing was called back.
    called_back_at: Mapped[datetime | None]
    called_back_by: Mapped[str | None] = mapped_column(String(80))

    turns: Mapped[list["TranscriptTurn"]] = relationship(
        back_populates="conversation", order_by="TranscriptTurn.seq"
    )

    @property
    def caller_name(self) -> str | None:
        """The name the caller or website visitor gave, once they have."""
        name = (self.slots or {}).get("customer_name")
        name = " ".join(map(str, name)) if isinstance(name, list) else name
        return name if isinstance(name, str) and name.strip() else None

    @property
    def caller_label(self) -> str:
        """Who it was, for the call log: the name the caller gave and their number, as far
        as either is known ("Maria Lopez, +17735550111")."""
        phone = self.caller or (self.slots or {}).get("phone")
        phone = phone if isinstance(phone, str) else None
        return ", ".join(p for p in (self.caller_name, phone) if p) or "Unknown"


class TranscriptTurn(Base):
    __tablename__ = "transcript_turns"
    __table_args__ = (UniqueConstraint("conversation_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(20))  # caller / assistant
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    confidence: Mapped[float | None]
    intent: Mapped[str | None] = mapped_column(String(80))
    entities: Mapped[list[str]] = mapped_column(default=list)
    # Voice bridge: the speech recogniser's confidence, and an assistant reply the caller
    # talked over (so not counted as heard).
    stt_confidence: Mapped[float | None]
    interrupted: Mapped[bool] = mapped_column(default=False, server_default=false())

    conversation: Mapped[Conversation] = relationship(back_populates="turns")


class Notification(Base):
    """The outbox: written in the same transaction as the event that causes it."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))  # sms / email
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    provider_id: Mapped[str | None] = mapped_column(String(120))
    last_error: Mapped[str | None] = mapped_column(Text)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    # Added by the notifications area (revision 0004): HTML part of emails, when the
    # sender may next try (also a reminder's due time), the claim lease, Twilio's status.
    html_body: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    claimed_until: Mapped[datetime | None]
    delivery_status: Mapped[str | None] = mapped_column(String(20))


class BusinessSetting(Base):
    __tablename__ = "business_settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class User(Base):
    """A dashboard login: the owner, office staff or a technician (business/users.py ROLES)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Revision 0009_dash1_roles: accounts made before roles existed were the owner's.
    role: Mapped[str] = mapped_column(String(20), default="owner", server_default="owner")
    # A technician's login sees that technician's jobs only.
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id", ondelete="SET NULL"))

    technician: Mapped["Technician | None"] = relationship()
    # Revision 0012_users: a deactivated account is kept (who did what stays readable) but
    # cannot sign in, and its sessions stop working.
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    last_sign_in_at: Mapped[datetime | None]


class UserSession(Base):
    """One signed-in browser. Its cookie carries a random token, stored here only as the
    SHA-256 hash; deleting the row signs that browser out, whatever cookie it still holds."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SyncCursor(Base):
    """How far a background projection has read another store (e.g. Rasa's events)."""

    __tablename__ = "sync_cursors"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


# Notifications area: leads for a human call-back, and SMS opt-outs per number.

class Lead(Base):
    """Someone who asked for a person: the owner is alerted and calls back."""

    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20), index=True)  # E.164
    reason: Mapped[str | None] = mapped_column(Text)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)  # business/conversations/follow_up.py LEAD_STATUSES
    # Revision 0010_dash1_follow_up: the dashboard user who last changed the status, and when.
    handled_by: Mapped[str | None] = mapped_column(String(80))
    handled_at: Mapped[datetime | None]


class SmsOptOut(Base):
    """A number that texted STOP (or START again): the sender never texts an opted-out number."""

    __tablename__ = "sms_opt_outs"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)  # E.164
    opted_out: Mapped[bool] = mapped_column(default=True)
    keyword: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# Scheduling and dispatch

class DispatchRecord(Base):
    """Why a technician was given a job: the decision in words and every candidate
    considered. `flagged_for_owner` marks decisions the owner must act on."""

    __tablename__ = "dispatch_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), index=True)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    explanation: Mapped[str] = mapped_column(Text)
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    emergency: Mapped[bool] = mapped_column(default=False)
    flagged_for_owner: Mapped[bool] = mapped_column(default=False, index=True)
    owner_note: Mapped[str | None] = mapped_column(Text)
    # "assigned" for the current decision, "accepted" once the technician said yes,
    # "unassigned" when nobody could take the job, "replaced" once a later decision
    # supersedes it, "declined" / "timed_out" when the technician said no or never answered.
    status: Mapped[str] = mapped_column(String(20), default="assigned")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    appointment: Mapped[Appointment] = relationship()
    technician: Mapped[Technician | None] = relationship()
# Calendar: the linked Google account, owner-entered blocked times, Google's busy times
# and the retry queue for pushing appointments (business/calendar/).


class CalendarAccount(Base):
    """The one linked Google account. Its OAuth tokens are Fernet-encrypted at rest."""

    __tablename__ = "calendar_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20), default="google", unique=True)
    account_email: Mapped[str | None] = mapped_column(String(254))
    token_ciphertext: Mapped[str] = mapped_column(Text)
    booking_calendar_id: Mapped[str] = mapped_column(String(300), default="primary")
    busy_calendar_ids: Mapped[list[str]] = mapped_column(default=list)
    # The owner's calendars as last listed ({"id", "summary", "primary"}), for the settings page.
    calendar_choices: Mapped[Any] = mapped_column(JSON, default=list)
    # Google's incremental-sync token for the booking calendar; None means "full sync next".
    sync_token: Mapped[str | None] = mapped_column(Text)
    busy_fetched_at: Mapped[datetime | None]
    busy_from: Mapped[datetime | None]
    busy_to: Mapped[datetime | None]
    last_pull_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # Google's push-notification channel (events.watch) while the dashboard has a public URL.
    channel_id: Mapped[str | None] = mapped_column(String(64))
    channel_token: Mapped[str | None] = mapped_column(String(128))
    channel_resource_id: Mapped[str | None] = mapped_column(String(200))
    channel_expires_at: Mapped[datetime | None]
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CalendarBusyTime(Base):
    """Busy times last read from the linked busy calendars (free/busy), so a caller never
    waits on Google and a Google outage falls back to the last known answer."""

    __tablename__ = "calendar_busy_times"

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[str] = mapped_column(String(300))
    start_at: Mapped[datetime] = mapped_column(index=True)
    end_at: Mapped[datetime]


class CalendarBlock(Base):
    """Time the owner blocked for booking (e.g. "dentist 2-3pm"), in any calendar mode."""

    __tablename__ = "calendar_blocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    start_at: Mapped[datetime] = mapped_column(index=True)
    end_at: Mapped[datetime]
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CalendarRetry(Base):
    """A push to the calendar that failed: attempts so far and when to try again."""

    __tablename__ = "calendar_retries"

    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(index=True)
    last_error: Mapped[str | None] = mapped_column(Text)


# Robustness and privacy (revision 0007_robustness)

class ProjectedEvent(Base):
    """An event copied from the RabbitMQ broker queue, by key: a message redelivered after
    a crash between our commit and its acknowledgement is recognised and not copied again."""

    __tablename__ = "projected_events"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    projected_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class SkippedEvent(Base):
    """An event a projection could not copy even after cleaning it: recorded by position
    and error class only (never its text), and passed over so the ones behind it arrive."""

    __tablename__ = "skipped_events"
    __table_args__ = (UniqueConstraint("source", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(80))  # the projection's cursor name
    position: Mapped[int] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(String(80))  # the exception's class name
    skipped_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundMessage(Base):
    """A Twilio MessageSid already handled, claimed in the same transaction as its effect,
    so a replayed or retried text changes nothing a second time. No number, no text."""

    __tablename__ = "inbound_messages"

    message_sid: Mapped[str] = mapped_column(String(34), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class CustomerErasure(Base):
    """A customer's data deleted or anonymised on request (privacy): who asked for it, who
    did it and when. Holds no personal data itself, only the former customer id."""

    __tablename__ = "customer_erasures"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer, index=True)  # no foreign key: the row may be gone
    done_by: Mapped[str] = mapped_column(String(80))
    done_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # rows changed per table


# Web Push area (business/push/): each dashboard user's browsers, and which alerts they read.

class PushSubscription(Base):
    """One browser's Web Push subscription (RFC 8030 endpoint plus its RFC 8291 keys) for a
    dashboard user, with the events that user wants on that device."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(2000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    events: Mapped[list[str]] = mapped_column(default=list)
    device: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertRead(Base):
    """A system alert (business/push/alerts.py names each by a key) one user has read."""

    __tablename__ = "alert_reads"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    alert_key: Mapped[str] = mapped_column(String(160), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)


class VerificationCode(Base):
    """A one-time code texted to a customer's number on file, so a website visitor can prove
    an existing appointment is theirs. Only a keyed hash of the code is stored."""

    __tablename__ = "verification_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    conversation_key: Mapped[str] = mapped_column(String(120), index=True)  # the Rasa sender id
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None]
