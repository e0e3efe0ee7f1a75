"""A sanity render of every page with data in it: the base layout, the nav bar, the
stylesheet and each page's key text, with no external (CDN) links anywhere."""
from __future__ import annotations

import re

import pytest


@pytest.fixture
def pages(logged_in, booked, conversation):
    return {
        "/appointments/": ["Upcoming appointments", "Dana Whitfield", "10:00 AM CST"],
        "/calls/": ["Calls and chats", "book_appointment"],
        f"/calls/{conversation}": ["Transcript", "My kitchen sink is clogged", "93%"],
    }


def test_each_page_renders(logged_in, pages):
    for path, texts in pages.items():
        response = logged_in.get(path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        assert '<meta name="viewport"' in page
        assert "/static/css/app.css" in page
        assert ">Appointments</a>" in page and ">Calls</a>" in page and "Sign out" in page
        assert "owner" in page  # who is signed in
        for text in texts:
            assert text in page, (path, text)


def test_no_external_resources(logged_in, pages, client):
    for path in [*pages, "/login", "/nope"]:
        page = logged_in.get(path).get_data(as_text=True)
        assert not re.search(r'(src|href)="(https?:)?//', page), path
        # The CSP allows neither inline: scripts only as files from this site.
        assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", page) and "style=" not in page


def test_current_page_is_marked_in_nav(logged_in):
    page = logged_in.get("/calls/").get_data(as_text=True)
    assert 'href="/calls/" aria-current="page"' in page
