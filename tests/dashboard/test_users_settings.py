"""Settings > Users: the owner lists, adds, changes, resets and deactivates dashboard logins;
bad input and the last-owner guard are refused on the form with the reason and change
nothing; a changed or deactivated user's open sessions stop at once; other roles get 403."""
from __future__ import annotations

import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, select, text

from business.db import session_scope
from business.models import Base, Technician, User
from dashboard.auth.accounts import create_user
from tests.dashboard.conftest import PASSWORD, USERNAME

OTHER_PASSWORD = "another long passphrase"


def add_account(url: str, username: str, role: str = "office", tech: bool = False) -> int:
    with session_scope(url) as db:
        technician_id = db.scalar(select(Technician.id).order_by(Technician.id)) if tech else None
        return create_user(session=db, username=username, password=PASSWORD, role=role,
                           technician_id=technician_id).id


def stored(url: str, username: str) -> User | None:
    with session_scope(url) as db:
        user = db.scalar(select(User).where(User.username == username))
        if user is not None:
            db.expunge(user)
        return user


def signed_in_as(app, username: str, password: str = PASSWORD):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": password}).status_code == 302
    assert client.get("/account/").status_code == 200
    return client


def is_signed_out(client) -> bool:
    response = client.get("/account/")
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def first_technician(url: str) -> tuple[int, str]:
    with session_scope(url) as db:
        tech = db.scalars(select(Technician).order_by(Technician.id)).first()
        return tech.id, tech.name


def test_the_list_shows_each_user_with_role_technician_sign_in_and_status(logged_in, seeded_url):
    tech_id, tech_name = first_technician(seeded_url)
    add_account(seeded_url, "frontdesk")
    gone = add_account(seeded_url, "mike", role="technician", tech=True)
    with session_scope(seeded_url) as db:
        db.get(User, gone).active = False
    page = logged_in.get("/settings/users").get_data(as_text=True)
    rows = {name: page.split(f">{name}</a></td>")[1].split("</tr>")[0] for name in (USERNAME, "frontdesk", "mike")}
    assert ">owner<" in rows[USERNAME] and "never recorded" not in rows[USERNAME]  # signed in just now
    assert ">office<" in rows["frontdesk"] and "never recorded" in rows["frontdesk"] and ">active<" in rows["frontdesk"]
    assert tech_name in rows["mike"] and ">deactivated<" in rows["mike"]
    assert 'href="/settings/users"' in page and 'aria-current="page">Users<' in page


