"""Custom questions of the intake form."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict


def said_this_turn(tracker: Tracker, response: str) -> bool:
    """Whether the bot already sent ``response`` since the latest user message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if (
            event.get("event") == "bot"
            and (event.get("metadata") or {}).get("utter_action") == response
        ):
            return True
    return False


class ActionAskDeviceModel(Action):
    """Asks for the model, unless the user was just shown the models to choose from."""

    def name(self) -> str:
        """Action name."""
        return "action_ask_device_model"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Ask, or stay silent after the choice buttons."""
        if not said_this_turn(tracker, "utter_device_ambiguous"):
            dispatcher.utter_message(response="utter_ask_device_model")
        return []
