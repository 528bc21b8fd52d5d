"""Creates the repair ticket once the intake is confirmed."""

from __future__ import annotations

import datetime as dt
import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, ReminderScheduled, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import diagnosis
from bot.actions.centres import MAX_CENTRES_SHOWN, utter_centre
from bot.actions.common import catalogue, latest_intent, reset_intake
from bot.actions.rating import ask_rating
from bot.actions.warranty_check import assess_for
from bot.catalog.service_centers import load_service_centres
from bot.intake.places import load_places
from bot.tickets import TicketStoreUnavailable
from bot.tickets.retrier import create_kept_ticket
from bot.tickets.spool import KeptTicket, SpoolUnavailable, default_spool

logger = logging.getLogger(__name__)


def utter_store_next_step(dispatcher: CollectingDispatcher, city_name: str | None) -> None:
    """Where to take the phone: the city's walk-in centres, or the nearest city's."""
    centres = load_service_centres()
    city = load_places().resolve_city(city_name) if city_name else None
    walk_in = [c for c in centres.centres_in(city.id) if "store" in c.services] if city else []
    if city is None or not walk_in:
        if city is not None:
            nearest, distance = centres.nearest_with_centre(city.id)
            dispatcher.utter_message(
                response="utter_next_step_store_no_centre",
                city=city.name,
                nearest_city=nearest.name,
                distance=round(distance),
            )
        else:
            dispatcher.utter_message(response="utter_next_step_store", city=city_name or "")
        return
    dispatcher.utter_message(response="utter_next_step_store_centres", city=city.name)
    for centre in walk_in[:MAX_CENTRES_SHOWN]:
        utter_centre(dispatcher, centre, city.name)


#: Services for which the phone leaves its owner: the privacy checklist follows the next step.
PRIVACY_CHECKLIST_SERVICES = frozenset({"mail_in", "store"})


def utter_privacy_checklist(dispatcher: CollectingDispatcher, device_id: str | None) -> None:
    """Backup, sign-out, 查找手机 and, when the model has one, its maintenance mode."""
    device = catalogue().device(device_id or "")
    if device and device.maintenance_mode:
        dispatcher.utter_message(
            response="utter_privacy_checklist_maintenance", device_name=device.name
        )
    else:
        dispatcher.utter_message(response="utter_privacy_checklist")


RETRY_INTENT = "EXTERNAL_retry_ticket"
# Automatic retries while the store is down: 1, 2, 4, ... minutes, capped at 30, for ~3 hours.
MAX_AUTOMATIC_RETRIES = 10
RETRY_CAP = dt.timedelta(minutes=30)


def retry_delay(attempt: int) -> dt.timedelta:
    """Backoff before automatic retry number ``attempt`` (0-based)."""
    return min(dt.timedelta(minutes=2**attempt), RETRY_CAP)


def kept_ticket(tracker: Tracker, intake_id: str) -> KeptTicket:
    """The ticket draft of the confirmed intake in ``tracker``'s slots."""
    warranty = tracker.get_slot("warranty_status")
    if not warranty:
        assessment = assess_for(tracker)
        warranty = assessment.status.value if assessment else "to_verify"
    return KeptTicket.from_slots(
        tracker.current_slot_values(),
        intake_id=intake_id,
        sender_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel() or "unknown",
        warranty_status=warranty,
    )


def keep(kept: KeptTicket) -> bool:
    """Write ``kept`` to the spool; False when the spool cannot be written."""
    try:
        default_spool().keep(kept)
    except SpoolUnavailable:
        logger.exception("ticket spool unavailable; intake %s not kept", kept.intake_id)
        return False
    return True


def was_kept(intake_id: str) -> bool:
    """Whether the spool held ``intake_id`` (now forgotten: its owner is being told).

    A spooled intake's owner was told the request is kept, never its ticket number.
    """
    try:
        spool = default_spool()
        if spool.get(intake_id) is None:
            return False
        spool.discard(intake_id)
    except SpoolUnavailable:
        logger.exception("ticket spool unavailable; intake %s", intake_id)
        return False
    return True


class ActionSubmitTicket(Action):
    """Writes exactly one ticket per confirmed intake and tells the user the next step."""

    def name(self) -> str:
        """Action name."""
        return "action_submit_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Create the ticket, or keep the intake when the store is down."""
        if tracker.get_slot("duplicate_confirmed") is False:
            dispatcher.utter_message(
                response="utter_duplicate_declined",
                existing_ticket_no=tracker.get_slot("existing_ticket_no"),
            )
            return reset_intake()
        if diagnosis.solved(tracker):
            # The guided diagnosis solved the problem (it said so): no ticket.
            return [*reset_intake(), *diagnosis.end_solved(dispatcher)]
        intake_id = tracker.get_slot("intake_id")
        if not intake_id or not tracker.get_slot("intake_confirmed"):
            if not tracker.get_slot("callback_step"):
                # (after hours, a handoff stops the form with a callback offer: say nothing)
                dispatcher.utter_message(response="utter_default")
            return []
        kept = kept_ticket(tracker, str(intake_id))
        try:
            # Photos of the fault sent during this intake are linked to its ticket.
            ticket, created = create_kept_ticket(kept)
        except TicketStoreUnavailable:
            logger.exception("ticket store unavailable; intake %s kept", intake_id)
            return self._defer(dispatcher, tracker, kept)
        # The owner of a kept intake was never told its ticket number, even when the
        # retrier created the ticket: for them it is new.
        news_to_owner = was_kept(intake_id)
        created = created or news_to_owner
        response = "utter_ticket_created" if created else "utter_ticket_exists_already"
        dispatcher.utter_message(response=response, ticket_no=ticket.ticket_no)
        if ticket.service_type == "store":
            utter_store_next_step(dispatcher, ticket.city)
        else:
            dispatcher.utter_message(
                response=f"utter_next_step_{ticket.service_type}",
                city=ticket.city or "",
                phone=ticket.contact_phone,
            )
        if ticket.service_type in PRIVACY_CHECKLIST_SERVICES:
            utter_privacy_checklist(dispatcher, ticket.device_model_id)
        events: list[EventType] = [*reset_intake(), SlotSet("ticket_no", ticket.ticket_no)]
        if created:
            events += ask_rating(dispatcher, "ticket")
        return events

    @staticmethod
    def _defer(
        dispatcher: CollectingDispatcher, tracker: Tracker, kept: KeptTicket
    ) -> list[EventType]:
        """Keep the intake (spool, slots) and schedule an automatic retry.

        The owner hears that the request is kept only once it is in the spool, which the
        action server's retrier drains even after a restart.
        """
        automatic = latest_intent(tracker) == RETRY_INTENT
        spooled = keep(kept)
        attempts = int(tracker.get_slot("ticket_retries") or 0) + (1 if automatic else 0)
        events: list[EventType] = [
            SlotSet("ticket_pending", True),
            SlotSet("ticket_retries", float(attempts)),
        ]
        if not automatic:
            response = "utter_ticket_deferred" if spooled else "utter_ticket_not_kept"
            dispatcher.utter_message(response=response)
        if attempts >= MAX_AUTOMATIC_RETRIES:
            dispatcher.utter_message(response="utter_ticket_still_pending")
            return events
        events.append(
            ReminderScheduled(
                RETRY_INTENT,
                trigger_date_time=dt.datetime.now(dt.timezone.utc) + retry_delay(attempts),
                name=f"retry_ticket_{tracker.get_slot('intake_id')}",
                kill_on_user_message=False,
            )
        )
        return events
