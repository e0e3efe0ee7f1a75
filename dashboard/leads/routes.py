"""The leads list (filter by status, paginated in SQL) and the status change, which
records who handled the lead."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from business.conversations.follow_up import LEAD_STATUSES, FollowUpError, count_leads, list_leads, update_lead_status
from business.models import Lead
from dashboard.paging import Page, page_number
from dashboard.auth.roles import STAFF, role_required
from dashboard.db import get_profile, get_session
from dashboard.leads import bp
from dashboard.leads.forms import LeadStatusForm

PAGE_SIZE = 25
MAX_ID = 2**31 - 1


def status_filter() -> tuple[str, ...] | None:
    status = request.args.get("status", "")
    if status and status not in LEAD_STATUSES:
        abort(400, f"status must be one of {', '.join(LEAD_STATUSES)}.")
    return (status,) if status else None


@bp.get("/")
@role_required(STAFF)
def index():
    session, statuses = get_session(), status_filter()
    page = Page(page_number(), PAGE_SIZE, count_leads(session=session, statuses=statuses))
    leads = list_leads(session=session, statuses=statuses, limit=PAGE_SIZE, offset=page.offset)
    return render_template("leads/index.html", leads=leads, page=page, statuses=LEAD_STATUSES,
                           status=request.args.get("status", ""), timezone=get_profile().timezone,
                           form=LeadStatusForm())


@bp.post(f"/<int(max={MAX_ID}):lead_id>/status")
@role_required(STAFF)
def set_status(lead_id: int):
    session = get_session()
    lead = session.get(Lead, lead_id)
    if lead is None:
        abort(404, "That lead does not exist.")
    form = LeadStatusForm()
    if not form.validate_on_submit():
        flash(f"Lead from {lead.name} not changed: {' '.join(e for errs in form.errors.values() for e in errs)}")
        return redirect(url_for("leads.index", _anchor=f"lead-{lead.id}"))
    try:
        update_lead_status(session=session, lead=lead, status=form.status.data, by=current_user.username,
                           now=current_app.config["CLOCK"]())
    except FollowUpError as exc:
        abort(400, str(exc))
    session.commit()
    flash(f"Lead from {lead.name} marked {lead.status}.")
    return redirect(url_for("leads.index", _anchor=f"lead-{lead.id}"))
