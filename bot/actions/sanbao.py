"""三包 in the intake: asking for the owner's option, reading it, and the warranty card.

The rules are :mod:`bot.intake.sanbao` (periods in ``bot/data/catalog/sanbao.yml``); the form
(:mod:`bot.actions.intake_form`) asks for ``remedy`` only when the owner has a choice
(a return or an exchange is open) and forgets a choice that no longer holds. At the
confirmation, an option the owner names ("还是换货吧") changes the choice, or is refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import format_date, latest_intent, latest_text, parse_iso_date, today
from bot.actions.dialogue import REQUESTED_SLOT, part
from bot.actions.intake_answers import NEVER_VALUES, asks_instead_of_answering, message_is_fresh
from bot.actions.warranty_check import activation_date, sanbao_for
from bot.catalog.sanbao import load_sanbao
from bot.intake.sanbao import (
    EXCHANGE,
    RETURN,
    SanbaoAssessment,
    SanbaoPeriod,
    remedy_named,
    repair_months,
)
from bot.intake.warranty import coverage_end

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


def named_at_confirmation(tracker: Tracker) -> str | None:
    """The option the latest message names in answer to the confirmation summary, or None.

    Whatever the intent ("还是换货吧" may read as an approval); a button already set it.
    """
    if tracker.get_slot(REQUESTED_SLOT) != "intake_confirmed" or not message_is_fresh(tracker):
        return None
    if REMEDY_SLOT in tracker.slots_to_validate():
        return None
    text = latest_text(tracker)
    return match_remedy(text) if text else None


def change_at_confirmation(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """A typed change of the option at the confirmation, as slot values for the form.

    An option open to the owner becomes the ``remedy`` candidate (``validate_remedy`` says
    so, then the summary is shown again). One they do not have is refused and the choice kept;
    ``intake_confirmed`` is then unset, so the summary is shown again as well. Without an
    option named: ``{}``.
    """
    named = named_at_confirmation(tracker)
    if named is None:
        return {}
    assessment = sanbao_for(tracker)
    allowed = assessment.remedies if assessment is not None else ()
    if named in allowed:
        # Only repair open: nothing to choose, the message is read as an answer as usual.
        return {REMEDY_SLOT: named} if len(allowed) > 1 else {}
    name = remedy_names((named,))
    if len(allowed) > 1:
        dispatcher.utter_message(
            response="utter_remedy_not_open", remedy_name=name, options=remedy_names(allowed)
        )
    else:
        part_ = assessment.part if assessment is not None else load_sanbao().main_unit
        dispatcher.utter_message(
            response="utter_remedy_not_applicable", remedy_name=name, limit=part_.exchange_days
        )
    return {"intake_confirmed": False}


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


def tell_options(dispatcher: CollectingDispatcher, assessment: SanbaoAssessment | None) -> None:
    """Tell the owner the return / exchange still open to them, with the last days."""
    if assessment is None or not assessment.has_choice:
        return
    params: dict[str, Any] = {}
    for remedy in (RETURN, EXCHANGE):
        left = assessment.days_left(remedy)
        if left is not None:
            params[f"{remedy}_until"] = format_date(today() + dt.timedelta(days=left))
            params[f"{remedy}_left"] = part("days_left", days=left) if left else part("last_day")
    if assessment.period is SanbaoPeriod.RETURN:
        response = "utter_warranty_sanbao_return"
        params["return_limit"] = assessment.part.return_days
    else:
        response = "utter_warranty_sanbao_exchange"
        params["exchange_limit"] = assessment.part.exchange_days
    dispatcher.utter_message(response=response, **params)


def tell_accessory(
    dispatcher: CollectingDispatcher, text: str, start: dt.date | None, device_months: int
) -> None:
    """The repair period of the accessory ``text`` names (and its end from ``start``), if any.

    Args:
        dispatcher: Says it.
        text: The owner's question ("充电器还在保修吗").
        start: The activation or purchase date; None when unknown.
        device_months: The phone's own warranty (see :func:`repair_months`).
    """
    accessory = load_sanbao().accessory_named(text)
    if accessory is None:
        return
    months = repair_months(accessory, device_months)
    params: dict[str, Any] = {"part_name": accessory.name, "months": months}
    if start is None:
        dispatcher.utter_message(response="utter_warranty_accessory", **params)
        return
    until = coverage_end(start, months)
    response = "utter_warranty_accessory_in" if until >= today() else "utter_warranty_accessory_out"
    dispatcher.utter_message(response=response, until=format_date(until), **params)


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
