"""The JSON shapes of the API. Times are ISO-8601 with the business's UTC offset."""
from __future__ import annotations

from typing import Any

from business.models import Appointment, Conversation, DispatchRecord, TranscriptTurn
from dashboard.formatting import iso_local


def dispatch_json(record: DispatchRecord | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {
        "explanation": record.explanation,
        "emergency": record.emergency,
        "flagged_for_owner": record.flagged_for_owner,
        "owner_note": record.owner_note,
        "status": record.status,
        "at": iso_local(record.created_at),
    }


def appointment_json(appt: Appointment, dispatch: DispatchRecord | None = None) -> dict[str, Any]:
    return {
        "id": appt.id,
        "start": iso_local(appt.start_at),
        "end": iso_local(appt.end_at),
        "time_kind": appt.time_kind,
        "status": appt.status,
        "urgency": appt.urgency,
        "customer": {"id": appt.customer.id, "name": appt.customer.name, "phone": appt.customer.phone},
        "service": {"slug": appt.service.slug, "name": appt.service.name},
        "technician": None if appt.technician is None else {"id": appt.technician.id, "name": appt.technician.name},
        "address": appt.address,
        "zip_code": appt.zip_code,
        "problem": appt.problem,
        "source_channel": appt.source_channel,
        # The arrival window promised to the customer, when booked by windows.
        "window": None if appt.window_start is None else {
            "start": iso_local(appt.window_start), "end": iso_local(appt.window_end)},
        "dispatch": dispatch_json(dispatch),
    }


def turn_json(turn: TranscriptTurn) -> dict[str, Any]:
    return {
        "seq": turn.seq,
        "speaker": turn.speaker,
        "text": turn.text,
        "at": iso_local(turn.at),
        "confidence": turn.confidence,
        "intent": turn.intent,
    }


def conversation_json(conv: Conversation) -> dict[str, Any]:
    return {
        "id": conv.id,
        "external_id": conv.external_id,
        "channel": conv.channel,
        "caller": conv.caller,
        "started_at": iso_local(conv.started_at),
        "ended_at": iso_local(conv.ended_at),
        "intent": conv.intent,
        "outcome": conv.outcome,
        "summary": conv.summary,
        "turns": [turn_json(turn) for turn in conv.turns],
    }
