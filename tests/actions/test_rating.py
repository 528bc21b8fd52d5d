"""Satisfaction ratings: offered once after an answer, stored from a button or from text."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from sqlalchemy import select

from bot.actions.rating import ActionOfferRating, ActionStoreRating
from bot.tickets import rating_summary, session_scope
from bot.tickets.models import SatisfactionRating
from tests.actions.helpers import bot_said, msg

ASKED = [SlotSet("rating_pending", True), SlotSet("rating_context", "question")]
DONE = [SlotSet("rating_pending", None), SlotSet("rating_context", None)]


def turn(text: str, intent: str, *actions: str, said: tuple[str, ...] = ()) -> list[dict]:
    """An earlier user message, the actions run for it and the responses they sent."""
    parse = {"intent": {"name": intent, "confidence": 0.9}, "entities": [], "text": text}
    return [
        ActionExecuted("action_listen"),
        UserUttered(text, parse_data=parse),
        *(ActionExecuted(a) for a in actions),
        *(bot_said(r) for r in said),
    ]


def ratings() -> list[tuple[str, str, int, str, str | None, str | None]]:
    with session_scope() as session:
        rows = session.execute(select(SatisfactionRating).order_by(SatisfactionRating.id))
        return [
            (r.sender_id, r.channel, r.score, r.context, r.ticket_no, r.comment)
            for r in rows.scalars()
        ]


@pytest.fixture
def offer(run, make_tracker):
    def _offer(before: list[dict], intent: str = "thank", **slots: Any):
        tracker = make_tracker(slots, "谢谢", intent, events_before_user=before, active_loop=None)
        return run(ActionOfferRating(), tracker)

    return _offer


@pytest.fixture
def store(run, make_tracker):
    def _store(text: str, intent: str = "inform", entities: tuple = (), **slots: Any):
        tracker = make_tracker(
            {"rating_pending": True, **slots},
            text,
            intent,
            entities=entities,
            sender_id="user-7",
            input_channel="socketio",
            active_loop=None,
        )
        return run(ActionStoreRating(), tracker)

    return _store


# --------------------------------------------------------------------------- offer


def test_offered_after_an_answer(offer):
    before = turn(
        "修好了吗",
        "check_repair_status",
        "action_check_repair_status",
        said=("utter_status_detail",),
    )

    events, dispatcher = offer(before)

    assert dispatcher.messages == [msg("utter_ask_rating")]
    assert events == ASKED


def test_offered_after_a_faq_answer_on_goodbye(offer):
    before = turn("保修政策是怎样的", "faq", "utter_faq")

    events, dispatcher = offer(before, intent="goodbye")

    assert dispatcher.messages == [msg("utter_ask_rating")]
    assert events == ASKED


def test_not_offered_without_an_answer(offer):
    before = turn("你好", "greet", "action_greet", said=("utter_greet",))

    events, dispatcher = offer(before)

    assert dispatcher.messages == []
    assert events == []


def test_not_offered_twice(offer):
    before = [
        *turn("在哪修", "find_service_center", "action_find_service_center"),
        *turn("谢谢", "thank", "action_offer_rating", said=("utter_ask_rating",)),
        *turn("5", "rate", "action_store_rating", said=("utter_rating_thanks",)),
    ]

    events, dispatcher = offer(before)

    assert dispatcher.messages == []
    assert events == []


def test_offered_again_after_a_new_answer(offer):
    before = [
        *turn("在哪修", "find_service_center", "action_find_service_center"),
        *turn("谢谢", "thank", "action_offer_rating", said=("utter_ask_rating",)),
        *turn("多少钱", "ask_price", "action_quote_price"),
    ]

    events, dispatcher = offer(before)

    assert dispatcher.messages == [msg("utter_ask_rating")]
    assert events == ASKED


def test_not_offered_while_a_rating_is_pending(offer):
    before = turn("多少钱", "ask_price", "action_quote_price")

    events, dispatcher = offer(before, rating_pending=True)

    assert dispatcher.messages == []
    assert events == []


def test_not_offered_after_the_ticket_rating_question(offer):
    before = turn(
        "确认",
        "affirm",
        "action_check_repair_status",
        "action_submit_ticket",
        said=("utter_ticket_created", "utter_ask_rating"),
    )

    events, dispatcher = offer(before)

    assert dispatcher.messages == []
    assert events == []


def test_an_answer_of_an_earlier_session_does_not_count(offer):
    before = [
        *turn("修好了吗", "check_repair_status", "action_check_repair_status"),
        ActionExecuted("action_session_start"),
        SessionStarted(),
    ]

    events, dispatcher = offer(before)

    assert dispatcher.messages == []
    assert events == []


# --------------------------------------------------------------------------- store


def test_score_from_the_button_entity(store):
    events, dispatcher = store(
        '/rate{"rating":"5"}', "rate", entities=[("rating", "5")], rating_context="question"
    )

    assert dispatcher.messages == [msg("utter_rating_thanks")]
    assert events == DONE
    assert ratings() == [("user-7", "socketio", 5, "question", None, None)]


def test_score_from_text_for_a_ticket(store):
    events, dispatcher = store("给4分吧", rating_context="ticket", ticket_no="r20260520-0001")

    assert dispatcher.messages == [msg("utter_rating_thanks")]
    assert events == DONE
    assert ratings() == [("user-7", "socketio", 4, "ticket", "R20260520-0001", None)]


def test_question_rating_does_not_take_the_ticket(store):
    events, dispatcher = store("非常满意", rating_context="question", ticket_no="R20260520-0001")

    assert dispatcher.messages == [msg("utter_rating_thanks")]
    assert events == DONE
    assert ratings() == [("user-7", "socketio", 5, "question", None, None)]


def test_without_context_the_rating_is_about_a_question(store):
    store("3")

    assert ratings() == [("user-7", "socketio", 3, "question", None, None)]


@pytest.mark.parametrize(("text", "score"), [("2分", 2), ("非常不满意", 1)])
def test_low_score_apologises(store, text, score):
    events, dispatcher = store(text, rating_context="ticket", ticket_no="R20260520-0001")

    assert dispatcher.messages == [msg("utter_rating_thanks_low")]
    assert events == DONE
    assert ratings() == [("user-7", "socketio", score, "ticket", "R20260520-0001", None)]
    with session_scope() as session:
        summary = rating_summary(session, context="ticket")
    assert (summary.count, summary.average) == (1, float(score))


@pytest.mark.parametrize("text", ["嗯嗯", "10分", "0"])
def test_not_understood_keeps_the_question_pending(store, text):
    events, dispatcher = store(text, "rate", rating_context="ticket")

    assert dispatcher.messages == [msg("utter_rating_not_understood")]
    assert events == [SlotSet("rating_pending", True)]
    assert ratings() == []


def test_store_down_still_thanks(store, db_down):
    db_down()

    events, dispatcher = store("5")

    assert dispatcher.messages == [msg("utter_rating_thanks")]
    assert events == DONE


def test_something_else_than_a_score_lets_the_rating_go(store):
    events, dispatcher = store("13912345678", "inform", rating_context="ticket")

    assert dispatcher.messages == [msg("utter_anything_else")]
    assert events == [SlotSet("rating_pending", None), SlotSet("rating_context", None)]
    assert ratings() == []
