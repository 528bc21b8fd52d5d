"""Greets the user; a returning user with an open ticket hears its status first."""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.catalog import load_status_names
from bot.tickets import TicketStoreUnavailable, latest_open_ticket_for_sender, session_scope

logger = logging.getLogger(__name__)


class ActionGreet(Action):
    """Hello, with the open ticket's status when this user has one."""

    def name(self) -> str:
        """Action name."""
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Greet; the ticket store being down only loses the status line."""
        try:
            with session_scope(readonly=True) as session:
                ticket = latest_open_ticket_for_sender(session, sender_id=tracker.sender_id)
        except TicketStoreUnavailable:
            logger.warning("ticket store unavailable while greeting")
            ticket = None
        if ticket is None:
            dispatcher.utter_message(response="utter_greet")
            return []
        dispatcher.utter_message(
            response="utter_greet_returning",
            ticket_no=ticket.ticket_no,
            status_name=load_status_names().get(ticket.status, ticket.status),
        )
        return []
