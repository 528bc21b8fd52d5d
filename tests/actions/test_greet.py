"""ActionGreet: a returning user with an open ticket hears its status first."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.actions.greet import ActionGreet
from tests.actions.helpers import NOON, change_status, msg


@pytest.fixture
def greet(run, make_tracker):
    def _greet():
        tracker = make_tracker({}, "你好", "greet", active_loop=None)
        return run(ActionGreet(), tracker)

    return _greet


def test_without_ticket_plain_greeting(greet, ticket_factory):
    ticket_factory(sender_id="someone-else", now=NOON)

    events, dispatcher = greet()

    assert dispatcher.messages == [msg("utter_greet")]
    assert events == []


def test_open_ticket_is_mentioned_with_its_status(greet, ticket_factory):
    ticket_factory(sender_id="test-user", now=NOON)
    change_status("R20260520-0001", "repairing", 2)

    events, dispatcher = greet()

    assert dispatcher.messages == [
        msg("utter_greet_returning", ticket_no="R20260520-0001", status_name="维修中")
    ]
    assert events == []


def test_the_open_ticket_changed_last_is_mentioned(greet, ticket_factory):
    ticket_factory(sender_id="test-user", now=NOON)
    ticket_factory(sender_id="test-user", intake_id="second", now=NOON + dt.timedelta(days=1))
    ticket_factory(sender_id="test-user", intake_id="third", now=NOON + dt.timedelta(days=2))
    change_status("R20260520-0001", "ready", 3)
    change_status("R20260522-0001", "cancelled", 4)

    events, dispatcher = greet()

    assert dispatcher.messages == [
        msg("utter_greet_returning", ticket_no="R20260520-0001", status_name="已修好待取")
    ]
    assert events == []


def test_only_closed_tickets_plain_greeting(greet, ticket_factory):
    ticket_factory(sender_id="test-user", now=NOON)
    ticket_factory(sender_id="test-user", intake_id="second", now=NOON)
    change_status("R20260520-0001", "completed", 1)
    change_status("R20260520-0002", "cancelled", 1)

    events, dispatcher = greet()

    assert dispatcher.messages == [msg("utter_greet")]
    assert events == []


def test_store_down_plain_greeting(greet, db_down):
    db_down()

    events, dispatcher = greet()

    assert dispatcher.messages == [msg("utter_greet")]
    assert events == []
