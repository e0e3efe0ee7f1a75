"""The Live calls and push-to-talk pages in Debian's chromium (Playwright): the live page
renders a call streamed from the database; the talk page sends a fake microphone's speech
to the bridge and shows the transcript and the assistant's answer."""
from __future__ import annotations

import threading
import wave
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from business.db import session_scope
from business.repository import add_turn, get_or_create_conversation, update_conversation
from dashboard import create_app
from dashboard.auth.accounts import create_user
from tests.voice_bridge.conftest import free_port

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct horse battery"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def dashboard(make_bridge, voice_db):
    bridge = make_bridge()
    app = create_app({"RATELIMIT_ENABLED": False, "DATABASE_URL": voice_db, "SECRET_KEY": "test-secret-key", "TESTING": True,
                      "VOICE_BRIDGE_URL": bridge.media_url.rsplit("/twilio", 1)[0]})
    with session_scope(voice_db) as session:
        create_user(session=session, username="owner", password=PASSWORD)
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def browser_with(playwright, tmp_path, *extra, **options):
    return playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, **options,
        args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", *extra],
    )


def sign_in(page, base):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "owner")
    page.fill("input[name=password]", PASSWORD)
    page.click("[type=submit]")


def test_live_page_shows_a_call_as_it_happens(dashboard, voice_db, tmp_path):
    with session_scope(voice_db) as session:
        call = get_or_create_conversation(session=session, external_id="CA-browser", channel="phone",
                                          caller="+13125550199")
        update_conversation(session=session, conversation=call, status="in-progress", intent="book_appointment",
                            slots={"problem": "leaking water heater"})
        add_turn(session=session, conversation=call, speaker="caller", text="my water heater is leaking",
                 intent="book_appointment", confidence=0.93, stt_confidence=0.88)
    with sync_playwright() as playwright:
        browser = browser_with(playwright, tmp_path)
        page = browser.new_page()
        sign_in(page, dashboard)
        page.goto(f"{dashboard}/live/")
        expect(page.locator(".live-call .live-text")).to_have_text(["my water heater is leaking"], timeout=15000)
        expect(page.locator(".live-slots")).to_have_text("problem: leaking water heater")
        with session_scope(voice_db) as session:  # the next turn arrives while the page is open
            call = get_or_create_conversation(session=session, external_id="CA-browser")
            turn = add_turn(session=session, conversation=call, speaker="assistant", text="What is the address?")
            turn.interrupted = True
        expect(page.locator(".live-turn.interrupted .live-text")).to_have_text("What is the address?", timeout=15000)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "live.png"), full_page=True)
        browser.close()


def fake_microphone(piper, tmp_path) -> Path:
    speech = piper.speak("My water heater has a leak.", 16000)
    microphone = tmp_path / "microphone.wav"
    with wave.open(str(microphone), "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(16000)
        out.writeframes(b"\x00" * 8000 + speech + b"\x00" * 16000)
    return microphone


def test_push_to_talk_with_a_fake_microphone(dashboard, piper, rasa, tmp_path):
    microphone = fake_microphone(piper, tmp_path)
    with sync_playwright() as playwright:
        browser = browser_with(playwright, tmp_path, "--use-fake-ui-for-media-stream",
                               "--use-fake-device-for-media-stream",
                               f"--use-file-for-fake-audio-capture={microphone}%noloop")
        page = browser.new_page()
        sign_in(page, dashboard)
        page.goto(f"{dashboard}/talk/")
        button = page.locator("#talk-button")
        button.hover()
        page.mouse.down()
        expect(button).to_have_attribute("aria-pressed", "true")
        page.wait_for_timeout(3500)  # the fake microphone plays the sentence
        page.mouse.up()
        expect(page.locator(".speaker-caller .live-text")).to_contain_text("leak", timeout=60000)
        expect(page.locator(".speaker-assistant .live-text").first).to_have_text(
            "Sorry to hear that. What is your address?", timeout=60000)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "talk.png"), full_page=True)
        browser.close()
    assert rasa.requests[0]["metadata"]["channel"] == "owner"


def test_push_to_talk_held_by_a_finger_on_a_phone(dashboard, piper, rasa, tmp_path):
    """A touch held on the button (pointer events from a touchscreen) at 390x844; the
    transcript stays inside the screen's width."""
    microphone = fake_microphone(piper, tmp_path)
    with sync_playwright() as playwright:
        browser = browser_with(playwright, tmp_path, "--use-fake-ui-for-media-stream",
                               "--use-fake-device-for-media-stream",
                               f"--use-file-for-fake-audio-capture={microphone}%noloop",
                               viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
        page = browser.new_page()
        sign_in(page, dashboard)
        page.goto(f"{dashboard}/talk/")
        button = page.locator("#talk-button")
        box = button.bounding_box()
        point = [{"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}]
        touch = browser.new_cdp_session(page)
        touch.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": point})
        expect(button).to_have_attribute("aria-pressed", "true")
        page.wait_for_timeout(3500)  # the fake microphone plays the sentence
        touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        expect(page.locator(".speaker-caller .live-text")).to_contain_text("leak", timeout=60000)
        expect(page.locator(".speaker-assistant .live-text").first).to_have_text(
            "Sorry to hear that. What is your address?", timeout=60000)
        expect(page.locator("#talk-status")).to_have_text("Ready.", timeout=60000)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS_SCREENSHOTS / "pwa-talk.png"), full_page=True)
        browser.close()
