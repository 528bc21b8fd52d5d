"""Repair progress by ticket number or contact phone, with a timeline and masked identifiers.

Privacy: a conversation sees the tickets it created. Any other ticket is shown only after the
user gives the contact phone number recorded on it; verified numbers are remembered for the
rest of the conversation (slot ``verified_phones``).
"""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from bot.actions.common import (
    catalogue,
    clear_pending,
    format_date,
    in_form,
    local_date,
)
from bot.actions.ticket_access import (
    asked_ticket_no,
    given_phone,
    may_see,
    normalize_ticket_no,
)
from bot.actions.ticket_cancel import offer_cancellation
from bot.catalog import load_status_names
from bot.catalog.labels import load_timeline_format
from bot.intake import mask_phone, mask_serial
from bot.tickets import (
    StatusChange,
    TicketRecord,
    TicketStoreUnavailable,
    find_tickets_by_phone,
    find_tickets_by_sender,
    get_ticket,
    session_scope,
    status_history,
)

logger = logging.getLogger(__name__)

#: Tickets shown in one answer at most (open ones first, newest first).
MAX_TICKETS_SHOWN = 3


def timeline_lines(history: list[StatusChange]) -> str:
    """The status history as lines of text, oldest first."""
    names = load_status_names()
    fmt = load_timeline_format()
    lines = []
    for change in history:
        line = fmt.line.format(
            date=format_date(local_date(change.changed_at)),
            status=names.get(change.status, change.status),
        )
        if change.tracking_no:
            template = fmt.tracking if change.courier else fmt.tracking_no_courier
            line += template.format(courier=change.courier or "", tracking_no=change.tracking_no)
        lines.append(line)
    return "\n".join(lines)


def utter_ticket(dispatcher: CollectingDispatcher, session: Session, ticket: TicketRecord) -> None:
    """Say one ticket's details (identifiers masked) and its timeline."""
    cat = catalogue()
    device = cat.device(ticket.device_model_id)
    fault = cat.fault(ticket.fault_category)
    dispatcher.utter_message(
        response="utter_status_detail",
        ticket_no=ticket.ticket_no,
        device_name=device.name if device else ticket.device_model_id,
        fault_name=fault.name if fault else ticket.fault_category,
        serial=mask_serial(ticket.serial_number) if ticket.serial_number else "未提供",
        phone=mask_phone(ticket.contact_phone),
        status_name=load_status_names().get(ticket.status, ticket.status),
        timeline=timeline_lines(status_history(session, ticket_no=ticket.ticket_no)),
    )


def order_for_display(tickets: list[TicketRecord]) -> list[TicketRecord]:
    """Open tickets first, then the most recently updated."""
    ordered = sorted(tickets, key=lambda t: t.updated_at, reverse=True)
    return sorted(ordered, key=lambda t: not t.is_open)[:MAX_TICKETS_SHOWN]


class ActionCheckRepairStatus(Action):
    """Answers "where is my phone?" from the ticket store."""

    def name(self) -> str:
        """Action name."""
        return "action_check_repair_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Find the tickets the user may see and show them; ask for what is missing."""
        try:
            with session_scope() as session:
                return self._answer(dispatcher, tracker, session)
        except TicketStoreUnavailable:
            logger.warning("ticket store unavailable for a status request")
            dispatcher.utter_message(response="utter_store_unavailable")
            return []

    def _answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, session: Session
    ) -> list[EventType]:
        verified = set(tracker.get_slot("verified_phones") or [])
        asked = asked_ticket_no(tracker)
        pending = normalize_ticket_no(tracker.get_slot("status_ticket_no"))
        phone = given_phone(tracker)
        events: list[EventType] = clear_pending()
        if phone and phone not in verified and (asked or pending):
            target = get_ticket(session, ticket_no=asked or pending or "")
            if target is not None and target.contact_phone == phone:
                verified.add(phone)
                events.append(SlotSet("verified_phones", sorted(verified)))
        elif phone and not asked and not pending:
            by_phone = find_tickets_by_phone(session, phone=phone)
            if not by_phone:
                dispatcher.utter_message(
                    response="utter_status_none_for_phone", phone=mask_phone(phone)
                )
                return events
            verified.add(phone)
            for ticket in order_for_display(by_phone):
                utter_ticket(dispatcher, session, ticket)
            return [*events, SlotSet("verified_phones", sorted(verified))]
        target_no = asked or pending
        if target_no:
            more, shown = self._one_ticket(
                dispatcher, tracker, session, target_no, verified, phone_given=phone is not None
            )
            events += more
            wants_cancel = normalize_ticket_no(tracker.get_slot("ticket_cancel_no"))
            if wants_cancel == target_no and shown is not None and not in_form(tracker):
                # The user asked to cancel this ticket before proving the phone number.
                events += offer_cancellation(dispatcher, shown)
            return events
        own = find_tickets_by_sender(session, sender_id=tracker.sender_id)
        if own:
            for ticket in order_for_display(own):
                utter_ticket(dispatcher, session, ticket)
            return events
        if tracker.get_slot("status_asked"):
            dispatcher.utter_message(response="utter_status_identifier_invalid")
        else:
            dispatcher.utter_message(response="utter_status_ask_identifier")
        if in_form(tracker):
            return events
        return [*events, SlotSet("status_asked", True)]

    @staticmethod
    def _one_ticket(
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        session: Session,
        ticket_no: str,
        verified: set[str],
        *,
        phone_given: bool,
    ) -> tuple[list[EventType], TicketRecord | None]:
        """Show one ticket if this conversation may see it; returns the events and that ticket."""
        ticket = get_ticket(session, ticket_no=ticket_no)
        if ticket is None:
            dispatcher.utter_message(response="utter_status_not_found", ticket_no=ticket_no)
            return [], None
        if may_see(tracker, ticket, verified):
            utter_ticket(dispatcher, session, ticket)
            return [], ticket
        if phone_given:
            # Never say whose number it is: only that it does not match.
            dispatcher.utter_message(response="utter_status_phone_mismatch", ticket_no=ticket_no)
            return [], None
        if in_form(tracker):
            dispatcher.utter_message(response="utter_status_verify_later", ticket_no=ticket_no)
            return [], None
        dispatcher.utter_message(response="utter_status_need_phone", ticket_no=ticket_no)
        return [SlotSet("status_asked", True), SlotSet("status_ticket_no", ticket_no)], None
