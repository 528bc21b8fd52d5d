"""Custom questions of the intake form."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import bot_responses, events_after_latest_user


class ActionAskDeviceModel(Action):
    """Asks for the model, unless the user was just shown the models to choose from."""

    def name(self) -> str:
        """Action name."""
        return "action_ask_device_model"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Ask, or stay silent after the choice buttons."""
        if "utter_device_ambiguous" not in bot_responses(events_after_latest_user(tracker)):
            dispatcher.utter_message(response="utter_ask_device_model")
        return []
