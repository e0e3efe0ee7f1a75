"""The chat widget in Debian's chromium (Playwright) against our real socket.io channel with
an echo for the assistant (tests/channels/echo_rasa.py): it draws in a Shadow DOM the page's
CSS cannot reach, keeps the session and the messages across a reload, shows typing, renders
quick replies and links without ever taking assistant text as HTML, traps focus, closes on
Escape, and fills the screen at phone width. The real assistant: tests/e2e/test_widget_browser.py."""
from __future__ import annotations

import re
import threading

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from business.settings import ROOT
from tests.conftest import ECHO_DASHBOARD_PORT

CHROMIUM = "/usr/bin/chromium"
BUNDLE = ROOT / "dashboard" / "static" / "widget" / "widget.js"
# The page is served from the origin the channel allows (the dashboard's). A real server:
# chromium blocks a page of unknown address space (one Playwright fulfils) from 127.0.0.1.
SITE = f"http://127.0.0.1:{ECHO_DASHBOARD_PORT}"
# A host page whose CSS would wreck a widget that lived in the page's own DOM.
HOSTILE_CSS = "* { color: red !important; font-size: 40px !important; display: block; } button { display: none; }"


def host_page(echo_url: str) -> str:
    return (f"<!doctype html><html><head><style>{HOSTILE_CSS}</style></head><body><h1>A plumber's site</h1>"
            f'<a href="#top" id="outside">outside link</a>'
            f'<script src="/widget.js" data-socket-url="{echo_url}" data-title="Test Plumbing"></script></body></html>')


@pytest.fixture(scope="module")
def site(echo_rasa):
    if not BUNDLE.exists():
        pytest.fail("dashboard/static/widget/widget.js is not built: run `make static`", pytrace=False)

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/widget.js":
            body, kind = BUNDLE.read_bytes(), "text/javascript"
        else:
            body, kind = host_page(echo_rasa).encode(), "text/html"
        start_response("200 OK", [("Content-Type", kind), ("Cache-Control", "no-store")])
        return [body]

    server = make_server("127.0.0.1", int(ECHO_DASHBOARD_PORT), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SITE
    server.shutdown()


@pytest.fixture
def browser(tmp_path, site):
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, viewport={"width": 1366, "height": 900},
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"])
        yield context
        context.close()


def open_site(browser, echo_rasa):
    page = browser.pages[0] if browser.pages else browser.new_page()
    page.goto(f"{SITE}/")
    return page


def say(page, text: str) -> None:
    page.get_by_label("Your message").fill(text)
    page.keyboard.press("Enter")


def test_widget_chats_and_keeps_the_conversation_across_a_reload(browser, echo_rasa):
    page = open_site(browser, echo_rasa)
    launcher = page.get_by_role("button", name="Open chat: Test Plumbing")
    expect(launcher).to_be_visible()  # the page hides every button of its own: not ours
    assert launcher.evaluate("b => getComputedStyle(b).fontSize") == "16px"
    launcher.click()
    dialog = page.get_by_role("dialog", name="Test Plumbing")
    expect(dialog).to_be_visible()
    expect(page.get_by_label("Your message")).to_be_focused()
    log = page.get_by_role("log", name="Conversation")
    expect(log).to_have_attribute("aria-live", "polite")

    say(page, "my sink is clogged")
    expect(page.locator(".message.user").last).to_contain_text("my sink is clogged")
    reply = page.locator(".message.bot").last
    expect(reply).to_contain_text("echo my sink is clogged")
    expect(page.locator(".typing")).to_be_hidden()
    session_id = page.evaluate("JSON.parse(localStorage.getItem('lakeshore-chat')).sessionId")
    assert re.fullmatch(r"[0-9a-f]{32}", session_id)
    expect(reply).to_contain_text(f"sender web:{session_id} | channel web")

    page.reload()
    expect(page.get_by_role("dialog", name="Test Plumbing")).to_be_visible()  # still open
    expect(page.locator(".message.user")).to_have_text(["You said: my sink is clogged"])
    say(page, "still there?")
    expect(page.locator(".message.bot").last).to_contain_text(f"echo still there? | sender web:{session_id}")


def test_assistant_text_is_never_html_and_links_and_quick_replies_work(browser, echo_rasa):
    page = open_site(browser, echo_rasa)
    page.get_by_role("button", name="Open chat: Test Plumbing").click()
    say(page, '<img src=x onerror="document.title=\'owned\'"> see https://example.com/prices.')
    reply = page.locator(".message.bot").last
    expect(reply).to_contain_text('<img src=x onerror="document.title=\'owned\'">')
    assert reply.locator("img").count() == 0 and page.title() != "owned"
    link = reply.get_by_role("link", name="https://example.com/prices")
    expect(link).to_have_attribute("href", "https://example.com/prices")  # the full stop is not part of it
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")

    say(page, "buttons")
    choice = page.get_by_role("group", name="Suggested replies").get_by_role("button", name="Tomorrow morning")
    expect(choice).to_be_visible()
    choice.click()
    expect(page.locator(".message.user").last).to_contain_text("Tomorrow morning")
    expect(page.get_by_role("group", name="Suggested replies")).to_have_count(0)
    expect(page.locator(".message.bot").last).to_contain_text("echo tomorrow morning")


def test_keyboard_focus_stays_in_the_panel_and_escape_closes_it(browser, echo_rasa):
    page = open_site(browser, echo_rasa)
    launcher = page.get_by_role("button", name="Open chat: Test Plumbing")
    launcher.focus()
    page.keyboard.press("Enter")
    message = page.get_by_label("Your message")
    expect(message).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send")).to_be_focused()
    page.keyboard.press("Tab")  # past the last control: back to the first, never the page behind
    expect(page.get_by_role("button", name="Close chat")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("button", name="Send")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")


def test_the_panel_fills_a_phone_screen(browser, echo_rasa):
    page = open_site(browser, echo_rasa)
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("button", name="Open chat: Test Plumbing").click()
    box = page.get_by_role("dialog", name="Test Plumbing").bounding_box()
    assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 390, 844)
