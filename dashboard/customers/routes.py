"""Customer views: the list (search by name, phone, address, ZIP; paginated in SQL), a
customer's page, editing, the export (JSON and CSV) and erasure on request."""
from __future__ import annotations

import json

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from business.customers.records import (
    CustomerRecordError, erase_customer, export_customer, export_customer_csv, get_customer_record,
    list_customer_erasures, update_customer,
)
from business.models import Customer
from business.repository import count_customers, list_customers
from dashboard.auth.roles import STAFF, role_required
from dashboard.customers import bp
from dashboard.customers.forms import CustomerForm, EraseForm
from dashboard.db import get_profile, get_session
from dashboard.paging import Page, page_number

PAGE_SIZE = 25
MAX_ID = 2**31 - 1
MAX_SEARCH = 100
CUSTOMER = f"/<int(max={MAX_ID}):customer_id>"


def customer_or_404(customer_id: int) -> Customer:
    customer = get_session().get(Customer, customer_id)
    if customer is None:
        abort(404, "That customer does not exist.")
    return customer


@bp.get("/")
@role_required(STAFF)
def index():
    search = request.args.get("q", "").strip()
    if len(search) > MAX_SEARCH:
        abort(400, f"The search is limited to {MAX_SEARCH} characters.")
    session = get_session()
    page = Page(page_number(), PAGE_SIZE, count_customers(session=session, search=search))
    customers = list_customers(session=session, search=search, limit=PAGE_SIZE, offset=page.offset)
    return render_template("customers/index.html", customers=customers, page=page, search=search)


@bp.get(CUSTOMER)
@role_required(STAFF)
def detail(customer_id: int):
    record = get_customer_record(session=get_session(), customer_id=customer_id)
    if record is None:
        abort(404, "That customer does not exist.")
    return render_template("customers/detail.html", record=record, timezone=get_profile().timezone,
                           erasures=list_customer_erasures(session=get_session(), customer_id=customer_id),
                           erase_form=EraseForm())


@bp.route(f"{CUSTOMER}/edit", methods=["GET", "POST"])
@role_required(STAFF)
def edit(customer_id: int):
    customer = customer_or_404(customer_id)
    form = CustomerForm(obj=customer)
    if form.validate_on_submit():
        try:
            update_customer(session=get_session(), customer=customer, name=form.name.data, phone=form.phone.data,
                            email=form.email.data, address=form.address.data, zip_code=form.zip_code.data,
                            notes=form.notes.data)
        except CustomerRecordError as exc:
            get_session().rollback()
            form.phone.errors = [str(exc)]
        else:
            get_session().commit()
            flash("Customer details saved.")
            return redirect(url_for("customers.detail", customer_id=customer_id))
    status = 422 if form.errors else 200
    return render_template("customers/edit.html", form=form, customer=customer), status


@bp.get(f"{CUSTOMER}/export.<any(json, csv):fmt>")
@role_required(STAFF)
def export(customer_id: int, fmt: str):
    data = export_customer(session=get_session(), customer_id=customer_id)
    if data is None:
        abort(404, "That customer does not exist.")
    filename = f"customer-{customer_id}.{fmt}"
    body, mimetype = ((json.dumps(data, indent=2, ensure_ascii=False), "application/json") if fmt == "json"
                      else (export_customer_csv(data), "text/csv"))
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.post(f"{CUSTOMER}/erase")
@role_required(STAFF)
def erase(customer_id: int):
    customer = customer_or_404(customer_id)
    form = EraseForm()
    if not form.validate_on_submit():
        record = get_customer_record(session=get_session(), customer_id=customer_id)
        return render_template("customers/detail.html", record=record, timezone=get_profile().timezone,
                               erasures=list_customer_erasures(session=get_session(), customer_id=customer_id),
                               erase_form=form), 422
    erase_customer(session=get_session(), customer=customer, by=current_user.username, reason=form.reason.data or None,
                   now=current_app.config["CLOCK"]())
    get_session().commit()
    flash(f"Customer #{customer_id}'s personal data was erased; the erasure is recorded.")
    return redirect(url_for("customers.detail", customer_id=customer_id))
