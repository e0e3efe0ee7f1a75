"""Linking Google Calendar from the settings page: the authorization URL (scopes, state,
redirect), the callback's state check, the token exchange through google-auth-oauthlib
on a local transport, tokens stored encrypted, and unlinking (revoked at Google)."""
from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from googleapiclient.http import HttpMockSequence
from sqlalchemy import create_engine, text

from business.calendar.accounts import REVOKE_URI, TOKEN_URI
from business.calendar.google import SCOPES
from business.calendar.tokens import decrypt_tokens, generate_key
from tests.google_transport import RecordingAdapter

KEY = generate_key()
GOOGLE = {"CALENDAR_TOKEN_KEY": KEY, "GOOGLE_CLIENT_ID": "client-123.apps.googleusercontent.com",
          "GOOGLE_CLIENT_SECRET": "shh-client-secret", "PUBLIC_BASE_URL": "https://office.example.com"}
CALLBACK = "https://office.example.com/settings/google/callback"
TOKEN_ANSWER = {"access_token": "ya29.access-secret", "refresh_token": "1//refresh-secret", "expires_in": 3599,
                "token_type": "Bearer", "scope": " ".join(SCOPES)}
CALENDAR_LIST = {"items": [{"id": "owner@example.com", "summary": "Owner", "primary": True, "accessRole": "owner"},
                           {"id": "team@group.calendar.google.com", "summary": "Crew", "accessRole": "writer"}]}


def raw_accounts(url: str):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            query = text("select token_ciphertext, account_email, calendar_choices from calendar_accounts")
            return conn.execute(query).all()
    finally:
        engine.dispose()


@pytest.fixture
def oauth():
    return RecordingAdapter([(200, TOKEN_ANSWER)])


@pytest.fixture
def api():
    return HttpMockSequence([({"status": "200"}, json.dumps(CALENDAR_LIST))])


@pytest.fixture
def google_client(make_app, owner, oauth, api):
    app = make_app(**GOOGLE, GOOGLE_OAUTH_ADAPTER=oauth, GOOGLE_API_HTTP=api)
    client = app.test_client()
    assert client.post("/login", data={"username": "owner", "password": "correct horse battery"}).status_code == 302
    return client


def start_link(client) -> dict[str, list[str]]:
    response = client.post("/settings/google/link")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == ("https", "accounts.google.com", "/o/oauth2/auth")
    return parse_qs(location.query)


def test_link_sends_the_owner_to_google_with_scopes_state_and_redirect(google_client):
    query = start_link(google_client)
    assert query["client_id"] == [GOOGLE["GOOGLE_CLIENT_ID"]]
    assert query["redirect_uri"] == [CALLBACK]
    assert query["response_type"] == ["code"]
    assert set(query["scope"][0].split()) == set(SCOPES)
    assert query["access_type"] == ["offline"] and query["prompt"] == ["consent"]
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    with google_client.session_transaction() as flask_session:
        assert flask_session["google_oauth"]["state"] == query["state"][0]
    # A second click starts a new flow with a new state.
    assert start_link(google_client)["state"] != query["state"]


def test_callback_exchanges_the_code_and_stores_tokens_encrypted(google_client, oauth, api, seeded_url):
    state = start_link(google_client)["state"][0]
    response = google_client.get("/settings/google/callback", query_string={"state": state, "code": "4/auth-code"})
    assert response.status_code == 302 and response.headers["Location"] == "/settings/"
    [token_request] = oauth.sent
    assert token_request.method == "POST" and token_request.url == TOKEN_URI
    form = oauth.form(0)
    assert form["grant_type"] == "authorization_code" and form["code"] == "4/auth-code"
    assert form["redirect_uri"] == CALLBACK and form["code_verifier"]
    [(uri, method, _, _)] = api.request_sequence
    assert method == "GET" and urlsplit(uri).path == "/calendar/v3/users/me/calendarList"

    [(ciphertext, email, choices)] = raw_accounts(seeded_url)
    assert "access-secret" not in ciphertext and "refresh-secret" not in ciphertext
    stored = decrypt_tokens(ciphertext, key=KEY)
    assert (stored["token"], stored["refresh_token"]) == ("ya29.access-secret", "1//refresh-secret")
    assert email == "owner@example.com"
    choices = json.loads(choices) if isinstance(choices, str) else choices
    assert [c["id"] for c in choices] == ["owner@example.com", "team@group.calendar.google.com"]

    page = google_client.get("/settings/").get_data(as_text=True)
    assert "Linked to <strong>owner@example.com</strong>" in page and "Crew" in page