def test_adding_a_technician_account_stores_argon2_and_they_can_sign_in(logged_in, seeded_url, app):
    tech_id, _ = first_technician(seeded_url)
    response = logged_in.post("/settings/users/add", data={
        "username": "mike", "role": "technician", "technician_id": str(tech_id), "password": OTHER_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/settings/users"
    user = stored(seeded_url, "mike")
    assert (user.role, user.technician_id, user.active) == ("technician", tech_id, True)
    assert user.password_hash.startswith("$argon2id$")
    mike = signed_in_as(app, "mike", OTHER_PASSWORD)
    # Spaces around a password are part of it, as at sign-in.
    assert logged_in.post("/settings/users/add", data={
        "username": "spacey", "role": "office", "password": f" {OTHER_PASSWORD} "}).status_code == 302
    signed_in_as(app, "spacey", f" {OTHER_PASSWORD} ")
    assert mike.get("/").headers["Location"] == "/technicians/"
    assert "mike added (technician)" in logged_in.get("/settings/users").get_data(as_text=True)


@pytest.mark.parametrize(("form", "field", "reason"), [
    ({"username": "x y"}, "username", "must not contain spaces"),
    ({"username": "owner"}, "username", "already exists"),
    ({"username": ""}, "username", "1 to 80 characters"),
    ({"password": "short"}, "password", "at least 10 characters"),
    ({"password": "ten chars\x00 and NUL"}, "password", "without NUL"),
    ({"role": "admin"}, "role", "choose one of owner, office, technician"),
    ({"role": "technician"}, "technician_id", "needs the technician it belongs to"),
    ({"role": "technician", "technician_id": "99999"}, "technician_id", "no such technician"),
    ({"role": "technician", "technician_id": "99999999999"}, "technician_id", "no such technician"),
    ({"role": "technician", "technician_id": "mike"}, "technician_id", "valid integer"),
], ids=["space", "taken", "empty", "short-password", "nul", "role", "no-technician", "unknown-technician",
        "huge-id", "not-a-number"])
def test_a_refused_new_user_is_shown_with_the_reason_and_nothing_is_stored(logged_in, seeded_url, form, field,
                                                                             reason):
    data = {"username": "newbie", "role": "office", "password": OTHER_PASSWORD, **form}
    response = logged_in.post("/settings/users/add", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="error-{field}"' in page and reason in page.split(f'id="error-{field}"')[1].split("</p>")[0]
    assert "Nothing was saved" in page and OTHER_PASSWORD not in page  # the password is never echoed
    with session_scope(seeded_url) as db:
        assert [u.username for u in db.scalars(select(User))] == [USERNAME]


def test_changing_role_and_technician_ends_the_users_sessions(logged_in, seeded_url, app):
    tech_id, _ = first_technician(seeded_url)
    user_id = add_account(seeded_url, "frontdesk")
    frontdesk = signed_in_as(app, "frontdesk")
    page = logged_in.get(f"/settings/users/{user_id}").get_data(as_text=True)
    assert '<option value="office" selected>' in page
    response = logged_in.post(f"/settings/users/{user_id}", data={"role": "technician", "technician_id": str(tech_id)})
    assert response.status_code == 302 and response.headers["Location"] == f"/settings/users/{user_id}"
    user = stored(seeded_url, "frontdesk")
    assert (user.role, user.technician_id) == ("technician", tech_id)
    assert is_signed_out(frontdesk)
    # Back to office: the technician link goes with the role.
    assert logged_in.post(f"/settings/users/{user_id}", data={"role": "office", "technician_id": str(tech_id)}).status_code == 302
    assert (stored(seeded_url, "frontdesk").role, stored(seeded_url, "frontdesk").technician_id) == ("office", None)


def test_a_refused_role_change_changes_nothing_and_keeps_the_session(logged_in, seeded_url, app):
    user_id = add_account(seeded_url, "frontdesk")
    frontdesk = signed_in_as(app, "frontdesk")
    response = logged_in.post(f"/settings/users/{user_id}", data={"role": "technician", "technician_id": ""})
    assert response.status_code == 400
    assert "needs the technician it belongs to" in response.get_data(as_text=True)
    assert stored(seeded_url, "frontdesk").role == "office"
    assert not is_signed_out(frontdesk)


def test_resetting_a_password_replaces_it_and_ends_their_sessions(logged_in, seeded_url, app):
    user_id = add_account(seeded_url, "frontdesk")
    frontdesk = signed_in_as(app, "frontdesk")
    before = stored(seeded_url, "frontdesk").password_hash
    refused = logged_in.post(f"/settings/users/{user_id}/password", data={"password": "short"})
    assert refused.status_code == 400 and "at least 10 characters" in refused.get_data(as_text=True)
    assert stored(seeded_url, "frontdesk").password_hash == before and not is_signed_out(frontdesk)
    response = logged_in.post(f"/settings/users/{user_id}/password", data={"password": OTHER_PASSWORD})
    assert response.status_code == 302
    assert is_signed_out(frontdesk)
    assert app.test_client().post("/login", data={"username": "frontdesk", "password": PASSWORD}).status_code == 200
    signed_in_as(app, "frontdesk", OTHER_PASSWORD)


def test_a_deactivated_users_open_session_stops_at_once_and_they_cannot_sign_in(logged_in, seeded_url, app):
    user_id = add_account(seeded_url, "frontdesk")
    frontdesk = signed_in_as(app, "frontdesk")
    response = logged_in.post(f"/settings/users/{user_id}/active", data={"active": "0"})
    assert response.status_code == 302
    assert stored(seeded_url, "frontdesk").active is False
    assert is_signed_out(frontdesk)
    refused = app.test_client().post("/login", data={"username": "frontdesk", "password": PASSWORD})
    assert refused.status_code == 200 and "Invalid username or password." in refused.get_data(as_text=True)
    # Reactivated, the same password works again.
    assert logged_in.post(f"/settings/users/{user_id}/active", data={"active": "1"}).status_code == 302
    signed_in_as(app, "frontdesk")


def test_a_session_of_a_user_deactivated_elsewhere_stops_too(logged_in, seeded_url, app):
    # Even if its session row survived (e.g. set inactive straight in the database).
    user_id = add_account(seeded_url, "frontdesk")
    frontdesk = signed_in_as(app, "frontdesk")
    with session_scope(seeded_url) as db:
        db.get(User, user_id).active = False
    assert is_signed_out(frontdesk)


def owner_id(url: str) -> int:
    return stored(url, USERNAME).id


@pytest.mark.parametrize(("path", "data", "field"), [
    ("", {"role": "office"}, "role"),
    ("/active", {"active": "0"}, "active"),
], ids=["demote", "deactivate"])
def test_the_last_active_owner_cannot_be_demoted_or_deactivated(logged_in, seeded_url, path, data, field):
    me = owner_id(seeded_url)
    # A deactivated second owner does not count.
    other = add_account(seeded_url, "old-boss", role="owner")
    with session_scope(seeded_url) as db:
        db.get(User, other).active = False
    response = logged_in.post(f"/settings/users/{me}{path}", data=data)
    assert response.status_code == 400
    error = response.get_data(as_text=True).split(f'id="error-{field}"')[1].split("</p>")[0]
    assert "owner is the only active owner" in error
    user = stored(seeded_url, USERNAME)
    assert (user.role, user.active) == ("owner", True)
    assert logged_in.get("/settings/users").status_code == 200  # still signed in


def test_with_a_second_owner_the_owner_may_step_down_and_is_signed_out(logged_in, seeded_url, app):
    other = add_account(seeded_url, "partner", role="owner")
    partner = signed_in_as(app, "partner")
    response = logged_in.post(f"/settings/users/{owner_id(seeded_url)}", data={"role": "office"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert stored(seeded_url, USERNAME).role == "office" and is_signed_out(logged_in)
    # Now the partner is the last owner and is guarded in turn.
    refused = partner.post(f"/settings/users/{other}/active", data={"active": "0"})
    assert refused.status_code == 400 and stored(seeded_url, "partner").active is True


@pytest.mark.parametrize("data", [{}, {"active": "maybe"}])
def test_an_unclear_active_value_is_refused(logged_in, seeded_url, data):
    user_id = add_account(seeded_url, "frontdesk")
    response = logged_in.post(f"/settings/users/{user_id}/active", data=data)
    assert response.status_code == 400 and stored(seeded_url, "frontdesk").active is True


@pytest.mark.parametrize("path", ["/settings/users/99999", "/settings/users/99999999999"])
def test_an_unknown_user_is_404(logged_in, path):
    assert logged_in.get(path).status_code == 404
    assert logged_in.post(f"{path}/active", data={"active": "0"}).status_code == 404


@pytest.mark.parametrize("role", ["office", "technician"])
def test_office_and_technician_get_403_and_change_nothing(app, owner, seeded_url, role):
    me = owner_id(seeded_url)
    add_account(seeded_url, "someone", role=role, tech=role == "technician")
    client = signed_in_as(app, "someone")
    assert client.get("/settings/users").status_code == 403
    assert client.get(f"/settings/users/{me}").status_code == 403
    assert client.post("/settings/users/add", data={"username": "mine", "role": "owner",
                                                      "password": OTHER_PASSWORD}).status_code == 403
    assert client.post(f"/settings/users/{me}", data={"role": "office"}).status_code == 403
    assert client.post(f"/settings/users/{me}/password", data={"password": OTHER_PASSWORD}).status_code == 403
    assert client.post(f"/settings/users/{me}/active", data={"active": "0"}).status_code == 403
    user = stored(seeded_url, USERNAME)
    assert (user.role, user.active) == ("owner", True) and stored(seeded_url, "mine") is None


def test_every_form_needs_the_csrf_token(make_app, owner, seeded_url):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/login", data={"username": USERNAME, "password": PASSWORD, "csrf_token": token}).status_code == 302
    user_id = add_account(seeded_url, "frontdesk")
    page = client.get(f"/settings/users/{user_id}").get_data(as_text=True)
    assert page.count('name="csrf_token"') >= 3
    for path, data in [("/settings/users/add", {"username": "mine", "role": "office", "password": OTHER_PASSWORD}),
                       (f"/settings/users/{user_id}", {"role": "owner"}),
                       (f"/settings/users/{user_id}/password", {"password": OTHER_PASSWORD}),
                       (f"/settings/users/{user_id}/active", {"active": "0"})]:
        assert client.post(path, data=data).status_code == 400, path
    user = stored(seeded_url, "frontdesk")
    assert (user.role, user.active) == ("office", True) and stored(seeded_url, "mine") is None


def test_the_migration_matches_the_model_and_keeps_existing_accounts_active(database_url):
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
            # A row written as before this revision gets the columns' server defaults.
            conn.execute(text("INSERT INTO users (username, password_hash, created_at) "
                              "VALUES ('old', 'x', '2026-01-01 00:00:00')"))
            active, last = conn.execute(text("SELECT active, last_sign_in_at FROM users WHERE username = 'old'")).one()
    finally:
        engine.dispose()
    assert [d for d in diffs if "'users'" in repr(d) or "users." in repr(d)] == []
    assert bool(active) is True and last is None
