"""Roles: every route in the app's URL map, requested by each role and by a visitor not
signed in, against the table below. A route added without a row here, or without a
declared role on its view, fails."""
from __future__ import annotations

import re
import shutil
from datetime import timezone

import pytest
from sqlalchemy import select, text

from business.db import get_engine, session_factory
from business.models import Technician, User
from business.profile import load_profile
from business.repository import get_service_by_slug, upsert_customer
from business.scheduling import book_appointment
from business.seed import seed
from dashboard import create_app
from dashboard.auth.accounts import create_user
from dashboard.auth.roles import allowed_roles
from tests.conftest import DATA_DIR
from tests.dashboard.conftest import BOOKED_START, NOW, PASSWORD, TEST_CONFIG

OWNER, OFFICE, TECH = "owner", "office", "technician"
ALL, STAFF, OWNER_ONLY, PUBLIC = {OWNER, OFFICE, TECH}, {OWNER, OFFICE}, {OWNER}, "public"

# Who may use each endpoint. Owner: everything; office: everything but users and
# settings (message templates are settings); technician: their own jobs and account.
EXPECTED: dict[str, set[str] | str] = {
    "static": PUBLIC, "health.health": PUBLIC, "auth.login": PUBLIC, "settings.google_notification": PUBLIC,
    "twilio_webhooks.inbound_sms": PUBLIC, "twilio_webhooks.message_status": PUBLIC,
    "auth.logout": ALL, "account.index": ALL, "account.password": ALL, "account.sign_out_everywhere": ALL,
    "today.index": ALL, "technicians.index": ALL, "technicians.job_action": ALL,
    "appointments.upcoming": STAFF, "calendar.index": STAFF, "calls.index": STAFF, "calls.detail": STAFF,
    "live.index": STAFF, "live.events": STAFF, "talk.index": STAFF, "outbox.index": STAFF, "outbox.resend": STAFF,
    "calls.called_back": STAFF, "leads.index": STAFF, "leads.set_status": STAFF,
    "customers.index": STAFF, "customers.detail": STAFF, "customers.edit": STAFF, "customers.export": STAFF,
    "customers.erase": STAFF, "jobs.new": STAFF, "jobs.cancel": STAFF, "jobs.move": STAFF,
    "api.appointments": STAFF, "api.conversations": STAFF, "api.availability": STAFF,
    "outbox.templates": OWNER_ONLY, "outbox.edit_template": OWNER_ONLY,
    "settings.index": OWNER_ONLY, "settings.google_link": OWNER_ONLY, "settings.google_callback": OWNER_ONLY,
    "settings.google_calendars": OWNER_ONLY, "settings.google_unlink": OWNER_ONLY, "settings.sync_now": OWNER_ONLY,
    "settings.keep_our_time": OWNER_ONLY, "settings.add_block": OWNER_ONLY, "settings.remove_block": OWNER_ONLY,
    # Analytics and the owner's settings editor.
    "analytics.index": STAFF, "analytics.report_json": STAFF, "analytics.report_csv": STAFF,
    "widget.widget_script": PUBLIC, "widget.demo_site": PUBLIC,
    "today.home": ALL, "pwa.manifest": PUBLIC, "pwa.service_worker": PUBLIC, "pwa.offline": PUBLIC,
    "notifications.index": STAFF, "notifications.mark_read": STAFF, "notifications.push_settings": ALL,
    "notifications.subscribe": ALL, "notifications.unsubscribe": ALL, "notifications.remove_device": ALL,
    "settings.edit_section": OWNER_ONLY, "settings.services": OWNER_ONLY, "settings.save_service_view": OWNER_ONLY,
    "settings.technicians": OWNER_ONLY, "settings.edit_technician": OWNER_ONLY,
    "settings.users": OWNER_ONLY, "settings.add_user_view": OWNER_ONLY, "settings.edit_user": OWNER_ONLY,
    "settings.reset_user_password": OWNER_ONLY, "settings.set_user_active": OWNER_ONLY,
}
# These end the session on purpose, so they answer with the sign-in form.
SIGN_OUT = {"auth.logout", "account.sign_out_everywhere"}
SAMPLE_ARGS = {"action": "accept", "kind": "reminder", "filename": "css/app.css", "fmt": "json",
               "name": "outcomes", "section": "business", "service_ref": "new"}
