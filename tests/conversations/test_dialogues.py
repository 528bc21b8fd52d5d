"""Whole conversations in Chinese against the trained model, the action server and the DB.

Each YAML file in ``dialogues/`` lists conversations: for every user message, the exact bot
responses (by response name) and optionally slot values; at the end, the ticket row expected
in the database (or that there is none).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conversations.harness import run_dialogue

pytestmark = [pytest.mark.model, pytest.mark.slow]

DIALOGUES = Path(__file__).parent / "dialogues"


def _load() -> list[Any]:
    cases = []
    for path in sorted(DIALOGUES.glob("*.yml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]:
            cases.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return cases


@pytest.mark.parametrize("case", _load())
def test_dialogue(case, conversation, session_ticket_db):
    run_dialogue(case, conversation, session_ticket_db)
