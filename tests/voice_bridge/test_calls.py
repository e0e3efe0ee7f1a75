"""Whole calls through the simulator against the bridge on a real socket, with the real
Whisper and Piper models: a turn reaches Rasa with the caller's number and STT confidence,
barge-in clears the line, silence ends the call, DTMF 0 transfers, bad frames close one
stream while another call carries on."""
from __future__ import annotations

import asyncio
import json

from sqlalchemy import select

from business.db import session_scope
from business.models import Conversation
from channels.trust import channel_is_signed
from tests.voice_bridge.conftest import ACCOUNT_SID, AUTH_TOKEN, LONG_REPLY
from voice_bridge import twilio_serializer as wire
from voice_bridge.pipeline import transcribe_if
from voice_bridge.simulator import SimulatedCall, stream_of

FAST = 3.0  # stream three times faster than real time; turn-taking is counted in frames


def conversation(database_url: str, call_sid: str) -> Conversation:
    with session_scope(database_url) as session:
        call = session.scalars(select(Conversation).where(Conversation.external_id == call_sid)).one()
        session.expunge(call)
        return call


def run(coroutine):
    return asyncio.run(coroutine)


def test_a_turn_reaches_rasa_and_the_reply_is_spoken(make_bridge, rasa, caller_lines):
    bridge = make_bridge()

    async def scenario():
        async with SimulatedCall(bridge.media_url, speed=FAST) as call:
            assert await call.wait_for_reply(30)  # the cached greeting
            greeting = len(call.assistant_audio)
            assert call.outbound[0]["event"] == "media" and greeting > 8000  # over half a second
            assert conversation(bridge.settings.database_url, call.call_sid).status == "in-progress"
            await call.say(caller_lines("my kitchen sink has a leak"), "my kitchen sink has a leak")
            assert await call.wait_for_reply(60)
            return call, greeting

    call, greeting = run(scenario())
    [request] = rasa.requests
    assert "leak" in request["message"].lower()
    assert request["sender"] == call.call_sid
    metadata = request["metadata"]
    assert (metadata["channel"], metadata["caller"], metadata["call_sid"]) == ("phone", "+13125550199", call.call_sid)
    assert 0.0 < float(metadata["stt_confidence"]) <= 1.0
    # Two replies, spoken in order: sentence marks, then one end mark.
    marks = [m["mark"]["name"] for m in call.outbound if m["event"] == "mark"]
    assert marks[-1].startswith("end") and sum(name.startswith("end") for name in marks) == 2
    assert len(call.assistant_audio) - greeting > 8000 * 2 * 2  # seconds of speech, 16-bit
    assert not call.clears


def test_hang_up_records_status_and_duration(make_bridge):
    bridge = make_bridge()

    async def scenario():
        async with SimulatedCall(bridge.media_url, speed=FAST) as call:
            await call.wait_for_reply(30)
        await asyncio.sleep(0.5)
        return call

    call = run(scenario())
    saved = conversation(bridge.settings.database_url, call.call_sid)
    assert saved.status == "completed" and saved.channel == "phone" and saved.caller == "+13125550199"
    assert saved.duration_seconds is not None and saved.duration_seconds > 0 and saved.ended_at is not None


def test_barge_in_clears_the_line_and_stops_speaking(make_bridge, caller_lines):
    bridge = make_bridge()

    async def scenario():
        async with SimulatedCall(bridge.media_url, speed=1.0) as call:
            await call.wait_for_reply(30)
            await call.say(caller_lines("tell me about drain cleaning"), "tell me about drain cleaning")
            while not call.first_audio_after:  # the answer started
                await asyncio.sleep(0.05)
            await asyncio.sleep(1.0)  # the long answer is playing
            sent_before = len(call.outbound)
            await call.say(caller_lines("sorry wait a moment"), "sorry wait a moment")
            await asyncio.sleep(1.0)
            return call, sent_before

    call, sent_before = run(scenario())
    assert call.clears, "caller speech over the assistant must clear Twilio's buffer"
    clear_at = next(i for i, m in enumerate(call.outbound) if m["event"] == "clear")
    assert clear_at >= sent_before
    # The answer was cut short: far less audio than the full long reply takes.
    assert len(call.assistant_audio) / 2 / 8000 < 25


