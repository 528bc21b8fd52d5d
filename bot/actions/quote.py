"""The owner approves or declines the repair quote staff set after inspection.

The ticket is the one named in the message (a status answer's buttons carry it), or else
the owner's only ticket with a pending quote. The quote is pinned when known (the button's
``quote_id``, a typed ``#12``, else the quote last shown for the ticket in this conversation):
if staff replaced it meanwhile, nothing is decided and the new quote is shown. A ticket of
another conversation must have been proven first (:mod:`bot.actions.ticket_access`).
Approval is recorded at once; a decline is confirmed once, because the phone then goes
back unrepaired. The decision goes to the ticket store
(:func:`bot.tickets.quotes.decide_quote`): it is in the ticket's history and the owner is
notified of the new status.
"""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from bot.actions.common import clear_pending, latest_entity, latest_text
from bot.actions.ticket_access import (
    asked_ticket_no,
    clear_verification,
    normalize_ticket_no,
    utcnow,
    visible_ticket,
)
from bot.catalog import load_status_names
from bot.catalog.prices import load_prices
from bot.intake.quote_refs import last_shown_quotes, parse_quote_id, quote_ref_in_text
from bot.tickets import (
    TicketRecord,
    TicketStoreUnavailable,
    find_tickets_by_sender,
    session_scope,
)
from bot.tickets.quotes import (
    NoPendingQuote,
    QuoteChanged,
    QuoteNotAllowed,
    QuoteRecord,
    decide_quote,
    format_yuan,
    pending_quote,
    quote_ticket_no,
)

logger = logging.getLogger(__name__)

#: Recorded as the author of the owner's decision in the ticket's history.
DECIDED_BY = "user"
#: How the owner's decision reached the ticket store.
DECIDED_VIA = "chat"
#: Separator of ticket numbers listed in one answer.
LIST_SEPARATOR = "、"

Found = tuple[TicketRecord, QuoteRecord]


def utter_pending_quote(
    dispatcher: CollectingDispatcher, session: Session, ticket: TicketRecord
) -> None:
    """Say a ticket's pending quote (parts, labour, total) with the approve / decline buttons."""
    quote = pending_quote(session, ticket_no=ticket.ticket_no) if ticket.is_open else None
    if quote is None:
        return
    line = load_prices().list_line
    parts = "".join(
        line.format(part=part.name, price=format_yuan(part.amount_fen)) + "\n"
        for part in quote.parts
    )
    dispatcher.utter_message(
        response="utter_status_quote",
        ticket_no=ticket.ticket_no,
        parts=parts,
        labour=format_yuan(quote.labour_fen),
        total=format_yuan(quote.total_fen),
        quote_id=str(quote.id),
    )


def _own_pending(session: Session, sender_id: str) -> list[Found]:
    """The conversation's open tickets that wait for a decision on their quote, newest first."""
    found = []
    own = find_tickets_by_sender(session, sender_id=sender_id)
    for ticket in sorted(own, key=lambda t: t.updated_at, reverse=True):
        quote = pending_quote(session, ticket_no=ticket.ticket_no) if ticket.is_open else None
        if quote is not None:
            found.append((ticket, quote))
    return found


def _utter_closed(dispatcher: CollectingDispatcher, ticket_no: str, status: str) -> None:
    dispatcher.utter_message(
        response="utter_quote_closed",
        ticket_no=ticket_no,
        status_name=load_status_names().get(status, status),
    )


