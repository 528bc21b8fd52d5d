"""A user cancels a submitted ticket (only before the phone has been received)."""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from bot.actions.common import clear_pending
from bot.actions.ticket_access import asked_ticket_no, normalize_ticket_no, visible_ticket
from bot.catalog import load_status_names
from bot.tickets import (
    CLOSED_STATUSES,
    INITIAL_STATUS,
    TicketNotCancellable,
    TicketNotFound,
    TicketRecord,
    TicketStoreUnavailable,
    cancel_ticket_by_user,
    find_tickets_by_sender,
    session_scope,
)

logger = logging.getLogger(__name__)

#: Recorded as the author of a cancellation in the ticket's history.
CANCELLED_BY = "user"


def utter_not_cancellable(dispatcher: CollectingDispatcher, ticket_no: str, status: str) -> None:
    """Say why a ticket cannot be cancelled online (closed already, or being worked on)."""
    closed = status in CLOSED_STATUSES
    dispatcher.utter_message(
        response="utter_ticket_already_closed" if closed else "utter_ticket_cannot_cancel",
        ticket_no=ticket_no,
        status_name=load_status_names().get(status, status),
    )


def offer_cancellation(dispatcher: CollectingDispatcher, ticket: TicketRecord) -> list[EventType]:
    """Ask "really cancel?" for a ticket the user may see, or say why it cannot be."""
    if ticket.status != INITIAL_STATUS:
        utter_not_cancellable(dispatcher, ticket.ticket_no, ticket.status)
        return []
    dispatcher.utter_message(response="utter_ask_ticket_cancel", ticket_no=ticket.ticket_no)
    return [SlotSet("ticket_cancel_pending", True), SlotSet("ticket_cancel_no", ticket.ticket_no)]


class ActionRequestTicketCancel(Action):
    """Finds the ticket to cancel and asks the user to confirm."""

    def name(self) -> str:
        """Action name."""
        return "action_request_ticket_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Ask "really cancel ticket X?" or say why it cannot be cancelled."""
        try:
            with session_scope() as session:
                return self._request(dispatcher, tracker, session)
        except TicketStoreUnavailable:
            logger.warning("ticket store unavailable for a cancellation request")
            dispatcher.utter_message(response="utter_store_unavailable")
            return []

    @staticmethod
    def _request(
        dispatcher: CollectingDispatcher, tracker: Tracker, session: Session
    ) -> list[EventType]:
        events = clear_pending()
        ticket_no = asked_ticket_no(tracker) or normalize_ticket_no(tracker.get_slot("ticket_no"))
        if ticket_no is None:
            own = [
                t for t in find_tickets_by_sender(session, sender_id=tracker.sender_id) if t.is_open
            ]
            if not own:
                dispatcher.utter_message(response="utter_ticket_cancel_none")
                return events
            ticket_no = max(own, key=lambda t: t.updated_at).ticket_no
        ticket, visible = visible_ticket(tracker, session, ticket_no)
        if ticket is None:
            dispatcher.utter_message(response="utter_status_not_found", ticket_no=ticket_no)
            return events
        if not visible:
            # After the phone check, the status answer comes back to the cancellation.
            dispatcher.utter_message(response="utter_status_need_phone", ticket_no=ticket_no)
            return [
                *events,
                SlotSet("status_asked", True),
                SlotSet("status_ticket_no", ticket_no),
                SlotSet("ticket_cancel_no", ticket_no),
            ]
        return events + offer_cancellation(dispatcher, ticket)


class ActionCancelTicket(Action):
    """Cancels the ticket the user confirmed."""

    def name(self) -> str:
        """Action name."""
        return "action_cancel_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Cancel, unless the phone was received in the meantime."""
        events = clear_pending()
        ticket_no = normalize_ticket_no(tracker.get_slot("ticket_cancel_no"))
        if ticket_no is None:
            dispatcher.utter_message(response="utter_ticket_cancel_none")
            return events
        try:
            with session_scope() as session:
                ticket, visible = visible_ticket(tracker, session, ticket_no)
                if ticket is None or not visible:
                    dispatcher.utter_message(response="utter_status_not_found", ticket_no=ticket_no)
                    return events
                cancelled = cancel_ticket_by_user(
                    session, ticket_no=ticket_no, changed_by=CANCELLED_BY
                )
        except TicketNotCancellable as error:
            utter_not_cancellable(dispatcher, ticket_no, error.status)
            return events
        except TicketNotFound:
            dispatcher.utter_message(response="utter_status_not_found", ticket_no=ticket_no)
            return events
        except TicketStoreUnavailable:
            logger.warning("ticket store unavailable; ticket %s not cancelled", ticket_no)
            dispatcher.utter_message(response="utter_ticket_cancel_failed", ticket_no=ticket_no)
            return events
        dispatcher.utter_message(response="utter_ticket_cancelled", ticket_no=cancelled.ticket_no)
        return events


class ActionKeepTicket(Action):
    """The user decided not to cancel."""

    def name(self) -> str:
        """Action name."""
        return "action_keep_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Confirm that nothing changed."""
        dispatcher.utter_message(
            response="utter_ticket_kept", ticket_no=tracker.get_slot("ticket_cancel_no") or ""
        )
        return clear_pending()
