"""Inbound SMS answered with TwiML, and delivery status callbacks applied to the outbox."""
from __future__ import annotations

import re

from flask import Response, abort, current_app, request
from twilio.twiml.messaging_response import MessagingResponse

from business.customers.contacts import normalize_phone
from business.notifications.opt_outs import update_opt_out
from business.notifications.outbox import update_delivery_status
from business.notifications.sms import OPTED_OUT_CODES
from channels.rasa_client import RasaClient
from channels.sms import answer_text
from dashboard.auth.roles import public
from dashboard.db import get_session
from dashboard.twilio_signature import twilio_signed
from dashboard.twilio_webhooks import bp

MAX_SMS_CHARS = 1600  # Twilio's longest inbound message
# Twilio answers an SMS webhook within 15 seconds; leave room to reply with the fallback.
RASA_TIMEOUT_SECONDS = 10
MESSAGE_SID = re.compile(r"^(SM|MM)[0-9a-fA-F]{32}$")
STATUSES = {"accepted", "scheduled", "canceled", "queued", "sending", "sent", "failed", "delivered",
            "undelivered", "receiving", "received", "read", "partially_delivered"}
MAX_ID = 2**31 - 1


@bp.post("/sms")
@public  # a valid X-Twilio-Signature stands in for a login
@twilio_signed
def inbound_sms():
    phone = normalize_phone(request.form.get("From", ""))
    if phone is None:
        abort(400, "From must be a phone number.")
    sid = request.form.get("MessageSid", "")
    if not MESSAGE_SID.match(sid):
        abort(400, "MessageSid is required.")  # it is what makes a retried text count once
    text = request.form.get("Body", "")
    if len(text) > MAX_SMS_CHARS:
        abort(400, f"Body is longer than {MAX_SMS_CHARS} characters.")
    replies = []
    if text.strip():
        session = get_session()
        rasa = RasaClient(current_app.config["RASA_URL"], secret_key=current_app.config["SECRET_KEY"],
                          timeout=RASA_TIMEOUT_SECONDS)
        try:
            replies = answer_text(session=session, rasa=rasa, message_sid=sid, phone=phone, text=text,
                                  now=current_app.config["CLOCK"]())
        finally:
            rasa.close()
        session.commit()
    twiml = MessagingResponse()
    for reply in replies:
        twiml.message(reply)
    return Response(str(twiml), mimetype="application/xml")


@bp.post("/status")
@public  # a valid X-Twilio-Signature stands in for a login
@twilio_signed
def message_status():
    sid, status = request.form.get("MessageSid", ""), request.form.get("MessageStatus", "")
    if not MESSAGE_SID.match(sid) or status not in STATUSES:
        abort(400, "MessageSid and MessageStatus are required.")
    notification_id = request.args.get("n", type=int)
    if notification_id is not None and not 0 < notification_id <= MAX_ID:
        abort(400, "n must be a notification id.")
    error_code = request.form.get("ErrorCode") or None
    if error_code is not None and not error_code.isdigit():
        abort(400, "ErrorCode must be a number.")
    session = get_session()
    row = update_delivery_status(session=session, provider_id=sid, delivery_status=status,
                                 error_code=error_code, notification_id=notification_id)
    if row is not None and error_code and int(error_code) in OPTED_OUT_CODES:
        update_opt_out(session=session, phone=row.recipient, opted_out=True, keyword="carrier")
    session.commit()
    return Response(status=204)
