"""Repository tests, run against SQLite and PostgreSQL in rolled-back transactions."""

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

from bot.tickets import repository
from bot.tickets.models import OPEN_STATUSES, Ticket, TicketStatusHistory
from bot.tickets.repository import (
    TicketNotFound,
    TicketRecord,
    add_extended_warranty,
    create_ticket,
    extended_warranty_until,
    find_open_tickets_by_serial,
    find_tickets_by_phone,
    find_tickets_by_sender,
    get_ticket,
    list_extended_warranties,
    set_status,
    status_history,
)

UTC = dt.timezone.utc
MakeTicket = Callable[..., TicketRecord]
Fields = Callable[..., dict[str, Any]]


def _count(session: Session, model: object) -> int:
    return int(session.execute(select(func.count()).select_from(model)).scalar_one())


# --------------------------------------------------------------------------- numbering


def test_ticket_number_format_and_fields(session: Session, ticket_fields: Fields) -> None:
    now = dt.datetime(2026, 11, 22, 3, 4, 5, tzinfo=UTC)
    ticket, created = create_ticket(session, **ticket_fields(intake_id="i-1", now=now))
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
    first, _ = create_ticket(session, **ticket_fields(now=day1))
    second, _ = create_ticket(session, **ticket_fields(now=day1 + dt.timedelta(hours=1)))
    next_day, _ = create_ticket(session, **ticket_fields(now=day1 + dt.timedelta(days=1)))
    assert (first.ticket_no, second.ticket_no) == ("R20261122-0001", "R20261122-0002")
    assert next_day.ticket_no == "R20261123-0001"


def test_ticket_date_is_business_local(session: Session, ticket_fields: Fields) -> None:
    # 16:30 UTC on 21 November is 00:30 on 22 November in Asia/Shanghai.
    late_utc = dt.datetime(2026, 11, 21, 16, 30, tzinfo=UTC)
    ticket, _ = create_ticket(session, **ticket_fields(now=late_utc))
    assert ticket.ticket_no == "R20261122-0001"
    before_midnight = dt.datetime(2026, 11, 21, 15, 59, tzinfo=UTC)
    other, _ = create_ticket(session, **ticket_fields(now=before_midnight))
    assert other.ticket_no == "R20261121-0001"


def test_sequence_past_9999_keeps_counting(session: Session, ticket_fields: Fields) -> None:
    now = dt.datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
    create_ticket(session, **ticket_fields(now=now))
    session.execute(
        Ticket.__table__.update()
        .where(Ticket.ticket_no == "R20261122-0001")
        .values(ticket_no="R20261122-9999")
    )
    ticket, _ = create_ticket(session, **ticket_fields(now=now))
    assert ticket.ticket_no == "R20261122-10000"
    again, _ = create_ticket(session, **ticket_fields(now=now))
    assert again.ticket_no == "R20261122-10001"


