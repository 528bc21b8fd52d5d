"""A new conversation session (``session_config``): what a returning owner keeps.

Rasa's own ``action_session_start`` with ``carry_over_slots_to_new_session`` copies every
``SlotSet`` event of the old session: a half-finished intake, an old ``requested_slot`` and
pending questions (``rating_pending`` ...) come back an hour later and steer the new session,
and the copies make the new session start almost as long as the old one ended. This one
starts clean and keeps, as one ``SlotSet`` each:

- ``ticket_no``, the owner's last ticket (status, rating and complaints refer to it);
- a confirmed intake the ticket store could not take yet (``ticket_pending``), whole but for
  ``requested_slot``, so that its retry still creates the ticket;
- ``session_started_metadata``, which Rasa sets just before this action;
- a chat handed over to a person stays paused.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import (
    ActionExecuted,
    ConversationPaused,
    EventType,
    SessionStarted,
    SlotSet,
)
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.dialogue import DIALOGUE, INTAKE_SLOTS, REQUESTED_SLOT

#: Slots every new session keeps (``dialogue.yml``).
CARRIED_OVER = DIALOGUE.carried_over
#: Slots of a confirmed intake waiting for the ticket store, kept while it waits.
PENDING_INTAKE = tuple(slot for slot in INTAKE_SLOTS if slot != REQUESTED_SLOT)
METADATA_SLOT = "session_started_metadata"


def carried_over(tracker: Tracker) -> list[str]:
    """The slots the new session keeps, in order."""
    keep = list(CARRIED_OVER)
    if tracker.get_slot("ticket_pending") and tracker.get_slot("intake_confirmed"):
        keep += PENDING_INTAKE
    return [*keep, METADATA_SLOT]


class ActionSessionStart(Action):
    """Starts a session with only what :func:`carried_over` keeps."""

    def name(self) -> str:
        """Action name."""
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """``session_started``, the kept slots, the pause if any, then listen."""
        events: list[EventType] = [SessionStarted()]
        for slot in carried_over(tracker):
            value = tracker.get_slot(slot)
            if value is not None:
                events.append(SlotSet(slot, value))
        if tracker.is_paused():
            events.append(ConversationPaused())
        events.append(ActionExecuted("action_listen"))
        return events
