"""Repair progress for the tickets of this conversation."""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import catalogue, format_date
from bot.catalog import load_status_names
from bot.settings import get_settings
from bot.tickets import (
    TicketRecord,
    TicketStoreUnavailable,
    find_tickets_by_sender,
    get_ticket,
    session_scope,
)

logger = logging.getLogger(__name__)


def _utter_status(dispatcher: CollectingDispatcher, ticket: TicketRecord) -> None:
    cat = catalogue()
    device = cat.device(ticket.device_model_id)
    fault = cat.fault(ticket.fault_category)
    dispatcher.utter_message(
        response="utter_status_line",
        ticket_no=ticket.ticket_no,
        device_name=device.name if device else ticket.device_model_id,
        fault_name=fault.name if fault else ticket.fault_category,
        status_name=load_status_names().get(ticket.status, ticket.status),
        updated=format_date(ticket.updated_at.astimezone(get_settings().tz).date()),
    )


class ActionCheckRepairStatus(Action):
    """Status of a ticket created in this conversation (others need the hotline for now)."""

    def name(self) -> str:
        """Action name."""
        return "action_check_repair_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Answer from the ticket store."""
        asked = next(tracker.get_latest_entity_values("ticket_no"), None)
        try:
            with session_scope() as session:
                own = find_tickets_by_sender(session, sender_id=tracker.sender_id)
                other = get_ticket(session, ticket_no=str(asked).upper()) if asked else None
        except TicketStoreUnavailable:
            logger.warning("ticket store unavailable for a status request")
            dispatcher.utter_message(response="utter_store_unavailable")
            return []
        if asked:
            if other is None:
                dispatcher.utter_message(response="utter_status_not_found", ticket_no=asked)
            elif other.sender_id != tracker.sender_id:
                dispatcher.utter_message(response="utter_status_private", ticket_no=other.ticket_no)
            else:
                _utter_status(dispatcher, other)
            return []
        if not own:
            dispatcher.utter_message(response="utter_status_no_ticket")
        for ticket in own:
            _utter_status(dispatcher, ticket)
        return []
