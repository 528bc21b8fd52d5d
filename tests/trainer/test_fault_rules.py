"""bot/data/rules/faults.yml is generated from the fault catalogue and kept up to date."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.catalog.loader import load_catalogue
from bot.trainer.fault_rules import RULES_FILE, render_rules, write_rules
from bot.trainer.generated import render_rule_file, write_if_changed


def test_the_generated_rules_are_up_to_date() -> None:
    expected = render_rules(load_catalogue(fresh=True))
    assert RULES_FILE.read_text(encoding="utf-8") == expected, (
        "run `python -m bot.trainer.fault_rules`"
    )


def test_one_rule_per_fault_intent_starts_the_form() -> None:
    catalogue = load_catalogue()
    rules = yaml.safe_load(render_rules(catalogue))["rules"]
    intents = [f.intent for f in catalogue.faults if f.intent]
    assert "fault_other" not in intents and len(intents) == len(catalogue.faults) - 1
    assert [r["steps"][0] for r in rules] == [{"intent": i} for i in intents]
    for rule in rules:
        assert rule["steps"][1:] == [{"action": "repair_form"}, {"active_loop": "repair_form"}]
    assert len({r["rule"] for r in rules}) == len(rules)


def test_write_rules_reports_a_change(tmp_path: Path) -> None:
    target = tmp_path / "faults.yml"
    assert write_rules(target, load_catalogue()) is True
    assert write_rules(target, load_catalogue()) is False
    assert target.read_text(encoding="utf-8") == render_rules(load_catalogue())
    target.write_text("# edited by hand\n", encoding="utf-8")
    assert write_rules(target, load_catalogue()) is True


def test_write_if_changed(tmp_path: Path) -> None:
    target = tmp_path / "x.yml"
    assert write_if_changed(target, "a\n") is True
    assert write_if_changed(target, "a\n") is False
    assert write_if_changed(target, "b\n") is True
    assert target.read_text(encoding="utf-8") == "b\n"


def test_no_yaml_anchors() -> None:
    step = {"action": "repair_form"}  # the same object twice would become &id001 / *id001
    text = render_rule_file(
        "# h\n", [{"rule": "a", "steps": [step]}, {"rule": "b", "steps": [step]}]
    )
    assert "&id" not in text and "*id" not in text
    assert text.startswith("# h\nversion: '3.1'\n")
    assert "&" not in render_rules(load_catalogue())
