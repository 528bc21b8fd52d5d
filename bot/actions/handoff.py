"""Handing a chat to a hotline agent: queue it and pause the bot, or offer a callback.

A handoff record (``handoffs`` table) carries what the bot collected, for the agent console.
While an agent holds the chat, the conversation is paused: the bot says nothing and the
user's messages go to the agent. A chat is queued only in working hours (``handoff.yml``)
and while at least one agent is online (:mod:`bot.tickets.presence`); otherwise the user is
offered a callback instead, stored with their phone number. The queued message tells the
likely wait (:func:`bot.catalog.wait.wait_minutes`).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import (
    bot_responses,
    catalogue,
    events_after_latest_user,
    in_form,
    latest_entity,
    latest_intent,
    latest_text,
)
from bot.actions.dialogue import FORM_SLOTS
from bot.actions.rating import ask_rating
from bot.catalog import load_status_names
from bot.catalog.handoff import HandoffPolicy, load_handoff_policy, override_hours
from bot.catalog.wait import wait_minutes
from bot.intake.phone import mask_phone, parse_mobile
from bot.settings import get_settings
from bot.tickets import (
    TicketStoreUnavailable,
    count_online,
    find_tickets_by_sender,
    open_handoff,
    queue_position,
    recent_handling_seconds,
    record_callback,
    session_scope,
)

logger = logging.getLogger(__name__)

#: Messages of the conversation copied into the agent's summary.
SUMMARY_MESSAGES = 10
#: Values of the ``callback_step`` slot.
CALLBACK_OFFERED = "offered"
CALLBACK_PHONE = "phone"


def policy() -> HandoffPolicy:
    """The handoff settings of the catalogue, with ``HANDOFF_WORKING_HOURS`` if set."""
    hours = get_settings().handoff_working_hours.strip()
    rules = load_handoff_policy()
    return override_hours(rules, hours) if hours else rules


def last_messages(tracker: Tracker, limit: int = SUMMARY_MESSAGES) -> list[dict[str, str]]:
    """The last user and bot texts of the conversation, oldest first."""
    messages: list[dict[str, str]] = []
    for event in tracker.events:
        text = event.get("text")
        if event.get("event") in ("user", "bot") and isinstance(text, str) and text.strip():
            messages.append({"from": str(event["event"]), "text": text.strip()})
    return messages[-limit:]


def summary(tracker: Tracker, tickets: list[Any]) -> dict[str, Any]:
    """What the bot collected, for the agent: intake slots, open tickets, last messages."""
    slots = {
        name: tracker.get_slot(name)
        for name in (*FORM_SLOTS, "fault_category")
        if name != "intake_confirmed" and tracker.get_slot(name) not in (None, "")
    }
    cat = catalogue()
    names = load_status_names()
    open_tickets = []
    for ticket in tickets:
        if not ticket.is_open:
            continue
        device = cat.device(ticket.device_model_id)
        fault = cat.fault(ticket.fault_category)
        open_tickets.append(
            {
                "ticket_no": ticket.ticket_no,
                "status": ticket.status,
                "status_name": names.get(ticket.status, ticket.status),
                "device_name": device.name if device else ticket.device_model_id,
                "fault_name": fault.name if fault else ticket.fault_category,
            }
        )
    return {"slots": slots, "tickets": open_tickets, "last_messages": last_messages(tracker)}


def handoff_reason(tracker: Tracker) -> str:
    """Why the user is handed over: a handing-over intent, or a complaint just recorded."""
    before = tracker.events[: len(tracker.events) - len(events_after_latest_user(tracker))]
    if "utter_complaint_recorded" in bot_responses(before[-6:]):
        return "complaint"
    intent = latest_intent(tracker) or ""
    return intent if intent in policy().intents else "request_human"


def local_now() -> dt.datetime:
    """Now in the business time zone."""
    return dt.datetime.now(get_settings().tz)


def _offer_callback(stop_form: list[EventType], reason: str) -> list[EventType]:
    """The events of a callback offer (``callback_step`` offered, the reason kept)."""
    return [
        *stop_form,
        SlotSet("callback_step", CALLBACK_OFFERED),
        SlotSet("handoff_reason", reason),
    ]


def hand_over(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> list[EventType]:
    """Queue the chat for an agent and pause the bot, or offer a callback.

    The callback is offered after hours, and in hours when no agent is online.

    Returns:
        The events: the intake form stopped, then ``ConversationPaused`` once queued,
        the callback offer's slot when nobody can take the chat, or only the hotline when
        the store is down.
    """
    rules = policy()
    stop_form: list[EventType] = [ActiveLoop(None)] if in_form(tracker) else []
    no_callback = SlotSet("callback_step", None)
    if not rules.is_working_time(local_now()):
        dispatcher.utter_message(response="utter_handoff_after_hours", hours=rules.hours_text)
        return _offer_callback(stop_form, reason)
    try:
        with session_scope() as session:
            online = count_online(session, stale_seconds=rules.presence_stale_seconds)
            if online:
                tickets = find_tickets_by_sender(session, sender_id=tracker.sender_id)
                handoff, _ = open_handoff(
                    session,
                    sender_id=tracker.sender_id,
                    channel=tracker.get_latest_input_channel() or "unknown",
                    reason=reason,
                    summary=summary(tracker, tickets),
                )
                position = queue_position(session, handoff_id=handoff.id)
                recent = recent_handling_seconds(session, limit=rules.wait_estimate.recent_handoffs)
    except TicketStoreUnavailable:
        logger.error("ticket store unavailable; %s not handed over", tracker.sender_id)
        dispatcher.utter_message(response="utter_human_hotline")
        return [*stop_form, no_callback]
    if not online:
        dispatcher.utter_message(response="utter_handoff_nobody_online")
        return _offer_callback(stop_form, reason)
    ahead = max((position or 1) - 1, 0)
    minutes = wait_minutes(
        ahead=ahead, online_agents=online, recent=recent, settings=rules.wait_estimate
    )
    response = "utter_handoff_queued" if ahead else "utter_handoff_queued_first"
    dispatcher.utter_message(response=response, ahead=ahead, wait_minutes=minutes)
    return [*stop_form, no_callback, SlotSet("handoff_reason", None), ConversationPaused()]


class ActionHandoff(Action):
    """The user asks for a person (or accepts one after a complaint)."""

    def name(self) -> str:
        """Action name."""
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Hand over with the reason the conversation shows."""
        return hand_over(dispatcher, tracker, handoff_reason(tracker))


