"""The installable app's server side: the manifest (name from the business profile, icons
that exist), the service worker script and offline page (public, never cached by HTTP),
content-versioned static URLs, the Today page, and sign-out telling the browser to clear
what the service worker kept."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from business.db import session_scope
from business.profile import PROFILE_KEY, save_profile_data
from business.models import BusinessSetting

STATIC = Path(__file__).resolve().parents[2] / "dashboard" / "static"


def test_manifest_names_the_business_and_lists_reachable_icons(client, seeded_url):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = response.get_json()
    assert manifest["name"] == "Lakeshore Plumbing dashboard"
    assert (manifest["display"], manifest["start_url"], manifest["scope"]) == ("standalone", "/today/", "/")
    assert manifest["theme_color"].startswith("#")
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert sizes == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.mimetype == "image/png"
        assert image.data.startswith(b"\x89PNG")
        image.close()
    assert [(s["short_name"], s["url"]) for s in manifest["shortcuts"]] == [
        ("Today", "/today/"), ("Calls", "/calls/"), ("Talk", "/talk/")]


def test_manifest_follows_a_renamed_business(client, seeded_url):
    with session_scope(seeded_url) as session:
        save_profile_data(session=session, data={**session.get(BusinessSetting, PROFILE_KEY).value,
                                                 "name": "Northside Drains"})
    assert client.get("/manifest.webmanifest").get_json()["name"] == "Northside Drains dashboard"


def test_service_worker_is_served_from_the_root_uncached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200, "run `make static` to build the service worker"
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    script = response.get_data(as_text=True)
    response.close()
    assert '"/offline"' in script and "importScripts(\"/static/js/sw-push.js?v=" in script


def test_static_urls_carry_the_files_own_version(logged_in):
    page = logged_in.get("/today/").get_data(as_text=True)
    version = hashlib.md5((STATIC / "css/app.css").read_bytes()).hexdigest()
    assert f'/static/css/app.css?v={version}' in page
    assert 'rel="manifest" href="/manifest.webmanifest"' in page


def test_offline_page_is_public_and_shows_no_account(client):
    page = client.get("/offline").get_data(as_text=True)
    assert "You are offline" in page
    assert "Sign out" not in page and "csrf_token" not in page


def test_today_lists_today_and_tomorrow_with_addresses(logged_in, booked):
    page = logged_in.get("/today/").get_data(as_text=True)
    today, tomorrow = page.split('id="jobs-2"')
    assert "No jobs." in today  # Monday 9:00: nothing left today
    assert "Dana Whitfield" in tomorrow and "233 S Wacker Dr, Chicago" in tomorrow and "10:00 AM" in tomorrow


def test_home_is_today(logged_in):
    assert logged_in.get("/").headers["Location"] == "/today/"


def test_sign_out_tells_the_browser_to_clear_the_cache(logged_in):
    response = logged_in.post("/logout")
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'


def test_the_service_worker_precaches_the_files_as_they_are_now(client):
    """Built from the current files: each precached URL names the version pages link to, so
    an installed app never serves an old file to a new page (a stale build fails here)."""
    script = client.get("/sw.js").get_data(as_text=True)
    precached = dict(re.findall(r'url:"/static/([^"?]+)\?v=([0-9a-f]{32})"', script))
    assert {"css/app.css", "js/pwa.js", "js/talk.js", "js/talk-worklet.js", "icons/icon-192.png"} <= set(precached)
    for name, version in precached.items():
        assert hashlib.md5((STATIC / name).read_bytes()).hexdigest() == version, f"{name}: run `make static`"