def test_retries_when_ticket_number_is_taken(
    session: Session, ticket_fields: Fields, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = dt.datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
    first, _ = create_ticket(session, **ticket_fields(now=now))
    real_next = repository._next_ticket_no
    calls: list[str] = []

    def stale_then_real(sess: Session, day: dt.date) -> str:
        # The first attempt sees a stale maximum, as a racing creator would.
        number = first.ticket_no if not calls else real_next(sess, day)
        calls.append(number)
        return number

    monkeypatch.setattr(repository, "_next_ticket_no", stale_then_real)
    ticket, created = create_ticket(session, **ticket_fields(now=now))
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
    first, _ = create_ticket(session, **ticket_fields(now=now))
    monkeypatch.setattr(repository, "_next_ticket_no", lambda sess, day: first.ticket_no)
    monkeypatch.setattr(repository, "MAX_CREATE_ATTEMPTS", 3)
    with pytest.raises(repository.TicketNumberExhausted):
        create_ticket(session, **ticket_fields(now=now))
    assert _count(session, Ticket.__table__) == 1


# --------------------------------------------------------------------------- idempotency


def test_same_intake_returns_existing_ticket(session: Session, ticket_fields: Fields) -> None:
    fields = ticket_fields(intake_id="intake-same")
    first, created_first = create_ticket(session, **fields)
    later = fields | {"now": fields["now"] + dt.timedelta(days=1), "fault_category": "battery"}
    second, created_second = create_ticket(session, **later)
    assert (created_first, created_second) == (True, False)
    assert second == first
    assert _count(session, Ticket.__table__) == 1
    assert _count(session, TicketStatusHistory.__table__) == 1


def test_intake_race_resolved_by_reread(
    session: Session, ticket_fields: Fields, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A creator that missed the other's ticket at first gets it after the unique violation."""
    fields = ticket_fields(intake_id="intake-race")
    first, _ = create_ticket(session, **fields)
    real_lookup = repository._ticket_by_intake
    lookups: list[str] = []

    def blind_first(sess: Session, intake_id: str) -> object:
        lookups.append(intake_id)
        return None if len(lookups) == 1 else real_lookup(sess, intake_id)

    monkeypatch.setattr(repository, "_ticket_by_intake", blind_first)
    second, created = create_ticket(session, **fields)
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


# --------------------------------------------------------------------------- status


def test_status_changes_and_history(session: Session, make_ticket: MakeTicket) -> None:
    created_at = dt.datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
    ticket = make_ticket(now=created_at)
    t1 = created_at + dt.timedelta(hours=5)
    t2 = created_at + dt.timedelta(days=2)
    received = set_status(
        session, ticket_no=ticket.ticket_no, status="received", changed_by="staff-7", now=t1
    )
    assert received.status == "received"
    assert received.updated_at == t1
    assert received.created_at == created_at
    done = set_status(
        session,
        ticket_no=ticket.ticket_no,
        status="completed",
        note="换屏完成",
        changed_by="staff-8",
        now=t2,
    )
    assert not done.is_open
    history = status_history(session, ticket_no=ticket.ticket_no)
    assert [(h.status, h.changed_by, h.note, h.changed_at) for h in history] == [
        ("submitted", "assistant", None, created_at),
        ("received", "staff-7", None, t1),
        ("completed", "staff-8", "换屏完成", t2),
    ]
    assert {h.ticket_no for h in history} == {ticket.ticket_no}
    assert get_ticket(session, ticket_no=ticket.ticket_no) == done


def test_set_status_rejects_bad_values(session: Session, make_ticket: MakeTicket) -> None:
    ticket = make_ticket()
    with pytest.raises(ValueError, match="invalid status"):
        set_status(session, ticket_no=ticket.ticket_no, status="lost", changed_by="t")
    with pytest.raises(ValueError, match="changed_by"):
        set_status(session, ticket_no=ticket.ticket_no, status="received", changed_by=" ")
    with pytest.raises(TicketNotFound):
        set_status(session, ticket_no="R19990101-0001", status="received", changed_by="t")
    with pytest.raises(TicketNotFound):
        status_history(session, ticket_no="R19990101-0001")
    assert len(status_history(session, ticket_no=ticket.ticket_no)) == 1


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
        create_ticket(session, **ticket_fields(**override))
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
    ticket, _ = create_ticket(
        session, **ticket_fields(serial_number="  ", purchase_date=None, city="")
    )
    assert (ticket.serial_number, ticket.purchase_date, ticket.city) == (None, None, None)


# --------------------------------------------------------------------------- extended warranty


def test_extended_warranty_boundaries(session: Session) -> None:
    imei = "861234567890123"
    add_extended_warranty(
        session,
        serial_number=imei,
        plan="碎屏险",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31),
        source="crm",
    )
    assert extended_warranty_until(session, serial_number=imei, on=dt.date(2025, 12, 31)) is None
    assert extended_warranty_until(session, serial_number=imei, on=dt.date(2026, 1, 1)) == dt.date(
        2026, 12, 31
    )
    assert extended_warranty_until(
        session, serial_number=imei, on=dt.date(2026, 12, 31)
    ) == dt.date(2026, 12, 31)
    # Expired: the last end date is still reported, the caller compares.
    assert extended_warranty_until(session, serial_number=imei, on=dt.date(2027, 1, 1)) == dt.date(
        2026, 12, 31
    )
    # A renewal starting later only counts from its start date.
    add_extended_warranty(
        session,
        serial_number=imei,
        plan="延保2年",
        starts_on=dt.date(2027, 1, 1),
        ends_on=dt.date(2028, 12, 31),
        source="crm",
    )
    assert extended_warranty_until(
        session, serial_number=imei, on=dt.date(2026, 12, 31)
    ) == dt.date(2026, 12, 31)
    assert extended_warranty_until(session, serial_number=imei, on=dt.date(2027, 1, 1)) == dt.date(
        2028, 12, 31
    )
    assert extended_warranty_until(session, serial_number="999", on=dt.date(2027, 1, 1)) is None
    records = list_extended_warranties(session, serial_number=imei)
    assert [r.plan for r in records] == ["碎屏险", "延保2年"]


def test_extended_warranty_validation(session: Session) -> None:
    with pytest.raises(ValueError, match="before"):
        add_extended_warranty(
            session,
            serial_number="861234567890123",
            plan="p",
            starts_on=dt.date(2026, 2, 1),
            ends_on=dt.date(2026, 1, 31),
            source="cli",
        )
    with pytest.raises(ValueError, match="serial_number"):
        add_extended_warranty(
            session,
            serial_number=" ",
            plan="p",
            starts_on=dt.date(2026, 1, 1),
            ends_on=dt.date(2026, 1, 31),
            source="cli",
        )
    one_day = add_extended_warranty(
        session,
        serial_number="sn 12ab",
        plan="p",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 1, 1),
        source="cli",
    )
    assert one_day.serial_number == "SN12AB"
    assert extended_warranty_until(
        session, serial_number="SN12AB", on=dt.date(2026, 1, 1)
    ) == dt.date(2026, 1, 1)


# --------------------------------------------------------------------------- fixture isolation


@pytest.mark.parametrize("attempt", [1, 2])
def test_commits_inside_tests_are_rolled_back(
    session: Session, ticket_fields: Fields, attempt: int
) -> None:
    assert _count(session, Ticket.__table__) == 0
    create_ticket(session, **ticket_fields(intake_id="intake-isolation"))
    session.commit()
    assert _count(session, Ticket.__table__) == 1
