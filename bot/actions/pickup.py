"""Courier pickup of a mail-in phone: book, change and cancel it in chat.

The owner asks ("预约取件", the button after a mail-in ticket, "改一下取件时间", "取消取件");
:class:`ActionRequestPickup` finds the owner's open mail-in ticket (a ticket of another
conversation only once proven, as for the status: :mod:`bot.actions.ticket_access`) and
starts ``pickup_form`` (address, then a date and window the courier offers, as buttons);
:class:`ActionBookPickup` stores the booking and sends it to the courier once. The
booking is stored before the courier is called, so a courier that is down loses nothing:
the owner is told it is kept, and :mod:`bot.courier.sync` sends it later.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from bot.actions.common import clear_pending, latest_intent, latest_text
from bot.actions.dialogue import REQUESTED_SLOT, part
from bot.actions.rating import ask_rating
from bot.actions.ticket_access import (
    asked_ticket_no,
    locked_out,
    normalize_ticket_no,
    utcnow,
    visible_ticket,
)
from bot.catalog import load_status_names
from bot.catalog.courier import CourierPolicy, PickupWindow, load_courier, parse_window_key
from bot.courier.sync import configured_courier, send_pickup
from bot.intake.address import mentions_address, parse_address
from bot.intake.pickup_window import match_window
from bot.settings import get_settings
from bot.tickets import (
    INITIAL_STATUS,
    TicketRecord,
    TicketStoreUnavailable,
    find_tickets_by_sender,
    get_ticket,
    session_scope,
)
from bot.tickets.models import MAIL_IN
from bot.tickets.pickups import (
    PickupExists,
    PickupNotAllowed,
    PickupNotFound,
    PickupPlace,
    PickupRecord,
    book_pickup,
    cancel_pickup,
    change_pickup,
    current_pickup,
)

logger = logging.getLogger(__name__)

#: Recorded as the author of bookings made in chat.
BOOKED_BY = "user"
#: Slots of one booking, forgotten once it is stored or given up.
PICKUP_SLOTS = (
    "pickup_ready",
    "pickup_ticket_no",
    "pickup_address",
    "pickup_address_parts",
    "pickup_window",
)
#: The ticket of another conversation whose booking waits for its proof (a pending slot).
PROOF_SLOT = "pickup_proof_no"
#: What an open rating question was about, while the booking that interrupted it runs.
RATING_HELD_SLOT = "pickup_rating_held"


def local_now() -> dt.datetime:
    """The current time in the business time zone."""
    return dt.datetime.now(get_settings().tz)


def pickup_line(pickup: PickupRecord, policy: CourierPolicy | None = None) -> str:
    """A booking in one line: window, address, status (``utter_part_pickup``)."""
    policy = policy or load_courier()
    window = PickupWindow(pickup.pickup_date, pickup.window_start, pickup.window_end)
    return part(
        "pickup",
        window=policy.describe(window, local_now().date()),
        address=pickup.address,
        status_name=policy.status_name(pickup.status),
    )


def utter_ticket_pickup(
    dispatcher: CollectingDispatcher, session: Session, ticket: TicketRecord
) -> None:
    """The pickup line of a ticket's status answer, when it has a pickup."""
    pickup = current_pickup(session, ticket_no=ticket.ticket_no)
    if pickup is not None:
        dispatcher.utter_message(response="utter_status_pickup", pickup=pickup_line(pickup))


def forget_pickup() -> list[EventType]:
    """Events that forget a booking in progress."""
    return [SlotSet(slot, None) for slot in PICKUP_SLOTS]


@dataclass(frozen=True)
class Target:
    """The ticket a pickup request is about, or why there is none to show."""

    ticket: TicketRecord | None = None
    ticket_no: str | None = None
    locked: bool = False


def find_target(session: Session, tracker: Tracker, now: dt.datetime) -> Target:
    """The owner's mail-in ticket: named in the message, created here, or the latest open one.

    A ticket number of another conversation is returned only once proven (else
    ``ticket`` is None with the number, so the owner is asked for its phone).
    """
    sender = tracker.sender_id
    number = asked_ticket_no(tracker)
    if number is None:
        own = [t for t in find_tickets_by_sender(session, sender_id=sender) if t.is_open]
        created_here = normalize_ticket_no(tracker.get_slot("ticket_no"))
        mail_in = [t for t in own if t.service_type == MAIL_IN]
        here = next((t for t in mail_in if t.ticket_no == created_here), None)
        if here is not None:
            return Target(ticket=here)
        if mail_in:
            return Target(ticket=max(mail_in, key=lambda t: t.updated_at))
        if not own:
            return Target()
        return Target(ticket=max(own, key=lambda t: t.updated_at))
    ticket = visible_ticket(session, sender, number, now)
    if ticket is not None:
        return Target(ticket=ticket)
    return Target(ticket_no=number, locked=locked_out(session, sender, number, now))