def locate_quote(
    dispatcher: CollectingDispatcher, session: Session, tracker: Tracker, ticket_no: str | None
) -> Found | None:
    """The ticket and pending quote the owner decides on, or ``None`` once told why not.

    Args:
        dispatcher: Says why there is nothing to decide on.
        session: Open session of the ticket store.
        tracker: The conversation.
        ticket_no: The ticket named by the owner, if any (normalised).
    """
    if ticket_no is None:
        found = _own_pending(session, tracker.sender_id)
        if len(found) == 1:
            return found[0]
        if not found:
            dispatcher.utter_message(response="utter_quote_none")
        else:
            numbers = [ticket.ticket_no for ticket, _ in found]
            dispatcher.utter_message(
                response="utter_quote_which_ticket",
                ticket_nos=LIST_SEPARATOR.join(numbers),
                example=numbers[0],
            )
        return None
    ticket = visible_ticket(session, tracker.sender_id, ticket_no, utcnow())
    if ticket is None:
        dispatcher.utter_message(response="utter_quote_not_visible", ticket_no=ticket_no)
        return None
    if not ticket.is_open:
        _utter_closed(dispatcher, ticket.ticket_no, ticket.status)
        return None
    quote = pending_quote(session, ticket_no=ticket.ticket_no)
    if quote is None:
        dispatcher.utter_message(response="utter_quote_none")
        return None
    return ticket, quote


def asked_quote_id(tracker: Tracker) -> int | None:
    """The quote id in the latest message: a button's ``quote_id`` or a typed ``#12``."""
    entity = parse_quote_id(latest_entity(tracker, "quote_id"))
    return entity if entity is not None else quote_ref_in_text(latest_text(tracker))


def pinned_quote_id(tracker: Tracker, ticket_no: str) -> int | None:
    """The quote the owner decides on: named in the message, else last shown for the ticket."""
    asked = asked_quote_id(tracker)
    if asked is not None:
        return asked
    shown = {
        normalize_ticket_no(no): quote_id
        for no, quote_id in last_shown_quotes(tracker.events).items()
    }
    return shown.get(normalize_ticket_no(ticket_no))


def _ticket_of_asked_quote(session: Session, tracker: Tracker) -> str | None:
    """The ticket of the quote id named in the latest message, if the owner may see it.

    A quote of someone else's ticket is ignored (its ticket number is not revealed).
    """
    asked = asked_quote_id(tracker)
    ticket_no = None if asked is None else quote_ticket_no(session, quote_id=asked)
    if ticket_no is None or visible_ticket(session, tracker.sender_id, ticket_no, utcnow()) is None:
        return None
    return ticket_no


def _utter_changed(
    dispatcher: CollectingDispatcher, session: Session, ticket: TicketRecord
) -> None:
    """Say that staff replaced the quote, and show the new one with its buttons."""
    dispatcher.utter_message(response="utter_quote_changed", ticket_no=ticket.ticket_no)
    utter_pending_quote(dispatcher, session, ticket)


def _decide(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    ticket_no: str | None,
    decision: str,
    quote_id: int | None = None,
) -> QuoteRecord | None:
    """Find the quote and record the decision; ``None`` once the owner is told why not.

    Without ``quote_id`` the quote is pinned by :func:`pinned_quote_id`.
    """
    try:
        with session_scope() as session:
            ticket_no = ticket_no or _ticket_of_asked_quote(session, tracker)
            found = locate_quote(dispatcher, session, tracker, ticket_no)
            if found is None:
                return None
            ticket, _ = found
            if quote_id is None:
                quote_id = pinned_quote_id(tracker, ticket.ticket_no)
            try:
                return decide_quote(
                    session,
                    ticket_no=ticket.ticket_no,
                    decision=decision,
                    via=DECIDED_VIA,
                    decided_by=DECIDED_BY,
                    quote_id=quote_id,
                )
            except QuoteChanged:  # staff replaced it: show the new one, decide nothing
                _utter_changed(dispatcher, session, ticket)
                return None
    except NoPendingQuote:  # decided meanwhile (staff, another conversation)
        dispatcher.utter_message(response="utter_quote_none")
    except QuoteNotAllowed as error:
        _utter_closed(dispatcher, error.ticket_no, error.status)
    except TicketStoreUnavailable:
        logger.warning("ticket store unavailable; quote decision (%s) not recorded", decision)
        dispatcher.utter_message(response="utter_quote_failed", ticket_no=ticket_no or "")
    return None


