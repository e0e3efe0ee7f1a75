"""Loads what every call shares, once per process: the speech models, the Rasa and Twilio
clients, the database access and the pre-synthesized prompts."""
from __future__ import annotations

import logging

from business.db import make_engine, session_scope
from business.profile import load_profile
from business.settings import Settings as BusinessSettings
from voice_bridge.call_log import CallLog
from voice_bridge.config import Settings
from voice_bridge.pipeline import Prompts, Services
from voice_bridge.rasa_client import RasaClient
from voice_bridge.stt import load_recognizer
from voice_bridge.telephony import CallControl
from voice_bridge.tts.piper import CACHE_BYTES, PiperSpeaker

log = logging.getLogger("voice_bridge.services")


def load_services(settings: Settings, tracker_url: str | None = None, tts_cache_bytes: int = CACHE_BYTES) -> Services:
    call_log = CallLog(settings.database_url)
    try:
        with session_scope(settings.database_url) as session:
            name = load_profile(session=session).name
        vocabulary = call_log.vocabulary()
    except Exception:  # noqa: BLE001 - the phone still answers before the database is seeded
        log.exception("business profile not readable; greeting without the business name")
        name, vocabulary = "us", []
    tracker_url = tracker_url or BusinessSettings.from_env().tracker_database_url
    services = Services(
        settings=settings,
        recognizer=load_recognizer(settings),
        speaker=PiperSpeaker(cache_bytes=tts_cache_bytes),
        rasa=RasaClient(settings.rasa_url, settings.secret_key),
        calls=CallControl.from_settings(settings),
        prompts=Prompts(greeting=f"Thanks for calling {name}, this is the virtual assistant. How can I help you today?"),
        call_log=call_log,
        tracker_engine=make_engine(tracker_url, read_only=True),
        vocabulary=vocabulary,
    )
    services.warm_up()
    return services
