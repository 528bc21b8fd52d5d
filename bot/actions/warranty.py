"""Answers warranty questions, personally when the device and purchase date are known."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import catalogue, format_date, parse_iso_date
from bot.actions.confirmation import utter_warranty
from bot.actions.warranty_check import assess_for


class ActionAnswerWarranty(Action):
    """The policy in plain words, plus the user's own status when it can be told."""

    def name(self) -> str:
        """Action name."""
        return "action_answer_warranty"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Answer; the intake form (if active) resumes afterwards."""
        dispatcher.utter_message(response="utter_warranty_policy")
        device = catalogue().device(tracker.get_slot("device_model") or "")
        purchased = parse_iso_date(tracker.get_slot("purchase_date"))
        if device and purchased:
            assessment = assess_for(tracker)
            if assessment is not None:
                precision = tracker.get_slot("purchase_date_precision") or "day"
                dispatcher.utter_message(
                    response="utter_warranty_personal",
                    device_name=device.name,
                    purchase=format_date(purchased, precision),
                )
                utter_warranty(dispatcher, assessment)
        return []
