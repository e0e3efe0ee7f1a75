"""Request and response hardening: refuse input that is not UTF-8 before any view sees
it, and send security headers (no caching of customer data, no framing, same-origin only)."""
from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import Flask, Response, abort, request

CONTENT_SECURITY_POLICY = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def refuse_undecodable_input() -> None:
    """Werkzeug replaces undecodable bytes with U+FFFD silently; we would rather say 400
    than look up a username or date the client never sent."""
    # PATH_INFO is a WSGI "bytes as latin-1" string, so this recovers the raw bytes.
    path = request.environ.get("PATH_INFO", "").encode("latin-1", "replace")
    if not _is_utf8(path) or not _is_utf8(unquote_to_bytes(request.query_string)):
        abort(400, "The request URL is not valid UTF-8.")
    # get_data caches the body, so form parsing afterwards still sees it; reading it here
    # enforces MAX_CONTENT_LENGTH (413) too. Nothing uploads files yet, so every body is
    # text; a future upload route will need its own rule.
    body = request.get_data(cache=True)
    if request.mimetype == "application/x-www-form-urlencoded":
        body = unquote_to_bytes(body)
    if not _is_utf8(body):
        abort(400, "The request body is not valid UTF-8.")


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    app.before_request(refuse_undecodable_input)
    app.after_request(add_security_headers)
