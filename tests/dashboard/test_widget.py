"""The chat widget's public routes: /widget.js carries the dashboard's defaults, caches and
embeds from any site; /demo/ is the seeded business's home page with the widget; the
Settings page shows the snippet to copy."""
from __future__ import annotations

import json
import re

import pytest

from dashboard import widget

BUNDLE = "console.log(typeof __lakeshoreDefaults);"


@pytest.fixture
def built(tmp_path, monkeypatch):
    """A stand-in bundle where `make static` puts the real one (the browser test loads that)."""
    bundle = tmp_path / "widget.js"
    bundle.write_text(BUNDLE)
    monkeypatch.setattr(widget, "BUNDLE", bundle)
    return bundle


def test_widget_script_is_public_cacheable_and_embeddable(make_app, built):
    client = make_app(WIDGET_SOCKET_URL="https://chat.example.com").test_client()
    response = client.get("/widget.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    body = response.get_data(as_text=True)
    assert BUNDLE in body
    defaults = json.loads(re.search(r"\}\)\((\{.*\})\);\s*$", body).group(1))
    assert defaults == {"socketUrl": "https://chat.example.com", "title": "Lakeshore Plumbing"}
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    again = client.get("/widget.js", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_widget_script_not_built_is_a_404(make_app, tmp_path, monkeypatch):
    monkeypatch.setattr(widget, "BUNDLE", tmp_path / "missing.js")
    assert make_app().test_client().get("/widget.js").status_code == 404


def test_socket_url_defaults_to_rasa(make_app, built):
    body = make_app(RASA_URL="http://127.0.0.1:5005").test_client().get("/widget.js").get_data(as_text=True)
    assert '"socketUrl": "http://127.0.0.1:5005"' in body


def test_demo_site_shows_services_hours_and_the_widget(client, built):
    response = client.get("/demo/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Chicago plumbing" in page and "Lakeshore Plumbing" in page
    assert "Drain cleaning" in page and "$" in page  # services and prices from the database
    assert "Monday</th><td>7 a.m. to 6 p.m." in page and "Sunday</th><td>Closed" in page
    assert '<script src="/widget.js"' in page
    policy = response.headers["Content-Security-Policy"]
    assert "connect-src 'self' http://127.0.0.1:5005 ws://127.0.0.1:5005" in policy
    assert "script-src" not in policy and "default-src 'self'" in policy


def test_settings_shows_the_snippet_to_copy(logged_in, built):
    page = logged_in.get("/settings/").get_data(as_text=True)
    assert "Website chat widget" in page and 'id="copy-snippet"' in page
    assert ('&lt;script src=&#34;http://localhost/widget.js&#34; data-socket-url=&#34;http://127.0.0.1:5005&#34; '
            'data-title=&#34;Lakeshore Plumbing&#34; defer&gt;&lt;/script&gt;') in page
