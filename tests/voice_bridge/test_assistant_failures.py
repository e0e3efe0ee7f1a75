"""When Rasa fails (HTTP 500), answers nothing (or only our REST channel's stand-in
sentence), is down or too slow, the caller hears a true apology instead of silence and can
go on, the owner is alerted once per call through the outbox, the transcript keeps what the
caller heard, and a second failure in a row hands the call off like pressing 0."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from business.db import session_scope
from business.models import Conversation, Notification, TranscriptTurn
from tests.voice_bridge.conftest import ACCOUNT_SID, AUTH_TOKEN, free_port
from voice_bridge.prompts import Prompts
from voice_bridge.simulator import SimulatedCall

FAST = 3.0
PROMPTS = Prompts(greeting="")
OWNER = "+13125550101"
LEAK = "my kitchen sink has a leak"


def run(coroutine):
    return asyncio.run(coroutine)


def alerts(database_url: str) -> list[Notification]:
    with session_scope(database_url) as session:
        rows = list(session.scalars(select(Notification).where(Notification.kind == "owner_call_unanswered")))
        session.expunge_all()
        return rows


def assistant_turns(database_url: str, call_sid: str) -> list[str]:
    with session_scope(database_url) as session:
        return list(session.scalars(
            select(TranscriptTurn.text).join(Conversation)
            .where(Conversation.external_id == call_sid, TranscriptTurn.speaker == "assistant")
            .order_by(TranscriptTurn.seq)
        ))


async def one_turn(bridge, caller_lines, caller="+13125550199"):
    """Greeting, one caller line; the audio of the answer and the call."""
    async with SimulatedCall(bridge.media_url, speed=FAST, caller=caller) as call:
        assert await call.wait_for_reply(30)
        before = len(call.assistant_audio)
        await call.say(caller_lines(LEAK), LEAK)
        assert await call.wait_for_reply(60), "the caller heard nothing"
        assert call.closed is None  # the call stays up
        return bytes(call.assistant_audio[before:]), call


@pytest.mark.parametrize("failure", ["error", "empty", "no_reply", "refused", "timeout"])
def test_a_failing_assistant_gets_an_apology_and_one_owner_alert(make_bridge, rasa, piper, caller_lines, failure):
    if failure == "refused":
        bridge = make_bridge(rasa_url=f"http://127.0.0.1:{free_port()}")  # nothing listens there
    elif failure == "timeout":
        rasa.fail_next("hang")
        bridge = make_bridge(rasa_timeout_seconds=1.0)
    else:
        rasa.fail_next(failure)
        bridge = make_bridge()

    heard, call = run(one_turn(bridge, caller_lines))
    # Exactly the cached apology that says the number was noted (the caller ID is known).
    assert len(heard) == len(piper.cached(PROMPTS.trouble_noted))
    database_url = bridge.settings.database_url
    assert assistant_turns(database_url, call.call_sid) == [PROMPTS.trouble_noted]
    sms = [a for a in alerts(database_url) if a.channel == "sms"]
    assert len(sms) == 1 and sms[0].recipient == OWNER
    assert "+13125550199" in sms[0].body and "Please call them back." in sms[0].body


def test_the_call_goes_on_and_the_owner_is_alerted_once_per_call(make_bridge, rasa, piper, caller_lines):
    rasa.fail_next("error")
    bridge = make_bridge()

    async def scenario():
        async with SimulatedCall(bridge.media_url, speed=FAST) as call:
            assert await call.wait_for_reply(30)
            await call.say(caller_lines(LEAK), LEAK)
            assert await call.wait_for_reply(60)  # the apology
            await call.say(caller_lines("my water heater has a leak"), "my water heater has a leak")
            start = len(call.assistant_audio)
            assert await call.wait_for_reply(60)  # Rasa is back: its answer
            answered = len(call.assistant_audio) - start
            rasa.fail_next("empty")
            await call.say(caller_lines(LEAK), LEAK)
            assert await call.wait_for_reply(60)  # a new failure, not two in a row: an apology
            assert call.closed is None
            return call, answered

    call, answered = run(scenario())
    assert len(rasa.requests) == 3
    assert answered > 8000 and answered != len(piper.cached(PROMPTS.trouble_noted))  # Rasa's own answer
    database_url = bridge.settings.database_url
    assert assistant_turns(database_url, call.call_sid) == [PROMPTS.trouble_noted, PROMPTS.trouble_noted]
    assert sorted(a.channel for a in alerts(database_url)) == ["email", "sms"]  # one alert, by text and email


def test_without_caller_id_the_apology_does_not_claim_a_number(make_bridge, rasa, piper, caller_lines):
    rasa.fail_next("error")
    bridge = make_bridge()

    heard, call = run(one_turn(bridge, caller_lines, caller="anonymous"))  # a withheld number
    assert len(heard) == len(piper.cached(PROMPTS.trouble_told))
    assert "noted your number" not in PROMPTS.trouble_told
    assert assistant_turns(bridge.settings.database_url, call.call_sid) == [PROMPTS.trouble_told]
    [sms] = [a for a in alerts(bridge.settings.database_url) if a.channel == "sms"]
    assert "caller without caller ID" in sms.body and "Their number is not known." in sms.body


def test_two_failures_in_a_row_hand_the_call_to_the_owner(make_bridge, rasa, piper, twilio_http, caller_lines):
    rasa.fail_next("error", "error")
    bridge = make_bridge(twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN)

    async def scenario():
        async with SimulatedCall(bridge.media_url, speed=FAST, auth_token=AUTH_TOKEN) as call:
            assert await call.wait_for_reply(30)
            await call.say(caller_lines(LEAK), LEAK)
            assert await call.wait_for_reply(60)
            await call.say(caller_lines("my water heater has a leak"), "my water heater has a leak")
            return call, await call.wait_closed(60)

    call, closed = run(scenario())
    assert closed[0] == 1000
    [update] = twilio_http.requests
    assert update["uri"].endswith(f"/Calls/{call.call_sid}.json")
    assert f"<Dial>{OWNER}</Dial>" in update["data"]["Twiml"]
    database_url = bridge.settings.database_url
    with session_scope(database_url) as session:
        saved = session.scalars(select(Conversation).where(Conversation.external_id == call.call_sid)).one()
        assert saved.status == "transferred"
    assert assistant_turns(database_url, call.call_sid) == [PROMPTS.trouble_noted]
    assert len([a for a in alerts(database_url) if a.channel == "sms"]) == 1
