"""ActionFallback: "did you mean ...?" suggestions, then a hand-over after a second miss."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import (
    ActionExecuted,
    ActiveLoop,
    ConversationPaused,
    FollowupAction,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)

from bot.actions.fallback import ActionFallback
from tests.actions.helpers import BEFORE_DATE, bot_said, msg

FAQ_RANKING = {
    "response_selector": {
        "faq": {
            "ranking": [
                {"intent_response_key": "faq/unknown_key", "confidence": 0.5},
                {"intent_response_key": "faq/mail_in_process", "confidence": 0.3},
                {"intent_response_key": "faq/hotline", "confidence": 0.2},
            ]
        }
    }
}


HANDED_OVER = [
    msg("utter_fallback_handing_over"),
    msg("utter_handoff_queued_first", ahead=0, wait_minutes=6),  # one agent, the default wait
]
PAUSED = [
    SlotSet("callback_step", None),
    SlotSet("handoff_reason", None),
    ConversationPaused(),
]
#: What a first miss returns: no callback question is left open.
FIRST_MISS = [SlotSet("callback_step", None)]


@pytest.fixture(autouse=True)
def working_hours(at_working_time, agent_online):
    """The hotline is open and an agent online (see tests/actions/test_handoff.py otherwise)."""
    agent_online()


def ranked(*names: str) -> list[dict[str, Any]]:
    return [{"name": name, "confidence": round(0.5 - 0.05 * i, 2)} for i, name in enumerate(names)]


def turn(text: str, intent: str, *actions: str) -> list[dict[str, Any]]:
    """An earlier user message and the actions the bot ran for it."""
    parse = {"intent": {"name": intent, "confidence": 0.9}, "entities": [], "text": text}
    return [
        ActionExecuted("action_listen"),
        UserUttered(text, parse_data=parse),
        *(ActionExecuted(a) for a in actions),
    ]


@pytest.fixture
def fallback(run, make_tracker):
    def _fallback(
        ranking: list[dict[str, Any]],
        before: list[dict[str, Any]] | None = None,
        parse_extra: dict[str, Any] | None = None,
    ):
        tracker = make_tracker(
            {},
            "那个东西怎么弄",
            "nlu_fallback",
            intent_ranking=ranking,
            events_before_user=before or [],
            parse_extra=parse_extra,
            confidence=0.3,
            active_loop=None,
        )
        return run(ActionFallback(), tracker)

    return _fallback


def test_suggestions_in_ranking_order_with_labels_and_payloads(fallback):
    events, dispatcher = fallback(
        ranked("nlu_fallback", "check_repair_status", "fault_screen", "faq", "ask_price"),
        parse_extra=FAQ_RANKING,
    )

    assert dispatcher.messages == [
        msg(
            "utter_fallback_suggest",
            buttons=[
                {"title": "查询维修进度", "payload": "/check_repair_status"},
                {"title": "报修：屏幕问题", "payload": "/fault_screen"},
                # The best FAQ key with a label; its button sends the question itself.
                {"title": "寄修流程", "payload": "寄修的流程是什么"},
            ],
        )
    ]
    assert events == FIRST_MISS


def test_unlabelled_intents_are_skipped_and_duplicates_removed(fallback):
    events, dispatcher = fallback(
        ranked(
            "greet",
            "fault_water_damage",
            "inform",
            "fault_water_damage",
            "out_of_scope",
            "request_human",
        )
    )

    assert dispatcher.messages == [
        msg(
            "utter_fallback_suggest",
            buttons=[
                {"title": "报修：进水", "payload": "/fault_water_damage"},
                {"title": "转人工客服", "payload": "/request_human"},
            ],
        )
    ]
    assert events == FIRST_MISS


def test_at_most_three_suggestions(fallback):
    _events, dispatcher = fallback(
        ranked("request_repair", "ask_warranty", "find_service_center", "complain", "cancel")
    )

    assert dispatcher.messages == [
        msg(
            "utter_fallback_suggest",
            buttons=[
                {"title": "我要报修", "payload": "/request_repair"},
                {"title": "查询保修期", "payload": "/ask_warranty"},
                {"title": "查找服务网点", "payload": "/find_service_center"},
            ],
        )
    ]


def test_faq_without_a_labelled_key_is_skipped(fallback):
    _events, dispatcher = fallback(
        ranked("faq", "start_over"),
        parse_extra={
            "response_selector": {"faq": {"ranking": [{"intent_response_key": "faq/unknown_key"}]}}
        },
    )

    assert dispatcher.messages == [
        msg("utter_fallback_suggest", buttons=[{"title": "重新开始", "payload": "/start_over"}])
    ]


def test_faq_without_response_selector_is_skipped(fallback):
    _events, dispatcher = fallback(ranked("faq"))

    assert dispatcher.messages == [msg("utter_default")]


def test_no_suggestion_at_all(fallback):
    events, dispatcher = fallback(ranked("nlu_fallback", "greet", "goodbye", "affirm"))

    assert dispatcher.messages == [msg("utter_default")]
    assert events == FIRST_MISS


def test_second_miss_in_a_row_hands_over(fallback, queued):
    before = turn("嗯嗯那个", "nlu_fallback", "action_fallback")
    before.append(bot_said("utter_fallback_suggest"))

    events, dispatcher = fallback(ranked("check_repair_status"), before=before)

    assert dispatcher.messages == HANDED_OVER
    assert events == PAUSED
    assert [h.reason for h in queued()] == ["fallback"]


def test_third_miss_in_a_row_still_hands_over(fallback):
    before = [
        *turn("嗯", "nlu_fallback", "action_fallback"),
        *turn("啊", "nlu_fallback", "action_fallback"),
    ]

    _events, dispatcher = fallback(ranked("check_repair_status"), before=before)

    assert dispatcher.messages == HANDED_OVER


def test_a_miss_after_an_understood_message_is_a_first_miss(fallback):
    before = [
        *turn("嗯", "nlu_fallback", "action_fallback"),
        *turn("你好", "greet", "action_greet"),
    ]

    events, dispatcher = fallback(ranked("check_repair_status"), before=before)

    assert dispatcher.messages == [
        msg(
            "utter_fallback_suggest",
            buttons=[{"title": "查询维修进度", "payload": "/check_repair_status"}],
        )
    ]
    assert events == FIRST_MISS


def test_a_miss_in_an_earlier_session_does_not_count(fallback):
    before = [
        *turn("嗯", "nlu_fallback", "action_fallback"),
        ActionExecuted("action_session_start"),
        SessionStarted(),
    ]

    _events, dispatcher = fallback(ranked("check_repair_status"), before=before)

    assert dispatcher.messages == [
        msg(
            "utter_fallback_suggest",
            buttons=[{"title": "查询维修进度", "payload": "/check_repair_status"}],
        )
    ]


def test_run_by_the_dialogue_policies_it_takes_the_message_back(run, make_tracker):
    tracker = make_tracker(
        {},
        "阿巴阿巴",
        "affirm",
        intent_ranking=ranked("affirm", "request_repair", "inform"),
        active_loop=None,
    )

    events, dispatcher = run(ActionFallback(), tracker)

    assert [m["response"] for m in dispatcher.messages] == ["utter_fallback_suggest"]
    assert events == [UserUtteranceReverted(), *FIRST_MISS]


def test_a_second_policy_miss_in_a_row_hands_over(run, make_tracker):
    before = [*turn("阿巴阿巴", "affirm", "action_fallback"), {"event": "rewind"}]
    tracker = make_tracker({}, "呜啦啦", "goodbye", events_before_user=before, active_loop=None)

    events, dispatcher = run(ActionFallback(), tracker)

    assert dispatcher.messages == HANDED_OVER
    assert events == [UserUtteranceReverted(), *PAUSED]


# --- inside the intake ------------------------------------------------------------------------
# The intake refuses a question it would otherwise read as the answer
# (bot/actions/intake_answers.py refused_question); an intake rule answers it with this action,
# then resumes the form.


@pytest.fixture
def at_the_date_question(run, make_tracker):
    """Runs the fallback on a message at the intake's purchase-date question."""

    def _run(text: str, intent: str, *ranked_next: str, before: tuple[Any, ...] = ()):
        tracker = make_tracker(
            BEFORE_DATE,
            text,
            intent,
            requested_slot="purchase_date",
            intent_ranking=ranked(intent, *ranked_next),
            events_before_user=before,
        )
        return run(ActionFallback(), tracker)

    return _run