def test_barge_in_marks_the_reply_interrupted(make_bridge, caller_lines):
    bridge = make_bridge()
    seen: dict = {}

    async def scenario():
        async with SimulatedCall(bridge.media_url, speed=1.0) as call:
            await call.wait_for_reply(30)
            await call.say(caller_lines("tell me about drain cleaning"), "tell me about drain cleaning")
            while not call.first_audio_after:
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)
            live = bridge.app.state.calls[call.call_sid]
            await call.say(caller_lines("hold on please"), "hold on please")
            await asyncio.sleep(0.5)
            seen["interrupted"] = list(live.interrupted)

    run(scenario())
    assert seen["interrupted"] == [LONG_REPLY]


def test_repeated_silence_reprompts_then_says_goodbye_and_hangs_up(make_bridge, twilio_http):
    bridge = make_bridge(silence_seconds=1.0, max_silences=1, twilio_account_sid=ACCOUNT_SID,
                         twilio_auth_token=AUTH_TOKEN)

    async def scenario():
        async with SimulatedCall(bridge.media_url, speed=FAST, auth_token=AUTH_TOKEN) as call:
            return call, await call.wait_closed(60)

    call, closed = run(scenario())
    ends = [m for m in call.outbound if m["event"] == "mark" and m["mark"]["name"].startswith("end")]
    assert len(ends) == 3  # greeting, re-prompt, goodbye
    assert closed[0] == 1000
    [update] = twilio_http.requests
    assert update["method"] == "POST"
    assert update["uri"] == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{call.call_sid}.json"
    assert update["data"] == {"Status": "completed"}
    assert conversation(bridge.settings.database_url, call.call_sid).status == "completed"


def test_dtmf_zero_transfers_to_the_owner_after_a_notice(make_bridge, twilio_http):
    bridge = make_bridge(twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN)

    async def scenario():
        async with SimulatedCall(bridge.media_url, speed=FAST, auth_token=AUTH_TOKEN) as call:
            await call.wait_for_reply(30)
            greeting = len(call.assistant_audio)
            await call.press("0")
            closed = await call.wait_closed(60)
            return call, greeting, closed

    call, greeting, closed = run(scenario())
    assert len(call.assistant_audio) > greeting  # the spoken notice came first
    assert closed[0] == 1000
    [update] = twilio_http.requests
    assert update["uri"].endswith(f"/Calls/{call.call_sid}.json")
    assert update["data"]["Twiml"] == '<?xml version="1.0" encoding="UTF-8"?><Response><Dial>+13125550101</Dial></Response>'
    assert conversation(bridge.settings.database_url, call.call_sid).status == "transferred"


def test_unsigned_media_stream_is_refused_when_twilio_is_configured(make_bridge):
    bridge = make_bridge(twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN)

    async def scenario():
        import websockets

        try:
            async with websockets.connect(bridge.media_url, extra_headers={"X-Twilio-Signature": "forged"}):
                return None
        except websockets.InvalidStatusCode as error:
            return error.status_code

    assert run(scenario()) == 403


def test_bad_frames_close_one_stream_and_the_other_call_carries_on(make_bridge, rasa, caller_lines):
    bridge = make_bridge()
    bad_inputs = [
        json.dumps({"event": "media", "streamSid": "MZ1", "media": {"payload": "%%%"}}),
        "x" * (1024 * 1024),
        json.dumps({"event": "start", "streamSid": "MZ1", "start": {"callSid": "CA1"}}),  # second start
    ]

    async def bad_call(raw):
        async with SimulatedCall(bridge.media_url, speed=FAST) as call:
            await call.send_raw(raw)
            return await call.wait_closed(30)

    async def media_before_start():
        import websockets

        async with websockets.connect(bridge.media_url) as ws:
            await ws.send(wire.inbound_media("MZ1", b"\x00" * 320, 0))
            await ws.wait_closed()
            return ws.close_code

    async def unknown_event_is_ignored():
        async with SimulatedCall(bridge.media_url, speed=FAST) as call:
            await call.send_raw(json.dumps({"event": "surprise", "streamSid": call.stream_sid}))
            return await call.wait_for_reply(30) and call.closed is None

    async def good_call():
        async with SimulatedCall(bridge.media_url, speed=FAST) as call:
            await call.wait_for_reply(30)
            await call.say(caller_lines("my water heater has a leak"), "my water heater has a leak")
            return await call.wait_for_reply(60), call

    async def scenario():
        return await asyncio.gather(good_call(), *(bad_call(raw) for raw in bad_inputs),
                                    media_before_start(), unknown_event_is_ignored())

    (answered, good), *closes, before_start, unknown_ok = run(scenario())
    assert [code for code, _reason in closes] == [1003, 1009, 1003]
    assert before_start == 1003
    assert unknown_ok
    assert answered and good.closed is None
    assert any(r["sender"] == good.call_sid for r in rasa.requests)


