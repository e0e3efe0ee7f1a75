"""Notification settings from the environment: Twilio, SMTP and VAPID (Web Push) credentials
(absent means the local outbox), the public URL Twilio calls back on, and retry limits."""
from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import model_validator

from business.config_types import Flag, HttpUrl, Port, ServiceSettings, env
from business.notifications.vapid import development_private_key, public_key_for


class NotificationSettings(ServiceSettings):
    twilio_account_sid: str = env("TWILIO_ACCOUNT_SID", "")
    twilio_auth_token: str = env("TWILIO_AUTH_TOKEN", "", repr=False)
    twilio_from_number: str = env("TWILIO_FROM_NUMBER", "")
    twilio_messaging_service_sid: str = env("TWILIO_MESSAGING_SERVICE_SID", "")
    smtp_host: str = env("SMTP_HOST", "")
    smtp_port: Port = env("SMTP_PORT", 587)
    smtp_username: str = env("SMTP_USERNAME", "")
    smtp_password: str = env("SMTP_PASSWORD", "", repr=False)
    smtp_from: str = env("SMTP_FROM", "")
    smtp_starttls: Flag = env("SMTP_STARTTLS", True)
    public_base_url: HttpUrl = env("PUBLIC_BASE_URL", "")
    review_url: str = env("REVIEW_URL", "")
    # Web Push: base64url P-256 keys (python -m business.notifications.vapid makes a pair) and
    # the contact push services may write to (mailto: or https:).
    vapid_private_key: str = env("VAPID_PRIVATE_KEY", "", repr=False)
    vapid_public_key: str = env("VAPID_PUBLIC_KEY", "")
    vapid_subject: str = env("VAPID_SUBJECT", "")

    @model_validator(mode="after")
    def _vapid_keys_agree(self) -> "NotificationSettings":
        if not self.vapid_private_key:
            return self
        try:
            derived = public_key_for(self.vapid_private_key)
        except ValueError as exc:
            raise ValueError(f"VAPID_PRIVATE_KEY {exc}") from None
        if self.vapid_public_key and self.vapid_public_key != derived:
            raise ValueError("VAPID_PUBLIC_KEY is not the public half of VAPID_PRIVATE_KEY")
        if self.vapid_subject and not self.vapid_subject.startswith(("mailto:", "https://")):
            raise ValueError("VAPID_SUBJECT must start with mailto: or https://")
        return self

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "NotificationSettings":
        environ = os.environ if environ is None else environ
        return cls.from_values(environ, {
            "VAPID_PRIVATE_KEY": lambda: development_private_key(environ),
            "VAPID_SUBJECT": lambda: "mailto:owner@localhost" if environ.get("APP_ENV", "development")
            in ("development", "test") else None,
        })

    @property
    def application_server_key(self) -> str:
        """What browsers subscribe with; VAPID_PUBLIC_KEY may be left out, it is derived."""
        return public_key_for(self.vapid_private_key) if self.vapid_private_key else ""

    @property
    def push_enabled(self) -> bool:
        return bool(self.vapid_private_key and self.vapid_subject)

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