def _ask_decline(
    dispatcher: CollectingDispatcher, ticket: TicketRecord, quote: QuoteRecord
) -> list[EventType]:
    """Ask "really no repair of ticket X?" and keep the quote the answer is about."""
    dispatcher.utter_message(response="utter_ask_quote_decline", ticket_no=ticket.ticket_no)
    return [
        SlotSet("quote_decline_pending", True),
        SlotSet("quote_ticket_no", ticket.ticket_no),
        SlotSet("quote_id", str(quote.id)),
    ]


def offer_decline_instead(
    dispatcher: CollectingDispatcher, ticket: TicketRecord
) -> list[EventType] | None:
    """For a ticket past cancellation with a pending quote: ask to decline the quote instead.

    "不修了" after inspection means "no repair": the quote is declined and the phone comes
    back unrepaired, which the owner confirms once (:class:`ActionDeclineQuote`).

    Returns:
        The events of the question, or ``None`` when the ticket has no pending quote.
    """
    if not ticket.is_open:
        return None
    with session_scope(readonly=True) as session:
        quote = pending_quote(session, ticket_no=ticket.ticket_no)
    return None if quote is None else _ask_decline(dispatcher, ticket, quote)


class ActionApproveQuote(Action):
    """The owner approves the repair quote: the repair starts."""

    def name(self) -> str:
        """Action name."""
        return "action_approve_quote"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Record the approval and say what happens next."""
        events = [*clear_pending(), *clear_verification()]
        decided = _decide(dispatcher, tracker, asked_ticket_no(tracker), "approve")
        if decided is not None:
            dispatcher.utter_message(
                response="utter_quote_approved",
                ticket_no=decided.ticket_no,
                total=format_yuan(decided.total_fen),
            )
        return events


class ActionRequestQuoteDecline(Action):
    """The owner wants no repair: ask once, since the phone then goes back unrepaired."""

    def name(self) -> str:
        """Action name."""
        return "action_request_quote_decline"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Ask "really no repair of ticket X?" or say why there is nothing to decline."""
        events = [*clear_pending(), *clear_verification()]
        try:
            with session_scope(readonly=True) as session:
                ticket_no = asked_ticket_no(tracker) or _ticket_of_asked_quote(session, tracker)
                found = locate_quote(dispatcher, session, tracker, ticket_no)
                if found is None:
                    return events
                ticket, quote = found
                pinned = pinned_quote_id(tracker, ticket.ticket_no)
                if pinned is not None and pinned != quote.id:  # staff replaced it
                    _utter_changed(dispatcher, session, ticket)
                    return events
        except TicketStoreUnavailable:
            logger.warning("ticket store unavailable for a quote decline")
            dispatcher.utter_message(response="utter_store_unavailable")
            return events
        return [*events, *_ask_decline(dispatcher, ticket, quote)]


class ActionDeclineQuote(Action):
    """The owner confirmed: no repair, the phone goes back unrepaired."""

    def name(self) -> str:
        """Action name."""
        return "action_decline_quote"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Record the decline and say how the phone comes back."""
        events = [*clear_pending(), *clear_verification()]
        ticket_no = normalize_ticket_no(tracker.get_slot("quote_ticket_no"))
        if ticket_no is None:
            dispatcher.utter_message(response="utter_quote_none")
            return events
        quote_id = parse_quote_id(tracker.get_slot("quote_id"))
        decided = _decide(dispatcher, tracker, ticket_no, "decline", quote_id)
        if decided is not None:
            dispatcher.utter_message(response="utter_quote_declined", ticket_no=decided.ticket_no)
        return events


class ActionKeepQuote(Action):
    """The owner did not confirm the decline: the quote still waits for a decision."""

    def name(self) -> str:
        """Action name."""
        return "action_keep_quote"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Say that nothing changed."""
        dispatcher.utter_message(
            response="utter_quote_kept", ticket_no=tracker.get_slot("quote_ticket_no") or ""
        )
        return clear_pending()
