"""The signed-in user's own account: change the password, sign out everywhere."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account", template_folder="templates")

from dashboard.account import routes  # noqa: E402,F401  (registers views on bp)
