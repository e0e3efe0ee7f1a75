"""Scheduling engine: business hours, arrival windows, lead time and horizon (`rules`),
availability search (`availability`), and booking, rescheduling and cancelling under a
row lock (`booking`). Technicians are chosen by `business.dispatch.engine`."""
from business.scheduling.availability import (
    Availability,
    earliest_emergency_slot,
    find_open_slots,
    search_availability,
)
from business.scheduling.booking import book_appointment, cancel_appointment, reschedule_appointment
from business.scheduling.rules import REASONS, Slot, SlotUnavailable, rule_violation

__all__ = [
    "REASONS",
    "Availability",
    "Slot",
    "SlotUnavailable",
    "book_appointment",
    "cancel_appointment",
    "earliest_emergency_slot",
    "find_open_slots",
    "reschedule_appointment",
    "rule_violation",
    "search_availability",
]
