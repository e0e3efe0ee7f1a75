"""Every dashboard page in Debian's chromium (Playwright), for each role, at desktop and
phone sizes: no console errors, no failed requests, nothing wider than the screen; the
calendar keeps its grid on a phone; Decline asks first. Screenshots go to var/screenshots
(docs/screenshots/dash-*.png are copies of them)."""
from __future__ import annotations

import shutil
import threading

import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from business.db import get_engine, session_factory
from business.models import Appointment, Conversation, Customer, Service, Technician
from business.seed import seed
from dashboard import create_app
from dashboard.auth.accounts import create_user
from tests.conftest import DATA_DIR
from tests.dashboard.conftest import CHICAGO, NOW, PASSWORD, TEST_CONFIG
from tests.dashboard.demo_data import load_demo_day
from tests.voice_bridge.conftest import free_port
from tests.voice_bridge.test_browser_pages import SCREENSHOTS, browser_with

SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
# (screenshot name, path)
STAFF_PAGES = [("today", "/"), ("appointments", "/appointments/"), ("calendar", "/calendar/"),
               ("technicians", "/technicians/"), ("customers", "/customers/"),
               ("customer", "/customers/{customer}"), ("customer-edit", "/customers/{customer}/edit"),
               ("leads", "/leads/"), ("calls", "/calls/"), ("call", "/calls/{call}"),
               ("calls-needs-call-back", "/calls/?outcome=needs_call_back"), ("job-new", "/jobs/new"),
               ("live", "/live/"), ("outbox", "/outbox/"), ("account", "/account/"), ("talk", "/talk/")]
PAGES = {"owner": STAFF_PAGES + [("settings", "/settings/")], "office": STAFF_PAGES,
         "technician": [("technicians", "/technicians/"), ("account", "/account/")]}


@pytest.fixture(scope="module")
def site(tmp_path_factory, sqlite_template):
    target = tmp_path_factory.mktemp("browser") / "dashboard.db"
    shutil.copyfile(sqlite_template, target)
    url = f"sqlite:///{target}"
    with session_factory(url).begin() as session:
        seed(session=session, data_dir=DATA_DIR)
    load_demo_day(url)
    with session_factory(url).begin() as session:
        tech = session.scalar(select(Technician).where(Technician.name == "Mike Alvarez"))
        for role in PAGES:
            create_user(session=session, username=role, password=PASSWORD, role=role,
                        technician_id=tech.id if role == "technician" else None)
        ids = {"customer": session.scalar(select(Customer.id).where(Customer.name == "Dana Whitfield")),
               "call": session.scalar(select(Conversation.id).where(Conversation.external_id == "CA-demo-flood"))}
    app = create_app({"RATELIMIT_ENABLED": False, **TEST_CONFIG, "WTF_CSRF_ENABLED": True, "DATABASE_URL": url, "CLOCK": lambda: NOW})
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", ids, url
    server.shutdown()
    get_engine(url).dispose()


def watch(page) -> list[str]:
    """Console errors, failed requests and 4xx/5xx answers, as they happen."""
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    # Going to the next page aborts the last one's open requests (Live calls' event
    # stream): ERR_ABORTED is our navigation, any other failure is the server's.
    page.on("requestfailed", lambda req: problems.append(f"failed: {req.url} {req.failure}")
            if req.failure != "net::ERR_ABORTED" else None)
    page.on("response", lambda res: problems.append(f"{res.status}: {res.url}") if res.status >= 400 else None)
    return problems


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_url(lambda u: "/login" not in u)


@pytest.mark.parametrize("role", list(PAGES))
def test_every_page_of_each_role_at_both_sizes(site, role, tmp_path):
    base, ids, _url = site
    with sync_playwright() as playwright:
        browser = browser_with(playwright, tmp_path)
        page = browser.new_page()
        problems = watch(page)
        sign_in(page, base, role)
        for size, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            for name, path in PAGES[role]:
                page.goto(base + path.format(**ids))
                # "load", not "networkidle": the installed app refreshes today's jobs for
                # offline reading in the background of every other page.
                page.wait_for_load_state("load")
                assert page.locator("h1").count() >= 1, path
                # Nothing wider than the screen: the page itself never scrolls sideways.
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 1, (path, size, overflow)
                if role in ("owner", "technician"):
                    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                    prefix = "dash-tech-" if role == "technician" else "dash-"
                    page.screenshot(path=str(SCREENSHOTS / f"{prefix}{name}-{size}.png"), full_page=True)
        assert problems == [], problems
        # What the role may not open is refused, not merely hidden.
        if role == "technician":
            assert page.goto(f"{base}/calls/").status == 403
            assert page.goto(f"{base}/talk/").status == 403
            problems.clear()
        browser.close()


