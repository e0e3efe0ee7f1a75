"""Twilio's webhooks: inbound texts (POST /twilio/sms) and message status callbacks
(POST /twilio/status). Signed by Twilio instead of a login, so exempt from CSRF."""
from __future__ import annotations

from flask import Blueprint

from dashboard.extensions import csrf

bp = Blueprint("twilio_webhooks", __name__, url_prefix="/twilio")
csrf.exempt(bp)

from dashboard.twilio_webhooks import routes  # noqa: E402,F401  (registers views on bp)
