"""Every service's settings: a bad value is refused at start-up by the name of its variable,
secrets are never quoted back, an empty variable means unset, and only from_env reads the
environment."""
from __future__ import annotations

import pytest

from business.config_types import SettingsError
from business.notifications.config import NotificationSettings
from business.settings import Settings
from dashboard.config import load_config, server_address
from duckling_server.config import Settings as DucklingSettings
from voice_bridge.config import Settings as VoiceSettings

KEY = {"SECRET_KEY": "k" * 32}
BAD = [
    (Settings.from_env, "DATABASE_URL", "not a url"),
    (Settings.from_env, "RASA_TRACKER_URL", "::"),
    (Settings.from_env, "BUSINESS_TIMEZONE", "Mars/Olympus"),
    (Settings.from_env, "RETENTION_MONTHS", "-3"),
    (Settings.from_env, "RASA_URL", "127.0.0.1:5005"),
    (Settings.from_env, "DUCKLING_URL", "localhost"),
    (Settings.from_env, "PUBLIC_BASE_URL", "office.example.com"),
    (NotificationSettings.from_env, "SMTP_PORT", "70000"),
    (NotificationSettings.from_env, "SMTP_STARTTLS", "ture"),
    (NotificationSettings.from_env, "PUBLIC_BASE_URL", "ftp://example.com"),
    (VoiceSettings.from_env, "VOICE_BRIDGE_PORT", "0"),
    (VoiceSettings.from_env, "VOICE_PAUSE_MS", "19"),
    (VoiceSettings.from_env, "VOICE_ENDPOINT_FINISHED_MS", "5001"),
    (VoiceSettings.from_env, "VOICE_ENDPOINT_MS", "half a second"),
    (VoiceSettings.from_env, "VOICE_ENDPOINT_UNFINISHED_MS", "1e3"),
    (VoiceSettings.from_env, "VOICE_RASA_TIMEOUT_SECONDS", "0.1"),
    (VoiceSettings.from_env, "VOICE_SILENCE_SECONDS", "six"),
    (VoiceSettings.from_env, "VOICE_MAX_SILENCES", "two"),
    (VoiceSettings.from_env, "STT_ENGINE", "deepgram"),
    (VoiceSettings.from_env, "DATABASE_URL", "nonsense"),
    (DucklingSettings.from_env, "DUCKLING_PORT", "http"),
    (DucklingSettings.from_env, "DUCKLING_DEFAULT_TZ", "Mars/Olympus"),
    (DucklingSettings.from_env, "DUCKLING_MAX_TEXT", "0"),
    (DucklingSettings.from_env, "DUCKLING_WORKERS", "many"),
    (DucklingSettings.from_env, "DUCKLING_WORKER_TIMEOUT", "-1"),
    (lambda environ: load_config(environ=environ), "PROXY_COUNT", "6"),
    (lambda environ: load_config(environ=environ), "RATELIMIT_STORAGE_URI", "memcached://x"),
    (lambda environ: load_config(environ=environ), "VOICE_BRIDGE_PORT", "x"),
    (server_address, "DASHBOARD_PORT", "８０"),
]


@pytest.mark.parametrize(("read", "name", "value"), BAD, ids=[f"{n}={v}" for _, n, v in BAD])
def test_a_bad_value_is_refused_by_its_variable_name(read, name, value):
    with pytest.raises(SettingsError, match=rf"^{name} must "):
        read({**KEY, name: value})


def test_every_bad_variable_is_named_at_once():
    with pytest.raises(SettingsError) as raised:
        VoiceSettings.from_env({**KEY, "VOICE_BRIDGE_PORT": "x", "VOICE_PAUSE_MS": "x"})
    assert "VOICE_BRIDGE_PORT" in str(raised.value) and "VOICE_PAUSE_MS" in str(raised.value)


def test_secrets_are_not_quoted_in_errors():
    secret = "postgresql://user:hunter2@db:bad-port/x"
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({**KEY, "DATABASE_URL": secret})
    assert "hunter2" not in str(raised.value)
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"APP_ENV": "production", "SECRET_KEY": "short-hunter2"})
    assert "hunter2" not in str(raised.value)
    with pytest.raises(SettingsError) as raised:
        load_config(environ={**KEY, "RATELIMIT_STORAGE_URI": "memcached://:hunter2@cache"})
    assert "hunter2" not in str(raised.value)


def test_an_empty_variable_means_the_default():
    empty = {"SMTP_PORT": "", "SMTP_STARTTLS": "", "PUBLIC_BASE_URL": ""}
    assert NotificationSettings.from_env(empty) == NotificationSettings.from_env({})
    assert DucklingSettings.from_env({"DUCKLING_PORT": "", "DUCKLING_MAX_TEXT": " "}).port == 8000
    assert load_config(environ={**KEY, "PROXY_COUNT": ""})["PROXY_COUNT"] == 0


def test_an_empty_app_env_is_not_development():
    # business.secret_key.load_secret_key reads it so; the settings must agree.
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings.from_env({"APP_ENV": "", "SECRET_KEY": "short"})


def test_flags_and_words():
    assert NotificationSettings.from_env({"SMTP_STARTTLS": " Off "}).smtp_starttls is False
    assert NotificationSettings.from_env({"SMTP_STARTTLS": "YES"}).smtp_starttls is True
    assert VoiceSettings.from_env({**KEY, "STT_ENGINE": "Whisper"}).stt_engine == "whisper"


def test_only_from_env_reads_the_environment(monkeypatch):
    monkeypatch.setenv("VOICE_BRIDGE_PORT", "9999")
    monkeypatch.setenv("SMTP_HOST", "smtp.example.com")
    monkeypatch.setenv("DUCKLING_WORKERS", "7")
    assert VoiceSettings().port == 8081 and VoiceSettings.from_env().port == 9999
    assert NotificationSettings().smtp_host == "" and NotificationSettings.from_env().smtp_host == "smtp.example.com"
    assert DucklingSettings().workers == 2 and DucklingSettings.from_env().workers == 7
    assert DucklingSettings.from_env({}).workers == 2  # a given mapping replaces os.environ


def test_derived_defaults():
    assert Settings.from_env({"DATABASE_URL": "postgresql://db/x"}).tracker_database_url == "postgresql://db/x"
    assert Settings.from_env({"DATABASE_URL": "postgresql://db/x", "RASA_TRACKER_URL": "sqlite:///t.db"}) \
        .tracker_database_url == "sqlite:///t.db"
    assert Settings.from_env({"DATABASE_URL": "sqlite:///a.db"}).tracker_database_url.endswith("rasa_tracker.db")
    assert VoiceSettings.from_env({**KEY, "VOICE_BRIDGE_PORT": "9000"}).public_base_url == "http://127.0.0.1:9000"
    assert load_config(environ={**KEY, "VOICE_BRIDGE_PORT": "9000"})["VOICE_BRIDGE_URL"] == "ws://127.0.0.1:9000"


def test_repr_hides_secrets():
    settings = NotificationSettings(twilio_auth_token="tok-secret", smtp_password="pw-secret")
    assert "tok-secret" not in repr(settings) and "pw-secret" not in repr(settings)
    assert "k" * 32 not in repr(VoiceSettings.from_env(KEY))
