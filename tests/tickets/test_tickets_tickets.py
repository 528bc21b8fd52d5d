"""Ticket creation, numbering and lookups (bot.tickets.tickets), on SQLite and PostgreSQL.

Each test runs in a rolled-back transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import bot.tickets.tickets as store
from bot.tickets import (
    TicketRecord,
    find_open_tickets_by_serial,
    find_tickets_by_phone,
    find_tickets_by_sender,
    get_ticket,
    set_status,
)
from bot.tickets.models import OPEN_STATUSES, Ticket, TicketStatusHistory
from tests.tickets.helpers import new_ticket

UTC = dt.timezone.utc
MakeTicket = Callable[..., TicketRecord]
Fields = Callable[..., dict[str, Any]]


def _count(session: Session, model: object) -> int:
    return int(session.execute(select(func.count()).select_from(model)).scalar_one())


# --------------------------------------------------------------------------- numbering


def test_ticket_number_format_and_fields(session: Session, ticket_fields: Fields) -> None:
    now = dt.datetime(2026, 11, 22, 3, 4, 5, tzinfo=UTC)
    ticket, created = new_ticket(session, **ticket_fields(intake_id="i-1", now=now))
    assert created is True
    assert re.fullmatch(r"R\d{8}-\d{4}", ticket.ticket_no)
    assert ticket.ticket_no == "R20261122-0001"
    assert ticket.status == "submitted"
    assert ticket.intake_id == "i-1"
    assert ticket.serial_number == "861234567890123"
    assert ticket.purchase_date == dt.date(2026, 3, 1)
    assert ticket.city == "深圳"
    assert ticket.fault_description == "屏幕碎了"
    assert ticket.created_at == now
    assert ticket.updated_at == now
    assert ticket.created_at.tzinfo is not None
    assert ticket.is_open
    assert get_ticket(session, ticket_no=ticket.ticket_no) == ticket


def test_daily_sequence_and_restart_next_day(session: Session, ticket_fields: Fields) -> None:
    day1 = dt.datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
    first, _ = new_ticket(session, **ticket_fields(now=day1))
    second, _ = new_ticket(session, **ticket_fields(now=day1 + dt.timedelta(hours=1)))
    next_day, _ = new_ticket(session, **ticket_fields(now=day1 + dt.timedelta(days=1)))
    assert (first.ticket_no, second.ticket_no) == ("R20261122-0001", "R20261122-0002")
    assert next_day.ticket_no == "R20261123-0001"


def test_ticket_date_is_business_local(session: Session, ticket_fields: Fields) -> None:
    # 16:30 UTC on 21 November is 00:30 on 22 November in Asia/Shanghai.
    late_utc = dt.datetime(2026, 11, 21, 16, 30, tzinfo=UTC)
    ticket, _ = new_ticket(session, **ticket_fields(now=late_utc))
    assert ticket.ticket_no == "R20261122-0001"
    before_midnight = dt.datetime(2026, 11, 21, 15, 59, tzinfo=UTC)
    other, _ = new_ticket(session, **ticket_fields(now=before_midnight))
    assert other.ticket_no == "R20261121-0001"


def test_sequence_past_9999_keeps_counting(session: Session, ticket_fields: Fields) -> None:
    now = dt.datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
    new_ticket(session, **ticket_fields(now=now))
    session.execute(
        Ticket.__table__.update()
        .where(Ticket.ticket_no == "R20261122-0001")
        .values(ticket_no="R20261122-9999")
    )
    ticket, _ = new_ticket(session, **ticket_fields(now=now))
    assert ticket.ticket_no == "R20261122-10000"
    again, _ = new_ticket(session, **ticket_fields(now=now))
    assert again.ticket_no == "R20261122-10001"


def test_retries_when_ticket_number_is_taken(
    session: Session, ticket_fields: Fields, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = dt.datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
    first, _ = new_ticket(session, **ticket_fields(now=now))
    real_next = store._next_ticket_no
    calls: list[str] = []

    def stale_then_real(sess: Session, day: dt.date) -> str:
        # The first attempt sees a stale maximum, as a racing creator would.
        number = first.ticket_no if not calls else real_next(sess, day)
        calls.append(number)
        return number

    monkeypatch.setattr(store, "_next_ticket_no", stale_then_real)
    ticket, created = new_ticket(session, **ticket_fields(now=now))
    assert created
    assert calls == [first.ticket_no, "R20261122-0002"]
    assert ticket.ticket_no == "R20261122-0002"
    # The outer transaction survived the failed SAVEPOINT: both tickets are there.
    assert _count(session, Ticket.__table__) == 2
    assert _count(session, TicketStatusHistory.__table__) == 2


def test_gives_up_after_max_attempts(
    session: Session, ticket_fields: Fields, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = dt.datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
    first, _ = new_ticket(session, **ticket_fields(now=now))
    monkeypatch.setattr(store, "_next_ticket_no", lambda sess, day: first.ticket_no)
    monkeypatch.setattr(store, "MAX_CREATE_ATTEMPTS", 3)
    with pytest.raises(store.TicketNumberExhausted):
        new_ticket(session, **ticket_fields(now=now))
    assert _count(session, Ticket.__table__) == 1


# --------------------------------------------------------------------------- idempotency


def test_same_intake_returns_existing_ticket(session: Session, ticket_fields: Fields) -> None:
    fields = ticket_fields(intake_id="intake-same")
    first, created_first = new_ticket(session, **fields)
    later = fields | {"now": fields["now"] + dt.timedelta(days=1), "fault_category": "battery"}
    second, created_second = new_ticket(session, **later)
    assert (created_first, created_second) == (True, False)
    assert second == first
    assert _count(session, Ticket.__table__) == 1
    assert _count(session, TicketStatusHistory.__table__) == 1


def test_intake_race_resolved_by_reread(
    session: Session, ticket_fields: Fields, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A creator that missed the other's ticket at first gets it after the unique violation."""
    fields = ticket_fields(intake_id="intake-race")
    first, _ = new_ticket(session, **fields)
    real_lookup = store._ticket_by_intake
    lookups: list[str] = []

    def blind_first(sess: Session, intake_id: str) -> object:
        lookups.append(intake_id)
        return None if len(lookups) == 1 else real_lookup(sess, intake_id)

    monkeypatch.setattr(store, "_ticket_by_intake", blind_first)
    second, created = new_ticket(session, **fields)
    assert created is False
    assert second.ticket_no == first.ticket_no
    assert len(lookups) == 2
    assert _count(session, Ticket.__table__) == 1


