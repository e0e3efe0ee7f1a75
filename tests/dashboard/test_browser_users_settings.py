"""Settings > Users in Debian's chromium (Playwright): the owner adds a technician's login
through the page, with no console errors. Screenshots at 1366x900 and 390x844 go to
docs/screenshots/settings-users-*.png."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from business.db import session_scope
from business.models import Technician, User
from tests.dashboard.test_browser_analytics_settings import PASSWORD, SCREENSHOTS, SIZES, browser, dashboard  # noqa: F401

NEW_PASSWORD = "a long first password"


def open_page(browser, base, size):  # noqa: F811
    """Signed in as the owner, recording console errors, page errors and 4xx/5xx answers."""
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
    page.wait_for_url(f"{base}/today/")  # the owner's home page
    return page, problems


@pytest.mark.parametrize("size", SIZES)
def test_the_owner_adds_a_technicians_login_through_the_page(dashboard, browser, sqlite_url, size):  # noqa: F811
    with session_scope(sqlite_url) as db:
        tech = db.scalars(select(Technician).order_by(Technician.id)).first().name
    page, problems = open_page(browser, dashboard, size)
    page.goto(f"{dashboard}/settings/users")
    expect(page.locator(".settings-nav a[aria-current=page]")).to_have_text("Users")
    page.fill("#username", "mike")
    page.select_option("#role", "technician")
    page.select_option("#technician_id", label=tech)
    page.fill("#password", NEW_PASSWORD)
    page.click("#add-user button[type=submit]")
    page.wait_for_url(f"{dashboard}/settings/users")
    row = page.locator("tbody tr", has_text="mike")
    expect(row.locator("td[data-label=Role]")).to_have_text("technician")
    expect(row.locator("td[data-label=Technician]")).to_have_text(tech)
    expect(row.locator("td[data-label=Status]")).to_have_text("active")
    with session_scope(sqlite_url) as db:
        assert db.scalar(select(User.role).where(User.username == "mike")) == "technician"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"settings-users-{size}.png"), full_page=True)
    row.locator("a").click()
    expect(page.locator("#section-heading")).to_contain_text("mike")
    page.screenshot(path=str(SCREENSHOTS / f"settings-user-{size}.png"), full_page=True)
    assert problems == []