def utter_no_target(dispatcher: CollectingDispatcher, target: Target) -> list[EventType]:
    """Say why no ticket can be shown; a number to prove waits for the status check."""
    if target.ticket_no is None:
        dispatcher.utter_message(response="utter_pickup_no_ticket")
        return []
    if target.locked:
        dispatcher.utter_message(response="utter_status_locked")
        return []
    dispatcher.utter_message(response="utter_status_need_phone", ticket_no=target.ticket_no)
    return [SlotSet("status_asked", True), SlotSet("status_ticket_no", target.ticket_no)]


def proof_kept(tracker: Tracker, target: str) -> list[EventType]:
    """Keep a booking waiting for the proof of ``target`` across the check."""
    if normalize_ticket_no(tracker.get_slot(PROOF_SLOT)) != target:
        return []
    return [SlotSet(PROOF_SLOT, target)]


def resume_after_proof(
    dispatcher: CollectingDispatcher, tracker: Tracker, ticket: TicketRecord
) -> list[EventType]:
    """Start the booking that waited for the proof of ``ticket`` (nothing when none did).

    Called by the status check once the proof succeeded; ``pickup_form`` follows at once.
    """
    if normalize_ticket_no(tracker.get_slot(PROOF_SLOT)) != ticket.ticket_no:
        return []
    with session_scope(readonly=True) as session:
        pickup = current_pickup(session, ticket_no=ticket.ticket_no)
    start = start_booking(dispatcher, tracker, ticket, pickup)
    return [*start, FollowupAction("pickup_form")] if start else []


def held_rating(tracker: Tracker) -> str | None:
    """The ``rating_context`` of a rating question the booking interrupted, if any."""
    if tracker.get_slot("rating_pending"):
        return str(tracker.get_slot("rating_context") or "question")
    held = tracker.get_slot(RATING_HELD_SLOT)
    return str(held) if held else None


def hold_rating(tracker: Tracker) -> list[EventType]:
    """Keep an open rating question for when the booking ends."""
    context = held_rating(tracker)
    return [SlotSet(RATING_HELD_SLOT, context)] if context else []


