"""The fold counts intakes the guided diagnosis solved without a ticket."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.actions import diagnosis
from bot.analytics import summary as names
from bot.analytics.summary import summarize
from bot.catalog.diagnosis import SOLVED

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text("utf-8"))


def slot(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


def action(name: str) -> dict[str, Any]:
    return {"event": "action", "name": name}


def user(text: str, intent: str) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


# The form asks the first step; the owner says 是; the form sets the outcome and stops; the
# submit action clears the intake (Rasa logs an action before the events it returns).
SOLVED_INTAKE = [
    user("我的一加12充不进电了", "fault_charging"),
    action("repair_form"),
    {"event": "active_loop", "name": "repair_form"},
    slot("requested_slot", "diagnosis"),
    user("是", "affirm"),
    action("repair_form"),
    slot("diagnosis", "yes"),
    slot("diagnosis", "solved"),
    slot("requested_slot", None),
    {"event": "active_loop", "name": None},
    action("action_submit_ticket"),
    slot("diagnosis", None),
]


def test_the_names_are_the_projects() -> None:
    assert names.DIAGNOSIS_SLOT == diagnosis.DIAGNOSIS_SLOT in DOMAIN["slots"]
    assert names.DIAGNOSIS_SOLVED == SOLVED


def test_a_solved_diagnosis_is_counted_once_without_a_ticket() -> None:
    result = summarize("owner", SOLVED_INTAKE)
    assert (result.diagnosis_solved, result.tickets, result.intakes_started) == (1, [], 1)


def test_each_solved_intake_counts_and_other_outcomes_do_not() -> None:
    repaired = [action("repair_form"), slot("diagnosis", "repair")]
    result = summarize("owner", [*SOLVED_INTAKE, *SOLVED_INTAKE, *repaired])
    assert result.diagnosis_solved == 2


def test_the_slot_set_by_anything_but_the_form_is_not_counted() -> None:
    result = summarize("owner", [action("action_session_start"), slot("diagnosis", "solved")])
    assert result.diagnosis_solved == 0
