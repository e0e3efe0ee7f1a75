"""Settings edited through the running dashboard reach the running assistant at once: a
price change is quoted and an owner's day off is refused on the very next conversation,
with no service restarted (the stack from tests/e2e/conftest.py)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from business.db import session_factory
from business.models import Service
from business.profile import load_profile, load_profile_data
from business.repository import get_service_by_slug, upsert_customer
from business.scheduling import book_appointment
from dashboard.auth.accounts import create_user
from tests.e2e.conftest import date_words, day_ahead

pytestmark = pytest.mark.e2e
PASSWORD = "settings e2e password"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


class Dashboard:
    """The running dashboard, driven as a browser would: CSRF token from each form."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.http = requests.Session()

    def submit(self, form_page: str, action: str, data: dict) -> requests.Response:
        page = self.http.get(f"{self.base}{form_page}", timeout=30)
        page.raise_for_status()
        match = CSRF.search(page.text)
        assert match, page.text[:500]
        return self.http.post(f"{self.base}{action}", data={**data, "csrf_token": match.group(1) or match.group(2)},
                              allow_redirects=False, timeout=30)


@pytest.fixture(scope="module")
def dashboard(stack):
    with session_factory(stack.database_url).begin() as session:
        create_user(session=session, username="settings-owner", password=PASSWORD)
    ui = Dashboard(stack.dashboard_port)
    signed_in = ui.submit("/login", "/login", {"username": "settings-owner", "password": PASSWORD})
    assert signed_in.status_code == 302 and "/login" not in signed_in.headers["Location"]
    return ui


def test_a_new_price_is_quoted_on_the_next_conversation(stack, dashboard):
    before = " ".join(stack.say("web-price-1", "what do you charge for drain cleaning"))
    assert "125 to 300 dollars" in before, before
    with session_factory(stack.database_url)() as session:
        drain_id = session.scalars(select(Service.id).where(Service.slug == "drain_cleaning")).one()
    saved = dashboard.submit("/settings/services", f"/settings/services/{drain_id}", {
        "name": "Drain cleaning", "skill": "drains", "duration_minutes": "60", "price_min": "140", "price_max": "320"})
    assert saved.status_code == 302, saved.text[:2000]
    after = " ".join(stack.say("web-price-2", "what do you charge for drain cleaning"))
    assert "140 to 320 dollars" in after, after


def test_an_owner_day_off_is_closed_on_the_next_call(stack, dashboard):
    phone = "+13125550341"
    with session_factory(stack.database_url).begin() as session:
        customer = upsert_customer(session=session, phone=phone, name="Gina Lopez",
                                   address="1550 North Wells Street, Chicago, 60610", zip_code="60610")
        start = day_ahead(-15, 10)
        book_appointment(session=session, profile=load_profile(session=session), customer=customer,
                         service=get_service_by_slug(session=session, slug="toilet_repair"), start=start,
                         now=start - timedelta(days=2))
        data = load_profile_data(session=session)
    day_off = day_ahead(4, 10).date()
    hours = {f"{day}_{edge}": value for day, pair in data["hours"].items()
             for edge, value in zip(("open", "close"), pair)}
    saved = dashboard.submit("/settings/business/hours", "/settings/business/hours",
                             {**hours, "holidays": day_off.isoformat()})
    assert saved.status_code == 302, saved.text[:2000]
    stack.call("CA-dayoff", "hi", phone)
    replies = " ".join(stack.call("CA-dayoff", f"my kitchen sink is clogged can someone come on {date_words(4)} at 10am",
                                  phone))
    assert "we're closed that day" in replies, replies
