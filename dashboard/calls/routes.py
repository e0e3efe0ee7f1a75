"""The conversations list (search, filters, pagination in SQL) and a conversation's page:
summary and captured details above the transcript, links to the customer and the
appointment, and "called back" for a call that came to nothing."""
from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from business.conversations.call_search import (
    CallFilter, appointments_by_conversation, count_conversations, customers_by_id, list_conversation_intents,
    search_conversations,
)
from business.conversations.follow_up import FollowUpError, mark_called_back, needs_call_back
from business.repository import get_conversation
from dashboard.api.params import local_midnight
from dashboard.auth.roles import STAFF, role_required
from dashboard.calls import bp
from dashboard.calls.forms import CalledBackForm, CallFilterForm
from dashboard.db import get_profile, get_session
from dashboard.paging import Page, page_number

PAGE_SIZE = 25
# Ids are 32-bit integers in the database; a larger one would be a database error, not a 404.
MAX_ID = 2**31 - 1


def call_filter(form: CallFilterForm) -> CallFilter:
    tz = get_profile().tz
    return CallFilter(
        keyword=(form.q.data or "").strip(), phone=form.phone.data or "", name=(form.name.data or "").strip(),
        start=local_midnight(form.start.data, tz) if form.start.data else None,
        end=local_midnight(form.end.data + timedelta(days=1), tz) if form.end.data else None,
        channel=form.channel.data or "", intent=form.intent.data or "", outcome=form.outcome.data or "")


@bp.get("/")
@role_required(STAFF)
def index():
    session = get_session()
    form = CallFilterForm(request.args)
    form.intent.choices = [("", "any")] + [(i, i.replace("_", " ")) for i in list_conversation_intents(session=session)]
    if not form.validate():
        return render_template("calls/index.html", form=form, conversations=[], page=Page(1, PAGE_SIZE, 0),
                               timezone=get_profile().timezone, appointments={}, customers={}), 422
    filters = call_filter(form)
    page = Page(page_number(), PAGE_SIZE, count_conversations(session=session, filters=filters))
    conversations = search_conversations(session=session, filters=filters, limit=PAGE_SIZE, offset=page.offset)
    return render_template(
        "calls/index.html", form=form, conversations=conversations, page=page, timezone=get_profile().timezone,
        appointments=appointments_by_conversation(session=session, conversation_ids=[c.id for c in conversations]),
        customers=customers_by_id(session=session, customer_ids=[c.customer_id for c in conversations]),
    )


@bp.get(f"/<int(max={MAX_ID}):conversation_id>")
@role_required(STAFF)
def detail(conversation_id: int):
    session = get_session()
    conversation = get_conversation(session=session, conversation_id=conversation_id)
    if conversation is None:
        abort(404)
    customer = customers_by_id(session=session, customer_ids=[conversation.customer_id]).get(conversation.customer_id)
    appointment = appointments_by_conversation(session=session, conversation_ids=[conversation.id]).get(conversation.id)
    details = {k: v for k, v in (conversation.slots or {}).items() if v not in (None, "", [], {})}
    return render_template("calls/detail.html", conversation=conversation, timezone=get_profile().timezone,
                           customer=customer, appointment=appointment, details=details,
                           needs_call_back=needs_call_back(conversation), called_back_form=CalledBackForm())


@bp.post(f"/<int(max={MAX_ID}):conversation_id>/called-back")
@role_required(STAFF)
def called_back(conversation_id: int):
    session = get_session()
    conversation = get_conversation(session=session, conversation_id=conversation_id)
    if conversation is None:
        abort(404)
    if not CalledBackForm().validate_on_submit():
        abort(400, "The form expired; please try again.")
    try:
        mark_called_back(session=session, conversation=conversation, by=current_user.username,
                         now=current_app.config["CLOCK"]())
    except FollowUpError as exc:
        abort(409, f"{str(exc)[0].upper()}{str(exc)[1:]}.")
    session.commit()
    flash(f"Marked called back: {conversation.caller}.")
    return redirect(url_for("calls.detail", conversation_id=conversation_id))
