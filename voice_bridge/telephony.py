"""Twilio call control over the REST API: hang up, or transfer to the owner's phone with
TwiML <Dial>. Without Twilio credentials (local mode) the bridge just ends the stream."""
from __future__ import annotations

import logging

from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

from voice_bridge.config import Settings

log = logging.getLogger("voice_bridge.telephony")


class CallControl:
    def __init__(self, client: Client | None) -> None:
        self.client = client

    @classmethod
    def from_settings(cls, settings: Settings, http_client: HttpClient | None = None) -> CallControl:
        if settings.twilio_local_mode:
            return cls(None)
        return cls(Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=http_client))

    @property
    def local_mode(self) -> bool:
        return self.client is None

    def transfer(self, call_sid: str, number: str) -> bool:
        """Redirects the live call to `number`; False in local mode or when Twilio refuses."""
        response = VoiceResponse()
        response.dial(number)
        return self._update(call_sid, twiml=str(response))

    def hang_up(self, call_sid: str) -> bool:
        return self._update(call_sid, status="completed")

    def _update(self, call_sid: str, **fields: str) -> bool:
        if self.client is None:
            return False
        try:
            self.client.calls(call_sid).update(**fields)
        except TwilioRestException as exc:
            log.error("Twilio refused to update call %s: HTTP %s code %s", call_sid, exc.status, exc.code)
            return False
        return True
