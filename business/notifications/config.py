"""Notification settings from the environment: Twilio and SMTP credentials (absent means
the local outbox), the public URL Twilio calls back on, and retry limits."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from business.settings import SettingsError

TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class NotificationSettings:
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from_number: str = ""
    twilio_messaging_service_sid: str = ""
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    smtp_starttls: bool = True
    public_base_url: str = ""
    review_url: str = ""

    @property
    def twilio_enabled(self) -> bool:
        return bool(
            self.twilio_account_sid and self.twilio_auth_token
            and (self.twilio_from_number or self.twilio_messaging_service_sid)
        )

    @property
    def smtp_enabled(self) -> bool:
        return bool(self.smtp_host and self.smtp_from)

    @property
    def status_callback_url(self) -> str | None:
        return f"{self.public_base_url.rstrip('/')}/twilio/status" if self.public_base_url else None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "NotificationSettings":
        env = os.environ if environ is None else environ
        raw_port = env.get("SMTP_PORT") or "587"
        if not raw_port.isdigit() or not 0 < int(raw_port) < 65536:
            raise SettingsError(f"SMTP_PORT {raw_port!r} is not a port number")
        public = env.get("PUBLIC_BASE_URL", "")
        if public and not public.startswith(("https://", "http://")):
            raise SettingsError("PUBLIC_BASE_URL must start with https:// (or http:// for a tunnel in development)")
        return cls(
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID", ""),
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN", ""),
            twilio_from_number=env.get("TWILIO_FROM_NUMBER", ""),
            twilio_messaging_service_sid=env.get("TWILIO_MESSAGING_SERVICE_SID", ""),
            smtp_host=env.get("SMTP_HOST", ""),
            smtp_port=int(raw_port),
            smtp_username=env.get("SMTP_USERNAME", ""),
            smtp_password=env.get("SMTP_PASSWORD", ""),
            smtp_from=env.get("SMTP_FROM", ""),
            smtp_starttls=env.get("SMTP_STARTTLS", "true").strip().lower() in TRUE,
            public_base_url=public,
            review_url=env.get("REVIEW_URL", ""),
        )