class ActionRequestCallback(Action):
    """After hours: takes the user's answer to the callback offer, then their phone number."""

    def name(self) -> str:
        """Action name."""
        return "action_request_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Record the callback with a valid phone number, ask for one, or let it go."""
        step = tracker.get_slot("callback_step")
        if step == CALLBACK_OFFERED and latest_intent(tracker) == "deny":
            dispatcher.utter_message(response="utter_callback_declined")
            return self._done()
        phone = self._phone(tracker, asked=step == CALLBACK_PHONE)
        if phone is None:
            response = (
                "utter_ask_callback_phone"
                if step == CALLBACK_OFFERED
                else ("utter_callback_phone_invalid")
            )
            dispatcher.utter_message(response=response)
            return [SlotSet("callback_step", CALLBACK_PHONE)]
        try:
            with session_scope() as session:
                record_callback(
                    session,
                    sender_id=tracker.sender_id,
                    channel=tracker.get_latest_input_channel() or "unknown",
                    phone=phone,
                    reason=tracker.get_slot("handoff_reason") or "request_human",
                )
        except TicketStoreUnavailable:
            logger.error("ticket store unavailable; callback for %s not stored", tracker.sender_id)
            dispatcher.utter_message(response="utter_human_hotline")
            return self._done()
        dispatcher.utter_message(
            response="utter_callback_recorded",
            phone=mask_phone(phone),
            hours=policy().hours_text,
        )
        return self._done()

    @staticmethod
    def _phone(tracker: Tracker, *, asked: bool) -> str | None:
        """A mobile number from this message, or the intake's when the user just accepted."""
        candidates = [latest_entity(tracker, "phone_number"), latest_text(tracker)]
        if not asked:
            candidates.append(tracker.get_slot("contact_phone"))
        for candidate in candidates:
            if candidate:
                result = parse_mobile(str(candidate))
                if result.value is not None:
                    return result.value
        return None

    @staticmethod
    def _done() -> list[EventType]:
        return [SlotSet("callback_step", None), SlotSet("handoff_reason", None)]


class ActionAskHandoffRating(Action):
    """Run by the agent console when an agent closes a chat: ask for a rating of it."""

    def name(self) -> str:
        """Action name."""
        return "action_ask_handoff_rating"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Ask for a 1–5 score about the agent's help."""
        return ask_rating(dispatcher, "handoff")
