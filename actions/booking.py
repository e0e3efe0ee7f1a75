"""Books the appointment the form collected, or offers the nearest free times when
someone else took the slot in the meantime."""
from __future__ import annotations

from datetime import datetime

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.channel import caller_context
from actions.conversation import facts_from
from actions.database import unit_of_work
from actions.corrections import address_zip
from actions.forms import FALLBACK_SERVICE
from business.conversations.outcome import record_outcome
from business.models import utcnow
from business.profile import load_profile
from business.customers.identity import customer_for_booking
from business.customers.leads import create_lead
from business.repository import get_or_create_conversation, get_service_by_slug
from business.scheduling import SlotUnavailable, book_appointment
from business.scheduling.spoken import sentence, spoken_booking_time

FORM_SLOTS = ("problem", "customer_name", "phone", "appointment_time", "address", "booking_confirmed",
              "service_slug", "offered_times", "zip_code")


class ActionBookAppointment(Action):
    def name(self) -> str:
        return "action_book_appointment"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        if not tracker.get_slot("booking_confirmed"):
            dispatcher.utter_message(text="Okay, I won't book anything. Is there anything else I can help with?")
            return [SlotSet(slot, None) for slot in FORM_SLOTS]
        context = caller_context(tracker)
        now = utcnow()
        with unit_of_work() as session:
            profile = load_profile(session=session)
            service = get_service_by_slug(session=session, slug=tracker.get_slot("service_slug") or FALLBACK_SERVICE)
            phone = tracker.get_slot("phone")
            zip_code = address_zip(tracker)
            customer = customer_for_booking(
                session=session, phone=phone, name=tracker.get_slot("customer_name"),
                email=tracker.get_slot("email"), address=tracker.get_slot("address"),
                zip_code=zip_code, caller_id_trusted=context.verified_phone == phone,
            )
            conversation = get_or_create_conversation(
                session=session, external_id=tracker.sender_id, channel=context.channel,
                caller=context.caller_phone or phone,
            )
            if customer is None:
                return self._number_on_file_elsewhere(dispatcher, tracker, session, profile, conversation, now)
            conversation.customer_id = customer.id
            start = datetime.fromisoformat(tracker.get_slot("appointment_time"))
            try:
                appointment = book_appointment(
                    session=session, profile=profile, customer=customer, service=service, start=start,
                    problem=tracker.get_slot("problem"), address=tracker.get_slot("address"),
                    zip_code=zip_code, source_channel=context.channel,
                    conversation=conversation, urgency=tracker.get_slot("urgency") or "routine", now=now,
                )
            except SlotUnavailable as taken:
                offered = [s.start.isoformat() for s in taken.alternatives]
                # The customer and conversation are worth keeping even without a booking.
                conversation.intent = "book_appointment"
                # The form asks again and action_ask_appointment_time reads out the offers.
                dispatcher.utter_message(text="I'm sorry, that time was just taken.")
                return [
                    SlotSet("appointment_time", None), SlotSet("booking_confirmed", None),
                    SlotSet("offered_times", offered or None), FollowupAction("appointment_form"),
                ]
            spoken = spoken_booking_time(profile, appointment.window_start or appointment.start_at, now)
            record_outcome(session=session, external_id=tracker.sender_id, outcome="booked",
                           facts=facts_from(tracker, session, when=spoken), intent="book_appointment",
                           customer_id=customer.id)
            first_name = customer.name.split()[0]
            appointment_id, customer_id = appointment.id, customer.id
        dispatcher.utter_message(
            text=f"You're all set, {first_name}. " + sentence(f"A plumber will be there {spoken}") + " "
                 "We'll text you a confirmation. Is there anything else I can help with?"
        )
        # Name, phone and address stay filled in case the caller books a second job.
        done = [SlotSet(slot, None) for slot in ("problem", "appointment_time", "booking_confirmed",
                                                 "service_slug", "offered_times")]
        return [SlotSet("appointment_id", float(appointment_id)), SlotSet("customer_id", float(customer_id)), *done]

    @staticmethod
    def _number_on_file_elsewhere(dispatcher, tracker, session, profile, conversation, now) -> list[dict]:
        """The number belongs to a customer under another name: the request goes to the
        owner as a lead (who sees both names), and nothing on file changes."""
        start = datetime.fromisoformat(tracker.get_slot("appointment_time"))
        spoken = spoken_booking_time(profile, start, now)
        name = tracker.get_slot("customer_name") or "Unknown caller"
        create_lead(session=session, name=name, phone=tracker.get_slot("phone"), conversation=conversation,
                    reason=(f"Booking request not made: the number is on file under another customer's name. "
                            f"Asked for {tracker.get_slot('service_slug') or FALLBACK_SERVICE} {spoken} at "
                            f"{tracker.get_slot('address')}; problem: {tracker.get_slot('problem') or 'not given'}"))
        record_outcome(session=session, external_id=tracker.sender_id, outcome="lead",
                       facts=facts_from(tracker, session, when=spoken), intent="book_appointment")
        dispatcher.utter_message(
            text="That phone number is already on file under a different name, so I can't book it myself. "
                 "I've passed your request to the office and they'll call you at that number to confirm "
                 "the time. Is there anything else I can help with?")
        return [SlotSet(slot, None) for slot in FORM_SLOTS]
