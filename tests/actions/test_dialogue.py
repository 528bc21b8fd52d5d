"""The dialogue's lists: read from dialogue.yml, the form's slots and texts from the domain."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.actions.common import format_date
from bot.actions.dialogue import (
    DIALOGUE,
    FORM_SLOTS,
    INTAKE_SLOTS,
    PENDING_SLOTS,
    REQUESTED_SLOT,
    Dialogue,
    Domain,
    load_dialogue,
    load_domain,
    part,
)
from bot.catalog.loader import CatalogueError
from tests.actions.conftest import DOMAIN_FILE, FORM


def test_the_form_slots_are_the_domains(domain: dict[str, Any]) -> None:
    assert tuple(domain["forms"][FORM]["required_slots"]) == FORM_SLOTS
    assert DIALOGUE.form == FORM


def test_the_intake_slots_are_the_forms_and_the_listed_ones_in_the_domains_order(
    domain: dict[str, Any],
) -> None:
    assert INTAKE_SLOTS[-1] == REQUESTED_SLOT
    assert set(INTAKE_SLOTS[:-1]) == {*FORM_SLOTS, *DIALOGUE.intake_slots}
    order = list(domain["slots"])
    assert list(INTAKE_SLOTS[:-1]) == sorted(INTAKE_SLOTS[:-1], key=order.index)


def test_the_pending_slots_are_listed_once() -> None:
    assert DIALOGUE.pending_slots == PENDING_SLOTS
    assert len(set(PENDING_SLOTS)) == len(PENDING_SLOTS)


def test_a_listed_slot_the_domain_lacks_comes_last() -> None:
    domain = Domain.from_mapping(
        {"slots": {"b": {}, "a": {}, "form_slot": {}}, "forms": {"f": {"required_slots": ["a"]}}}
    )
    lists = Dialogue.from_mapping({"form": "f", "slots": {"intake": ["unknown", "b"]}})
    assert lists.form_slots(domain) == ("a",)
    assert lists.all_intake_slots(domain) == ("b", "a", "unknown")


def test_domain_entries_with_options_are_named() -> None:
    domain = Domain.from_mapping(
        {
            "intents": ["greet", {"faq": {"use_entities": []}}],
            "actions": ["action_x", {"action_y": {"send_domain": True}}],
            "responses": {"utter_a": [{"text": "你好"}, {"text": "您好"}], "utter_b": [{}]},
            "forms": {"f": None},
        }
    )
    assert domain.intents == ("greet", "faq")
    assert domain.actions == ("action_x", "action_y")
    assert dict(domain.texts) == {"utter_a": "你好", "utter_b": ""}
    assert domain.responses == ("utter_a", "utter_b")
    assert dict(domain.forms) == {"f": ()}
    assert Domain.from_mapping({}).slots == ()


@pytest.mark.parametrize(
    "data",
    [
        {"slots": {"pending": ["a"]}},
        {"form": "f", "slots": {"pending": "a"}},
        {"form": "f", "intents": {"answers": [1]}},
    ],
)
def test_a_malformed_dialogue_file_is_refused(data: dict[str, Any]) -> None:
    with pytest.raises(CatalogueError):
        Dialogue.from_mapping(data)


def test_a_file_that_is_no_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "dialogue.yml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="expected a mapping"):
        load_dialogue(path)


def test_the_files_are_read_once() -> None:
    assert load_domain() is load_domain()
    assert load_dialogue() is load_dialogue()


def test_a_part_is_filled_in() -> None:
    responses = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))["responses"]
    assert part("not_given") == responses["utter_part_not_given"][0]["text"] == "未提供"
    assert part("summary_city", city="成都") == "（成都）"


@pytest.mark.parametrize(
    ("precision", "text"),
    [("day", "2025年3月15日"), ("month", "2025年3月"), ("year", "2025年"), ("?", "2025年3月15日")],
)
def test_dates_are_written_as_the_domain_says(precision: str, text: str) -> None:
    assert format_date(dt.date(2025, 3, 15), precision) == text
