"""Cancelling the intake: ask once, then stop or carry on."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import reset_intake


class ActionAskCancelIntake(Action):
    """Asks "really cancel?" and waits for the answer."""

    def name(self) -> str:
        """Action name."""
        return "action_ask_cancel_intake"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Ask and remember that we asked."""
        dispatcher.utter_message(response="utter_ask_cancel_intake")
        return [SlotSet("cancel_pending", True)]


class ActionCancelIntake(Action):
    """Stops the intake and forgets what was collected."""

    def name(self) -> str:
        """Action name."""
        return "action_cancel_intake"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Deactivate the form and clear its slots."""
        dispatcher.utter_message(response="utter_intake_cancelled")
        return [ActiveLoop(None), *reset_intake()]


class ActionKeepIntake(Action):
    """The user did not want to cancel: the form carries on."""

    def name(self) -> str:
        """Action name."""
        return "action_keep_intake"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Clear the pending question."""
        dispatcher.utter_message(response="utter_intake_resumed")
        return [SlotSet("cancel_pending", None)]