@pytest.mark.parametrize("intent", ["inform", "deny", "nlu_fallback", "affirm", "greet"])
def test_a_question_the_intake_refused_is_not_taken_back(at_the_date_question, intent):
    events, dispatcher = at_the_date_question(
        "保修期一般是多久？", intent, "ask_warranty", "request_human"
    )

    assert dispatcher.messages == [
        msg(
            "utter_fallback_suggest",
            buttons=[
                {"title": "查询保修期", "payload": "/ask_warranty"},
                {"title": "转人工客服", "payload": "/request_human"},
            ],
        )
    ]
    # repair_form runs next and asks for the purchase date again, whatever the intent.
    assert events == [*FIRST_MISS, FollowupAction("repair_form")]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("阿巴阿巴", "inform"),  # not a question: the form read it
        ("是去年三月买的吗", "inform"),  # a question with the value: the form read it
        ("保修期一般是多久？", "faq"),  # a question intent: its own rule answers it
    ],
)
def test_in_the_intake_other_messages_are_still_taken_back(at_the_date_question, text, intent):
    events, _ = at_the_date_question(text, intent, "request_human")

    assert events == [UserUtteranceReverted(), *FIRST_MISS]


def test_a_question_in_the_intake_after_an_answer_is_a_first_miss(at_the_date_question):
    # The owner answered the previous question (no miss): this question is the first miss.
    before = turn("一加12", "inform", "action_extract_slots", "repair_form")

    events, dispatcher = at_the_date_question(
        "这个要紧吗？", "nlu_fallback", "request_human", before=before
    )

    assert [m["response"] for m in dispatcher.messages] == ["utter_fallback_suggest"]
    assert events == [*FIRST_MISS, FollowupAction("repair_form")]


def test_a_second_unclear_question_in_the_intake_hands_over_and_stops_it(
    at_the_date_question, queued
):
    before = turn("为什么要问这个？", "nlu_fallback", "action_fallback", "repair_form")

    events, dispatcher = at_the_date_question(
        "这个要紧吗？", "nlu_fallback", "request_human", before=before
    )

    assert dispatcher.messages == HANDED_OVER
    assert events == [ActiveLoop(None), *PAUSED]
    assert [h.reason for h in queued()] == ["fallback"]
    # What the intake collected goes to the agent.
    assert queued()[0].summary["slots"]["device_model"] == "oneplus-12"
