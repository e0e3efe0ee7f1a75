"""Analytics and every Settings section in Debian's chromium (Playwright): charts drawn from
the JSON endpoints, the table view, a refused value shown on the form, no console errors.
Screenshots at 1366x900 and 390x844 go to docs/screenshots/ (analytics-*, settings-*)."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from business.db import session_scope
from business.models import Appointment, Conversation, Customer, Lead, TranscriptTurn
from business.repository import list_services
from business.seed import seed
from dashboard import create_app
from dashboard.auth.accounts import create_user
from tests.conftest import DATA_DIR

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct horse battery"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHI = ZoneInfo("America/Chicago")
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
SECTIONS = ["business", "hours", "booking", "area", "faq", "script", "alerts"]


def _history(session) -> None:
    """Four weeks of made-up activity so the charts have something to draw."""
    services = list_services(session=session)
    customers = [Customer(name=f"Customer {n}", phone=f"+1312555{n:04d}") for n in range(12)]
    session.add_all(customers)
    session.flush()
    start = datetime(2026, 11, 2, 6, tzinfo=CHI)
    channels, outcomes = ("phone", "phone", "web", "sms", "phone"), ("booked", "information", "abandoned", "booked", None)
    for n in range(140):
        at = start + timedelta(hours=n * 4 + n % 3)
        call = Conversation(external_id=f"demo-{n}", channel=channels[n % 5], started_at=at,
                            outcome=outcomes[n % 5], intent="book_appointment" if n % 2 else "faq")
        session.add(call)
        session.flush()
        if outcomes[n % 5]:
            session.add(TranscriptTurn(conversation_id=call.id, seq=1, speaker="assistant", text="hi", at=at))
    zips = ("60610", "60614", "60657", "60622", "60640")
    for n in range(45):
        at = start + timedelta(days=n % 27, hours=3 + n % 8)
        session.add(Appointment(customer_id=customers[n % 12].id, service_id=services[n % 6].id, start_at=at,
                                end_at=at + timedelta(hours=1), status="completed" if n % 3 else "scheduled",
                                zip_code=zips[n % 5]))
    for n in range(8):
        session.add(Lead(name=f"Lead {n}", phone=customers[n].phone, created_at=start + timedelta(days=n * 3)))


@pytest.fixture
def dashboard(sqlite_url):
    with session_scope(sqlite_url) as session:
        seed(session=session, data_dir=DATA_DIR)
        create_user(session=session, username="owner", password=PASSWORD)
        _history(session)
    app = create_app({"RATELIMIT_ENABLED": False, "DATABASE_URL": sqlite_url, "SECRET_KEY": "test-secret-key", "TESTING": True,
                      "CLOCK": lambda: datetime(2026, 11, 29, 12, tzinfo=CHI)})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def browser(tmp_path):
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"])
        yield context
        context.close()


def open_page(browser, base, size):
    page = browser.new_page()
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size])))
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "owner")
    page.fill("input[name=password]", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return page, problems


@pytest.mark.parametrize("size", SIZES)
def test_analytics_draws_every_chart_and_its_table(dashboard, browser, size):
    page, problems = open_page(browser, dashboard, size)
    page.goto(f"{dashboard}/analytics/?start=2026-11-02&end=2026-11-29")
    cards = page.locator(".report")
    expect(cards).to_have_count(10)
    expect(page.locator('.report[aria-busy="false"]')).to_have_count(10, timeout=15000)
    expect(page.locator("#report-jobs h2")).to_have_text("Jobs per week")
    # Chart.js drew into every canvas (a drawn chart has a size and is not blank).
    for n in range(10):
        assert page.locator(".report canvas").nth(n).bounding_box()["height"] > 100
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"analytics-{size}.png"), full_page=True)
    page.locator("#report-jobs .report-toggle").click()
    table = page.locator("#report-jobs .report-table table")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(4)
    expect(page.locator("#report-jobs canvas")).to_be_hidden()
    assert problems == []


@pytest.mark.parametrize("size", SIZES)
def test_every_settings_section_renders(dashboard, browser, size):
    page, problems = open_page(browser, dashboard, size)
    pages = {s: f"/settings/business/{s}" for s in SECTIONS}
    pages |= {"services": "/settings/services", "technicians": "/settings/technicians",
              "technician": "/settings/technicians/1", "calendar": "/settings/"}
    for name, path in pages.items():
        page.goto(f"{dashboard}{path}")
        expect(page.locator("h1")).to_have_text("Settings")
        expect(page.locator(".settings-nav")).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / f"settings-{name}-{size}.png"), full_page=True)
    assert problems == []


def test_a_refused_value_is_shown_on_the_form(dashboard, browser):
    page, problems = open_page(browser, dashboard, "desktop")
    page.goto(f"{dashboard}/settings/business/hours")
    page.fill("input[name=mon_open]", "18:00")
    page.fill("input[name=mon_close]", "07:00")
    page.click("main form button[type=submit]")
    expect(page.locator("#error-form")).to_have_text("Mon: closing time 07:00 must be after opening time 18:00")
    expect(page.locator("input[name=mon_open]")).to_have_value("18:00")  # what was typed stays
    page.screenshot(path=str(SCREENSHOTS / "settings-hours-refused-desktop.png"), full_page=True)
    page.goto(f"{dashboard}/settings/services")
    page.locator(".service-row").first.locator("input[name=price_max]").fill("1")
    page.locator(".service-row").first.locator("button").click()
    expect(page.locator("#error-price_max")).to_have_text("the highest price must be at least the lowest")
    # The document's own 400 is the answer we want; anything else is a page error.
    assert [p for p in problems if "status of 400" not in p and not p.startswith("400 ")] == []
