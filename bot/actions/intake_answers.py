"""Reading the owner's message as the answer to the intake's question, or not.

The intents that play a part here are data (``bot/data/catalog/dialogue.yml``, read by
:mod:`bot.actions.dialogue`); the form's validation (:mod:`bot.actions.intake_form`) uses
these readings to extract its slot candidates.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker

from bot.actions.common import (
    catalogue,
    events_after_latest_user,
    in_form,
    latest_intent,
    latest_text,
    today,
)
from bot.actions.dialogue import DIALOGUE, FORM_SLOTS, REQUESTED_SLOT
from bot.intake import fields
from bot.intake.dates import find_date_expression
from bot.intake.devices import MatchKind, match_device
from bot.intake.questions import is_question

#: Fields a user may skip; the engineer checks them at inspection.
OPTIONAL_SLOTS = frozenset(DIALOGUE.optional_slots)
#: Intents whose messages are never a slot value, even when they contain one.
NEVER_VALUES = frozenset(DIALOGUE.never_value_intents)
#: Intents whose messages are read as the answer to the form's question. A question among
#: them is refused instead (:func:`asks_instead_of_answering`): the form rejects the message
#: and the intake rules answer it with action_fallback ("您是想问…"), then ask again.
VALUE_INTENTS = frozenset(DIALOGUE.answer_intents)
#: Intents whose messages are read as the answer to the fault question.
FAULT_ANSWERS = frozenset(DIALOGUE.fault_answer_intents)
# Actions that may run between the user's message and the form without consuming it.
_FORM_STEPS = frozenset({"action_listen", "action_extract_slots", DIALOGUE.form, None})
_DIGIT_RUN = re.compile(r"[0-9０-９]{5,}")
# A fault intent at least this likely in the ranking makes a question a fault description
# ("为什么充不进电？"); lower than the category's threshold, it only has to name a fault.
_FAULT_SIGNAL = 0.1


def message_is_fresh(tracker: Tracker) -> bool:
    """Whether the latest user message has not been answered by another action yet.

    After a digression (a rule answered a question) the form runs again on the same message;
    that message must not be read as the value of the requested slot.
    """
    return all(
        e.get("name") in _FORM_STEPS
        for e in events_after_latest_user(tracker)
        if e.get("event") == "action"
    )


def looks_like_value(slot: str, text: str) -> bool:
    """Whether ``text`` plausibly answers the question for ``slot``."""
    if slot in ("serial_number", "contact_phone"):
        return bool(_DIGIT_RUN.search(text))
    if slot == "purchase_date":
        return find_date_expression(text, today()) is not None
    if slot == "device_model":
        return match_device(text, catalogue()).kind is not MatchKind.NOT_FOUND
    return False


def looks_like_answer(slot: str, tracker: Tracker) -> bool:
    """Whether the latest message holds a value for ``slot`` (a fault, for the description)."""
    text = latest_text(tracker)
    if slot == "fault_description":
        return fault_category_from_ranking(tracker, _FAULT_SIGNAL) != "other"
    if slot == "service_type":
        # "寄修可以吗？" names a service; "有哪些方式？" does not.
        return fields.check_service_type(text, catalogue().service_types).error is None
    return looks_like_value(slot, text)


def asks_instead_of_answering(slot: str, tracker: Tracker) -> bool:
    """Whether the latest message asks something instead of answering the question for ``slot``.

    A question that holds a value of the slot is an answer: "是去年三月买的吗" or
    "去年三月？" offers the date the owner remembers, unsure of it, and asking again would
    not help them; the confirmation summary shows it for a correction. (A value the entity
    extractors find fills its slot whatever the wording, too.) A question without a value
    ("保修期一般是多久？") is not read as one: the rules answer it and the form asks again.
    """
    text = latest_text(tracker)
    return bool(text) and is_question(text) and not looks_like_answer(slot, tracker)


def refused_question(tracker: Tracker) -> bool:
    """Whether the intake refused the latest message as a question it would otherwise read.

    Whatever the intent ("啥？" may read as ``affirm``), unless it is a question intent whose
    own rule answers it: action_fallback offers the "您是想问…" buttons, must not take the
    message back, and resumes the form, which asks its question again.
    """
    slot = tracker.get_slot(REQUESTED_SLOT)
    return (
        in_form(tracker)
        and bool(slot)
        and latest_intent(tracker) not in NEVER_VALUES
        and asks_instead_of_answering(str(slot), tracker)
    )


def fault_category_from_ranking(tracker: Tracker, threshold: float = 0.2) -> str:
    """The fault category named by the latest message's intent ranking, or ``other``."""
    cat = catalogue()
    fault = cat.fault_for_intent(latest_intent(tracker))
    if fault:
        return fault.id
    for ranked in (tracker.latest_message or {}).get("intent_ranking") or []:
        ranked_fault = cat.fault_for_intent(ranked.get("name"))
        if ranked_fault and float(ranked.get("confidence") or 0) >= threshold:
            return ranked_fault.id
    return "other"


def text_for(slot: str, tracker: Tracker, allowed_intents: frozenset[str]) -> str | None:
    """The raw message text as a candidate for ``slot``, when the bot just asked for it.

    The text is taken when the intent is an answer-like one, or when the text looks like a
    value of this slot (digits for an IMEI, a date, a phone model) whatever the intent
    classifier thought: short answers such as "8612345678" are easily misclassified.
    A question without such a value is never taken, whatever the intent.
    """
    if tracker.get_slot(REQUESTED_SLOT) != slot or not message_is_fresh(tracker):
        return None
    text = latest_text(tracker)
    if not text:
        return None
    already_set = set(tracker.slots_to_validate())
    if slot in already_set or already_set & (set(FORM_SLOTS) - {slot}):
        # An entity filled this or another slot: the message is that, not free text.
        return None
    if asks_instead_of_answering(slot, tracker):
        # "保修期一般是多久？" is no purchase date: the form rejects it, a rule answers.
        return None
    intent = latest_intent(tracker)
    if intent in allowed_intents:
        return text
    if intent not in NEVER_VALUES and looks_like_value(slot, text):
        return text
    return None


def fault_answer(tracker: Tracker) -> str | None:
    """The latest message as the fault description, if it is one.

    A fault intent's message is the description; so is the answer to the fault question, and
    the answer to the fault's follow-up question, whatever intent that looks like.
    """
    if not message_is_fresh(tracker):
        return None
    text = latest_text(tracker)
    if text and catalogue().fault_for_intent(latest_intent(tracker)):
        return text
    if (
        text
        and tracker.get_slot("fault_brief")
        and tracker.get_slot(REQUESTED_SLOT) == "fault_description"
        and latest_intent(tracker) not in NEVER_VALUES
        and not asks_instead_of_answering("fault_description", tracker)
    ):
        return text
    return text_for("fault_description", tracker, FAULT_ANSWERS)


def yes_no(slot: str, tracker: Tracker) -> dict[str, Any]:
    """``{slot: True}`` for an ``affirm`` to the question for ``slot``, ``False`` for a ``deny``."""
    if tracker.get_slot(REQUESTED_SLOT) != slot or not message_is_fresh(tracker):
        return {}
    intent = latest_intent(tracker)
    if intent == "affirm":
        return {slot: True}
    if intent == "deny":
        return {slot: False}
    return {}


def wants_to_skip(slot: str, tracker: Tracker) -> bool:
    """Whether the owner declines to give the optional ``slot`` they were just asked for."""
    return (
        slot in OPTIONAL_SLOTS
        and tracker.get_slot(REQUESTED_SLOT) == slot
        and latest_intent(tracker) == "deny"
    )
