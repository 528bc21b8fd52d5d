"""Photos of the fault: recorded in the ticket store and linked to the intake or the ticket."""

from __future__ import annotations

import logging
import uuid

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import in_form
from bot.intake.photos import PhotoRef, photo_from_metadata
from bot.tickets import (
    TicketStoreUnavailable,
    add_attachment,
    attach_to_ticket,
    latest_open_ticket_for_sender,
    session_scope,
)

logger = logging.getLogger(__name__)


class ActionReceivePhoto(Action):
    """Stores a photo a channel delivered; explains how to send one when there is none.

    During an intake (or while its ticket waits for the store) the photo joins the intake
    and moves to the ticket when it is created. Otherwise it is added to the conversation's
    open ticket; with no ticket either, it starts an intake id so that a repair booked next
    takes it along.
    """

    def name(self) -> str:
        """Action name."""
        return "action_receive_photo"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Record the photo and say where it went."""
        photo = photo_from_metadata((tracker.latest_message or {}).get("metadata"))
        if photo is None:
            dispatcher.utter_message(response="utter_photo_how_to")
            return []
        try:
            return self._record(dispatcher, tracker, photo)
        except TicketStoreUnavailable:
            logger.error("ticket store unavailable; photo %s not recorded", photo.storage_key)
        except ValueError as error:  # a reference the store refuses
            logger.error("photo %s not recorded: %s", photo.storage_key, error)
        dispatcher.utter_message(response="utter_photo_not_saved")
        return []

    @staticmethod
    def _record(
        dispatcher: CollectingDispatcher, tracker: Tracker, photo: PhotoRef
    ) -> list[EventType]:
        intake_id = tracker.get_slot("intake_id")
        intake_open = in_form(tracker) or bool(tracker.get_slot("ticket_pending"))
        events: list[EventType] = []
        if not intake_id:
            intake_id = uuid.uuid4().hex
            events.append(SlotSet("intake_id", intake_id))
        with session_scope() as session:
            ticket = (
                None
                if intake_open
                else (latest_open_ticket_for_sender(session, sender_id=tracker.sender_id))
            )
            record = add_attachment(
                session,
                sender_id=tracker.sender_id,
                channel=tracker.get_latest_input_channel() or "unknown",
                content_type=photo.content_type,
                size_bytes=photo.size_bytes,
                storage_key=photo.storage_key,
                intake_id=None if ticket else intake_id,
                source_ref=photo.source_ref,
            )
            if ticket is not None:
                attach_to_ticket(session, public_id=record.public_id, ticket_no=ticket.ticket_no)
        if ticket is not None:
            dispatcher.utter_message(response="utter_photo_attached", ticket_no=ticket.ticket_no)
            return []  # the intake id is not needed: nothing waits for a ticket
        response = "utter_photo_received_intake" if intake_open else "utter_photo_received"
        dispatcher.utter_message(response=response)
        return events
