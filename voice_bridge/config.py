"""Settings of the voice bridge, read from the environment in one place."""
from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from pydantic import model_validator

from business.config_types import (
    LOCAL_ENVS, DatabaseUrl, HttpUrl, Milliseconds, Port, ServiceSettings, env, one_of, seconds, whole_number,
)
from business.settings import VAR_DIR
from business.secret_key import load_secret_key

STT_ENGINES = ("whisper", "vosk")


def is_loopback(host: str | None) -> bool:
    """127.0.0.1, ::1 or localhost (with or without a port or brackets)."""
    if not host:
        return False
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:8081
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:  # 127.0.0.1:8081, localhost:8081
        host = host.split(":", 1)[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Settings(ServiceSettings):
    host: str = env("VOICE_BRIDGE_HOST", "127.0.0.1")
    port: Port = env("VOICE_BRIDGE_PORT", 8081)
    rasa_url: HttpUrl = env("RASA_URL", "http://127.0.0.1:5005")
    database_url: DatabaseUrl = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'receptionist.db'}")
    # Twilio must reach the bridge at this address (https://... ; wss is derived from it).
    # From the environment it defaults to http://127.0.0.1:$VOICE_BRIDGE_PORT.
    public_base_url: HttpUrl = env("PUBLIC_BASE_URL", "http://127.0.0.1:8081")
    stt_engine: one_of(*STT_ENGINES) = env("STT_ENGINE", "whisper")
    vosk_model_path: str = env("VOSK_MODEL_PATH", "")
    twilio_account_sid: str = env("TWILIO_ACCOUNT_SID", "")
    twilio_auth_token: str = env("TWILIO_AUTH_TOKEN", "", repr=False)
    secret_key: str = env("SECRET_KEY", "", repr=False)
    app_env: str = env("APP_ENV", "development")
    # A caller waits in silence for Rasa; after this long they hear an apology instead.
    rasa_timeout_seconds: seconds(0.5, 120) = env("VOICE_RASA_TIMEOUT_SECONDS", 8.0)
    silence_seconds: seconds() = env("VOICE_SILENCE_SECONDS", 6.0)
    # After SIGTERM, calls in progress may go on this long before the bridge stops anyway;
    # keep it below the pod's terminationGracePeriodSeconds (voice_bridge/drain.py).
    drain_seconds: seconds(0, 24 * 3600) = env("VOICE_DRAIN_SECONDS", 15.0)
    max_silences: whole_number(0) = env("VOICE_MAX_SILENCES", 2)
    # Caller speech this long while the assistant talks counts as barge-in, not a cough.
    barge_in_ms: int = 200
    # Silence that ends a turn (see turn_taking): after a finished sentence, when unsure,
    # and after a filler or a half-read number. Transcription starts at the pause.
    endpoint_pause_ms: Milliseconds = env("VOICE_PAUSE_MS", 200)
    endpoint_finished_ms: Milliseconds = env("VOICE_ENDPOINT_FINISHED_MS", 300)
    endpoint_silence_ms: Milliseconds = env("VOICE_ENDPOINT_MS", 500)
    endpoint_unfinished_ms: Milliseconds = env("VOICE_ENDPOINT_UNFINISHED_MS", 1000)

    @model_validator(mode="after")
    def _vosk_needs_a_model(self) -> Settings:
        if self.stt_engine == "vosk" and not self.vosk_model_path:
            raise ValueError("STT_ENGINE=vosk needs VOSK_MODEL_PATH (a Vosk model folder)")
        return self

    @property
    def media_url(self) -> str:
        base = self.public_base_url.rstrip("/")
        return "wss://" + base.split("://", 1)[1] + "/twilio/media" if base.startswith("https://") \
            else "ws://" + base.split("://", 1)[-1] + "/twilio/media"

    @property
    def twilio_local_mode(self) -> bool:
        """No Twilio REST credentials: hang-up and transfer just end the stream."""
        return not (self.twilio_account_sid and self.twilio_auth_token)

    @property
    def checks_twilio_signature(self) -> bool:
        return bool(self.twilio_auth_token)

    @property
    def local_mode_refusal(self) -> str | None:
        """Why calls that Twilio did not sign are refused; None when this is a developer's
        machine (bound to loopback, development or test, a loopback public URL), where
        /twilio/voice answers loopback requests itself."""
        reasons = []
        if not is_loopback(self.host):
            reasons.append(f"VOICE_BRIDGE_HOST is {self.host}, not loopback")
        if self.app_env not in LOCAL_ENVS:
            reasons.append(f"APP_ENV is {self.app_env}")
        if not is_loopback(urlsplit(self.public_base_url).hostname):
            reasons.append("PUBLIC_BASE_URL is not a loopback address")
        return "; ".join(reasons) or None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        return cls.from_values(environ, {
            "SECRET_KEY": lambda: load_secret_key(environ),
            "PUBLIC_BASE_URL": lambda: f"http://127.0.0.1:{_port_as_written(environ)}",
        })


def _port_as_written(environ: Mapping[str, str]) -> str:
    return (environ.get("VOICE_BRIDGE_PORT") or "").strip() or str(Settings.model_fields["port"].default)