@pytest.mark.parametrize("state", ["forged-state", "", None])
def test_callback_with_a_state_that_does_not_match_is_refused(google_client, oauth, seeded_url, state):
    start_link(google_client)
    query = {"code": "4/auth-code"} | ({"state": state} if state is not None else {})
    response = google_client.get("/settings/google/callback", query_string=query)
    assert response.status_code == 400
    assert oauth.sent == [] and raw_accounts(seeded_url) == []


def test_callback_without_a_link_started_is_refused(google_client, oauth, seeded_url):
    response = google_client.get("/settings/google/callback", query_string={"state": "x", "code": "4/auth-code"})
    assert response.status_code == 400 and raw_accounts(seeded_url) == []


def test_a_state_is_good_for_one_callback_only(google_client, seeded_url):
    state = start_link(google_client)["state"][0]
    assert google_client.get("/settings/google/callback", query_string={"state": state, "code": "c"}).status_code == 302
    assert google_client.get("/settings/google/callback", query_string={"state": state, "code": "c"}).status_code == 400


def test_owner_declining_at_google_links_nothing(google_client, oauth, seeded_url):
    state = start_link(google_client)["state"][0]
    response = google_client.get("/settings/google/callback", query_string={"state": state, "error": "access_denied"},
                                 follow_redirects=True)
    assert "access was not granted" in response.get_data(as_text=True)
    assert oauth.sent == [] and raw_accounts(seeded_url) == []


def test_fewer_permissions_than_needed_links_nothing(make_app, owner, api, seeded_url):
    oauth = RecordingAdapter([(200, TOKEN_ANSWER | {"scope": SCOPES[0]})])
    client = make_app(**GOOGLE, GOOGLE_OAUTH_ADAPTER=oauth, GOOGLE_API_HTTP=api).test_client()
    client.post("/login", data={"username": "owner", "password": "correct horse battery"})
    state = start_link(client)["state"][0]
    response = client.get("/settings/google/callback", query_string={"state": state, "code": "c"},
                          follow_redirects=True)
    assert "fewer permissions" in response.get_data(as_text=True)
    assert raw_accounts(seeded_url) == []


def test_google_refusing_the_code_links_nothing(make_app, owner, api, seeded_url):
    oauth = RecordingAdapter([(400, {"error": "invalid_grant"})])
    client = make_app(**GOOGLE, GOOGLE_OAUTH_ADAPTER=oauth, GOOGLE_API_HTTP=api).test_client()
    client.post("/login", data={"username": "owner", "password": "correct horse battery"})
    state = start_link(client)["state"][0]
    response = client.get("/settings/google/callback", query_string={"state": state, "code": "c"},
                          follow_redirects=True)
    assert response.status_code == 200 and "did not accept" in response.get_data(as_text=True)
    assert raw_accounts(seeded_url) == []


def test_linking_is_refused_without_the_token_key(make_app, owner, seeded_url):
    client = make_app(**(GOOGLE | {"CALENDAR_TOKEN_KEY": ""})).test_client()
    client.post("/login", data={"username": "owner", "password": "correct horse battery"})
    page = client.get("/settings/").get_data(as_text=True)
    assert "CALENDAR_TOKEN_KEY is not set" in page
    response = client.post("/settings/google/link", follow_redirects=True)
    assert response.request.path == "/settings/"
    assert "CALENDAR_TOKEN_KEY is not set" in response.get_data(as_text=True)


def test_unlink_revokes_at_google_and_deletes_the_tokens(google_client, oauth, seeded_url):
    state = start_link(google_client)["state"][0]
    google_client.get("/settings/google/callback", query_string={"state": state, "code": "c"})
    oauth.answers.append((200, {}))
    response = google_client.post("/settings/google/unlink", follow_redirects=True)
    assert "Google Calendar unlinked." in response.get_data(as_text=True)
    revoke = oauth.sent[-1]
    assert revoke.method == "POST" and revoke.url == REVOKE_URI
    assert oauth.form(len(oauth.sent) - 1) == {"token": "1//refresh-secret"}
    assert raw_accounts(seeded_url) == []
