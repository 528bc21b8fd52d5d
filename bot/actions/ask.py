"""Custom questions of the intake form."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import bot_responses, catalogue, events_after_latest_user


class ActionAskFaultDescription(Action):
    """Asks what is wrong, or the fault's follow-up question after a too-short description."""

    def name(self) -> str:
        """Action name."""
        return "action_ask_fault_description"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Ask the catalogue's follow-up question when there is one, else the general question."""
        fault = catalogue().fault(tracker.get_slot("fault_category") or "")
        if tracker.get_slot("fault_brief") and fault and fault.follow_up:
            dispatcher.utter_message(response="utter_fault_follow_up", question=fault.follow_up[0])
        else:
            dispatcher.utter_message(response="utter_ask_fault_description")
        return []


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
