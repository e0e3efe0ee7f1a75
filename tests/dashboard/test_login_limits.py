"""Sign-in throttling: POST /login is limited per username and per client address; a
limited attempt gets the sign-in form back with a message and 429, even with the right
password, until the window has passed. The windows move on a fake clock, never on sleeps."""
from __future__ import annotations

import os
import re
import time
import uuid

import limits.storage.memory
import pytest

from dashboard.auth.limits import username_key
from dashboard.config import load_config
from tests.dashboard.conftest import PASSWORD, USERNAME

WRONG = "not the password"


class FakeClock:
    """Stands in for the `time` module inside limits' memory storage."""

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(limits.storage.memory, "time", fake)
    return fake


def signed_in(client) -> bool:
    return client.get("/appointments/").status_code == 200


def test_wrong_passwords_past_the_limit_lock_out_the_right_one_until_the_minute_passes(client, auth, clock):
    for _ in range(5):
        response = auth.login(password=WRONG)
        assert response.status_code == 200 and b"Invalid username or password." in response.data
    assert auth.login(password=WRONG).status_code == 429
    refused = auth.login()  # the right password, too soon
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Too many sign-in attempts" in page and 'name="password"' in page  # the form, not an error page
    assert "Retry-After" in refused.headers
    assert not signed_in(client)
    clock.advance(30)
    assert auth.login().status_code == 429
    clock.advance(31)
    assert auth.login().status_code == 302
    assert signed_in(client)


def test_twenty_wrong_passwords_in_an_hour_lock_the_username_for_the_hour(client, auth, clock):
    for _ in range(4):
        for _ in range(5):
            assert auth.login(password=WRONG).status_code == 200
        clock.advance(61)
    response = auth.login()
    assert response.status_code == 429 and b"an hour" in response.data
    clock.advance(3600 - 4 * 61 + 1)  # the first five have left the hour
    assert auth.login().status_code == 302


def test_the_username_limit_holds_across_addresses(client, auth, clock):
    for n in range(5):
        client.post("/login", data={"username": USERNAME, "password": WRONG},
                    environ_base={"REMOTE_ADDR": f"10.0.0.{n}"})
    response = client.post("/login", data={"username": USERNAME, "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": "10.0.0.99"})
    assert response.status_code == 429
    assert not signed_in(client)


def test_one_address_trying_many_usernames_is_limited(client, auth, clock):
    for n in range(30):
        assert auth.login(username=f"guess{n}", password=WRONG).status_code == 200
    assert auth.login().status_code == 429
    other = client.post("/login", data={"username": USERNAME, "password": PASSWORD},
                        environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 302  # another address is not punished for this one


def test_showing_the_form_is_not_limited(client, auth, clock):
    for _ in range(40):
        assert client.get("/login").status_code == 200
    assert auth.login().status_code == 302


def test_limited_form_still_carries_a_csrf_token(make_app, owner, clock):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    for _ in range(5):
        client.post("/login", data={"username": USERNAME, "password": WRONG, "csrf_token": token})
    limited = client.post("/login", data={"username": USERNAME, "password": PASSWORD, "csrf_token": token})
    assert limited.status_code == 429
    assert re.search(r'name="csrf_token" type="hidden" value="[^"]+"', limited.get_data(as_text=True))


def test_storage_comes_from_the_environment():
    assert load_config({"SECRET_KEY": "x"}, environ={})["RATELIMIT_STORAGE_URI"] == "memory://"
    environ = {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"}
    assert load_config({"SECRET_KEY": "x"}, environ=environ)["RATELIMIT_STORAGE_URI"] == environ["RATELIMIT_STORAGE_URI"]


def test_unknown_storage_scheme_is_refused_by_name():
    with pytest.raises(ValueError, match="RATELIMIT_STORAGE_URI"):
        load_config({"SECRET_KEY": "x"}, environ={"RATELIMIT_STORAGE_URI": "memcache-typo://x"})


REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_client():
    import redis
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        # As for PostgreSQL: skipped on a laptop without Redis, a failure in CI.
        message = f"Redis is not reachable at {REDIS_URL}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    yield client
    client.close()


def test_attempts_are_counted_in_redis_when_configured(make_app, owner, redis_client):
    """With a redis:// storage every replica counts the same attempts: they live in Redis."""
    username = f"redis-{uuid.uuid4().hex[:8]}"
    pattern = f"*{username_key(username)}*"
    client = make_app(RATELIMIT_STORAGE_URI=REDIS_URL).test_client()
    try:
        for _ in range(5):
            assert client.post("/login", data={"username": username, "password": WRONG}).status_code == 200
        assert client.post("/login", data={"username": username, "password": WRONG}).status_code == 429
        assert redis_client.keys(pattern)
    finally:
        for key in redis_client.keys(pattern):
            redis_client.delete(key)
