"""Answers warranty questions, personally when the device and purchase date are known.

The electronic warranty card's activation date, when the IMEI has one, replaces the purchase
date (and the owner is told so); the 三包 return / exchange still open and the period of an
accessory the question names come from ``sanbao.yml``.
"""

from __future__ import annotations

import datetime as dt

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import sanbao
from bot.actions.common import catalogue, format_date, in_form, latest_text, parse_iso_date, today
from bot.actions.confirmation import utter_warranty
from bot.actions.dialogue import part
from bot.actions.warranty_check import activation_date, assess_for, extended_until, sanbao_for
from bot.catalog import Device
from bot.intake import check_purchase_date, find_date_expression, mask_serial, parse_serial
from bot.intake.devices import MatchKind, match_device


def known_device(value: object) -> Device | None:
    """A catalogue device from a slot value (an id, or what the user called it)."""
    if not value:
        return None
    cat = catalogue()
    device = cat.device(str(value))
    if device is not None:
        return device
    match = match_device(str(value), cat)
    return match.device if match.kind in (MatchKind.EXACT, MatchKind.FUZZY) else None


def known_purchase(value: object, device: Device | None) -> tuple[dt.date, str] | None:
    """A plausible purchase date and its precision from a slot value (ISO or Chinese)."""
    if not value:
        return None
    iso = parse_iso_date(value)
    if iso is not None:
        return None if iso > today() else (iso, "")
    parsed = find_date_expression(str(value), today())
    if parsed is None:
        return None
    error = check_purchase_date(
        parsed.date,
        today=today(),
        launch_date=device.launch_date if device else None,
        precision=parsed.precision,
    )
    return None if error is not None else (parsed.date, str(parsed.precision.value))


def known_serial(value: object) -> str | None:
    """A valid IMEI or SN from a slot value."""
    if not value:
        return None
    result = parse_serial(str(value))
    return result.value if result.ok else None


class ActionAnswerWarranty(Action):
    """The policy in plain words, plus the user's own status when it can be told."""

    def name(self) -> str:
        """Action name."""
        return "action_answer_warranty"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Answer; outside the intake, what the user told is kept (normalised) for later."""
        dispatcher.utter_message(response="utter_warranty_policy")
        device = known_device(tracker.get_slot("device_model"))
        purchase = known_purchase(tracker.get_slot("purchase_date"), device)
        serial = known_serial(tracker.get_slot("serial_number"))
        events: list[EventType] = []
        if not in_form(tracker):
            events = [
                SlotSet("device_model", device.id if device else None),
                SlotSet("purchase_date", purchase[0].isoformat() if purchase else None),
                SlotSet("serial_number", serial),
            ]
            if purchase and purchase[1]:
                events.append(SlotSet("purchase_date_precision", purchase[1]))
        activated = activation_date(serial)
        start = activated or (purchase[0] if purchase else None)
        precision = (
            (purchase[1] if purchase else "")
            or tracker.get_slot("purchase_date_precision")
            or "day"
        )
        if device and start:
            overrides = {
                "device_model": device.id,
                "purchase_date": purchase[0].isoformat() if purchase else None,
                "purchase_date_precision": precision,
                "serial_number": serial,
            }
            assessment = assess_for(tracker, overrides=overrides)
            if assessment is not None:
                stated = format_date(purchase[0], precision) if purchase else part("not_given")
                if activated is not None:
                    dispatcher.utter_message(
                        response="utter_warranty_card_found",
                        activated=format_date(activated),
                        stated=stated,
                    )
                else:
                    dispatcher.utter_message(
                        response="utter_warranty_personal", device_name=device.name, purchase=stated
                    )
                utter_warranty(dispatcher, assessment)
                sanbao.tell_options(dispatcher, sanbao_for(tracker, overrides=overrides))
                sanbao.tell_accessory(
                    dispatcher, latest_text(tracker), start, device.warranty_months
                )
                return events
        sanbao.tell_accessory(
            dispatcher, latest_text(tracker), None, device.warranty_months if device else 0
        )
        extended = extended_until(serial)
        if isinstance(extended, dt.date) and extended >= today():
            dispatcher.utter_message(
                response="utter_warranty_extended_only",
                serial=mask_serial(serial or ""),
                until=format_date(extended),
            )
            return events
        if not in_form(tracker):
            dispatcher.utter_message(response="utter_warranty_ask_details")
        return events
