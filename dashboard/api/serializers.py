"""The JSON shapes of the API. Times are ISO-8601 with the business's UTC offset."""
from __future__ import annotations

from typing import Any

from business.models import Appointment, Conversation, TranscriptTurn
from dashboard.formatting import iso_local


def appointment_json(appt: Appointment) -> dict[str, Any]:
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
