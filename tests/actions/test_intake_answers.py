"""Reading a message as the answer to the intake's question, or refusing it as a question."""

from __future__ import annotations

import pytest

from bot.actions.intake_answers import refused_question
from tests.actions.helpers import BEFORE_DATE


@pytest.mark.parametrize(
    ("text", "intent", "active_loop", "refused"),
    [
        ("保修期一般是多久？", "inform", "repair_form", True),
        ("保修期一般是多久？", "deny", "repair_form", True),
        ("保修期一般是多久？", "nlu_fallback", "repair_form", True),
        # another intent (the form does not read it either): the same refusal
        ("啥？", "affirm", "repair_form", True),
        ("可以不填吗", "greet", "repair_form", True),
        # a question intent: its own rule answers it, not this refusal
        ("保修期一般是多久？", "faq", "repair_form", False),
        # not a question, or a question with the value
        ("阿巴阿巴", "inform", "repair_form", False),
        ("是去年三月买的吗", "inform", "repair_form", False),
        # no intake
        ("保修期一般是多久？", "inform", None, False),
    ],
)
def test_refused_question(make_tracker, text, intent, active_loop, refused):
    tracker = make_tracker(
        BEFORE_DATE, text, intent, requested_slot="purchase_date", active_loop=active_loop
    )

    assert refused_question(tracker) is refused
