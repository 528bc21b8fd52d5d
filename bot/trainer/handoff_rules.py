"""Generate ``bot/data/rules/handoff.yml`` from the handoff catalogue (``handoff.yml``).

Every intent listed under ``intents`` hands the chat over, in and outside the intake form,
with one rule per outcome (queued and paused, or a callback offered after hours) so that
the bot listens afterwards. Run ``python -m bot.trainer.handoff_rules`` after changing the
list; a test fails while the generated file is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from bot.catalog.handoff import HandoffPolicy, load_handoff_policy
from bot.trainer.generated import render_rule_file, report, write_if_changed
from bot.trainer.paths import DATA_DIR

RULES_FILE = DATA_DIR / "rules" / "handoff.yml"
HEADER = (
    "# Generated from bot/data/catalog/handoff.yml by `python -m bot.trainer.handoff_rules`:\n"
    "# do not edit by hand.\n"
)
_OFFERED = {"slot_was_set": [{"callback_step": "offered"}]}
_PHONE = {"slot_was_set": [{"callback_step": "phone"}]}
_DONE = {"slot_was_set": [{"callback_step": None}]}
_IN_FORM = [{"active_loop": "repair_form"}]


def _intent_rules(intent: str) -> list[dict[str, Any]]:
    # RulePolicy wants every rule of an action to say what it does to the loop and slots.
    hand_over = [{"intent": intent}, {"action": "action_handoff"}, {"active_loop": None}]
    return [
        {"rule": f"Hand over on {intent}", "steps": [*hand_over, _DONE]},
        {"rule": f"Hand over on {intent}, after hours", "steps": [*hand_over, _OFFERED]},
        {
            "rule": f"Hand over on {intent} during the intake",
            "condition": _IN_FORM,
            "steps": [*hand_over, _DONE],
        },
        {
            "rule": f"Hand over on {intent} during the intake, after hours",
            "condition": _IN_FORM,
            "steps": [*hand_over, _OFFERED],
        },
    ]


def _callback_rules() -> list[dict[str, Any]]:
    callback = {"action": "action_request_callback"}
    offered = [_OFFERED]
    asked = [_PHONE]
    return [
        {
            "rule": "Callback accepted with a known phone",
            "condition": offered,
            "steps": [{"intent": "affirm"}, callback, _DONE],
        },
        {
            "rule": "Callback accepted, phone needed",
            "condition": offered,
            "steps": [{"intent": "affirm"}, callback, _PHONE],
        },
        {
            "rule": "Callback declined",
            "condition": offered,
            "steps": [{"intent": "deny"}, callback, _DONE],
        },
        {
            "rule": "Phone for the callback",
            "condition": asked,
            "steps": [{"intent": "inform"}, callback, _DONE],
        },
        {
            "rule": "Phone for the callback, not a mobile number",
            "condition": asked,
            "steps": [{"intent": "inform"}, callback, _PHONE],
        },
        {
            "rule": "Second miss in a row hands over, after hours",
            "steps": [{"intent": "nlu_fallback"}, {"action": "action_fallback"}, _OFFERED],
        },
    ]


def render_rules(policy: HandoffPolicy) -> str:
    """The content of the generated rules file."""
    rules = [rule for intent in policy.intents for rule in _intent_rules(intent)]
    return render_rule_file(HEADER, [*rules, *_callback_rules()])


def write_rules(path: Path = RULES_FILE) -> bool:
    """Write the rules file; ``True`` if it changed."""
    return write_if_changed(path, render_rules(load_handoff_policy()))


def main() -> int:
    """Regenerate the rules file and say whether it changed."""
    return report(RULES_FILE, write_rules())


if __name__ == "__main__":
    sys.exit(main())
