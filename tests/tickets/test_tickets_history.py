"""Status history (bot.tickets.history): status changes, courier tracking, cancellation by
the user, and the latest open ticket, on both backends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.tickets import (
    TicketNotCancellable,
    TicketNotFound,
    TicketRecord,
    cancel_ticket_by_user,
    get_ticket,
    latest_open_ticket_for_sender,
    set_status,
    status_history,
)
from bot.tickets.history import USER_CANCEL_NOTE
from bot.tickets.models import Ticket

UTC = dt.timezone.utc
MakeTicket = Callable[..., TicketRecord]
T0 = dt.datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
#: After the creation time of every ticket made here (history is ordered by time).
LATER = T0 + dt.timedelta(days=10)


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


# --------------------------------------------------------------------------- tracking


def test_mail_in_shipped_back_requires_tracking_number(
    session: Session, make_ticket: MakeTicket
) -> None:
    ticket = make_ticket(service_type="mail_in", now=T0)
    set_status(session, ticket_no=ticket.ticket_no, status="ready", changed_by="s", now=T0)
    for missing in (None, "", "   "):
        with pytest.raises(ValueError, match="mail-in repair: a tracking number is required"):
            set_status(
                session,
                ticket_no=ticket.ticket_no,
                status="shipped_back",
                changed_by="staff-1",
                tracking_no=missing,
                courier="SF",
            )
    stored = get_ticket(session, ticket_no=ticket.ticket_no)
    assert stored is not None
    assert stored.status == "ready"
    assert [h.status for h in status_history(session, ticket_no=ticket.ticket_no)] == [
        "submitted",
        "ready",
    ]


def test_mail_in_shipped_back_stores_tracking(session: Session, make_ticket: MakeTicket) -> None:
    ticket = make_ticket(service_type="mail_in", now=T0)
    shipped_at = T0 + dt.timedelta(days=3)
    shipped = set_status(
        session,
        ticket_no=ticket.ticket_no,
        status="shipped_back",
        note="已寄出",
        changed_by="staff-1",
        now=shipped_at,
        tracking_no=" sf 1234 5678 9012 ",
        courier=" 顺丰 ",
    )
    assert shipped.status == "shipped_back"
    assert shipped.updated_at == shipped_at
    history = status_history(session, ticket_no=ticket.ticket_no)
    assert [(h.status, h.tracking_no, h.courier, h.note) for h in history] == [
        ("submitted", None, None, None),
        ("shipped_back", "SF123456789012", "顺丰", "已寄出"),
    ]
    # A later status (completed) carries no tracking: it stays on the shipped_back row.
    set_status(session, ticket_no=ticket.ticket_no, status="completed", changed_by="s", now=LATER)
    last = status_history(session, ticket_no=ticket.ticket_no)[-1]
    assert (last.status, last.tracking_no, last.courier) == ("completed", None, None)


def test_tracking_without_courier_is_allowed(session: Session, make_ticket: MakeTicket) -> None:
    ticket = make_ticket(service_type="mail_in")
    set_status(
        session,
        ticket_no=ticket.ticket_no,
        status="shipped_back",
        changed_by="s",
        now=LATER,
        tracking_no="YT0001",
    )
    last = status_history(session, ticket_no=ticket.ticket_no)[-1]
    assert (last.tracking_no, last.courier) == ("YT0001", None)


@pytest.mark.parametrize("status", ["received", "ready", "completed", "cancelled"])
@pytest.mark.parametrize(
    "tracking", [{"tracking_no": "SF1"}, {"courier": "SF"}, {"tracking_no": "SF1", "courier": "SF"}]
)
def test_tracking_refused_for_other_statuses(
    session: Session, make_ticket: MakeTicket, status: str, tracking: dict[str, str]
) -> None:
    ticket = make_ticket(service_type="mail_in")
    with pytest.raises(
        ValueError, match=f"only be recorded with status shipped_back, not {status}"
    ):
        set_status(
            session,
            ticket_no=ticket.ticket_no,
            status=status,
            changed_by="s",
            tracking_no=tracking.get("tracking_no"),
            courier=tracking.get("courier"),
        )
    assert len(status_history(session, ticket_no=ticket.ticket_no)) == 1
    stored = get_ticket(session, ticket_no=ticket.ticket_no)
    assert stored is not None
    assert stored.status == "submitted"


@pytest.mark.parametrize("service_type", ["store", "home"])
def test_non_mail_in_shipped_back_needs_no_tracking(
    session: Session, make_ticket: MakeTicket, service_type: str
) -> None:
    """Decision: store and home tickets may be marked shipped_back without a tracking number
    (e.g. handed over in person), and may carry one when the device was couriered after all."""
    plain = make_ticket(service_type=service_type)
    done = set_status(
        session, ticket_no=plain.ticket_no, status="shipped_back", changed_by="s", now=LATER
    )
    assert done.status == "shipped_back"
    last = status_history(session, ticket_no=plain.ticket_no)[-1]
    assert (last.status, last.tracking_no, last.courier) == ("shipped_back", None, None)

    couriered = make_ticket(service_type=service_type)
    set_status(
        session,
        ticket_no=couriered.ticket_no,
        status="shipped_back",
        changed_by="s",
        now=LATER,
        tracking_no="JD0099",
        courier="京东",
    )
    last = status_history(session, ticket_no=couriered.ticket_no)[-1]
    assert (last.tracking_no, last.courier) == ("JD0099", "京东")


def test_courier_without_tracking_number_is_refused(
    session: Session, make_ticket: MakeTicket
) -> None:
    ticket = make_ticket(service_type="store")
    with pytest.raises(ValueError, match="courier needs a tracking number"):
        set_status(
            session, ticket_no=ticket.ticket_no, status="shipped_back", changed_by="s", courier="SF"
        )


def test_tracking_fields_longer_than_columns_are_refused(
    session: Session, make_ticket: MakeTicket
) -> None:
    ticket = make_ticket(service_type="mail_in")
    with pytest.raises(ValueError, match="tracking_no is longer than 64"):
        set_status(
            session,
            ticket_no=ticket.ticket_no,
            status="shipped_back",
            changed_by="s",
            tracking_no="9" * 65,
        )
    with pytest.raises(ValueError, match="courier is longer than 32"):
        set_status(
            session,
            ticket_no=ticket.ticket_no,
            status="shipped_back",
            changed_by="s",
            tracking_no="SF1",
            courier="x" * 33,
        )
    assert len(status_history(session, ticket_no=ticket.ticket_no)) == 1


# --------------------------------------------------------------------------- user cancellation


def test_user_cancels_submitted_ticket(session: Session, make_ticket: MakeTicket) -> None:
    ticket = make_ticket(now=T0)
    at = T0 + dt.timedelta(hours=1)
    cancelled = cancel_ticket_by_user(
        session, ticket_no=ticket.ticket_no.lower(), changed_by="assistant", now=at
    )
    assert cancelled.status == "cancelled"
    assert not cancelled.is_open
    assert cancelled.updated_at == at
    history = status_history(session, ticket_no=ticket.ticket_no)
    assert [(h.status, h.note, h.changed_by, h.changed_at) for h in history][-1] == (
        "cancelled",
        USER_CANCEL_NOTE,
        "assistant",
        at,
    )
    assert USER_CANCEL_NOTE == "cancelled by the user"
    assert get_ticket(session, ticket_no=ticket.ticket_no) == cancelled


@pytest.mark.parametrize("status", ["received", "repairing", "shipped_back", "cancelled"])
def test_user_cannot_cancel_after_submitted(
    session: Session, make_ticket: MakeTicket, status: str
) -> None:
    ticket = make_ticket(service_type="store", now=T0)
    set_status(session, ticket_no=ticket.ticket_no, status=status, changed_by="staff", now=T0)
    before = get_ticket(session, ticket_no=ticket.ticket_no)
    with pytest.raises(TicketNotCancellable) as caught:
        cancel_ticket_by_user(session, ticket_no=ticket.ticket_no, changed_by="assistant")
    assert (caught.value.ticket_no, caught.value.status) == (ticket.ticket_no, status)
    assert f"status is {status}" in str(caught.value)
    assert get_ticket(session, ticket_no=ticket.ticket_no) == before
    assert [h.status for h in status_history(session, ticket_no=ticket.ticket_no)] == [
        "submitted",
        status,
    ]


def test_user_cancel_sees_a_change_made_after_the_ticket_was_loaded(
    session: Session, make_ticket: MakeTicket
) -> None:
    """The caller loads the ticket (ownership check), then staff mark it received in
    between: the cancellation must see the stored status, not the session's copy."""
    ticket = make_ticket(now=T0)
    loaded = session.execute(
        select(Ticket).where(Ticket.ticket_no == ticket.ticket_no)
    ).scalar_one()
    assert loaded.status == "submitted"
    # A write the session's identity map does not see (as another transaction would be).
    session.execute(
        Ticket.__table__.update()
        .where(Ticket.ticket_no == ticket.ticket_no)
        .values(status="received")
    )
    assert loaded.status == "submitted"
    with pytest.raises(TicketNotCancellable) as caught:
        cancel_ticket_by_user(session, ticket_no=ticket.ticket_no, changed_by="assistant")
    assert caught.value.status == "received"
    assert loaded.status == "received"
    assert [h.status for h in status_history(session, ticket_no=ticket.ticket_no)] == ["submitted"]


