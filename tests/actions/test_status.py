"""ActionCheckRepairStatus: tickets of this conversation only."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.actions.status import ActionCheckRepairStatus
from bot.tickets import session_scope, set_status
from tests.actions.helpers import msg

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOON = dt.datetime(2026, 5, 20, 12, 0, tzinfo=SHANGHAI)


@pytest.fixture
def status(run, make_tracker):
    def _status(ticket_no: str | None = None, sender_id: str = "test-user"):
        entities = [("ticket_no", ticket_no)] if ticket_no else []
        text = f"查一下{ticket_no}" if ticket_no else "我的手机修好了吗"
        tracker = make_tracker(
            {},
            text,
            "check_repair_status",
            entities=entities,
            sender_id=sender_id,
            active_loop=None,
        )
        return run(ActionCheckRepairStatus(), tracker)

    return _status


def test_own_ticket_is_shown_with_the_status_name(status, ticket_factory):
    ticket = ticket_factory(sender_id="test-user", now=NOON)
    assert ticket.ticket_no == "R20260520-0001"

    events, dispatcher = status("r20260520-0001")

    assert dispatcher.messages == [
        msg(
            "utter_status_line",
            ticket_no="R20260520-0001",
            device_name="一加 12",
            fault_name="屏幕问题",
            status_name="已提交",
            updated="2026年5月20日",
        )
    ]
    assert events == []


def test_every_own_ticket_newest_first(status, ticket_factory):
    ticket_factory(sender_id="test-user", now=NOON)
    ticket_factory(
        sender_id="test-user",
        intake_id="second",
        device_model_id="oneplus-ace-3",
        fault_category="battery",
        now=NOON + dt.timedelta(days=1),
    )
    ticket_factory(sender_id="someone-else", intake_id="third", now=NOON)
    with session_scope() as session:
        set_status(
            session,
            ticket_no="R20260520-0001",
            status="repairing",
            changed_by="engineer",
            now=NOON + dt.timedelta(days=2),
        )

    events, dispatcher = status()

    assert dispatcher.messages == [
        msg(
            "utter_status_line",
            ticket_no="R20260521-0001",
            device_name="一加 Ace 3",
            fault_name="电池问题",
            status_name="已提交",
            updated="2026年5月21日",
        ),
        msg(
            "utter_status_line",
            ticket_no="R20260520-0001",
            device_name="一加 12",
            fault_name="屏幕问题",
            status_name="维修中",
            updated="2026年5月22日",
        ),
    ]
    assert events == []


def test_ticket_of_another_conversation_is_private(status, ticket_factory):
    ticket_factory(sender_id="someone-else", now=NOON)

    events, dispatcher = status("R20260520-0001")

    assert dispatcher.messages == [msg("utter_status_private", ticket_no="R20260520-0001")]
    assert events == []


def test_unknown_ticket_is_not_found(status, ticket_factory):
    ticket_factory(sender_id="test-user", now=NOON)

    events, dispatcher = status("R20991231-0001")

    assert dispatcher.messages == [msg("utter_status_not_found", ticket_no="R20991231-0001")]
    assert events == []


def test_no_ticket_in_this_conversation(status, ticket_factory):
    ticket_factory(sender_id="someone-else", now=NOON)

    events, dispatcher = status()

    assert dispatcher.messages == [msg("utter_status_no_ticket")]
    assert events == []


def test_store_down(status, db_down):
    db_down()

    events, dispatcher = status()

    assert dispatcher.messages == [msg("utter_store_unavailable")]
    assert events == []


def test_update_date_is_in_the_business_time_zone(status, ticket_factory):
    early = dt.datetime(2026, 5, 20, 1, 0, tzinfo=SHANGHAI)
    ticket_factory(sender_id="test-user", now=early)

    _events, dispatcher = status("R20260520-0001")

    assert dispatcher.messages[0]["updated"] == "2026年5月20日"
