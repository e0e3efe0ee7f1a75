"""Bad input never reaches a 500: malformed query parameters are 400 JSON on the API,
unknown paths and methods are 404/405 (JSON under /api/, HTML elsewhere), undecodable
bytes are 400 and oversized bodies 413."""
from __future__ import annotations

import pytest

BAD_API_QUERIES = [
    "/api/appointments?from=2026-13-01",
    "/api/appointments?from=2026-02-30",
    "/api/appointments?from=tomorrow",
    "/api/appointments?from=2026-1-5",
    "/api/appointments?from=2026-11-24T10:00",
    "/api/appointments?from=%EF%BC%92026-11-24",  # a full-width digit
    "/api/appointments?from=",
    "/api/appointments?from=2026-11-25&to=2026-11-24",
    "/api/appointments?to=2026-11-01",  # before the default `from` (today)
    "/api/appointments?from=2026-01-01&to=2028-01-01",  # longer than 366 days
    "/api/appointments?from=9999-12-31",  # the default `to` would overflow
    "/api/appointments?from=0000-01-01",
    "/api/appointments?from=2026-11-24&from=2026-11-25",
    "/api/appointments?form=2026-11-24",
    "/api/appointments?from=2026-11-24%00",
    "/api/appointments?from=%FF",
    "/api/conversations?limit=abc",
    "/api/conversations?limit=501",
    "/api/conversations?limit=0",
    "/api/conversations?limit=-1",
    "/api/conversations?limit=1.5",
    "/api/conversations?limit=+5",
    "/api/conversations?limit=%205",
    "/api/conversations?limit=1_0",
    "/api/conversations?limit=99999999999999999999999",
    "/api/conversations?limit=",
    "/api/conversations?limit=10&limit=20",
    "/api/conversations?limit=10&x=1",
    "/api/conversations?limit=%C0%AF",
]


@pytest.mark.parametrize("url", BAD_API_QUERIES)
def test_bad_api_query_is_400_json(logged_in, url):
    response = logged_in.get(url)
    assert response.status_code == 400
    assert response.is_json
    assert isinstance(response.get_json()["error"], str) and response.get_json()["error"]


def test_bad_query_message_says_what_is_wrong(logged_in):
    assert "from must not be after to" in logged_in.get(
        "/api/appointments?from=2026-11-25&to=2026-11-24").get_json()["error"]
    assert "unknown query parameter(s): form" in logged_in.get("/api/appointments?form=1").get_json()["error"]


@pytest.mark.parametrize("url", ["/api/appointments?from=0001-01-01", "/api/appointments?from=9999-12-01&to=9999-12-31"])
def test_extreme_but_valid_dates_are_not_errors(logged_in, url):
    assert logged_in.get(url).status_code == 200


@pytest.mark.parametrize(
    ("method", "url", "code"),
    [
        ("GET", "/api/nope", 404),
        ("GET", "/api", 404),
        ("GET", "/api/appointments/1", 404),
        ("POST", "/api/appointments", 405),
        ("DELETE", "/api/conversations", 405),
    ],
)
def test_api_404_405_are_json(logged_in, method, url, code):
    response = logged_in.open(url, method=method)
    assert response.status_code == code
    assert response.is_json and response.get_json()["error"]
    if code == 405:
        assert "GET" in response.headers["Allow"]


def test_api_405_is_json_with_csrf_enabled(make_app, owner):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = "1", True  # signed in without the form
    response = client.post("/api/appointments")
    assert response.status_code == 405 and response.is_json


@pytest.mark.parametrize(
    ("method", "url", "code"),
    [
        ("GET", "/nope", 404),
        ("GET", "/calls/999999", 404),
        ("GET", "/calls/abc", 404),
        ("GET", "/calls/-1", 404),
        ("GET", "/calls/99999999999999999999", 404),  # beyond a 32-bit id: 404, not a database error
        ("GET", "/calls/2147483648", 404),
        ("POST", "/appointments/", 405),
        ("PUT", "/login", 405),
    ],
)
def test_page_404_405_are_html(logged_in, method, url, code):
    response = logged_in.open(url, method=method)
    assert response.status_code == code
    assert response.mimetype == "text/html"
    assert f"{code} ·" in response.get_data(as_text=True)


def test_unknown_query_params_on_pages_are_ignored(logged_in):
    assert logged_in.get("/appointments/?utm_source=x").status_code == 200


@pytest.mark.parametrize(
    ("url", "kwargs"),
    [
        ("/login", {"data": b"username=%FF%FE&password=abcdefghijk",
                    "content_type": "application/x-www-form-urlencoded"}),
        ("/login", {"data": b"username=\xff\xfe&password=abcdefghijk",
                    "content_type": "application/x-www-form-urlencoded"}),
        ("/login", {"data": b"--b\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\n\xff\r\n--b--\r\n",
                    "content_type": "multipart/form-data; boundary=b"}),
        ("/login", {"data": b"\xff\xfe", "content_type": "application/json"}),
        ("/login?next=%FF", {"data": {"username": "owner", "password": "abcdefghijk"}}),
    ],
)
def test_undecodable_input_is_400(client, owner, url, kwargs):
    response = client.post(url, **kwargs)
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/calls/%FF", "/api/%FF", "/%C0%AF"])
def test_undecodable_path_is_4xx(logged_in, path):
    response = logged_in.get(path)
    assert 400 <= response.status_code < 500
    if path.startswith("/api/"):
        assert response.is_json


@pytest.mark.parametrize("raw_path", ["/calls/\xff", "/api/appointments\xc0\xaf"])
def test_undecodable_raw_path_is_400(logged_in, raw_path):
    # A WSGI server such as gunicorn passes the raw bytes as latin-1 in PATH_INFO; the
    # test client would have replaced them already, so set PATH_INFO the server's way.
    response = logged_in.get("/", environ_overrides={"PATH_INFO": raw_path})
    assert response.status_code == 400
    assert response.is_json == raw_path.startswith("/api/")


def test_oversized_body_is_413(client, owner):
    response = client.post("/login", data={"username": "owner", "password": "x" * (1024 * 1024 + 10)})
    assert response.status_code == 413


def test_oversized_api_body_is_413_json(logged_in):
    response = logged_in.post("/api/appointments", data=b"x" * (1024 * 1024 + 1), content_type="text/plain")
    assert response.status_code == 413
    assert response.is_json


def test_huge_username_and_password_are_a_failed_login_not_an_error(client, owner):
    response = client.post("/login", data={"username": "u" * 5000, "password": "p" * 5000})
    assert response.status_code == 200
    assert b"Invalid username or password." in response.data
