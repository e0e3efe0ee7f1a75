"""X-Twilio-Signature checks for Twilio's webhooks, with the SDK's RequestValidator against
the public URL Twilio called (PUBLIC_BASE_URL + path: behind a proxy our Host differs).
Anything unsigned or tampered with gets 403, logged without the message."""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app, request
from twilio.request_validator import SIGNATURE_SETTINGS_HEADER, RequestValidator, get_signature_algorithm


def public_url() -> str:
    base = current_app.config["NOTIFY"].public_base_url
    if not base:
        return request.url  # development without a proxy: the URL as we received it
    query = request.query_string.decode("latin-1")
    return base.rstrip("/") + request.path + (f"?{query}" if query else "")


def is_signed() -> bool:
    token = current_app.config["NOTIFY"].twilio_auth_token
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    return RequestValidator(token).validate(public_url(), request.form, signature, algorithm)


def twilio_signed(view):
    @wraps(view)
    def checked(*args, **kwargs):
        if not is_signed():
            reason = "no TWILIO_AUTH_TOKEN set" if not current_app.config["NOTIFY"].twilio_auth_token else (
                "signature missing" if "X-Twilio-Signature" not in request.headers else "signature wrong")
            current_app.logger.warning("refused Twilio webhook %s from %s: %s", request.path, request.remote_addr, reason)
            abort(403)
        return view(*args, **kwargs)

    return checked
