"""Repair progress by ticket number, with a timeline and masked identifiers.

Privacy: a conversation sees the tickets it created. Another ticket is shown only once the
conversation has proven it (see :mod:`bot.actions.ticket_access`): its number together with
the contact phone recorded on it, then the SMS code when a phone verifier is configured. A
phone number alone never shows tickets of other conversations. A failed check gets the
same answer whether the number does not exist or the phone does not match, and failed
checks are limited per conversation and per ticket number.
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
    latest_text,
    local_date,
)
from bot.actions.dialogue import part
from bot.actions.phone_verifier import (
    PhoneVerifier,
    PhoneVerifierError,
    parse_code,
    phone_verifier,
)
from bot.actions.pickup import proof_kept, resume_after_proof, utter_ticket_pickup
from bot.actions.quote import utter_pending_quote
from bot.actions.ticket_access import (
    asked_ticket_no,
    clear_verification,
    given_phone,
    locked_out,
    normalize_ticket_no,
    own_ticket,
    proven,
    record_check,
    utcnow,
    visible_ticket,
)
from bot.actions.ticket_cancel import offer_cancellation
from bot.catalog import load_status_names
from bot.catalog.labels import load_timeline_format
from bot.intake import mask_phone, mask_serial, parse_mobile
from bot.tickets import (
    StatusChange,
    TicketRecord,
    TicketStoreUnavailable,
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
        serial=mask_serial(ticket.serial_number) if ticket.serial_number else part("not_given"),
        phone=mask_phone(ticket.contact_phone),
        status_name=load_status_names().get(ticket.status, ticket.status),
        timeline=timeline_lines(status_history(session, ticket_no=ticket.ticket_no)),
    )
    utter_pending_quote(dispatcher, session, ticket)  # after-sales: quotes
    utter_ticket_pickup(dispatcher, session, ticket)  # after-sales: pickup


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
        """Show the tickets the user may see; ask for, or check, what proves another one."""
        try:
            return await self._answer(dispatcher, tracker)
        except TicketStoreUnavailable:
            logger.warning("ticket store unavailable for a status request")
        except PhoneVerifierError as error:
            logger.error("ticket check impossible: %s", error)
        dispatcher.utter_message(response="utter_store_unavailable")
        return []

    async def _answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        events: list[EventType] = [*clear_pending(), *clear_verification()]
        target = asked_ticket_no(tracker) or normalize_ticket_no(
            tracker.get_slot("status_ticket_no")
        )
        if target is None:
            return events + self._without_ticket_no(dispatcher, tracker)
        sender, now = tracker.sender_id, utcnow()
        wants_cancel = normalize_ticket_no(tracker.get_slot("ticket_cancel_no")) == target
        with session_scope(readonly=True) as session:
            if in_form(tracker):
                # Inside the intake nothing is checked: a phone typed now is the intake's.
                ticket = visible_ticket(session, sender, target, now)
                if ticket is None:
                    dispatcher.utter_message(response="utter_status_verify_later", ticket_no=target)
                else:
                    utter_ticket(dispatcher, session, ticket)
                return events
            ticket = own_ticket(session, sender, target)
            if ticket is None and proven(session, sender, target, now):
                ticket = get_ticket(session, ticket_no=target)
            if ticket is not None:
                utter_ticket(dispatcher, session, ticket)
                return events + continue_request(dispatcher, tracker, ticket, wants_cancel)
            if locked_out(session, sender, target, now):
                dispatcher.utter_message(response="utter_status_locked")
                return events
        # Still open after this turn: the ticket waits for its proof.
        waiting: list[EventType] = [
            SlotSet("status_asked", True),
            SlotSet("status_ticket_no", target),
            *cancel_kept(tracker, target),
            *proof_kept(tracker, target),  # after-sales: pickup
        ]
        verifier = phone_verifier()
        given = given_phone(tracker)
        if verifier is not None and tracker.get_slot("status_code_pending") and given is None:
            code = parse_code(latest_text(tracker))
            if code is not None:
                return events + await self._check_code(dispatcher, tracker, target, code, waiting)
            dispatcher.utter_message(response="utter_status_code_wrong", ticket_no=target)
            return [*events, *waiting, SlotSet("status_code_pending", True)]
        phone = given or self._remembered_phone(tracker)
        if phone is None:
            dispatcher.utter_message(response="utter_status_need_phone", ticket_no=target)
            return events + waiting
        if verifier is not None:
            return events + await self._send_code(dispatcher, tracker, target, phone, verifier)
        with session_scope() as session:
            ticket = get_ticket(session, ticket_no=target)
            matches = ticket is not None and ticket.contact_phone == phone
            record_check(session, sender, target, succeeded=matches, now=now)
            if ticket is not None and matches:
                utter_ticket(dispatcher, session, ticket)
                return events + continue_request(dispatcher, tracker, ticket, wants_cancel)
        # The same answer whether the number does not exist or the phone does not match.
        dispatcher.utter_message(response="utter_status_unverified", ticket_no=target)
        return events + waiting

    @staticmethod
    def _remembered_phone(tracker: Tracker) -> str | None:
        """The phone given just before, while the bot asked for the ticket number."""
        if not tracker.get_slot("status_asked"):
            return None
        parsed = parse_mobile(str(tracker.get_slot("status_phone") or ""))
        return parsed.value if parsed.ok else None

    @staticmethod
    async def _send_code(
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        target: str,
        phone: str,
        verifier: PhoneVerifier,
    ) -> list[EventType]:
        """Send a code when the phone matches; the answer is the same when it does not."""
        sender, now = tracker.sender_id, utcnow()
        with session_scope() as session:
            ticket = get_ticket(session, ticket_no=target)
            matches = ticket is not None and ticket.contact_phone == phone
            # A code sent is a try too: nobody can flood the owner's phone with messages.
            record_check(session, sender, target, succeeded=False, now=now)
        if matches and not await verifier.send_code(phone):
            logger.warning("the phone verifier could not send a code for ticket %s", target)
        dispatcher.utter_message(
            response="utter_status_code_sent", ticket_no=target, phone=mask_phone(phone)
        )
        return [
            SlotSet("status_asked", True),
            SlotSet("status_ticket_no", target),
            SlotSet("status_code_pending", True),
            *cancel_kept(tracker, target),
            *proof_kept(tracker, target),  # after-sales: pickup
        ]

    @staticmethod
    async def _check_code(
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        target: str,
        code: str,
        waiting: list[EventType],
    ) -> list[EventType]:
        """Show the ticket when the code is the one sent to its phone."""
        verifier = phone_verifier()
        sender, now = tracker.sender_id, utcnow()
        with session_scope(readonly=True) as session:
            ticket = get_ticket(session, ticket_no=target)
        right = (
            ticket is not None
            and verifier is not None
            and await verifier.check_code(ticket.contact_phone, code)
        )
        with session_scope() as session:
            record_check(session, sender, target, succeeded=right, now=now)
            if ticket is not None and right:
                utter_ticket(dispatcher, session, ticket)
                wants_cancel = bool(cancel_kept(tracker, target))
                return continue_request(dispatcher, tracker, ticket, wants_cancel)
        dispatcher.utter_message(response="utter_status_code_wrong", ticket_no=target)
        return [*waiting, SlotSet("status_code_pending", True)]

    @staticmethod
    def _without_ticket_no(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """Own tickets; a phone alone asks for the ticket number (it shows nothing else)."""
        phone = given_phone(tracker)
        with session_scope(readonly=True) as session:
            own = find_tickets_by_sender(session, sender_id=tracker.sender_id)
            if phone:
                own = [t for t in own if t.contact_phone == phone]
            for ticket in order_for_display(own):
                utter_ticket(dispatcher, session, ticket)
        if own:
            return []
        if phone:
            dispatcher.utter_message(response="utter_status_need_ticket_no")
            if in_form(tracker):
                return []
            return [SlotSet("status_asked", True), SlotSet("status_phone", phone)]
        if tracker.get_slot("status_asked"):
            dispatcher.utter_message(response="utter_status_identifier_invalid")
        else:
            dispatcher.utter_message(response="utter_status_ask_identifier")
        if in_form(tracker):
            return []
        return [SlotSet("status_asked", True)]


def continue_request(
    dispatcher: CollectingDispatcher, tracker: Tracker, ticket: TicketRecord, wants_cancel: bool
) -> list[EventType]:
    """Continue what waited for the proof of ``ticket``: its cancellation or its pickup."""
    if wants_cancel:
        return offer_cancellation(dispatcher, ticket)
    return resume_after_proof(dispatcher, tracker, ticket)  # after-sales: pickup


def cancel_kept(tracker: Tracker, target: str) -> list[EventType]:
    """Keep a cancellation waiting for the proof of ``target`` across the check."""
    if normalize_ticket_no(tracker.get_slot("ticket_cancel_no")) != target:
        return []
    return [SlotSet("ticket_cancel_no", target)]
