"""The Analytics page, one JSON endpoint per report and its CSV. The queries live in
business.analytics; this module only reads the date range and formats the answer.
Role: owner and office (wired by the lead with the roles work)."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from flask import Response, abort, current_app, jsonify, render_template, request

from business.analytics import REPORTS, DateRange, run_report
from dashboard.analytics import bp
from dashboard.auth.roles import STAFF, role_required
from dashboard.db import get_profile, get_session

DEFAULT_DAYS = 28


def _period() -> DateRange:
    """?start=YYYY-MM-DD&end=YYYY-MM-DD, both inclusive; the last four weeks by default."""
    today = current_app.config["CLOCK"]().astimezone(get_profile().tz).date()
    try:
        end = date.fromisoformat(request.args["end"]) if request.args.get("end") else today
        start = (date.fromisoformat(request.args["start"]) if request.args.get("start")
                 else end - timedelta(days=DEFAULT_DAYS - 1))
        return DateRange(start, end)
    except ValueError as exc:
        abort(400, f"Choose a valid date range: {exc}.")


def _report(name: str):
    if name not in REPORTS:
        abort(404)
    return run_report(name, session=get_session(), profile=get_profile(), period=_period())


@bp.get("/")
@role_required(STAFF)
def index():
    period = _period()
    return render_template("analytics/index.html", period=period, reports=list(REPORTS),
                           query={"start": period.start.isoformat(), "end": period.end.isoformat()})


@bp.get("/<name>.json")
@role_required(STAFF)
def report_json(name: str):
    return jsonify(_report(name).as_json())


@bp.get("/<name>.csv")
@role_required(STAFF)
def report_csv(name: str):
    report = _report(name).as_json()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(report["columns"])
    writer.writerows(report["rows"])
    period = _period()
    filename = f"{name}-{period.start.isoformat()}-to-{period.end.isoformat()}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
