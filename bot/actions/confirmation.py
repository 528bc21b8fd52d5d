"""The intake's confirmation step: a summary with the warranty that applies.

The summary lists the 三包 option when the owner chose one (:mod:`bot.actions.sanbao`).
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import (
    catalogue,
    format_date,
    last_response_before_latest_user,
    latest_intent,
    latest_text,
    parse_iso_date,
)
from bot.actions.dialogue import part
from bot.actions.sanbao import REMEDY_SLOT, match_remedy, remedy_names
from bot.actions.warranty_check import assess_for
from bot.intake.phone import mask_phone
from bot.intake.warranty import WarrantyAssessment, WarrantyReason

WARRANTY_RESPONSES = {
    WarrantyReason.WITHIN_STANDARD: "utter_warranty_in_warranty",
    WarrantyReason.WITHIN_EXTENDED: "utter_warranty_extended_warranty",
    WarrantyReason.EXPIRED: "utter_warranty_out_expired",
    WarrantyReason.LIQUID_DAMAGE: "utter_warranty_out_liquid",
    WarrantyReason.PHYSICAL_DAMAGE: "utter_warranty_out_physical",
    WarrantyReason.NOT_COVERED_CATEGORY: "utter_warranty_out_category",
    WarrantyReason.UNKNOWN_PURCHASE_DATE: "utter_warranty_to_verify",
}


def utter_warranty(dispatcher: CollectingDispatcher, assessment: WarrantyAssessment) -> None:
    """Say which warranty applies and what it means for the cost."""
    until = format_date(assessment.until) if assessment.until else ""
    dispatcher.utter_message(response=WARRANTY_RESPONSES[assessment.reason], until=until)


class ActionAskIntakeConfirmed(Action):
    """Shows the summary and the warranty, then asks to confirm."""

    def name(self) -> str:
        """Action name."""
        return "action_ask_intake_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Summarise, or ask what to change after a "no"."""
        asked_to_confirm = last_response_before_latest_user(tracker) == "utter_ask_intake_confirmed"
        # ("改成换货" may read as a "no": it is a correction, shown in the summary again)
        changed_remedy = match_remedy(latest_text(tracker)) is not None
        if latest_intent(tracker) == "deny" and asked_to_confirm and not changed_remedy:
            dispatcher.utter_message(response="utter_what_to_change")
            return []
        cat = catalogue()
        device = cat.device(tracker.get_slot("device_model") or "")
        fault = cat.fault(tracker.get_slot("fault_category") or "other")
        service = cat.service_type(tracker.get_slot("service_type") or "")
        purchased = parse_iso_date(tracker.get_slot("purchase_date"))
        city = tracker.get_slot("city")
        remedy = tracker.get_slot(REMEDY_SLOT)
        not_given = part("not_given")
        dispatcher.utter_message(
            response="utter_intake_summary",
            device_name=device.name if device else not_given,
            serial=tracker.get_slot("serial_number") or not_given,
            purchase=format_date(purchased, tracker.get_slot("purchase_date_precision") or "day")
            if purchased
            else not_given,
            fault_name=fault.name if fault else not_given,
            fault_description=tracker.get_slot("fault_description") or "",
            service_name=service.name if service else not_given,
            city_text=part("summary_city", city=city) if city else "",
            remedy_text=part("summary_remedy", remedy_name=remedy_names((remedy,)))
            if remedy
            else "",
            phone=mask_phone(tracker.get_slot("contact_phone") or "") or not_given,
        )
        events: list[EventType] = []
        assessment = assess_for(tracker)
        if assessment is not None:
            utter_warranty(dispatcher, assessment)
            events.append(SlotSet("warranty_status", assessment.status.value))
        dispatcher.utter_message(response="utter_ask_intake_confirmed")
        return events