def test_user_cancel_unknown_ticket_and_bad_author(
    session: Session, make_ticket: MakeTicket
) -> None:
    with pytest.raises(TicketNotFound):
        cancel_ticket_by_user(session, ticket_no="R19990101-0001", changed_by="assistant")
    ticket = make_ticket()
    with pytest.raises(ValueError, match="changed_by"):
        cancel_ticket_by_user(session, ticket_no=ticket.ticket_no, changed_by=" ")
    stored = get_ticket(session, ticket_no=ticket.ticket_no)
    assert stored is not None
    assert stored.status == "submitted"


# --------------------------------------------------------------------------- latest open ticket


def test_latest_open_ticket_is_the_most_recently_updated(
    session: Session, make_ticket: MakeTicket
) -> None:
    assert latest_open_ticket_for_sender(session, sender_id="alice") is None
    older = make_ticket(sender_id="alice", now=T0)
    newer = make_ticket(sender_id="alice", now=T0 + dt.timedelta(days=1))
    make_ticket(sender_id="bob", now=T0 + dt.timedelta(days=5))
    latest = latest_open_ticket_for_sender(session, sender_id="alice")
    assert latest is not None
    assert latest.ticket_no == newer.ticket_no

    # Updating the older ticket makes it the latest, although it was created first.
    set_status(
        session,
        ticket_no=older.ticket_no,
        status="received",
        changed_by="s",
        now=T0 + dt.timedelta(days=2),
    )
    latest = latest_open_ticket_for_sender(session, sender_id="alice")
    assert latest is not None
    assert (latest.ticket_no, latest.status) == (older.ticket_no, "received")

    # Closed tickets never count, however recent.
    set_status(
        session,
        ticket_no=older.ticket_no,
        status="completed",
        changed_by="s",
        now=T0 + dt.timedelta(days=3),
    )
    latest = latest_open_ticket_for_sender(session, sender_id="alice")
    assert latest is not None
    assert latest.ticket_no == newer.ticket_no
    cancel_ticket_by_user(session, ticket_no=newer.ticket_no, changed_by="assistant")
    assert latest_open_ticket_for_sender(session, sender_id="alice") is None
