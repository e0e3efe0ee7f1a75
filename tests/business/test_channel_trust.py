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
