"""Signed channel metadata: only our own front ends can vouch for a caller or the owner."""
from __future__ import annotations

from business.channel_trust import channel_is_signed, sign_channel


def test_signature_binds_channel_caller_and_conversation():
    good = sign_channel("k", channel="phone", caller="+13125550199", sender_id="CA1")
    assert channel_is_signed("k", channel="phone", caller="+13125550199", sender_id="CA1", signature=good)
    for changed in ({"channel": "owner"}, {"caller": "+13125550100"}, {"sender_id": "CA2"}):
        args = {"channel": "phone", "caller": "+13125550199", "sender_id": "CA1", **changed}
        assert not channel_is_signed("k", signature=good, **args)
    assert not channel_is_signed("other-key", channel="phone", caller="+13125550199", sender_id="CA1", signature=good)
    assert not channel_is_signed("k", channel="phone", caller="+13125550199", sender_id="CA1", signature=None)
    assert not channel_is_signed("", channel="phone", caller="+13125550199", sender_id="CA1", signature=good)


def test_clients_send_metadata_the_actions_will_trust():
    from business.channel_trust import signed_metadata

    sent = signed_metadata("k", "sms:+13125550199", {"channel": "sms", "caller": "+13125550199"})
    assert channel_is_signed("k", channel="sms", caller="+13125550199", sender_id="sms:+13125550199",
                             signature=sent["signature"])
    owner = signed_metadata("k", "owner-1", {"channel": "owner", "stt_confidence": "0.900"})
    assert channel_is_signed("k", channel="owner", caller=None, sender_id="owner-1", signature=owner["signature"])
