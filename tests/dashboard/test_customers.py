"""Customers: search in SQL by name, phone, address and ZIP; a customer's record; editing
with errors in place; export (JSON, CSV); erasure on request, recorded."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from business.db import session_scope
from business.customers.leads import create_lead
from business.models import Appointment, Conversation, Customer, CustomerErasure, Lead, TranscriptTurn
from business.repository import upsert_customer
from tests.dashboard.test_follow_up_pages import add_call

DANA = "+13125550123"


def _customers(url: str, count: int = 0) -> None:
    with session_scope(url) as session:
        for i in range(count):
            upsert_customer(session=session, phone=f"+1773555{i:04d}", name=f"Customer {i:02d}",
                            address=f"{100 + i} W Main St", zip_code="60614")


def test_search_by_name_phone_address_and_zip(logged_in, booked, seeded_url):
    _customers(seeded_url, 3)
    assert "Dana Whitfield" in logged_in.get("/customers/?q=whitfield").get_data(as_text=True)
    assert "Dana Whitfield" in logged_in.get("/customers/?q=(312)+555-0123").get_data(as_text=True)
    by_address = logged_in.get("/customers/?q=wacker").get_data(as_text=True)
    assert "Dana Whitfield" in by_address and "Customer 01" not in by_address
    by_zip = logged_in.get("/customers/?q=60614").get_data(as_text=True)
    assert "Customer 01" in by_zip and "Dana Whitfield" not in by_zip
    # LIKE's wildcards are plain characters in a search.
    assert "No customer matches" in logged_in.get("/customers/?q=%25").get_data(as_text=True)
    assert logged_in.get("/customers/?q=" + "x" * 101).status_code == 400


def test_list_pages_in_sql(logged_in, seeded_url):
    _customers(seeded_url, 30)
    first = logged_in.get("/customers/").get_data(as_text=True)
    assert "Customer 00" in first and "Customer 24" in first and "Customer 25" not in first and "Page 1 of 2" in first
    assert "Customer 29" in logged_in.get("/customers/?page=2").get_data(as_text=True)
    assert logged_in.get("/customers/?page=x").status_code == 400


def test_customer_page_shows_the_whole_record(logged_in, booked, seeded_url):
    add_call(seeded_url, "CA-dana", caller=DANA, outcome="booked", summary="Dana booked a drain cleaning.")
    with session_scope(seeded_url) as session:
        create_lead(session=session, name="Dana Whitfield", phone=DANA, reason="asked for a quote on a softener")
        customer_id = session.scalar(select(Customer.id).where(Customer.phone == DANA))
    page = logged_in.get(f"/customers/{customer_id}").get_data(as_text=True)
    for text in ("233 S Wacker Dr", "Drain cleaning", "kitchen sink backs up", "Dana booked a drain cleaning.",
                 "asked for a quote on a softener", "Export JSON"):
        assert text in page, text
    assert logged_in.get("/customers/999999").status_code == 404


def _dana(url: str) -> int:
    with session_scope(url) as session:
        return session.scalar(select(Customer.id).where(Customer.phone == DANA))


def test_edit_saves_and_shows_errors_in_place(logged_in, booked, seeded_url):
    customer_id = _dana(seeded_url)
    form = {"name": "Dana W. Whitfield", "phone": "(312) 555-0123", "email": "dana@example.com",
            "address": "233 S Wacker Dr", "zip_code": "60606", "notes": "Gate code 4411"}
    assert logged_in.post(f"/customers/{customer_id}/edit", data=form).status_code == 302
    with session_scope(seeded_url) as session:
        customer = session.get(Customer, customer_id)
        assert (customer.name, customer.phone, customer.notes) == ("Dana W. Whitfield", DANA, "Gate code 4411")
    _customers(seeded_url, 1)
    for bad, field in (({"phone": "12"}, "phone"), ({"phone": "+17735550000"}, "phone"),
                       ({"email": "not-an-email"}, "email"), ({"name": ""}, "name")):
        response = logged_in.post(f"/customers/{customer_id}/edit", data={**form, **bad})
        assert response.status_code == 422
        assert f'id="{field}-error"' in response.get_data(as_text=True)
    with session_scope(seeded_url) as session:
        assert session.get(Customer, customer_id).phone == DANA


def test_export_json_and_csv(logged_in, booked, seeded_url):
    add_call(seeded_url, "CA-dana", caller=DANA, outcome="booked", text="my sink is clogged")
    customer_id = _dana(seeded_url)
    response = logged_in.get(f"/customers/{customer_id}/export.json")
    assert response.headers["Content-Disposition"] == f'attachment; filename="customer-{customer_id}.json"'
    data = response.get_json()
    assert data["customer"]["phone"] == DANA
    assert data["appointments"][0]["problem"] == "kitchen sink backs up"
    assert data["conversations"][0]["turns"][0]["text"] == "my sink is clogged"
    rows = list(csv.DictReader(io.StringIO(logged_in.get(f"/customers/{customer_id}/export.csv").get_data(as_text=True))))
    assert {"record": "customer", "record_id": str(customer_id), "field": "name", "value": "Dana Whitfield"} in rows
    assert any(r["record"] == "conversation.turns" and r["value"] == "my sink is clogged" for r in rows)
    assert logged_in.get(f"/customers/{customer_id}/export.xml").status_code == 404


def test_erase_needs_confirmation_then_anonymises_and_is_recorded(logged_in, booked, seeded_url):
    call_id = add_call(seeded_url, "CA-dana", caller=DANA, outcome="booked", text="I live at 233 Wacker")
    with session_scope(seeded_url) as session:
        create_lead(session=session, name="Dana Whitfield", phone=DANA, reason="call me about the softener")
    customer_id = _dana(seeded_url)
    refused = logged_in.post(f"/customers/{customer_id}/erase", data={"reason": "asked by phone"})
    assert refused.status_code == 422 and "Tick the box to confirm." in refused.get_data(as_text=True)
    assert logged_in.post(f"/customers/{customer_id}/erase",
                          data={"reason": "asked by phone", "confirm": "y"}).status_code == 302
    with session_scope(seeded_url) as session:
        customer = session.get(Customer, customer_id)
        assert customer.name == "Erased customer" and DANA not in customer.phone and customer.address is None
        appointment = session.get(Appointment, booked)
        assert appointment.problem is None and appointment.status == "scheduled"  # kept for the counts
        call = session.get(Conversation, call_id)
        assert call.caller is None and call.outcome == "booked"
        assert session.scalar(select(func.count()).select_from(TranscriptTurn)
                              .where(TranscriptTurn.conversation_id == call_id)) == 0
        assert session.scalar(select(func.count()).select_from(Lead).where(Lead.phone == DANA)) == 0
        erasure = session.scalar(select(CustomerErasure))
        assert (erasure.customer_id, erasure.done_by, erasure.reason) == (customer_id, "owner", "asked by phone")
        assert erasure.counts["transcript_turns"] == 1 and erasure.counts["leads"] == 1
    page = logged_in.get(f"/customers/{customer_id}").get_data(as_text=True)
    assert "Personal data erased" in page and "Whitfield" not in page


@pytest.mark.parametrize("path", ["/customers/", "/customers/1", "/leads/"])
def test_technicians_cannot_see_customers_or_leads(app, client, path):
    from dashboard.auth.accounts import create_user
    from dashboard.db import get_session
    with app.app_context():
        create_user(session=get_session(), username="tech", password="correct horse battery", role="technician")
        get_session().commit()
    client.post("/login", data={"username": "tech", "password": "correct horse battery"})
    assert client.get(path).status_code == 403