def test_twilio_voice_webhook_needs_a_valid_signature(make_bridge):
    import httpx
    from twilio.request_validator import RequestValidator

    bridge = make_bridge(twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                         public_base_url="https://voice.example.com")
    params = {"CallSid": "CA" + "c" * 32, "From": "+13125550199", "To": "+13125550100"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature("https://voice.example.com/twilio/voice", params)
    url = bridge.url + "/twilio/voice"

    ok = httpx.post(url, data=params, headers={"X-Twilio-Signature": signature})
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("application/xml")
    stream_url, parameters = stream_of(ok.text)
    assert stream_url == "wss://voice.example.com/twilio/media"
    assert (parameters["caller"], parameters["callSid"]) == ("+13125550199", params["CallSid"])
    # Our signature over this call and this caller, which the stream's start must carry.
    assert channel_is_signed(bridge.settings.secret_key, channel="phone", caller="+13125550199",
                             sender_id=params["CallSid"], signature=parameters["signature"])
    assert httpx.post(url, data=params).status_code == 403
    assert httpx.post(url, data=params, headers={"X-Twilio-Signature": "AAAA"}).status_code == 403
    tampered = {**params, "From": "+19995550000"}
    assert httpx.post(url, data=tampered, headers={"X-Twilio-Signature": signature}).status_code == 403
    assert httpx.post(url, content=b"\xff\xfe", headers={"X-Twilio-Signature": signature}).status_code == 400
    assert httpx.post(url, content=b"a=" + b"x" * 20000).status_code == 413


def test_simulator_command_line_prints_both_sides(make_bridge, rasa, capsys):
    from voice_bridge.simulator import main

    bridge = make_bridge()
    assert main(["--url", bridge.media_url, "--say", "my pipe has a leak", "--speed", "3",
                 "--record", str(bridge.settings.database_url.split("///")[1] + ".wav")]) == 0
    out = capsys.readouterr().out
    assert "caller:    my pipe has a leak" in out and "first audio" in out and "underruns:" in out
    assert len(rasa.requests) == 1


def test_a_finished_sentence_is_transcribed_at_the_pause_and_answered(make_bridge, rasa, caller_lines):
    bridge = make_bridge()

    async def scenario():
        async with SimulatedCall(bridge.media_url, speed=1.0) as call:
            await call.wait_for_reply(30)
            await call.say(caller_lines("My kitchen sink has a leak."), "My kitchen sink has a leak.")
            assert await call.wait_for_reply(60)
            return bridge.app.state.calls[call.call_sid].timings

    [timing] = run(scenario())
    assert timing.early  # the turn used the transcript started at the pause
    [request] = rasa.requests
    assert "kitchen sink" in request["message"].lower()


def test_a_caller_who_trails_off_mid_sentence_gets_time_to_go_on(make_bridge, rasa, caller_lines):
    # A pause longer than the normal end-of-turn silence, after "because...".
    bridge = make_bridge(endpoint_silence_ms=900, endpoint_unfinished_ms=2500)
    gap = b"\x00" * (8000 * 2 * 13 // 10)  # 1.3 s

    async def scenario():
        async with SimulatedCall(bridge.media_url, speed=1.0) as call:
            await call.wait_for_reply(30)
            await call.say(caller_lines("I need a plumber because") + gap, "I need a plumber because")
            await call.say(caller_lines("my kitchen sink has a leak"), "my kitchen sink has a leak")
            assert await call.wait_for_reply(60)

    run(scenario())
    [request] = rasa.requests  # one turn, not two
    assert "plumber" in request["message"].lower() and "leak" in request["message"].lower()


def test_an_early_transcript_is_skipped_once_the_caller_has_gone_on(whisper, caller_lines):
    audio = caller_lines("my kitchen sink has a leak")
    assert transcribe_if(lambda: False, whisper, audio, []) is None
    heard = transcribe_if(lambda: True, whisper, audio, [])
    assert heard is not None and "leak" in heard.text.lower()
