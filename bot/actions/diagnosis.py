"""Guided diagnosis inside the intake: the fault's yes/no steps before the repair is booked.

The steps are data (``diagnosis`` of a fault in ``bot/data/catalog/faults.yml``, parsed by
:mod:`bot.catalog.diagnosis`). Once the fault is known, the intake form asks for the slot
``diagnosis``: :class:`ActionAskDiagnosis` asks the current step with 是 / 否 / 直接报修
buttons, :func:`read_answer` reads the owner's message and :func:`take_answer` moves on. The
diagnosis ends as ``solved`` (the form stops, no ticket: ``action_submit_ticket`` only clears
the intake), ``repair`` (the steps tried are added to the fault description) or ``skipped``
("直接报修", or a message that is no yes/no answer: the intake goes on with it).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import catalogue, latest_intent, latest_text
from bot.actions.dialogue import REQUESTED_SLOT
from bot.actions.intake_answers import NEVER_VALUES, message_is_fresh
from bot.actions.rating import ask_rating
from bot.catalog import Fault
from bot.catalog.diagnosis import REPAIR, SOLVED, Answer, Diagnosis, DiagnosisStep
from bot.intake.questions import is_question
from bot.intake.warranty import detect_damage

#: The form slot: ``None`` while the steps are asked, then how the diagnosis ended.
DIAGNOSIS_SLOT = "diagnosis"
#: The id of the step being asked (the first step when unset).
STEP_SLOT = "diagnosis_step"
#: The steps answered so far, ``[[step id, "yes" | "no"], ...]``.
TRIED_SLOT = "diagnosis_tried"
#: How a diagnosis ends besides ``solved`` and ``repair``: the owner went on without it.
SKIPPED = "skipped"
#: What :func:`read_answer` makes of a message besides ``yes`` and ``no``.
SKIP = "skip"
#: The intent of the 直接报修 button (and of "不用查了，直接报修").
SKIP_INTENT = "request_repair"
_ANSWERS: dict[str, Answer] = {"affirm": "yes", "deny": "no"}


def applies(fault: Fault, description: str) -> bool:
    """Whether the owner goes through ``fault``'s diagnosis steps for this description.

    A fault without steps shows its tips instead; a description that names damage
    ("屏幕摔碎了", "进水了") needs an engineer, not checks.
    """
    return bool(fault.diagnosis) and detect_damage(description, catalogue()) is None


def diagnosis_for(tracker: Tracker) -> Diagnosis | None:
    """The steps to go through for the intake's fault, or ``None`` when there are none."""
    fault = catalogue().fault(tracker.get_slot("fault_category") or "")
    description = tracker.get_slot("fault_description")
    if fault is None or not description or not applies(fault, str(description)):
        return None
    return fault.diagnosis


def restart(tracker: Tracker) -> dict[str, Any]:
    """Slots that forget an earlier diagnosis (another fault was described); ``{}`` if none."""
    slots = (DIAGNOSIS_SLOT, STEP_SLOT, TRIED_SLOT)
    return {slot: None for slot in slots} if any(tracker.get_slot(s) for s in slots) else {}


def current_step(tracker: Tracker, diagnosis: Diagnosis) -> DiagnosisStep | None:
    """The step being asked: the one in ``diagnosis_step``, else the first."""
    step_id = tracker.get_slot(STEP_SLOT)
    return diagnosis.step(str(step_id)) if step_id else diagnosis.first


def read_answer(tracker: Tracker) -> dict[str, Any]:
    """``{"diagnosis": "yes" | "no" | "skip"}`` for the owner's answer to a step, else ``{}``.

    是 / 否 answer the step; 直接报修, and any other message that is not a question or a
    command (a phone model, a date, "算了"), end the diagnosis so the intake goes on with it
    rather than asking again. Questions and commands are left to their rules (``{}``); the
    form asks the step again after them.
    """
    if tracker.get_slot(REQUESTED_SLOT) != DIAGNOSIS_SLOT or not message_is_fresh(tracker):
        return {}
    intent = latest_intent(tracker)
    if intent in _ANSWERS:
        return {DIAGNOSIS_SLOT: _ANSWERS[intent]}
    if intent == SKIP_INTENT:
        return {DIAGNOSIS_SLOT: SKIP}
    if intent in NEVER_VALUES or is_question(latest_text(tracker)):
        return {}
    return {DIAGNOSIS_SLOT: SKIP}


