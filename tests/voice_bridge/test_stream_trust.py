"""Caller ID on the media stream: only the parameters of our signed `/twilio/voice` answer,
for this CallSid, recently, count. Forged, replayed, borrowed and expired stream starts are
closed with 1008 before anything reaches Rasa; local mode (no Twilio token) trusts only
streams it answered itself, from this machine."""
from __future__ import annotations

import asyncio
import logging
import time

import httpx
import pytest
import websockets
from sqlalchemy import select

from business.db import session_scope
from business.models import Conversation
from channels.trust import channel_is_signed, sign_channel
from tests.voice_bridge.conftest import ACCOUNT_SID, AUTH_TOKEN
from voice_bridge.config import Settings
from voice_bridge.simulator import SimulatedCall

OWNER = "+13125550101"  # owner_phone in data/business.yaml: the owner channel's key
CALLER = "+13125550199"
FAST = 3.0


def run(coroutine):
    return asyncio.run(coroutine)


def conversations(database_url: str) -> list[Conversation]:
    with session_scope(database_url) as session:
        rows = list(session.scalars(select(Conversation)))
        session.expunge_all()
        return rows


@pytest.fixture
def twilio_bridge(make_bridge):
    return make_bridge(twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN)


async def refused(bridge, **call) -> tuple[int, list[dict]]:
    """Opens a stream with a valid X-Twilio-Signature; the close code and what was sent back."""
    async with SimulatedCall(bridge.media_url, speed=FAST, auth_token=AUTH_TOKEN, **call) as simulated:
        closed = await simulated.wait_closed(30)
    return closed[0], simulated.outbound


def test_a_signed_stream_carries_the_caller_id_to_rasa(twilio_bridge, rasa, caller_lines):
    async def scenario():
        async with SimulatedCall(twilio_bridge.media_url, speed=FAST, auth_token=AUTH_TOKEN) as call:
            assert await call.wait_for_reply(30)
            await call.say(caller_lines("my kitchen sink has a leak"), "my kitchen sink has a leak")
            assert await call.wait_for_reply(60)
            return call

    call = run(scenario())
    [request] = rasa.requests
    assert request["metadata"]["caller"] == CALLER
    assert channel_is_signed("test-secret-key", channel="phone", caller=CALLER, sender_id=call.call_sid,
                             signature=request["metadata"]["signature"])
    [saved] = conversations(twilio_bridge.settings.database_url)
    assert saved.caller == CALLER


def test_a_forged_stream_claiming_the_owners_phone_is_closed_before_rasa(twilio_bridge, rasa, caplog):
    caplog.set_level(logging.INFO)
    forged = {"caller": OWNER, "callSid": "CA" + "f" * 32}
    code, sent = run(refused(twilio_bridge, answered=False, call_sid="CA" + "f" * 32, parameters=forged))
    assert code == 1008
    assert not any(m["event"] == "media" for m in sent)  # no greeting either
    assert rasa.requests == [] and conversations(twilio_bridge.settings.database_url) == []
    assert "carry no signature" in caplog.text
    assert OWNER not in caplog.text and "3125550101" not in caplog.text


def test_a_signature_made_for_another_call_is_refused(twilio_bridge, rasa):
    async def scenario():
        first = SimulatedCall(twilio_bridge.media_url, caller=OWNER, auth_token=AUTH_TOKEN)
        _url, answered = await first.answer()  # the owner's real call, captured
        other = "CA" + "e" * 32
        return await refused(twilio_bridge, answered=False, call_sid=other, parameters={**answered, "callSid": other})

    code, _sent = run(scenario())
    assert code == 1008 and rasa.requests == []


def test_a_caller_changed_after_signing_is_refused(twilio_bridge, rasa):
    async def scenario():
        call = SimulatedCall(twilio_bridge.media_url, caller=CALLER, auth_token=AUTH_TOKEN)
        _url, answered = await call.answer()
        return await refused(twilio_bridge, answered=False, call_sid=call.call_sid,
                             parameters={**answered, "caller": OWNER})

    code, _sent = run(scenario())
    assert code == 1008 and rasa.requests == []


def test_an_expired_signature_is_refused(twilio_bridge, rasa):
    call_sid = "CA" + "d" * 32
    stale = sign_channel("test-secret-key", channel="phone", caller=OWNER, sender_id=call_sid,
                         issued_at=time.time() - 301)
    code, _sent = run(refused(twilio_bridge, answered=False, call_sid=call_sid,
                              parameters={"caller": OWNER, "callSid": call_sid, "signature": stale}))
    assert code == 1008 and rasa.requests == []


