"""Signed channel metadata: only our own front ends can vouch for a caller or the owner,
for one conversation, for a few minutes."""
from __future__ import annotations


import pytest

from channels.trust import (
    MAX_AGE_SECONDS,
    channel_is_signed,
    metadata_is_signed,
    sign_channel,
    signed_metadata,
)


def test_signature_binds_channel_caller_and_conversation():
    good = sign_channel("k", channel="phone", caller="+13125550199", sender_id="CA1")
    assert channel_is_signed("k", channel="phone", caller="+13125550199", sender_id="CA1", signature=good)
    for changed in ({"channel": "owner"}, {"caller": "+13125550100"}, {"sender_id": "CA2"}):
        args = {"channel": "phone", "caller": "+13125550199", "sender_id": "CA1", **changed}
        assert not channel_is_signed("k", signature=good, **args)
    assert not channel_is_signed("other-key", channel="phone", caller="+13125550199", sender_id="CA1", signature=good)
    assert not channel_is_signed("k", channel="phone", caller="+13125550199", sender_id="CA1", signature=None)
    assert not channel_is_signed("", channel="phone", caller="+13125550199", sender_id="CA1", signature=good)


def test_an_old_signature_is_a_replay():
    issued = 1_800_000_000
    old = sign_channel("k", channel="owner", caller=None, sender_id="owner-1", issued_at=issued)
    args = {"channel": "owner", "caller": None, "sender_id": "owner-1", "signature": old}
    assert channel_is_signed("k", now=issued + 10, **args)
    assert not channel_is_signed("k", now=issued + MAX_AGE_SECONDS + 1, **args)
    assert not channel_is_signed("k", now=issued - 3600, **args)  # from the future
    # The time is covered by the MAC: moving it forward breaks the signature.
    moved = f"{issued + 1000}.{old.split('.')[1]}"
    assert not channel_is_signed("k", now=issued + 1000, **{**args, "signature": moved})


@pytest.mark.parametrize("junk", ["é" * 10, "\ud800", "1.\x00", "x" * 5000, 12, ["a"], {"a": 1}, "1." + "g" * 64])
def test_junk_signatures_and_callers_are_refused_without_raising(junk):
    assert not channel_is_signed("k", channel="phone", caller="+13125550199", sender_id="CA1", signature=junk)
    assert not metadata_is_signed("k", "CA1", {"channel": "phone", "caller": junk, "signature": junk})
    assert not metadata_is_signed("k", "\ud800", {"channel": junk, "signature": "1." + "0" * 64})
    assert not metadata_is_signed("k", "CA1", junk)


def test_clients_send_metadata_the_actions_will_trust():
    sent = signed_metadata("k", "sms:+13125550199", {"channel": "sms", "caller": "+13125550199"})
    assert metadata_is_signed("k", "sms:+13125550199", sent)
    assert not metadata_is_signed("k", "sms:+13125550100", sent)
    owner = signed_metadata("k", "owner-1", {"channel": "owner", "stt_confidence": "0.900"})
    assert channel_is_signed("k", channel="owner", caller=None, sender_id="owner-1", signature=owner["signature"])
