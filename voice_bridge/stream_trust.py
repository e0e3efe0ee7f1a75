"""Which media streams to believe. Twilio's X-Twilio-Signature on the stream's upgrade is
the same for every call, so the caller ID comes only from the signed `/twilio/voice` answer:
its <Stream> carries the CallSid, the caller and our signature over both, made seconds
before the stream starts; `check_start` holds the stream's `start` to exactly that."""
from __future__ import annotations

from dataclasses import dataclass

from business.customers.contacts import normalize_phone
from channels.trust import MAX_AGE_SECONDS, channel_is_signed, sign_channel
from voice_bridge import twilio_serializer as wire

CHANNEL = "phone"
CALLER, CALL_SID, SIGNATURE = "caller", "callSid", "signature"
# What Twilio puts in `From` when the caller withheld or has no number.
WITHHELD = {"+266696687", "+8656696", "+2562533", "+7378742833", "+86282452253", "anonymous", "restricted",
            "unknown", "unavailable"}


def caller_id(raw_from: str) -> str | None:
    """The E.164 number of `From`, or None for a withheld number, a SIP address or junk."""
    raw = raw_from.strip()
    if raw.lower() in WITHHELD or not raw.startswith("+"):
        return None
    return normalize_phone(raw)


def stream_parameters(secret_key: str, *, call_sid: str, caller: str | None) -> dict[str, str]:
    """The <Parameter>s of the answer's <Stream>; Twilio hands them back in `start`."""
    parameters = {CALLER: caller or "", CALL_SID: call_sid}
    if secret_key:  # without one nothing can be signed, and check_start trusts no caller
        parameters[SIGNATURE] = sign_channel(secret_key, channel=CHANNEL, caller=caller, sender_id=call_sid)
    return parameters


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    caller: str | None = None
    reason: str = ""  # for the log; never contains the number


def check_start(secret_key: str, start: wire.Start, *, unsigned_allowed: bool,
                now: float | None = None) -> Verdict:
    """`unsigned_allowed` (local mode) accepts a stream without a signature, as a caller
    without caller ID; a signature that is there must always be right."""
    params = start.parameters
    signature = params.get(SIGNATURE)
    if signature is None or not secret_key:
        why = "no SECRET_KEY to check streams" if secret_key == "" else "stream parameters carry no signature"
        if unsigned_allowed:
            return Verdict(True, None, f"{why}; local mode takes the call without caller ID")
        return Verdict(False, None, f"{why} (not answered by our /twilio/voice)")
    if params.get(CALL_SID, start.call_sid) != start.call_sid:
        return Verdict(False, None, "the callSid parameter is not the stream's CallSid")
    caller = params.get(CALLER) or None
    if not channel_is_signed(secret_key, channel=CHANNEL, caller=caller, sender_id=start.call_sid,
                             signature=signature, now=now):
        return Verdict(False, None, f"stream signature is not for this CallSid and caller, "
                                    f"or older than {MAX_AGE_SECONDS} s")
    return Verdict(True, caller, "signed by /twilio/voice")


class StreamsSeen:
    """CallSids that already had a stream, kept while their signature could still be
    replayed: Twilio opens one stream per call, so a second one is a copy."""

    def __init__(self, keep_seconds: float = MAX_AGE_SECONDS + 60) -> None:
        self.keep_seconds = keep_seconds
        self._until: dict[str, float] = {}

    def first_time(self, call_sid: str, now: float) -> bool:
        self._until = {sid: until for sid, until in self._until.items() if until > now}
        if call_sid in self._until:
            return False
        self._until[call_sid] = now + self.keep_seconds
        return True
