"""Notification settings from the environment: Twilio and SMTP credentials (absent means
the local outbox), the public URL Twilio calls back on, and retry limits."""
from __future__ import annotations

from business.config_types import Flag, HttpUrl, Port, ServiceSettings, env


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
