"""Notices opt-out and opt-in: an owner stops or resumes progress notices by chat.

The choice is kept for the conversation (input channel and sender id) in the ticket store
(:mod:`bot.tickets.optouts`): every ticket of that conversation gets no notice while opted
out; notices written meanwhile are kept as ``skipped``.
"""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.tickets import TicketStoreUnavailable, session_scope
from bot.tickets.optouts import opt_in, opt_out

logger = logging.getLogger(__name__)


def _channel(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "unknown"


class ActionNoticesOptOut(Action):
    """Stops notices to this conversation's owner."""

    def name(self) -> str:
        """Action name."""
        return "action_notices_opt_out"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Record the opt-out (pending notices become skipped) and confirm it."""
        try:
            with session_scope() as session:
                opt_out(session, channel=_channel(tracker), sender_id=tracker.sender_id)
        except TicketStoreUnavailable:
            logger.error(
                "ticket store unavailable: notices opt-out of %s not kept", tracker.sender_id
            )
            dispatcher.utter_message(response="utter_notices_unavailable")
            return []
        dispatcher.utter_message(response="utter_notices_opted_out")
        return []


class ActionNoticesOptIn(Action):
    """Sends notices to this conversation's owner again."""

    def name(self) -> str:
        """Action name."""
        return "action_notices_opt_in"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Remove the opt-out; say so, or that notices were on already."""
        try:
            with session_scope() as session:
                was_off = opt_in(session, channel=_channel(tracker), sender_id=tracker.sender_id)
        except TicketStoreUnavailable:
            logger.error(
                "ticket store unavailable: notices opt-in of %s not kept", tracker.sender_id
            )
            dispatcher.utter_message(response="utter_notices_unavailable")
            return []
        dispatcher.utter_message(
            response="utter_notices_opted_in" if was_off else "utter_notices_already_on"
        )
        return []
