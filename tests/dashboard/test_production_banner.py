"""In production, a dashboard whose messaging is in local mode (no Twilio sender, no SMTP
server) says so on every page in a red banner: texts and emails stay in the outbox."""
from __future__ import annotations

import pytest

from business.notifications.config import NotificationSettings
from tests.dashboard.conftest import PASSWORD, USERNAME

PRODUCTION = {"APP_ENV": "production", "SECRET_KEY": "p" * 32, "SESSION_COOKIE_SECURE": False}
TWILIO = {"twilio_account_sid": "AC" + "0" * 32, "twilio_auth_token": "t" * 32, "twilio_from_number": "+13125550100"}
SMTP = {"smtp_host": "smtp.example.com", "smtp_from": "office@example.com"}
PAGES = ["/appointments/", "/calendar/", "/technicians/", "/calls/", "/live/", "/talk/", "/outbox/", "/settings/",
         "/account/"]


def signed_in_client(make_app, **config):
    client = make_app(**config).test_client()
    assert client.post("/login", data={"username": USERNAME, "password": PASSWORD}).status_code == 302
    return client


def banner(page: str) -> str | None:
    if 'class="banner-danger"' not in page:
        return None
    return page.split('class="banner-danger"', 1)[1].split("</div>", 1)[0]


def test_every_page_warns_when_neither_texts_nor_emails_are_sent(make_app, owner):
    client = signed_in_client(make_app, **PRODUCTION, NOTIFY=NotificationSettings())
    for path in PAGES:
        page = client.get(path).get_data(as_text=True)
        text = banner(page)
        assert text is not None, path
        assert "Texts and emails are NOT being sent" in text and "outbox" in text.lower()
        assert 'role="alert"' in page


@pytest.mark.parametrize(
    ("notify", "expected", "absent"),
    [(TWILIO, "Emails are NOT being sent", "Texts"), (SMTP, "Texts are NOT being sent", "Emails")],
)
def test_the_banner_names_what_is_not_sent(make_app, owner, notify, expected, absent):
    client = signed_in_client(make_app, **PRODUCTION, NOTIFY=NotificationSettings(**notify))
    text = banner(client.get("/appointments/").get_data(as_text=True))
    assert expected in text and absent not in text


def test_no_banner_in_production_when_both_are_configured(make_app, owner):
    client = signed_in_client(make_app, **PRODUCTION, NOTIFY=NotificationSettings(**TWILIO, **SMTP))
    for path in PAGES:
        assert banner(client.get(path).get_data(as_text=True)) is None, path


def test_no_banner_in_development_where_local_mode_is_the_point(make_app, owner):
    client = signed_in_client(make_app, NOTIFY=NotificationSettings())
    assert banner(client.get("/appointments/").get_data(as_text=True)) is None


def test_the_sign_in_page_does_not_tell_strangers_about_the_setup(make_app, owner):
    client = make_app(**PRODUCTION, NOTIFY=NotificationSettings()).test_client()
    assert banner(client.get("/login").get_data(as_text=True)) is None