# The app is built once at collection to list its routes; no request reaches its database.
_URL_MAP_APP = create_app({**TEST_CONFIG, "DATABASE_URL": "sqlite://"})


def _cases():
    for rule in sorted(_URL_MAP_APP.url_map.iter_rules(), key=lambda r: r.rule):
        path = re.sub(r"<(?:[^<>]*:)?(\w+)>", lambda m: SAMPLE_ARGS.get(m.group(1), "1"), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield pytest.param(rule.endpoint, method, path, id=f"{method} {rule.rule}")


CASES = list(_cases())


@pytest.fixture(scope="module")
def role_app(tmp_path_factory, sqlite_template):
    """One seeded SQLite database with a user per role; roles are about our code, not the engine."""
    target = tmp_path_factory.mktemp("roles") / "roles.db"
    shutil.copyfile(sqlite_template, target)
    url = f"sqlite:///{target}"
    with session_factory(url).begin() as session:
        seed(session=session, data_dir=DATA_DIR)
        tech = session.scalar(select(Technician).order_by(Technician.id))
        for role in (OWNER, OFFICE, TECH):
            # The second account of each role is for the routes that end every session of the user.
            for username in (role, f"{role}-2"):
                create_user(session=session, username=username, password=PASSWORD, role=role,
                            technician_id=tech.id if role == TECH else None)
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "CLOCK": lambda: NOW})
    yield app
    get_engine(url).dispose()


@pytest.fixture(scope="module")
def signed_in(role_app) -> dict[str, str]:
    """A session cookie per role, signed in once (argon2 is slow on purpose); the routes
    that sign out sign in afresh."""
    cookies = {}
    for role in (OWNER, OFFICE, TECH):
        client = role_app.test_client()
        assert client.post("/login", data={"username": role, "password": PASSWORD}).status_code == 302
        cookies[role] = client.get_cookie(role_app.config["SESSION_COOKIE_NAME"]).value
    return cookies


def test_every_route_has_a_row_and_its_view_declares_those_roles():
    endpoints = {rule.endpoint for rule in _URL_MAP_APP.url_map.iter_rules()}
    assert endpoints - EXPECTED.keys() == set(), "add these routes to EXPECTED and declare their roles"
    with _URL_MAP_APP.app_context():
        for endpoint in endpoints:
            declared = allowed_roles(endpoint)
            assert declared is not None, f"{endpoint} declares no role (use role_required or public)"
            expected = {"public"} if EXPECTED[endpoint] == PUBLIC else EXPECTED[endpoint]
            assert set(declared) == expected, endpoint


def _went_to_sign_in(response) -> bool:
    return response.status_code == 401 or (
        response.status_code == 302 and response.headers["Location"].startswith("/login"))


@pytest.mark.parametrize("role", [None, OWNER, OFFICE, TECH], ids=["anonymous", OWNER, OFFICE, TECH])
@pytest.mark.parametrize(("endpoint", "method", "path"), CASES)
def test_route_against_role(role_app, signed_in, role, endpoint, method, path):
    expected = EXPECTED.get(endpoint)
    assert expected is not None, f"{endpoint} ({path}) has no row in EXPECTED"
    client = role_app.test_client()
    if role is not None and endpoint in SIGN_OUT:
        assert client.post("/login", data={"username": f"{role}-2", "password": PASSWORD}).status_code == 302
    elif role is not None:
        client.set_cookie(role_app.config["SESSION_COOKIE_NAME"], signed_in[role])
    response = client.open(path, method=method)
    if expected == PUBLIC:
        assert not _went_to_sign_in(response)
    elif role is None:
        assert _went_to_sign_in(response)
    elif role in expected:
        assert response.status_code not in (401, 403)
        assert endpoint in SIGN_OUT or not _went_to_sign_in(response)
    else:
        assert response.status_code == 403


