"""三包 in the intake: asking for the owner's option, reading it, and the warranty card.

The rules are :mod:`bot.intake.sanbao` (periods in ``bot/data/catalog/sanbao.yml``); the form
(:mod:`bot.actions.intake_form`) asks for ``remedy`` only when the owner has a choice
(a return or an exchange is open) and forgets a choice that no longer holds.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import format_date, latest_intent, latest_text, parse_iso_date
from bot.actions.dialogue import REQUESTED_SLOT, part
from bot.actions.intake_answers import NEVER_VALUES, asks_instead_of_answering, message_is_fresh
from bot.actions.warranty_check import activation_date, sanbao_for
from bot.catalog.sanbao import load_sanbao
from bot.intake.sanbao import SanbaoAssessment, SanbaoPeriod, remedy_named

#: The slot of the owner's option.
REMEDY_SLOT = "remedy"


def remedy_choice(tracker: Tracker) -> SanbaoAssessment | None:
    """The 三包 assessment when the owner has a choice to make, else None."""
    assessment = sanbao_for(tracker)
    return assessment if assessment is not None and assessment.has_choice else None


def match_remedy(text: str) -> str | None:
    """The option an answer names, by the keywords of ``sanbao.yml`` (see :func:`remedy_named`)."""
    return remedy_named(text, load_sanbao())


def read_remedy(tracker: Tracker) -> dict[str, Any]:
    """The latest message as the answer to the option question, if it is one.

    Whatever the intent ("维修" may read as a repair request), a message naming one option
    is that option; another answer (not a question, not a command) is kept for the
    validation to refuse with the options.
    """
    if tracker.get_slot(REQUESTED_SLOT) != REMEDY_SLOT or not message_is_fresh(tracker):
        return {}
    if REMEDY_SLOT in tracker.slots_to_validate():
        return {}  # a button set it
    text = latest_text(tracker)
    remedy = match_remedy(text) if text else None
    if remedy is not None:
        return {REMEDY_SLOT: remedy}
    if not text or latest_intent(tracker) in NEVER_VALUES:
        return {}
    if asks_instead_of_answering(REMEDY_SLOT, tracker):
        return {}
    return {REMEDY_SLOT: text}


def remedy_names(remedies: tuple[str, ...]) -> str:
    """The options' Chinese names, joined as the owner reads them (换货、维修)."""
    cat = load_sanbao()
    return cat.separator.join(r.name for r in cat.remedies if r.id in remedies)


def check_remedy(value: Any, tracker: Tracker) -> tuple[str | None, dict[str, Any]]:
    """An answer to the option question as an option id, or the refusal's response parameters.

    Returns:
        The option when it is one the owner has, else None and ``options`` for
        ``utter_remedy_unknown``.
    """
    assessment = sanbao_for(tracker)
    allowed = assessment.remedies if assessment is not None else ()
    remedy = str(value) if str(value) in allowed else match_remedy(str(value or ""))
    if remedy is not None and remedy in allowed:
        return remedy, {}
    return None, {"options": remedy_names(allowed)}


def stale_remedy(tracker: Tracker) -> list[EventType]:
    """Forget a chosen option the owner no longer has (e.g. after correcting the date)."""
    chosen = tracker.get_slot(REMEDY_SLOT)
    if not chosen:
        return []
    assessment = remedy_choice(tracker)
    if assessment is not None and chosen in assessment.remedies:
        return []
    return [SlotSet(REMEDY_SLOT, None)]


def tell_warranty_card(
    dispatcher: CollectingDispatcher, tracker: Tracker, serial_number: str
) -> None:
    """Tell the owner when the IMEI's warranty card replaces the purchase date they gave."""
    activated = activation_date(serial_number)
    if activated is None:
        return
    stated = parse_iso_date(tracker.get_slot("purchase_date"))
    precision = tracker.get_slot("purchase_date_precision") or "day"
    dispatcher.utter_message(
        response="utter_warranty_card_found",
        activated=format_date(activated),
        stated=format_date(stated, precision) if stated else part("not_given"),
    )


def _start(tracker: Tracker) -> dt.date | None:
    activated = activation_date(tracker.get_slot("serial_number"))
    return activated or parse_iso_date(tracker.get_slot("purchase_date"))


class ActionAskRemedy(Action):
    """Asks which 三包 option the owner wants, with a button per option open to them."""

    def name(self) -> str:
        """Action name."""
        return "action_ask_remedy"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Ask with the return or the exchange variant of the question."""
        assessment = remedy_choice(tracker)
        if assessment is None:  # the form only asks when there is a choice
            return []
        start = _start(tracker)
        if assessment.period is SanbaoPeriod.RETURN:
            response, limit = "utter_ask_remedy_return", assessment.part.return_days
        else:
            response, limit = "utter_ask_remedy_exchange", assessment.part.exchange_days
        dispatcher.utter_message(
            response=response,
            limit=limit,
            start=format_date(start) if start else part("not_given"),
        )
        return []
