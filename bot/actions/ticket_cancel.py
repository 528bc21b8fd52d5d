"""A user cancels a submitted ticket (only before the phone has been received).

A ticket of another conversation can only be cancelled once this conversation has proven
it (ticket number + matching contact phone, and the SMS code when configured; see
:mod:`bot.actions.ticket_access`): the request then waits for the status check.
"""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import clear_pending
from bot.actions.quote import offer_decline_instead
from bot.actions.ticket_access import (
    asked_ticket_no,
    clear_verification,
    locked_out,
    normalize_ticket_no,
    utcnow,
    visible_ticket,
)
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
        declining = offer_decline_instead(dispatcher, ticket)  # after-sales: quotes
        if declining is not None:
            return declining
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
            return self._request(dispatcher, tracker)
        except TicketStoreUnavailable:
            logger.warning("ticket store unavailable for a cancellation request")
            dispatcher.utter_message(response="utter_store_unavailable")
            return []

    @staticmethod
    def _request(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        events = [*clear_pending(), *clear_verification()]
        sender, now = tracker.sender_id, utcnow()
        ticket_no = asked_ticket_no(tracker) or normalize_ticket_no(tracker.get_slot("ticket_no"))
        with session_scope(readonly=True) as session:
            if ticket_no is None:
                own = [t for t in find_tickets_by_sender(session, sender_id=sender) if t.is_open]
                if not own:
                    dispatcher.utter_message(response="utter_ticket_cancel_none")
                    return events
                ticket_no = max(own, key=lambda t: t.updated_at).ticket_no
            ticket = visible_ticket(session, sender, ticket_no, now)
            locked = ticket is None and locked_out(session, sender, ticket_no, now)
        if ticket is not None:
            return events + offer_cancellation(dispatcher, ticket)
        if locked:
            dispatcher.utter_message(response="utter_status_locked")
            return events
        # Unknown or not proven (the same answer): the status check comes back to the cancellation.
        dispatcher.utter_message(response="utter_status_need_phone", ticket_no=ticket_no)
        return [
            *events,
            SlotSet("status_asked", True),
            SlotSet("status_ticket_no", ticket_no),
            SlotSet("ticket_cancel_no", ticket_no),
        ]


class ActionCancelTicket(Action):
    """Cancels the ticket the user confirmed."""

    def name(self) -> str:
        """Action name."""
        return "action_cancel_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Cancel, unless the phone was received in the meantime."""
        events = [*clear_pending(), *clear_verification()]
        ticket_no = normalize_ticket_no(tracker.get_slot("ticket_cancel_no"))
        if ticket_no is None:
            dispatcher.utter_message(response="utter_ticket_cancel_none")
            return events
        try:
            with session_scope() as session:
                if visible_ticket(session, tracker.sender_id, ticket_no, utcnow()) is None:
                    dispatcher.utter_message(
                        response="utter_status_unverified", ticket_no=ticket_no
                    )
                    return events
                cancelled = cancel_ticket_by_user(
                    session, ticket_no=ticket_no, changed_by=CANCELLED_BY
                )
        except TicketNotCancellable as error:
            utter_not_cancellable(dispatcher, ticket_no, error.status)
            return events
        except TicketNotFound:
            dispatcher.utter_message(response="utter_status_unverified", ticket_no=ticket_no)
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
