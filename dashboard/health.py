"""`GET /health` for load balancers and compose health checks: no login, no session,
200 `{"status": "ok"}` when the database answers, 503 when it does not."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from dashboard.auth.roles import public
from dashboard.db import get_session

bp = Blueprint("health", __name__)


@bp.get("/health")
@public
def health():
    try:
        get_session().execute(text("select 1"))
    except SQLAlchemyError:
        current_app.logger.exception("health check: database unavailable")
        return jsonify(status="unavailable", error="database unavailable"), 503
    return jsonify(status="ok")
