"""Complaints: heard, recorded with the conversation id, and a person offered."""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import latest_text
from bot.tickets import TicketStoreUnavailable, record_complaint, session_scope

logger = logging.getLogger(__name__)

#: Stored as the complaint's text when the user gave none (a button, an empty message).
NO_TEXT = "(no text)"


class ActionRecordComplaint(Action):
    """Stores the complaint and answers with empathy."""

    def name(self) -> str:
        """Action name."""
        return "action_record_complaint"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Record, apologise, offer a person; a store outage still gets the apology."""
        # A button press ("/complain") carries no words of the user's: store the marker.
        text = latest_text(tracker).strip() or NO_TEXT
        try:
            with session_scope() as session:
                record_complaint(
                    session,
                    sender_id=tracker.sender_id,
                    channel=tracker.get_latest_input_channel() or "unknown",
                    text=text,
                    ticket_no=tracker.get_slot("ticket_no"),
                )
        except TicketStoreUnavailable:
            logger.error("ticket store unavailable; complaint of %s not stored", tracker.sender_id)
            dispatcher.utter_message(response="utter_complain")
            return []
        dispatcher.utter_message(response="utter_complaint_recorded")
        return []
