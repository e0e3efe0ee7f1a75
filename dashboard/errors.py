"""Error responses: JSON `{"error": ...}` under /api/, an HTML page everywhere else,
for every HTTP error (400, 401, 404, 405, 413, 500...)."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

# Werkzeug's default descriptions talk to developers; these talk to the owner.
MESSAGES = {
    400: "The request could not be understood.",
    401: "Please sign in first.",
    403: "You are not allowed to do that.",
    404: "That page does not exist.",
    405: "That method is not allowed here.",
    413: "The request is too large.",
    500: "Something went wrong on our side.",
}


def wants_json() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def _message(error: HTTPException) -> str:
    default = type(error).description
    if error.description and error.description != default:
        return error.description  # a message we passed to abort(); written for people
    return MESSAGES.get(error.code or 500, error.name)


def handle_http_error(error: HTTPException):
    if error.response is not None:
        return error.response  # the raiser built the page itself (e.g. the limited sign-in form)
    code = error.code or 500
    # Keep headers such as Allow (405); drop the HTML content type Werkzeug would send.
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if isinstance(error, InternalServerError):
        message = MESSAGES[500]  # never leak an exception's text
    else:
        message = _message(error)
    if wants_json():
        response = jsonify(error=message)
    else:
        response = render_template("errors/error.html", code=code, title=error.name, message=message)
    return response, code, headers


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
