"""Customers: search, a customer's whole record, editing it, exporting and erasing it."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("customers", __name__, template_folder="templates", url_prefix="/customers")

from dashboard.customers import routes  # noqa: E402,F401  (registers views on bp)