def test_a_replayed_stream_of_a_finished_call_is_refused(twilio_bridge, rasa):
    async def scenario():
        original = SimulatedCall(twilio_bridge.media_url, speed=FAST, caller=OWNER, auth_token=AUTH_TOKEN)
        _url, answered = await original.answer()
        async with SimulatedCall(twilio_bridge.media_url, speed=FAST, auth_token=AUTH_TOKEN, answered=False,
                                 call_sid=original.call_sid, parameters=answered) as first:
            assert await first.wait_for_reply(30) and first.closed is None  # the real stream
        return await refused(twilio_bridge, answered=False, call_sid=original.call_sid, parameters=answered)

    code, sent = run(scenario())
    assert code == 1008 and not any(m["event"] == "media" for m in sent)


def test_local_mode_trusts_the_caller_of_its_own_answer(make_bridge, rasa, caller_lines):
    bridge = make_bridge()  # no Twilio token, bound to loopback, APP_ENV=test

    async def scenario():
        async with SimulatedCall(bridge.media_url, speed=FAST) as call:  # asks /twilio/voice first
            assert await call.wait_for_reply(30)
            await call.say(caller_lines("my kitchen sink has a leak"), "my kitchen sink has a leak")
            assert await call.wait_for_reply(60)

    run(scenario())
    [request] = rasa.requests
    assert request["metadata"]["caller"] == CALLER


def test_local_mode_takes_an_unanswered_stream_without_caller_id(make_bridge, rasa, caller_lines):
    bridge = make_bridge()

    async def scenario():
        async with SimulatedCall(bridge.media_url, speed=FAST, answered=False,
                                 parameters={"caller": OWNER}) as call:
            assert await call.wait_for_reply(30)
            await call.say(caller_lines("my kitchen sink has a leak"), "my kitchen sink has a leak")
            assert await call.wait_for_reply(60)
            return call

    call = run(scenario())
    [request] = rasa.requests
    assert "caller" not in request["metadata"]
    [saved] = conversations(bridge.settings.database_url)
    assert saved.external_id == call.call_sid and saved.caller is None


def test_local_mode_still_refuses_a_wrong_signature(make_bridge, rasa):
    bridge = make_bridge()
    call_sid = "CA" + "c" * 32

    async def scenario():
        async with SimulatedCall(bridge.media_url, answered=False, call_sid=call_sid,
                                 parameters={"caller": OWNER, "signature": "1.abc"}) as call:
            return await call.wait_closed(30)

    assert run(scenario())[0] == 1008 and rasa.requests == []


def test_local_mode_answers_only_this_machine(make_bridge):
    bridge = make_bridge()
    form = {"CallSid": "CA" + "b" * 32, "From": OWNER}
    url = bridge.url + "/twilio/voice"
    assert httpx.post(url, data=form).status_code == 200
    # A tunnel such as ngrok arrives from loopback, but forwards or names its own host.
    assert httpx.post(url, data=form, headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403
    assert httpx.post(url, data=form, headers={"Host": "abcd.ngrok.app"}).status_code == 403


@pytest.mark.parametrize("overrides", [
    {"host": "0.0.0.0"},
    {"app_env": "production"},
    {"public_base_url": "https://voice.example.com"},
])
def test_without_a_twilio_token_outside_local_mode_calls_are_refused(make_bridge, rasa, caplog, overrides):
    caplog.set_level(logging.INFO)
    bridge = make_bridge(**overrides)
    assert "phone calls REFUSED: TWILIO_AUTH_TOKEN is not set" in caplog.text
    assert httpx.post(bridge.url + "/twilio/voice", data={"CallSid": "CA" + "a" * 32, "From": OWNER}).status_code == 403

    async def stream():
        try:
            async with websockets.connect(bridge.media_url):
                return None
        except websockets.InvalidStatusCode as error:
            return error.status_code

    assert run(stream()) == 403 and rasa.requests == []


def test_local_mode_is_only_a_loopback_development_machine():
    local = Settings(host="127.0.0.1", app_env="development", public_base_url="http://localhost:8081")
    assert local.local_mode_refusal is None
    assert Settings(host="::1", app_env="test", public_base_url="http://[::1]:8081").local_mode_refusal is None
    refusal = Settings(host="0.0.0.0", app_env="production", public_base_url="https://voice.example.com")
    assert refusal.local_mode_refusal == ("VOICE_BRIDGE_HOST is 0.0.0.0, not loopback; APP_ENV is production; "
                                          "PUBLIC_BASE_URL is not a loopback address")
    assert Settings.from_env({"APP_ENV": "test", "SECRET_KEY": "k"}).app_env == "test"