def test_calendar_keeps_its_grid_on_a_phone(site, tmp_path):
    base, _ids, _url = site
    with sync_playwright() as playwright:
        browser = browser_with(playwright, tmp_path)
        page = browser.new_page()
        page.set_viewport_size({"width": 390, "height": 844})
        sign_in(page, base, "owner")
        page.goto(f"{base}/calendar/")
        page.wait_for_selector(".fc-timegrid")
        grid = page.locator(".fc-scrollgrid").first.bounding_box()
        assert grid["width"] > 300  # was 29 px when the phone table rule reached FullCalendar's tables
        assert page.locator(".fc-event").count() >= 1
        browser.close()


def test_decline_asks_first(site, tmp_path):
    base, _ids, url = site
    with sync_playwright() as playwright:
        browser = browser_with(playwright, tmp_path)
        page = browser.new_page()
        sign_in(page, base, "owner")
        page.goto(f"{base}/technicians/")
        decline = page.locator("form[data-confirm] button", has_text="Decline").first
        messages = []
        page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.dismiss()))
        decline.click()
        page.wait_for_timeout(300)
        assert messages and "Decline job" in messages[0]
        assert page.url.endswith("/technicians/")  # dismissed: nothing was posted
        browser.close()
    with session_factory(url)() as session:
        assert all(a.technician_id is not None for a in session.scalars(select(Appointment)))


def drag(page, event, column_date: str) -> None:
    """Drags `event` sideways into another day's column at the same height."""
    box = event.bounding_box()
    target = page.locator(f'.fc-timegrid-col[data-date="{column_date}"]').bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + 8
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 5, y + 5, steps=3)
    page.mouse.move(target["x"] + target["width"] / 2, y, steps=15)
    page.mouse.up()


def test_drag_to_move_is_refused_with_the_reason_then_allowed(site, tmp_path):
    base, _ids, url = site
    with sync_playwright() as playwright:
        browser = browser_with(playwright, tmp_path)
        page = browser.new_page()
        page.set_viewport_size({"width": 1366, "height": 900})
        problems = watch(page)
        sign_in(page, base, "office")
        page.goto(f"{base}/calendar/")
        leak = page.locator(".fc-event", has_text="Leak repair")
        leak.wait_for()
        drag(page, leak, "2026-11-22")  # Sunday, the day before "now": in the past
        message = page.locator("#calendar-message")
        message.filter(has_text="not moved").wait_for(timeout=15000)
        assert "That time has already passed. Free instead:" in message.inner_text()
        # The refusal itself is a 409, which the browser also logs to the console.
        problems[:] = [p for p in problems if "409" not in p]
        drag(page, page.locator(".fc-event", has_text="Leak repair"), "2026-11-25")  # Wednesday
        message.filter(has_text="moved to").wait_for(timeout=15000)
        assert problems == [], problems
        browser.close()
    with session_factory(url)() as session:
        leak_job = session.scalar(select(Appointment).join(Appointment.service).where(Service.slug == "leak_repair"))
        assert leak_job.start_at.astimezone(CHICAGO).day == 25


def test_live_calls_show_business_time_and_readable_details(site, tmp_path):
    base, _ids, _url = site
    with sync_playwright() as playwright:
        browser = browser_with(playwright, tmp_path, "--lang=en-US")
        page = browser.new_page()
        sign_in(page, base, "owner")
        page.goto(f"{base}/live/")
        slots = page.locator(".live-slots", has_text="service type")
        slots.wait_for(timeout=15000)
        assert "[object Object]" not in slots.inner_text() and "service_type" not in slots.inner_text()
        assert "appointment time: Tue, Nov 24, 1:00 PM – Tue, Nov 24, 5:00 PM" in slots.inner_text()
        assert "service type: toilet repair" in slots.inner_text()
        # Started 8:59 in Chicago; the browser's own zone (UTC here) would say 2:59 PM.
        assert page.locator(".live-started").first.inner_text() == "8:59:00 AM"
        browser.close()
