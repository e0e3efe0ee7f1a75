"""Several bridge replicas behind one load balancer: a call answered by one pod's
/twilio/voice may open its media stream on another, and the owner's push-to-talk token
made by any dashboard works on any bridge; only SECRET_KEY is shared."""
from __future__ import annotations

import asyncio
import json

from channels.talk_token import issue_token
from channels.trust import channel_is_signed
from tests.voice_bridge.conftest import ACCOUNT_SID, AUTH_TOKEN
from tests.voice_bridge.test_talk import talk
from voice_bridge.simulator import SimulatedCall

FAST = 3.0
PUBLIC = "https://voice.example.com"  # the load balancer's address, the same for every pod
CALLER = "+13125550199"


def test_a_call_answered_by_one_pod_streams_to_another(make_bridge, rasa, caller_lines):
    answering, streaming = (make_bridge(twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                                        public_base_url=PUBLIC) for _ in range(2))

    async def scenario():
        sid = "CA" + "7" * 32
        _, parameters = await SimulatedCall(answering.media_url, auth_token=AUTH_TOKEN, public_url=PUBLIC,
                                            call_sid=sid, caller=CALLER).answer()
        async with SimulatedCall(streaming.media_url, speed=FAST, auth_token=AUTH_TOKEN, public_url=PUBLIC,
                                 call_sid=sid, caller=CALLER, answered=False, parameters=parameters) as call:
            assert await call.wait_for_reply(30)
            # The call lives on the pod that holds its stream, not on the one that answered.
            assert set(streaming.app.state.drain.calls) == {sid} and not answering.app.state.drain.calls
            await call.say(caller_lines("my kitchen sink has a leak"), "my kitchen sink has a leak")
            assert await call.wait_for_reply(60)
            return call

    call = asyncio.run(scenario())
    [request] = rasa.requests
    assert request["metadata"]["caller"] == CALLER
    assert channel_is_signed("test-secret-key", channel="phone", caller=CALLER, sender_id=call.call_sid,
                             signature=request["metadata"]["signature"])


def test_a_talk_token_works_on_every_bridge(make_bridge, rasa):
    token = issue_token("test-secret-key", "owner")  # as the dashboard issues it
    for bridge in (make_bridge(), make_bridge()):
        messages, close_code = talk(bridge, token, [json.dumps({"event": "stop"})])
        assert [json.loads(m)["event"] for m in messages] == ["transcript", "done"]
        assert close_code != 1008  # not refused as a bad token
