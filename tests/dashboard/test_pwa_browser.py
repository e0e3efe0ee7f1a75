"""The installed app in Debian's Chromium (Playwright), at a phone's 390x844: Chromium finds
the manifest and no installability error, the Workbox service worker registers and controls
the page, with the network cut today's jobs stay readable and any other page is the offline
page, and signing out leaves no private page in any cache. Screenshots of Today, the
Notifications page, push settings and the offline page go to docs/screenshots/pwa-*.png
(Talk's: tests/voice_bridge/test_browser_pages.py)."""
from __future__ import annotations

import time

import threading
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from business.db import session_factory, session_scope
from business.models import Lead, Notification
from business.notifications.events import lead_created
from business.profile import load_profile
from business.repository import get_service_by_slug, upsert_customer
from business.scheduling import book_appointment
from business.seed import seed
from dashboard import create_app
from dashboard.auth.accounts import create_user
from tests.conftest import DATA_DIR

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct horse battery"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=CHICAGO).astimezone(timezone.utc)  # Monday 9:00
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def dashboard(sqlite_url):
    with session_factory(sqlite_url).begin() as session:
        seed(session=session, data_dir=DATA_DIR)
    with session_scope(sqlite_url) as session:
        create_user(session=session, username="owner", password=PASSWORD)
        profile = load_profile(session=session)
        for name, phone, address, hour, service in (
            ("Dana Whitfield", "+13125550123", "233 S Wacker Dr, Chicago", 11, "drain_cleaning"),
            ("Luis Ortega", "+13125550124", "1060 W Addison St, Chicago", 14, "faucet_repair"),
        ):
            customer = upsert_customer(session=session, phone=phone, name=name, address=address, zip_code="60606")
            book_appointment(session=session, profile=profile, customer=customer,
                             service=get_service_by_slug(session=session, slug=service),
                             start=datetime(2026, 11, 23 + (hour > 12), hour, 0, tzinfo=CHICAGO), now=NOW,
                             source_channel="phone")
        lead = Lead(name="Pat Doyle", phone="+13125550142", reason="wants a quote for a water heater")
        session.add(lead)
        session.flush()
        lead_created(session=session, lead=lead)
        session.add(Notification(channel="sms", recipient="+13125550100", kind="reminder", idempotency_key="r1",
                                 body="Reminder", status="failed", last_error="Twilio 400 error 21211",
                                 created_at=NOW))
    app = create_app({"RATELIMIT_ENABLED": False, "DATABASE_URL": sqlite_url, "SECRET_KEY": "test-secret-key", "TESTING": True,
                      "CLOCK": lambda: NOW})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def browser(tmp_path):
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, viewport=PHONE, has_touch=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        yield context
        context.close()


def sign_in(page, base):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "owner")
    page.fill("input[name=password]", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_url(f"{base}/today/")


def private_text_in_caches(page) -> list[str]:
    """Every cached response that names a customer, whatever cache it is in."""
    return page.evaluate("""async () => {
        const found = [];
        for (const name of await caches.keys()) {
            const cache = await caches.open(name);
            for (const request of await cache.keys()) {
                const text = await (await cache.match(request)).text();
                if (text.includes("Dana Whitfield")) found.push(name + " " + request.url);
            }
        }
        return found;
    }""")


def test_installable_offline_and_cleared_at_sign_out(dashboard, browser):
    page = browser.pages[0] if browser.pages else browser.new_page()
    sign_in(page, dashboard)
    # Polled with evaluate: wait_for_function's string predicate needs eval, which the
    # dashboard's Content-Security-Policy rightly forbids.
    deadline = time.monotonic() + 60
    while not page.evaluate("() => navigator.serviceWorker.controller !== null"):
        assert time.monotonic() < deadline, "the service worker never took control of the page"
        page.wait_for_timeout(200)
    assert page.evaluate("navigator.serviceWorker.controller.scriptURL") == f"{dashboard}/sw.js"

    cdp = browser.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"] == f"{dashboard}/manifest.webmanifest" and manifest["errors"] == []
    parsed = manifest["manifest"]  # Chromium's own parse of it
    assert parsed["display"] == "kStandalone" and parsed["startUrl"] == f"{dashboard}/today/"
    assert parsed["name"] == "Lakeshore Plumbing dashboard"
    assert [icon["sizes"] for icon in parsed["icons"]] == ["192x192", "512x512", "512x512"]
    assert [s["name"] for s in parsed["shortcuts"]] == ["Today", "Calls", "Talk to the assistant"]
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []

    page.goto(f"{dashboard}/today/")  # now through the worker, which keeps it
    expect(page.locator(".job-customer").first).to_contain_text("Dana Whitfield")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "pwa-today.png"), full_page=True)
    page.goto(f"{dashboard}/notifications/")
    expect(page.locator(".alert-title").first).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "pwa-notifications.png"), full_page=True)
    page.goto(f"{dashboard}/notifications/push")
    page.screenshot(path=str(SCREENSHOTS / "pwa-push-settings.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    for name, path in (("today", "/today/"), ("notifications", "/notifications/")):
        page.goto(f"{dashboard}{path}")
        page.screenshot(path=str(SCREENSHOTS / f"pwa-{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)

    browser.set_offline(True)
    page.goto(f"{dashboard}/today/")
    expect(page.locator(".job-address").first).to_have_text("233 S Wacker Dr, Chicago 60606")
    page.goto(f"{dashboard}/calls/")
    expect(page.locator("h1")).to_have_text("You are offline")
    page.screenshot(path=str(SCREENSHOTS / "pwa-offline.png"), full_page=True)
    # Private pages other than today's jobs were never stored.
    assert [entry for entry in private_text_in_caches(page) if not entry.endswith("/today/")] == []

    browser.set_offline(False)
    page.goto(f"{dashboard}/today/")
    assert private_text_in_caches(page) != []
    page.click("#sign-out button[type=submit]")
    page.wait_for_url(f"{dashboard}/login")
    assert private_text_in_caches(page) == []
    assert page.evaluate("caches.has('jobs')") is False
    browser.set_offline(True)
    offline_today = page.evaluate("fetch('/today/').then(r => r.text(), () => 'network error')")
    assert "Dana Whitfield" not in offline_today
