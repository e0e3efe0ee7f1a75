"""What every call shares, loaded once per process: the speech models, the Rasa and Twilio
clients, the database access and the pre-synthesized prompts (`Services`, `load_services`)."""
from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from business.db import session_scope
from business.profile import DEFAULT_GREETING, load_profile
from channels.rasa_client import RasaClient
from voice_bridge.call_log import CallLog
from voice_bridge.config import Settings
from voice_bridge.deadline_executor import DeadlineExecutor
from voice_bridge.prompts import Prompts
from voice_bridge.stt import load_recognizer
from voice_bridge.stt.base import Recognizer
from voice_bridge.telephony import CallControl
from voice_bridge.tts.piper import CACHE_BYTES, PiperSpeaker

log = logging.getLogger("voice_bridge.services")


@dataclass
class Services:
    """Everything a call uses that is loaded once per process and shared."""

    settings: Settings
    recognizer: Recognizer
    speaker: PiperSpeaker
    rasa: RasaClient
    calls: CallControl
    prompts: Prompts
    call_log: CallLog | None = None
    vocabulary: list[str] = field(default_factory=list)
    # Separate queues, so a caller's next sentence never waits behind another caller's
    # transcription. Each model runs one job at a time anyway (CTranslate2 with one worker;
    # Piper behind its lock), using both cores inside that job.
    listen_pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, "stt"))
    voice_pool: DeadlineExecutor = field(default_factory=lambda: DeadlineExecutor("tts"))

    def warm_up(self) -> None:
        """Synthesize the fixed prompts so a call never waits for them."""
        for text in self.prompts.fixed():
            self.speaker.cached(text)

    async def listen(self, function, *args):
        # Speech models release the GIL; the pools keep the event loop streaming meanwhile.
        return await asyncio.get_running_loop().run_in_executor(self.listen_pool, function, *args)

    async def voice(self, function, *args, due: float | None = None):
        """Text-to-speech work; `due` (time.monotonic()) orders it, now if not given."""
        return await asyncio.wrap_future(self.voice_pool.submit(time.monotonic() if due is None else due, function, *args))

    def shutdown(self) -> None:
        self.listen_pool.shutdown(wait=False, cancel_futures=True)
        self.voice_pool.shutdown()


def load_services(settings: Settings, tts_cache_bytes: int = CACHE_BYTES) -> Services:
    call_log = CallLog(settings.database_url)
    try:
        with session_scope(settings.database_url) as session:
            greeting = load_profile(session=session).greeting_line()
        vocabulary = call_log.vocabulary()
    except Exception:  # noqa: BLE001 - the phone still answers before the database is seeded
        log.exception("business profile not readable; greeting without the business name")
        greeting, vocabulary = DEFAULT_GREETING.replace("{name}", "us"), []
    services = Services(
        settings=settings,
        recognizer=load_recognizer(settings),
        speaker=PiperSpeaker(cache_bytes=tts_cache_bytes),
        rasa=RasaClient(settings.rasa_url, secret_key=settings.secret_key, timeout=settings.rasa_timeout_seconds),
        calls=CallControl.from_settings(settings),
        # Only the fallback: each call greets with the profile's current line (CallLog.start).
        prompts=Prompts(greeting=greeting),
        call_log=call_log,
        vocabulary=vocabulary,
    )
    services.warm_up()
    return services