# --------------------------------------------------------------------------- lookups


def test_open_tickets_by_serial_exclude_closed(session: Session, make_ticket: MakeTicket) -> None:
    serial = "35-1234567890123"
    base = dt.datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
    tickets = {
        status: make_ticket(serial_number=serial, now=base + dt.timedelta(hours=i))
        for i, status in enumerate(["submitted", "repairing", "completed", "cancelled"])
    }
    for status, ticket in tickets.items():
        if status != "submitted":
            set_status(session, ticket_no=ticket.ticket_no, status=status, changed_by="t")
    make_ticket(serial_number="OTHER-SERIAL")

    found = find_open_tickets_by_serial(session, serial_number=serial.lower() + " ")
    assert [t.ticket_no for t in found] == [
        tickets["repairing"].ticket_no,
        tickets["submitted"].ticket_no,
    ]
    assert all(t.status in OPEN_STATUSES for t in found)
    assert find_open_tickets_by_serial(session, serial_number="UNKNOWN") == []
    assert find_open_tickets_by_serial(session, serial_number="  ") == []


def test_find_by_phone_and_sender(session: Session, make_ticket: MakeTicket) -> None:
    base = dt.datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
    a = make_ticket(sender_id="alice", contact_phone="13900000001", now=base)
    b = make_ticket(sender_id="alice", contact_phone="13900000002", now=base + dt.timedelta(1))
    c = make_ticket(sender_id="bob", contact_phone="13900000001", now=base + dt.timedelta(2))
    assert [t.ticket_no for t in find_tickets_by_sender(session, sender_id="alice")] == [
        b.ticket_no,
        a.ticket_no,
    ]
    assert [t.ticket_no for t in find_tickets_by_phone(session, phone=" 13900000001 ")] == [
        c.ticket_no,
        a.ticket_no,
    ]
    assert find_tickets_by_phone(session, phone="10000000000") == []
    assert find_tickets_by_sender(session, sender_id="carol") == []


def test_get_ticket_unknown_and_normalised(session: Session, make_ticket: MakeTicket) -> None:
    ticket = make_ticket()
    assert get_ticket(session, ticket_no="R19990101-0001") is None
    assert get_ticket(session, ticket_no=ticket.ticket_no.lower()) == ticket


def test_records_are_frozen_plain_dataclasses(session: Session, make_ticket: MakeTicket) -> None:
    ticket = make_ticket()
    assert dataclasses.is_dataclass(ticket)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ticket.status = "completed"  # type: ignore[misc]
    session.close()
    # Still usable after the session is gone.
    assert ticket.ticket_no.startswith("R")


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"service_type": "pigeon"}, "service_type"),
        ({"warranty_status": "forever"}, "warranty_status"),
        ({"intake_id": ""}, "intake_id"),
        ({"contact_phone": "  "}, "contact_phone"),
        ({"fault_description": ""}, "fault_description"),
        ({"now": dt.datetime(2026, 11, 22, 10, 0)}, "timezone-aware"),
    ],
)
def test_create_rejects_invalid_values(
    session: Session, ticket_fields: Fields, override: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        new_ticket(session, **ticket_fields(**override))
    assert _count(session, Ticket.__table__) == 0


def test_database_checks_reject_bad_status(session: Session, make_ticket: MakeTicket) -> None:
    ticket = make_ticket()
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(
            Ticket.__table__.update()
            .where(Ticket.ticket_no == ticket.ticket_no)
            .values(status="teleported")
        )


def test_history_requires_existing_ticket(session: Session) -> None:
    now = dt.datetime(2026, 11, 22, tzinfo=UTC)
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(
            TicketStatusHistory(
                ticket_id=987654, status="submitted", changed_by="x", changed_at=now
            )
        )
        session.flush()


def test_optional_fields_may_be_empty(session: Session, ticket_fields: Fields) -> None:
    ticket, _ = new_ticket(
        session, **ticket_fields(serial_number="  ", purchase_date=None, city="")
    )
    assert (ticket.serial_number, ticket.purchase_date, ticket.city) == (None, None, None)


# --------------------------------------------------------------------------- fixture isolation


@pytest.mark.parametrize("attempt", [1, 2])
def test_commits_inside_tests_are_rolled_back(
    session: Session, ticket_fields: Fields, attempt: int
) -> None:
    assert _count(session, Ticket.__table__) == 0
    new_ticket(session, **ticket_fields(intake_id="intake-isolation"))
    session.commit()
    assert _count(session, Ticket.__table__) == 1
