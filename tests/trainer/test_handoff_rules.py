"""bot/data/rules/handoff.yml is generated from the handoff catalogue and kept up to date."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from bot.catalog.handoff import load_handoff_policy, parse_handoff_policy
from bot.catalog.loader import CATALOG_DIR
from bot.trainer.handoff_rules import RULES_FILE, render_rules, write_rules


def test_the_generated_rules_are_up_to_date() -> None:
    expected = render_rules(load_handoff_policy())
    assert RULES_FILE.read_text(encoding="utf-8") == expected, (
        "run `python -m bot.trainer.handoff_rules`"
    )


def test_a_configured_intent_gets_its_rules(tmp_path: Path) -> None:
    raw: dict[str, Any] = yaml.safe_load((CATALOG_DIR / "handoff.yml").read_text("utf-8"))
    raw = copy.deepcopy(raw)
    raw["intents"]["ask_refund"] = "要求退款"
    rules = yaml.safe_load(render_rules(parse_handoff_policy(raw)))["rules"]
    refund = [r for r in rules if r["steps"][0] == {"intent": "ask_refund"}]
    assert len(refund) == 4  # in and outside the form, queued or after hours
    assert all(r["steps"][1] == {"action": "action_handoff"} for r in refund)
    in_form = [r for r in refund if r.get("condition") == [{"active_loop": "repair_form"}]]
    assert len(in_form) == 2 and all({"active_loop": None} in r["steps"] for r in in_form)
    assert "&id" not in render_rules(parse_handoff_policy(raw))  # no YAML anchors


def test_write_rules_reports_a_change(tmp_path: Path) -> None:
    target = tmp_path / "handoff.yml"
    assert write_rules(target) is True
    assert write_rules(target) is False
    assert target.read_text(encoding="utf-8") == RULES_FILE.read_text(encoding="utf-8")
