"""The profile settings the owner edits take effect where they are used: the US holidays
chosen close the business, the owner's alert channels decide which outbox rows are written,
and refused values never replace the stored profile."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from business.customers.leads import create_lead
from business.models import Notification
from business.owner_settings import SettingsRefused, save_profile_section
from business.profile import load_profile, load_profile_data


def test_default_us_holidays_close_the_business(profile):
    assert profile.hours_on(date(2026, 11, 26)) is None  # Thanksgiving
    assert profile.hours_on(date(2027, 5, 31)) is None  # Memorial Day 2027, never listed by hand
    assert profile.hours_on(date(2026, 11, 11)) is not None  # Veterans Day: open by default (a Wednesday)


def test_chosen_holidays_and_own_days(session):
    data = load_profile_data(session=session)
    hours = {f"{d}_{e}": v for d, (o, c) in data["hours"].items() for e, v in (("open", o), ("close", c))}
    save_profile_section(session=session, section="hours", values={
        **hours, "closed_us_holidays": ["Veterans Day"], "holidays": "2027-03-17"})
    profile = load_profile(session=session)
    assert profile.hours_on(date(2026, 11, 11)) is None
    assert profile.hours_on(date(2026, 11, 26)) is not None  # Thanksgiving no longer chosen
    assert profile.hours_on(date(2027, 3, 17)) is None


def test_unknown_holiday_names_are_refused(session):
    with pytest.raises(SettingsRefused) as refused:
        save_profile_section(session=session, section="hours", values={"closed_us_holidays": ["Festivus"]})
    assert refused.value.errors["closed_us_holidays"] == "not a US holiday: Festivus"


def _owner_rows(session) -> set[str]:
    return {n.channel for n in session.scalars(select(Notification).where(Notification.kind == "owner_lead"))}


@pytest.mark.parametrize(("channels", "expected"), [([], set()), (["email"], {"email"}), (["sms", "email"], {"sms", "email"})])
def test_owner_alert_channels_decide_what_is_queued(session, channels, expected):
    save_profile_section(session=session, section="alerts", values={"owner_alerts": {"owner_lead": channels}})
    create_lead(session=session, name="Dee", phone="+13125550199", reason="call me")  # queues the alert
    assert _owner_rows(session) == expected
