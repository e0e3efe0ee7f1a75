"""The action server as we run it: rasa-sdk's app, reachable only by our Rasa server (a
bearer token it sends from endpoints.yml), on 127.0.0.1 unless deployed, with a health
check that asks the database, and an action that fails saying something true to the
caller instead of nothing, while what the caller told us is kept for the office.

Run with `python -m actions.server` (ACTIONS_HOST, ACTIONS_PORT, ACTION_SERVER_TOKEN)."""
from __future__ import annotations

import argparse
import hmac
import logging
import os
from pathlib import Path
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request
from sqlalchemy import text

from actions.channel import caller_context
from actions.database import settings
from business.db import get_engine
from business.conversations.failure_capture import FailedRequest, capture_failed_request
from business.settings import VAR_DIR

log = logging.getLogger("actions.server")

KEPT = ("I'm sorry, I'm having trouble on my end and couldn't finish that. I've kept your details, "
        "and the office will call you back shortly.")
NOT_KEPT = ("I'm sorry, I'm having trouble on my end and couldn't finish that. "
            "Please call the office directly so we can help you.")
# Wording for a failure before the caller gave anything worth keeping.
NOTHING_YET = "I'm sorry, I'm having trouble on my end right now. Could you say that again in a moment?"


class TokenMissing(RuntimeError):
    """ACTION_SERVER_TOKEN must be set (make run and docker-compose.yml set it)."""


def action_server_token(environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    token = env.get("ACTION_SERVER_TOKEN", "")
    if len(token) < 16:
        raise TokenMissing("ACTION_SERVER_TOKEN must be set to a random value of at least 16 characters "
                           "(make run makes one in var/action_server_token)")
    return token


def _slot(tracker: dict[str, Any], name: str) -> str | None:
    value = (tracker.get("slots") or {}).get(name)
    if value is None or value == "":
        return None
    return " ".join(map(str, value)) if isinstance(value, list) else str(value)[:500]


def failed_request(action_call: dict[str, Any]) -> FailedRequest:
    tracker = action_call.get("tracker") if isinstance(action_call.get("tracker"), dict) else {}
    try:
        context = caller_context(Tracker.from_dict(tracker))
        channel, verified = context.channel, context.verified_phone
    except Exception:  # noqa: BLE001 - a malformed tracker still gets its failure recorded
        channel, verified = "web", None
    return FailedRequest(
        conversation=str(tracker.get("sender_id") or "unknown")[:128],
        channel=channel,
        step=str(action_call.get("next_action") or "unknown action")[:80],
        name=_slot(tracker, "customer_name"), phone=_slot(tracker, "phone") or verified,
        problem=_slot(tracker, "problem"), requested_time=_slot(tracker, "appointment_time"),
        address=_slot(tracker, "address"),
    )


def build_app(token: str, spool_dir: Path | None = None) -> Sanic:
    app = create_app("actions", cors_origins=None)
    spool = spool_dir or VAR_DIR / "spool"

    @app.middleware("request")
    async def authenticate(request: Request):
        if request.path == "/health":
            return None
        sent = request.headers.get("authorization", "")
        if not hmac.compare_digest(sent.encode("utf-8", "replace"), f"Bearer {token}".encode()):
            return response.json({"error": "unauthorized"}, status=401)
        return None

    @app.middleware("request")
    async def ready(request: Request):
        if request.path != "/health":
            return None
        try:
            with get_engine(settings().database_url).connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            return response.json({"status": "unavailable", "database": type(exc).__name__}, status=503)
        return response.json({"status": "ok", "database": "ok"})

    # Replaces rasa-sdk's handler, which logs the whole tracker and sends it back to Rasa.
    @app.exception(Exception)
    async def action_failed(request: Request, exception: Exception):
        try:
            action_call = request.json if isinstance(request.json, dict) else {}
        except Exception:  # noqa: BLE001 - an unparsable body is a bad request
            return response.json({"error": "invalid body"}, status=400)
        request_details = failed_request(action_call)
        log.error("action %s failed for %s: %s", request_details.step, request_details.conversation,
                  type(exception).__name__, exc_info=exception)
        if not (request_details.phone or request_details.name or request_details.problem):
            sentence = NOTHING_YET
        elif capture_failed_request(database_url=settings().database_url, spool_dir=spool, request=request_details):
            sentence = KEPT
        else:
            sentence = NOT_KEPT
        # A 200 with the sentence: Rasa utters it and listens, so the conversation goes on.
        return response.json({"events": [], "responses": [{"text": sentence}]})

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("ACTIONS_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTIONS_PORT", "5055")))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings()  # refuse a bad environment before listening
    app = build_app(action_server_token())
    app.run(args.host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