def test_a_view_without_a_declared_role_is_refused_to_everyone(role_app):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": role_app.config["DATABASE_URL"], "CLOCK": lambda: NOW})
    app.add_url_rule("/undeclared", "undeclared", lambda: "secret")
    client = app.test_client()
    assert client.post("/login", data={"username": OWNER, "password": PASSWORD}).status_code == 302
    response = client.get("/undeclared")
    assert response.status_code == 403 and b"secret" not in response.data


def test_existing_users_become_owners(sqlite_url):
    # A row written as before roles existed gets the column's server default.
    with session_factory(sqlite_url).begin() as session:
        session.execute(text("INSERT INTO users (username, password_hash, created_at) "
                             "VALUES ('old', 'x', '2026-01-01 00:00:00')"))
    with session_factory(sqlite_url)() as session:
        assert session.scalar(select(User.role).where(User.username == "old")) == OWNER


def test_create_user_command_takes_a_role(runner, app):
    result = runner.invoke(args=["create-user", "frontdesk", "--role", "office", "--password-stdin"],
                           input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["create-user", "mike", "--role", "technician", "--technician", "Mike Alvarez",
                                 "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["create-user", "nobody", "--role", "technician", "--technician", "No Such",
                                 "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code != 0 and "no technician is named" in result.output
    result = runner.invoke(args=["create-user", "boss", "--role", "admin", "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code != 0
    with app.app_context():
        from dashboard.db import get_session
        users = {u.username: u for u in get_session().scalars(select(User))}
        assert users["frontdesk"].role == OFFICE and users["frontdesk"].technician_id is None
        assert users["mike"].role == TECH and users["mike"].technician.name == "Mike Alvarez"


def _booked_for(url: str) -> tuple[int, int]:
    """A booked job; returns (appointment id, its technician's id)."""
    with session_factory(url).begin() as session:
        customer = upsert_customer(session=session, phone="+13125550123", name="Dana Whitfield",
                                   address="233 S Wacker Dr, Chicago", zip_code="60606")
        appointment = book_appointment(
            session=session, profile=load_profile(session=session), customer=customer,
            service=get_service_by_slug(session=session, slug="drain_cleaning"),
            start=BOOKED_START.astimezone(timezone.utc), now=NOW, problem="kitchen sink backs up")
        return appointment.id, appointment.technician_id


def test_technician_sees_and_acts_on_own_jobs_only(app, seeded_url):
    appointment_id, technician_id = _booked_for(seeded_url)
    with session_factory(seeded_url).begin() as session:
        others = list(session.scalars(select(Technician.id).where(Technician.id != technician_id)))
        create_user(session=session, username="own", password=PASSWORD, role=TECH, technician_id=technician_id)
        create_user(session=session, username="other", password=PASSWORD, role=TECH, technician_id=others[0])
    other = app.test_client()
    other.post("/login", data={"username": "other", "password": PASSWORD})
    assert other.get("/").headers["Location"] == "/technicians/"
    assert "Dana Whitfield" not in other.get("/technicians/").get_data(as_text=True)
    assert other.post(f"/technicians/jobs/{appointment_id}/accept").status_code == 404
    own = app.test_client()
    own.post("/login", data={"username": "own", "password": PASSWORD})
    page = own.get("/technicians/").get_data(as_text=True)
    assert 'href="/settings/"' not in page and 'href="/calls/"' not in page and 'href="/talk/"' not in page
    assert own.post(f"/technicians/jobs/{appointment_id}/accept").status_code == 302
