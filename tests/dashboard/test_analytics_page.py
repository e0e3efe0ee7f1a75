"""The Analytics page and its endpoints: each report as JSON and CSV for the chosen
range, the default range, and bad dates refused with a 400 that says why."""
from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from business.analytics import REPORTS
from business.db import session_scope
from business.repository import get_or_create_conversation

CHI = ZoneInfo("America/Chicago")


@pytest.fixture
def calls(seeded_url):
    with session_scope(seeded_url) as session:
        for n, (day, channel) in enumerate([(2, "phone"), (2, "phone"), (3, "web"), (20, "sms")]):
            get_or_create_conversation(session=session, external_id=f"c{n}", channel=channel,
                                       started_at=datetime(2026, 11, day, 12, tzinfo=CHI))


def test_the_page_has_a_card_per_report_with_its_csv(logged_in):
    page = logged_in.get("/analytics/?start=2026-11-01&end=2026-11-07").get_data(as_text=True)
    for name in REPORTS:
        assert f'data-url="/analytics/{name}.json?start=2026-11-01&amp;end=2026-11-07"' in page
        assert f'href="/analytics/{name}.csv?start=2026-11-01&amp;end=2026-11-07"' in page


def test_json_and_csv_give_the_same_rows(logged_in, calls):
    data = logged_in.get("/analytics/conversations.json?start=2026-11-01&end=2026-11-03").get_json()
    assert data["columns"] == ["Day", "Phone", "Web chat", "Text"]
    assert data["rows"] == [["2026-11-01", 0, 0, 0], ["2026-11-02", 2, 0, 0], ["2026-11-03", 0, 1, 0]]
    response = logged_in.get("/analytics/conversations.csv?start=2026-11-01&end=2026-11-03")
    assert response.mimetype == "text/csv"
    assert 'filename="conversations-2026-11-01-to-2026-11-03.csv"' in response.headers["Content-Disposition"]
    assert list(csv.reader(io.StringIO(response.get_data(as_text=True)))) == [
        ["Day", "Phone", "Web chat", "Text"], ["2026-11-01", "0", "0", "0"], ["2026-11-02", "2", "0", "0"],
        ["2026-11-03", "0", "1", "0"]]


def test_the_default_range_is_the_last_four_weeks(logged_in, calls):
    # The app's clock is Monday 23 November 2026: 27 October to 23 November.
    rows = logged_in.get("/analytics/conversations.json").get_json()["rows"]
    assert (rows[0][0], rows[-1][0], len(rows)) == ("2026-10-27", "2026-11-23", 28)
    assert rows[-4] == ["2026-11-20", 0, 0, 1]


@pytest.mark.parametrize("query", ["start=2026-11-05&end=2026-11-01", "start=yesterday", "end=2026-13-01",
                                   "start=2020-01-01&end=2026-01-01"])
def test_bad_ranges_are_refused_with_the_reason(logged_in, query):
    response = logged_in.get(f"/analytics/jobs.json?{query}")
    assert response.status_code == 400
    assert "Choose a valid date range" in response.get_data(as_text=True)


def test_an_unknown_report_is_404(logged_in):
    assert logged_in.get("/analytics/payroll.json").status_code == 404
