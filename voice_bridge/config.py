"""Settings of the voice bridge, read from the environment in one place."""
from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from business.settings import VAR_DIR
from channels.trust import load_secret_key

STT_ENGINES = ("whisper", "vosk")
ENDPOINT_VARIABLES = {
    "VOICE_PAUSE_MS": "endpoint_pause_ms",
    "VOICE_ENDPOINT_FINISHED_MS": "endpoint_finished_ms",
    "VOICE_ENDPOINT_MS": "endpoint_silence_ms",
    "VOICE_ENDPOINT_UNFINISHED_MS": "endpoint_unfinished_ms",
}
LOCAL_ENVS = {"development", "test"}


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


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8081
    rasa_url: str = "http://127.0.0.1:5005"
    database_url: str = f"sqlite:///{VAR_DIR / 'receptionist.db'}"
    # Twilio must reach the bridge at this address (https://... ; wss is derived from it).
    public_base_url: str = "http://127.0.0.1:8081"
    stt_engine: str = "whisper"
    vosk_model_path: str = ""
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    secret_key: str = field(default="", repr=False)
    app_env: str = "development"
    # A caller waits in silence for Rasa; after this long they hear an apology instead.
    rasa_timeout_seconds: float = 8.0
    silence_seconds: float = 6.0
    max_silences: int = 2
    # Caller speech this long while the assistant talks counts as barge-in, not a cough.
    barge_in_ms: int = 200
    # Silence that ends a turn (see turn_taking): after a finished sentence, when unsure,
    # and after a filler or a half-read number. Transcription starts at the pause.
    endpoint_pause_ms: int = 200
    endpoint_finished_ms: int = 300
    endpoint_silence_ms: int = 500
    endpoint_unfinished_ms: int = 1000

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
        env = os.environ if environ is None else environ
        raw_port = env.get("VOICE_BRIDGE_PORT") or str(cls.port)
        if not raw_port.isdigit() or not 0 < int(raw_port) < 65536:
            raise ValueError(f"VOICE_BRIDGE_PORT must be a port number, got {raw_port!r}")
        engine = (env.get("STT_ENGINE") or cls.stt_engine).lower()
        if engine not in STT_ENGINES:
            raise ValueError(f"STT_ENGINE must be one of {', '.join(STT_ENGINES)}, got {engine!r}")
        if engine == "vosk" and not env.get("VOSK_MODEL_PATH"):
            raise ValueError("STT_ENGINE=vosk needs VOSK_MODEL_PATH (a Vosk model folder)")
        try:
            silence = float(env.get("VOICE_SILENCE_SECONDS") or cls.silence_seconds)
            max_silences = int(env.get("VOICE_MAX_SILENCES") or cls.max_silences)
        except ValueError as exc:
            raise ValueError(f"VOICE_SILENCE_SECONDS / VOICE_MAX_SILENCES must be numbers: {exc}") from None
        raw_timeout = env.get("VOICE_RASA_TIMEOUT_SECONDS") or str(cls.rasa_timeout_seconds)
        try:
            rasa_timeout = float(raw_timeout)
        except ValueError:
            rasa_timeout = -1.0
        if not 0.5 <= rasa_timeout <= 120:
            raise ValueError(f"VOICE_RASA_TIMEOUT_SECONDS must be seconds between 0.5 and 120, got {raw_timeout!r}")
        endpoint = {}
        for name, field_name in ENDPOINT_VARIABLES.items():
            raw = env.get(name)
            if raw is None or raw == "":
                continue
            if not raw.isdigit() or not 20 <= int(raw) <= 5000:
                raise ValueError(f"{name} must be milliseconds between 20 and 5000, got {raw!r}")
            endpoint[field_name] = int(raw)
        return cls(
            host=env.get("VOICE_BRIDGE_HOST") or cls.host,
            port=int(raw_port),
            rasa_url=env.get("RASA_URL") or cls.rasa_url,
            database_url=env.get("DATABASE_URL") or cls.database_url,
            public_base_url=env.get("PUBLIC_BASE_URL") or f"http://127.0.0.1:{raw_port}",
            stt_engine=engine,
            vosk_model_path=env.get("VOSK_MODEL_PATH", ""),
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID", ""),
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN", ""),
            secret_key=load_secret_key(env),
            app_env=env.get("APP_ENV") or cls.app_env,
            rasa_timeout_seconds=rasa_timeout,
            silence_seconds=silence,
            max_silences=max_silences,
            **endpoint,
        )
