"""Validation of the repair intake form (``repair_form``).

How a message is read as an answer (or refused as a question) is
:mod:`bot.actions.intake_answers`; this module extracts the slot candidates with it and
validates them, one clear re-prompt per failure.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from bot.actions import diagnosis, sanbao
from bot.actions.common import (
    catalogue,
    latest_intent,
    latest_text,
    parse_iso_date,
    today,
)
from bot.actions.handoff import hand_over, policy
from bot.actions.intake_answers import (
    NEVER_VALUES,
    OPTIONAL_SLOTS,
    VALUE_INTENTS,
    fault_answer,
    fault_category_from_ranking,
    message_is_fresh,
    text_for,
    wants_to_skip,
    yes_no,
)
from bot.catalog import Fault
from bot.intake import fields
from bot.intake.dates import check_purchase_date, find_purchase_date
from bot.tickets import TicketStoreUnavailable, find_open_tickets_by_serial, session_scope

logger = logging.getLogger(__name__)

# Placeholder value that makes the validation method run when the user skips a field.
SKIP = "<skip>"
_FAILURES_BEFORE_HELP = 2
# The handoff reason when the failures reach handoff.yml's ``form_failures``.
FORM_FAILURES = "form_failures"


class ValidateRepairForm(FormValidationAction):
    """Extracts and validates the intake slots, one clear re-prompt per failure."""

    def name(self) -> str:
        """Action name."""
        return "validate_repair_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Validate, and give a new intake its id."""
        if tracker.get_slot("cancel_pending"):
            # The user is answering "really cancel?": the cancel rules take this message.
            return []
        events: list[EventType] = await super().run(dispatcher, tracker, domain)
        events += sanbao.stale_remedy(tracker)  # (the tracker has this run's slots)
        if not tracker.get_slot("intake_id"):
            events.append(SlotSet("intake_id", uuid.uuid4().hex))
        if SlotSet("handoff_reason", FORM_FAILURES) in events:
            # Too many failed answers to one question: a person takes over (the form stops).
            events += hand_over(dispatcher, tracker, FORM_FAILURES)
        return events

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """The domain's slots, less skipped ones and the city when the service needs none.

        When the device already has an open ticket, the user is asked whether to open another
        right after the serial number; if they decline, the form ends there. The 三包 option
        (``remedy``) is asked before the confirmation when a return or an exchange is open.
        """
        skipped = set(tracker.get_slot("skipped_slots") or [])
        service = catalogue().service_type(tracker.get_slot("service_type") or "")
        slots: list[str] = []
        for slot in domain_slots:
            if slot in skipped or (slot == "city" and not (service and service.needs_city)):
                continue
            if slot == "intake_confirmed" and sanbao.remedy_choice(tracker) is not None:
                slots.append(sanbao.REMEDY_SLOT)  # 三包: when a return or an exchange is open
            slots.append(slot)
            if slot == "fault_description" and diagnosis.asked(tracker):
                # The fault's guided diagnosis; solved, the form ends there (no ticket).
                slots.append(diagnosis.DIAGNOSIS_SLOT)
                if diagnosis.solved(tracker):
                    return slots
            if slot == "serial_number" and tracker.get_slot("existing_ticket_no"):
                slots.append("duplicate_confirmed")
                if tracker.get_slot("duplicate_confirmed") is False:
                    return slots
        return slots

    # --- extraction -------------------------------------------------------------------------

    async def extract_fault_description(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A fault intent's message is the description; so is the answer to the question."""
        value = fault_answer(tracker)
        return {"fault_description": value} if value else {}

    async def extract_device_model(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The answer to "which model?" when no device entity was recognised."""
        value = text_for("device_model", tracker, VALUE_INTENTS)
        return {"device_model": value} if value else {}

    async def extract_purchase_date(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A date in the answer, or a purchase date mentioned anywhere ("去年三月买的")."""
        if not message_is_fresh(tracker) or "purchase_date" in tracker.slots_to_validate():
            return {}
        if wants_to_skip("purchase_date", tracker):
            return {"purchase_date": SKIP}
        value = text_for("purchase_date", tracker, VALUE_INTENTS)
        if value:
            return {"purchase_date": value}
        text = latest_text(tracker)
        if latest_intent(tracker) in NEVER_VALUES:
            return {}
        found = (
            find_purchase_date(text, today()) if tracker.get_slot("purchase_date") is None else None
        )
        return {"purchase_date": found.matched} if found else {}

    async def extract_serial_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The answer to the IMEI / SN question."""
        if wants_to_skip("serial_number", tracker) and message_is_fresh(tracker):
            return {"serial_number": SKIP}
        value = text_for("serial_number", tracker, VALUE_INTENTS)
        return {"serial_number": value} if value else {}

    async def extract_service_type(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The answer to the service-type question."""
        value = text_for("service_type", tracker, VALUE_INTENTS)
        return {"service_type": value} if value else {}

    async def extract_city(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The answer to the city question."""
        value = text_for("city", tracker, VALUE_INTENTS)
        return {"city": value} if value else {}

    async def extract_contact_phone(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The answer to the phone question."""
        value = text_for("contact_phone", tracker, VALUE_INTENTS)
        return {"contact_phone": value} if value else {}

    async def extract_duplicate_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Yes or no to "open another ticket for this device?"."""
        return yes_no("duplicate_confirmed", tracker)

    async def extract_diagnosis(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """是 / 否 / 直接报修 to a diagnosis step (any other answer goes on with the intake)."""
        return diagnosis.read_answer(tracker)

    async def extract_remedy(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The answer to the 三包 option question (退货 / 换货 / 维修; the buttons set it)."""
        return sanbao.read_remedy(tracker)

    async def extract_intake_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Yes or no to the confirmation summary; a 三包 option named there is a correction."""
        return sanbao.change_at_confirmation(dispatcher, tracker) or yes_no(
            "intake_confirmed", tracker
        )

    # --- validation -------------------------------------------------------------------------

    @staticmethod
    def _reject(
        slot: str,
        response: str,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Say why ``value`` was refused, count the failure, and offer help after repeats."""
        dispatcher.utter_message(response=response, **kwargs)
        failures = dict(tracker.get_slot("intake_failures") or {})
        failures[slot] = int(failures.get(slot, 0)) + 1
        if failures[slot] >= policy().form_failures:
            return {slot: None, "intake_failures": failures, "handoff_reason": FORM_FAILURES}
        if failures[slot] >= _FAILURES_BEFORE_HELP:
            help_response = (
                "utter_offer_skip" if slot in OPTIONAL_SLOTS else "utter_offer_human_help"
            )
            dispatcher.utter_message(response=help_response)
        return {slot: None, "intake_failures": failures}

    @staticmethod
    def _skip(slot: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        dispatcher.utter_message(response="utter_skipped")
        skipped = list(tracker.get_slot("skipped_slots") or [])
        if slot not in skipped:
            skipped.append(slot)
        return {slot: None, "skipped_slots": skipped}

    def validate_fault_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Keep the description and set its category from the intent.

        A description too short to act on ("碎屏") gets the category's follow-up question
        first, and the answer is added to it. Once the category is known its self-help tips
        are shown, before the rest of the intake.
        """
        check = fields.check_fault_description(str(value or ""))
        if check.error:
            return self._reject("fault_description", check.error, dispatcher, tracker)
        cat = catalogue()
        category = fault_category_from_ranking(tracker)
        brief = tracker.get_slot("fault_brief")
        description = str(check.value)
        if brief:
            description = f"{brief}；{description}"
            if category == "other":
                category = tracker.get_slot("fault_category") or "other"
        fault = cat.fault(category)
        if not brief and fault and fault.follow_up and len(description) < cat.follow_up_below_chars:
            return {
                "fault_description": None,
                "fault_brief": description,
                "fault_category": category,
            }
        new_fault = brief or tracker.get_slot("fault_category") != category
        if fault and new_fault and not diagnosis.applies(fault, description):
            # (a fault with diagnosis steps asks them next instead: ValidateRepairForm's
            # required_slots)
            self._tell_self_help(dispatcher, fault)
        accepted: dict[str, Any] = {"fault_description": description, "fault_category": category}
        if new_fault:
            accepted.update(diagnosis.restart(tracker))
        elif tracker.get_slot(diagnosis.TRIED_SLOT):
            # The same fault described again: it keeps the steps already tried.
            accepted["fault_description"] = diagnosis.describe(
                description, tracker.get_slot(diagnosis.TRIED_SLOT), tracker
            )
        return {**accepted, "fault_brief": None} if brief else accepted

    def validate_diagnosis(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The next step, or how the diagnosis ended (solved, repair, skipped)."""
        return diagnosis.take_answer(value, dispatcher, tracker)

    @staticmethod
    def _tell_self_help(dispatcher: CollectingDispatcher, fault: Fault) -> None:
        if fault.self_help:
            tips = "\n".join(f"· {tip}" for tip in fault.self_help)
            dispatcher.utter_message(
                response="utter_fault_self_help", fault_name=fault.name, tips=tips
            )

    def validate_device_model(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Resolve the model against the catalogue (aliases, numerals, typos)."""
        cat = catalogue()
        check = fields.check_device_model(str(value or ""), cat)
        if "candidates" in check.extra:
            buttons = [
                {"title": d.name, "payload": f'/inform{{"device_model":"{d.id}"}}'}
                for d in check.extra["candidates"]
            ]
            dispatcher.utter_message(response="utter_device_ambiguous", buttons=buttons)
            return {"device_model": None}
        device = cat.device(check.value or "")
        if check.error or device is None:
            error = check.error or "utter_device_not_found"
            return self._reject("device_model", error, dispatcher, tracker, **check.params)
        result: dict[str, Any] = {"device_model": device.id}
        purchased = parse_iso_date(tracker.get_slot("purchase_date"))
        if purchased and check_purchase_date(
            purchased,
            today=today(),
            launch_date=device.launch_date,
            precision=tracker.get_slot("purchase_date_precision") or "day",
        ):
            # The purchase date fits no longer (bought before this model existed): ask again.
            dispatcher.utter_message(
                response="utter_date_before_launch", **fields.launch_params(device)
            )
            result.update({"purchase_date": None, "purchase_date_precision": None})
        return result

    def validate_purchase_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Parse a Chinese date expression; refuse future dates and dates before launch."""
        if wants_to_skip("purchase_date", tracker):
            return self._skip("purchase_date", dispatcher, tracker)
        device = catalogue().device(tracker.get_slot("device_model") or "")
        check = fields.check_purchase_date(str(value or ""), today(), device)
        if check.error:
            return self._reject("purchase_date", check.error, dispatcher, tracker, **check.params)
        return {"purchase_date": check.value, **check.extra}

    def validate_serial_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Check an IMEI (Luhn) or SN; look for an open ticket on the same device."""
        check = fields.check_serial_number(str(value or ""))
        if check.value is None:
            if wants_to_skip("serial_number", tracker):
                return self._skip("serial_number", dispatcher, tracker)
            error = check.error or "utter_serial_not_found"
            return self._reject("serial_number", error, dispatcher, tracker, **check.params)
        result: dict[str, Any] = {
            "serial_number": check.value,
            "existing_ticket_no": None,
            "duplicate_confirmed": None,
        }
        try:
            with session_scope(readonly=True) as session:
                open_tickets = find_open_tickets_by_serial(session, serial_number=check.value)
        except TicketStoreUnavailable:
            logger.warning("ticket store unavailable: duplicate check skipped")
            open_tickets = []
        if open_tickets:
            result["existing_ticket_no"] = open_tickets[0].ticket_no
        sanbao.tell_warranty_card(dispatcher, tracker, check.value)
        return result

    def validate_remedy(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """One of the 三包 options open to the owner."""
        remedy, params = sanbao.check_remedy(value, tracker)
        if remedy is None:
            return self._reject("remedy", "utter_remedy_unknown", dispatcher, tracker, **params)
        dispatcher.utter_message(
            response="utter_remedy_chosen", remedy_name=sanbao.remedy_names((remedy,))
        )
        return {"remedy": remedy}

    def validate_duplicate_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Keep the answer."""
        return {"duplicate_confirmed": bool(value)}

    def validate_service_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Map an answer to ``mail_in``, ``store`` or ``home``."""
        check = fields.check_service_type(str(value or ""), catalogue().service_types)
        if check.error:
            return self._reject("service_type", check.error, dispatcher, tracker, **check.params)
        return {"service_type": check.value}

    def validate_city(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A Chinese city name, without 市."""
        check = fields.check_city(str(value or ""))
        if check.error:
            return self._reject("city", check.error, dispatcher, tracker, **check.params)
        return {"city": check.value}

    def validate_contact_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A mainland mobile number, normalised to 11 digits."""
        check = fields.check_contact_phone(str(value or ""))
        if check.error:
            return self._reject("contact_phone", check.error, dispatcher, tracker, **check.params)
        return {"contact_phone": check.value}

    def validate_intake_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """``True`` ends the form; ``False`` waits for a correction (the ask action says so)."""
        return {"intake_confirmed": True if value else None}
