"""Flask factory for the Duckling service: `POST /parse` (form fields as the official Duckling
server takes them) and `GET /health`; every error is a JSON body `{"error": "..."}`."""
from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import BadRequest, HTTPException, RequestEntityTooLarge, UnsupportedMediaType

from duckling_server import parser
from duckling_server.config import Settings

MAX_BODY_BYTES = 64 * 1024
FORM_MIMETYPE = "application/x-www-form-urlencoded"
# `lang` is accepted because Duckling's own server takes it (used only when `locale` is absent).
FIELDS = ("text", "locale", "lang", "tz", "dims", "reftime", "latent")
_INTEGER = re.compile(r"-?[0-9]{1,20}")


def create_app(config: Settings | None = None) -> Flask:
    settings = config or Settings.from_env()
    parser.warm_up(locale_name=settings.default_locale, tz=settings.default_tz)

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES

    @app.get("/health")
    def health():
        return jsonify(status="ok")

    @app.post("/parse")
    def parse():
        form = _read_form()
        text = form.get("text", "")
        if not text.strip():
            raise BadRequest("the 'text' field is required and must not be empty")
        if len(text) > settings.max_text:
            raise RequestEntityTooLarge(
                f"'text' has {len(text)} characters; the limit is {settings.max_text}"
            )
        try:
            body = parser.parse_json(
                text,
                # An empty field counts as left out, as HTML forms and curl scripts send them.
                locale_name=form.get("locale") or form.get("lang") or settings.default_locale,
                tz=form.get("tz") or settings.default_tz,
                dims=_dims(form.get("dims")),
                reftime_ms=_reftime(form.get("reftime")),
                latent=_latent(form.get("latent")),
            )
        except parser.InvalidInput as error:
            raise BadRequest(str(error)) from None
        return Response(body, mimetype="application/json")

    @app.errorhandler(HTTPException)
    def json_error(error: HTTPException):
        # Keeps headers such as Allow on 405 while replacing Werkzeug's HTML page.
        response = error.get_response()
        response.data = json.dumps({"error": error.description})
        response.content_type = "application/json"
        return response

    return app


def _read_form() -> dict[str, str]:
    """The url-encoded body as one string per field, refusing anything ambiguous."""
    if request.mimetype != FORM_MIMETYPE:
        raise UnsupportedMediaType(
            f"send the fields form-encoded ({FORM_MIMETYPE}), got {request.mimetype or 'no content type'}"
        )
    if request.mimetype_params.get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
        raise UnsupportedMediaType("the form must be encoded as UTF-8")
    if request.args:
        raise BadRequest(f"send fields in the request body, not the query string: {', '.join(request.args)}")
    raw = request.get_data(cache=False)  # raises 413 above MAX_CONTENT_LENGTH
    try:
        # Werkzeug's own form parser replaces bad bytes with U+FFFD; refuse them instead.
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise BadRequest("the request body is not valid UTF-8") from None
    names = [name for name, _ in pairs]
    unknown = sorted({name for name in names if name not in FIELDS})
    if unknown:
        raise BadRequest(f"unknown field(s): {', '.join(unknown)}; allowed: {', '.join(FIELDS)}")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise BadRequest(f"field(s) given more than once: {', '.join(repeated)}")
    return dict(pairs)


def _dims(raw: str | None) -> list[str]:
    # Rasa sends json.dumps(None) == "null" when no dimensions are configured: all of them.
    if raw is None or raw.strip() in ("", "null"):
        return []
    try:
        dims = json.loads(raw)
    except ValueError:
        raise BadRequest(f"'dims' must be a JSON list of names like [\"time\"], got {raw!r}") from None
    if not isinstance(dims, list) or not all(isinstance(name, str) for name in dims):
        raise BadRequest(f"'dims' must be a JSON list of names like [\"time\"], got {raw!r}")
    return dims


def _reftime(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not _INTEGER.fullmatch(raw.strip()):
        raise BadRequest(f"'reftime' must be whole milliseconds since the epoch, got {raw!r}")
    return int(raw)


def _latent(raw: str | None) -> bool:
    if raw is None:
        return False
    if raw.strip().lower() not in ("true", "false"):
        raise BadRequest(f"'latent' must be true or false, got {raw!r}")
    return raw.strip().lower() == "true"