def resume_rating(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Ask again the rating question the booking interrupted, now that it ended."""
    context = held_rating(tracker)
    if context is None:
        return []
    return [SlotSet(RATING_HELD_SLOT, None), *ask_rating(dispatcher, context)]


def utter_not_eligible(dispatcher: CollectingDispatcher, ticket: TicketRecord) -> bool:
    """Say why ``ticket`` cannot have a pickup; False when it can."""
    if ticket.service_type != MAIL_IN:
        dispatcher.utter_message(response="utter_pickup_not_mail_in", ticket_no=ticket.ticket_no)
        return True
    if ticket.status != INITIAL_STATUS:
        dispatcher.utter_message(
            response="utter_pickup_too_late",
            ticket_no=ticket.ticket_no,
            status_name=load_status_names().get(ticket.status, ticket.status),
        )
        return True
    return False


def address_slots(pickup: PickupRecord) -> list[EventType]:
    """The slots of an existing booking's address (a change of time keeps it)."""
    parts = {
        "province": pickup.province,
        "city": pickup.city,
        "district": pickup.district,
        "street": pickup.street,
    }
    return [SlotSet("pickup_address", pickup.address), SlotSet("pickup_address_parts", parts)]


def start_booking(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    ticket: TicketRecord,
    pickup: PickupRecord | None,
) -> list[EventType]:
    """Start booking (or changing) the pickup of ``ticket``; ``[]`` once told why not.

    Args:
        dispatcher: Says that the booking starts, or why it cannot.
        tracker: The conversation ("改取件时间" changes a booking; an address typed with it
            replaces the booked one).
        ticket: The owner's ticket (visible to this conversation).
        pickup: Its current pickup, if any.
    """
    if utter_not_eligible(dispatcher, ticket):
        return []
    policy = load_courier()
    active = pickup if pickup is not None and pickup.is_active else None
    change = latest_intent(tracker) == "change_pickup"
    if active is not None and not change:
        dispatcher.utter_message(
            response="utter_pickup_exists",
            ticket_no=ticket.ticket_no,
            pickup=pickup_line(active, policy),
        )
        return []
    if not policy.offered(local_now()):
        dispatcher.utter_message(response="utter_pickup_no_windows")
        return []
    start = [SlotSet("pickup_ready", True), SlotSet("pickup_ticket_no", ticket.ticket_no)]
    if active is None:
        dispatcher.utter_message(
            response="utter_pickup_start",
            ticket_no=ticket.ticket_no,
            courier=policy.courier_name,
        )
        return start
    dispatcher.utter_message(
        response="utter_pickup_change_start",
        ticket_no=ticket.ticket_no,
        pickup=pickup_line(active, policy),
    )
    keeps_address = not mentions_address(latest_text(tracker))
    return start + (address_slots(active) if keeps_address else [])


class ActionRequestPickup(Action):
    """Finds the ticket whose pickup the owner books or changes, and starts the form.

    A rating question left open (the booking button follows the ticket-created turn) is
    asked again once the booking ends, or at once when no booking starts.
    """

    def name(self) -> str:
        """Action name."""
        return "action_request_pickup"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Start ``pickup_form`` (``pickup_ready``), or say why not."""
        events: list[EventType] = [*clear_pending(), *forget_pickup()]
        try:
            with session_scope(readonly=True) as session:
                target = find_target(session, tracker, utcnow())
                pickup = (
                    current_pickup(session, ticket_no=target.ticket.ticket_no)
                    if target.ticket is not None
                    else None
                )
        except TicketStoreUnavailable:
            logger.warning("ticket store unavailable for a pickup request")
            dispatcher.utter_message(response="utter_store_unavailable")
            return events + resume_rating(dispatcher, tracker)
        ticket = target.ticket
        if ticket is None:
            waiting = utter_no_target(dispatcher, target)
            if waiting:  # the ticket's proof is asked; the booking resumes once proven
                return [*events, *waiting, SlotSet(PROOF_SLOT, target.ticket_no)]
            return events + resume_rating(dispatcher, tracker)
        start = start_booking(dispatcher, tracker, ticket, pickup)
        if start:
            return events + start + hold_rating(tracker)
        return events + resume_rating(dispatcher, tracker)


class ValidatePickupForm(FormValidationAction):
    """Checks the pickup address (cpca) and the chosen window (one the courier offers)."""

    def name(self) -> str:
        """Action name."""
        return "validate_pickup_form"

    def validate_pickup_address(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Province, city, district and street, or the re-prompt saying what is missing."""
        if value is None:  # cleared when the form starts: nothing was answered yet
            return {"pickup_address": None}
        result = parse_address(str(value or ""))
        if result.address is None:
            dispatcher.utter_message(response=f"utter_pickup_address_{result.problem}")
            return {"pickup_address": None, "pickup_address_parts": None}
        address = result.address
        parts = dataclasses.asdict(address)
        if tracker.get_slot("pickup_address_parts") != parts:  # a kept address is not repeated
            dispatcher.utter_message(
                response="utter_pickup_address_recognised", address=address.text
            )
        return {"pickup_address": address.text, "pickup_address_parts": parts}

    def validate_pickup_window(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A window the courier offers now (button payload or typed day and hour)."""
        if value is None:  # cleared when the form starts: nothing was answered yet
            return {"pickup_window": None}
        now = local_now()
        offered = [(w.date, w.start, w.end) for w in load_courier().offered(now)]
        chosen = match_window(str(value or ""), offered, now.date())
        if chosen is None:
            dispatcher.utter_message(response="utter_pickup_window_invalid")
            return {"pickup_window": None}
        return {"pickup_window": PickupWindow(*chosen).key}


class ActionAskPickupWindow(Action):
    """Asks for the pickup time with a button per window the courier offers."""

    def name(self) -> str:
        """Action name."""
        return "action_ask_pickup_window"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """``utter_ask_pickup_window`` with the offered windows as buttons."""
        policy = load_courier()
        now = local_now()
        buttons = [
            {
                "title": policy.describe(window, now.date()),
                "payload": f'/inform{{"pickup_window":"{window.key}"}}',
            }
            for window in policy.choices(now)
        ]
        dispatcher.utter_message(
            response="utter_ask_pickup_window", courier=policy.courier_name, buttons=buttons
        )
        return []


def _place(tracker: Tracker) -> PickupPlace | None:
    parts = tracker.get_slot("pickup_address_parts")
    window = parse_window_key(tracker.get_slot("pickup_window"))
    if not isinstance(parts, dict) or window is None:
        return None
    try:
        return PickupPlace(
            province=str(parts["province"]),
            city=str(parts["city"]),
            district=str(parts.get("district") or ""),
            street=str(parts["street"]),
            pickup_date=window.date,
            window_start=window.start,
            window_end=window.end,
        )
    except KeyError:
        return None


def store_booking(sender_id: str, ticket_no: str, place: PickupPlace) -> tuple[PickupRecord, bool]:
    """Book, or change the booking to come; returns the pickup and whether it was a change.

    Raises:
        PickupNotAllowed, TicketStoreUnavailable, LookupError (ticket not visible).
    """
    with session_scope() as session:
        if visible_ticket(session, sender_id, ticket_no, utcnow()) is None:
            raise LookupError(ticket_no)
        try:
            return change_pickup(session, ticket_no=ticket_no, place=place), True
        except PickupNotFound:
            pass
        return book_pickup(session, ticket_no=ticket_no, place=place, created_by=BOOKED_BY), False


class ActionBookPickup(Action):
    """Stores the booking the form collected and sends it to the courier once."""

    def name(self) -> str:
        """Action name."""
        return "action_book_pickup"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Book (or change), then say what the courier answered; never lose the booking."""
        self._book(dispatcher, tracker)
        return [*forget_pickup(), *resume_rating(dispatcher, tracker)]

    def _book(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        ticket_no = normalize_ticket_no(tracker.get_slot("pickup_ticket_no"))
        place = _place(tracker)
        if ticket_no is None or place is None:
            dispatcher.utter_message(response="utter_pickup_no_ticket")
            return
        try:
            pickup, changed = store_booking(tracker.sender_id, ticket_no, place)
        except (PickupNotAllowed, PickupExists):
            dispatcher.utter_message(
                response="utter_pickup_too_late",
                ticket_no=ticket_no,
                status_name=self._status_name(ticket_no),
            )
            return
        except LookupError:
            dispatcher.utter_message(response="utter_status_unverified", ticket_no=ticket_no)
            return
        except TicketStoreUnavailable:
            logger.warning("ticket store unavailable; pickup of %s not booked", ticket_no)
            dispatcher.utter_message(response="utter_store_unavailable")
            return
        courier = configured_courier()
        try:
            after = send_pickup(pickup.id, courier)
        except TicketStoreUnavailable:
            logger.warning("ticket store unavailable after booking pickup %s", pickup.id)
            after = pickup
        policy = load_courier()
        line = pickup_line(after, policy)
        if courier is None:
            response = "utter_pickup_registered"
        elif after.status == "booked":
            response = "utter_pickup_changed" if changed else "utter_pickup_booked"
        elif after.status == "failed":
            response = "utter_pickup_refused"
        else:
            response = "utter_pickup_kept"
        dispatcher.utter_message(response=response, pickup=line, courier=policy.courier_name)

    @staticmethod
    def _status_name(ticket_no: str) -> str:
        try:
            with session_scope(readonly=True) as session:
                ticket = get_ticket(session, ticket_no=ticket_no)
        except TicketStoreUnavailable:
            return ""
        status = ticket.status if ticket is not None else ""
        return load_status_names().get(status, status)


class ActionCancelPickup(Action):
    """Cancels the owner's pickup to come (the courier is told, now or by the retrier)."""

    def name(self) -> str:
        """Action name."""
        return "action_cancel_pickup"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Cancel, or say there is nothing to cancel."""
        events: list[EventType] = [*clear_pending(), *forget_pickup()]
        try:
            with session_scope() as session:
                target = find_target(session, tracker, utcnow())
                ticket = target.ticket
                if ticket is None:
                    return events + utter_no_target(dispatcher, target)
                try:
                    cancelled = cancel_pickup(session, ticket_no=ticket.ticket_no)
                except PickupNotFound:
                    dispatcher.utter_message(
                        response="utter_pickup_cancel_none", ticket_no=ticket.ticket_no
                    )
                    return events
            if cancelled.courier_action is not None:
                send_pickup(cancelled.id)
        except TicketStoreUnavailable:
            logger.warning("ticket store unavailable for a pickup cancellation")
            dispatcher.utter_message(response="utter_store_unavailable")
            return events
        dispatcher.utter_message(response="utter_pickup_cancelled", ticket_no=ticket.ticket_no)
        return events + resume_rating(dispatcher, tracker)


class ActionStopPickupForm(Action):
    """The owner gave up booking while the form asked: stop it, nothing is stored."""

    def name(self) -> str:
        """Action name."""
        return "action_stop_pickup_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Stop ``pickup_form`` and forget its answers."""
        dispatcher.utter_message(response="utter_pickup_form_stopped")
        stop: list[EventType] = [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None), *forget_pickup()]
        return stop + resume_rating(dispatcher, tracker)
