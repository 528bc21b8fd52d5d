"""Notices written with the change they tell about (``bot.tickets.notices``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.tickets import session_scope
from bot.tickets.checks import ticket_by_no
from bot.tickets.history import cancel_ticket_by_user, set_status
from bot.tickets.models import NoticeOutbox
from bot.tickets.notices import enqueue_notice, list_notices, notice_route
from bot.tickets.optouts import opt_in, opt_out
from tests.conftest import migrated_ticket_store
from tests.notify.conftest import PHONE, T0, make_ticket

LATER = T0 + dt.timedelta(hours=1)


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A migrated SQLite ticket store in Shanghai time; its URL."""
    monkeypatch.setenv("TIMEZONE", "Asia/Shanghai")
    monkeypatch.setenv("TICKET_PREFIX", "R")
    yield from migrated_ticket_store(monkeypatch, tmp_path)


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        ("wechat", ("wechat", "oOpenId")),
        ("socketio", ("web", "oOpenId")),
        ("rest", ("sms", PHONE)),
        ("console", ("sms", PHONE)),
        ("cmdline", ("sms", PHONE)),
    ],
)
def test_a_notice_goes_where_the_owner_talked(channel, expected):
    assert notice_route(channel, "oOpenId", PHONE) == expected


def test_a_new_ticket_has_no_notice_and_a_status_change_has_one(store):
    number = make_ticket(store, channel="wechat", sender_id="oOwner")
    with session_scope(store) as session:
        assert list_notices(session, ticket_no=number) == []
        set_status(session, ticket_no=number, status="received", changed_by="staff", now=LATER)
    with session_scope(store) as session:
        [notice] = list_notices(session, ticket_no=number)
    assert (notice.event, notice.channel, notice.recipient) == (
        "status_changed",
        "wechat",
        "oOwner",
    )
    assert (notice.status, notice.attempts, notice.next_attempt_at) == ("pending", 0, LATER)
    assert notice.params == {
        "status": "received",
        "status_name": "已收到手机",
        "tracking": "",
        "ticket_no": number,
    }


def test_a_shipped_back_notice_carries_the_tracking_number(store):
    number = make_ticket(store)
    with session_scope(store) as session:
        set_status(
            session,
            ticket_no=number,
            status="shipped_back",
            changed_by="staff",
            tracking_no="sf 1234",
            courier="顺丰",
            now=LATER,
        )
        [notice] = list_notices(session, ticket_no=number)
    assert notice.params["tracking"] == "（顺丰运单号 SF1234）"
    assert (notice.channel, notice.recipient) == ("sms", PHONE)


def test_a_user_cancellation_is_a_status_change_too(store):
    number = make_ticket(store)
    with session_scope(store) as session:
        cancel_ticket_by_user(session, ticket_no=number, changed_by="assistant", now=LATER)
        [notice] = list_notices(session, ticket_no=number)
    assert notice.params["status_name"] == "已取消"


def test_the_notice_rolls_back_with_the_change(store):
    number = make_ticket(store)
    with pytest.raises(RuntimeError), session_scope(store) as session:
        set_status(session, ticket_no=number, status="received", changed_by="staff")
        raise RuntimeError("the caller's transaction fails")
    with session_scope(store) as session:
        assert list_notices(session, ticket_no=number) == []


def test_an_owner_who_opted_out_gets_skipped_rows_not_lost_ones(store):
    number = make_ticket(store, channel="socketio", sender_id="s1")
    other = make_ticket(store, channel="socketio", sender_id="s2")
    with session_scope(store) as session:
        set_status(session, ticket_no=number, status="received", changed_by="staff", now=LATER)
        assert opt_out(session, channel="socketio", sender_id="s1", now=LATER) == 1
        assert opt_out(session, channel="socketio", sender_id="s1", now=LATER) == 0  # idempotent
        set_status(session, ticket_no=number, status="diagnosing", changed_by="staff", now=LATER)
        set_status(session, ticket_no=other, status="received", changed_by="staff", now=LATER)
    with session_scope(store) as session:
        mine = list_notices(session, ticket_no=number)
        theirs = list_notices(session, ticket_no=other)
    assert [(n.params["status"], n.status) for n in mine] == [
        ("received", "skipped"),
        ("diagnosing", "skipped"),
    ]
    assert all(n.last_error == "the owner opted out of notices" for n in mine)
    assert [n.status for n in theirs] == ["pending"]
    with session_scope(store) as session:
        assert opt_in(session, channel="socketio", sender_id="s1") is True
        assert opt_in(session, channel="socketio", sender_id="s1") is False
        set_status(session, ticket_no=number, status="repairing", changed_by="staff", now=LATER)
        statuses = [n.status for n in list_notices(session, ticket_no=number)]
    assert statuses == ["skipped", "skipped", "pending"]


def test_an_unknown_event_or_missing_parameter_is_refused(store):
    number = make_ticket(store)
    with session_scope(store) as session:
        ticket = ticket_by_no(session, number)
        with pytest.raises(ValueError, match="no_such_event"):
            enqueue_notice(session, ticket=ticket, event="no_such_event")
        with pytest.raises(ValueError, match="status_name"):
            enqueue_notice(session, ticket=ticket, event="status_changed", params={})
        with pytest.raises(ValueError, match="aware"):
            enqueue_notice(
                session,
                ticket=ticket,
                event="status_changed",
                params={"status": "x", "status_name": "x", "tracking": ""},
                now=dt.datetime(2026, 1, 1),
            )
        assert session.execute(select(NoticeOutbox)).scalars().all() == []