def take_answer(value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """Go to the step the answer leads to, or end the diagnosis and say how.

    Returns:
        The slots to set: the next step (``diagnosis`` stays unset, so the form asks it), or
        the outcome, with the fault description carrying the steps tried once it ends.
    """
    diagnosis = diagnosis_for(tracker)
    step = current_step(tracker, diagnosis) if diagnosis else None
    tried = [list(pair) for pair in tracker.get_slot(TRIED_SLOT) or []]
    if diagnosis is None or step is None or value not in ("yes", "no"):
        if latest_intent(tracker) == SKIP_INTENT:
            dispatcher.utter_message(response="utter_diagnosis_skipped")
        return _end(SKIPPED, tried, tracker)
    tried.append([step.id, value])
    target = step.next(value)
    if target == SOLVED:
        dispatcher.utter_message(response="utter_diagnosis_solved")
        return {DIAGNOSIS_SLOT: SOLVED, STEP_SLOT: None, TRIED_SLOT: tried}
    if target == REPAIR or diagnosis.step(target) is None:
        # (a step that does not exist is a catalogue error make validate reports: go on)
        dispatcher.utter_message(response="utter_diagnosis_repair")
        return _end(REPAIR, tried, tracker)
    return {DIAGNOSIS_SLOT: None, STEP_SLOT: target, TRIED_SLOT: tried}


def _end(outcome: str, tried: list[list[str]], tracker: Tracker) -> dict[str, Any]:
    """The outcome, with the steps tried written into the fault description."""
    result: dict[str, Any] = {DIAGNOSIS_SLOT: outcome, STEP_SLOT: None, TRIED_SLOT: tried or None}
    description = tracker.get_slot("fault_description")
    if tried and description:
        result["fault_description"] = describe(str(description), tried, tracker)
    return result


def describe(description: str, tried: list[list[str]], tracker: Tracker) -> str:
    """``description`` followed by the steps tried and their answers (``diagnosis_record``)."""
    cat = catalogue()
    fault = cat.fault(tracker.get_slot("fault_category") or "")
    steps: list[tuple[DiagnosisStep, Answer]] = []
    for step_id, answer in tried:
        step = fault.diagnosis.step(step_id) if fault else None
        if step is not None:
            steps.append((step, "yes" if answer == "yes" else "no"))
    return cat.diagnosis_record.render(description, steps)


def asked(tracker: Tracker) -> bool:
    """Whether the form asks for the diagnosis: steps still to go, or solved (the form ends).

    Once it ended otherwise (``repair``, ``skipped``) the form no longer needs the slot.
    (While the answer is validated the slot holds it: ``yes``, ``no`` or ``skip``.)
    """
    outcome = tracker.get_slot(DIAGNOSIS_SLOT)
    if outcome in (REPAIR, SKIPPED):
        return False
    return outcome == SOLVED or diagnosis_for(tracker) is not None


def solved(tracker: Tracker) -> bool:
    """Whether the intake ended because the diagnosis solved the problem."""
    return bool(tracker.get_slot(DIAGNOSIS_SLOT) == SOLVED)


def end_solved(dispatcher: CollectingDispatcher) -> list[EventType]:
    """After a solved diagnosis (the intake is cleared by the caller): ask for a rating."""
    return ask_rating(dispatcher, "question")


class ActionAskDiagnosis(Action):
    """Asks the current diagnosis step, with 是 / 否 / 直接报修 buttons."""

    def name(self) -> str:
        """Action name."""
        return "action_ask_diagnosis"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Ask the step; the first one with an introduction naming the fault."""
        diagnosis = diagnosis_for(tracker)
        step = current_step(tracker, diagnosis) if diagnosis else None
        if diagnosis is None or step is None:
            return []
        fault = catalogue().fault(tracker.get_slot("fault_category") or "")
        if fault and step is diagnosis.first and not tracker.get_slot(TRIED_SLOT):
            dispatcher.utter_message(
                response="utter_diagnosis_start", fault_name=fault.name, question=step.question
            )
        else:
            dispatcher.utter_message(response="utter_diagnosis_step", question=step.question)
        return []
