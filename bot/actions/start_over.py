"""Start over ("重新开始"): forget the intake and every open question, then start again."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import clear_pending, in_form, reset_intake


class ActionStartOver(Action):
    """Clears the intake; inside the form the rule then asks its first question again."""

    def name(self) -> str:
        """Action name."""
        return "action_start_over"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Reset the slots and say so."""
        response = "utter_start_over_intake" if in_form(tracker) else "utter_start_over"
        dispatcher.utter_message(response=response)
        return [*reset_intake(), *clear_pending()]
