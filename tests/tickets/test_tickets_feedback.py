"""Complaints and satisfaction ratings, on both backends in rolled-back transactions."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.tickets import (
    list_complaints,
    rating_summary,
    record_complaint,
    record_rating,
)
from bot.tickets.models import RATING_CONTEXTS, Complaint, SatisfactionRating

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


def _count(session: Session, model: object) -> int:
    return int(session.execute(select(func.count()).select_from(model)).scalar_one())


# --------------------------------------------------------------------------- complaints


def test_complaint_recorded_in_full_and_listed_newest_first(session: Session) -> None:
    long_text = "  等了两周还没修好，客服也不回复。\n" + "非常失望！" * 2000 + "  "
    first = record_complaint(
        session,
        sender_id="alice",
        channel="rest",
        text=long_text,
        ticket_no=" r20261122-0001 ",
        now=T0,
    )
    assert first.text == long_text.strip()
    assert len(first.text) > 10_000  # never truncated
    assert (first.sender_id, first.channel, first.ticket_no, first.created_at) == (
        "alice",
        "rest",
        "R20261122-0001",
        T0,
    )
    second = record_complaint(
        session, sender_id="bob", channel="wechat", text="态度差", now=T0 + dt.timedelta(hours=2)
    )
    third = record_complaint(
        session, sender_id="carol", channel="rest", text="太慢", now=T0 + dt.timedelta(hours=1)
    )
    assert second.ticket_no is None

    listed = list_complaints(session)
    assert [c.id for c in listed] == [second.id, third.id, first.id]
    assert listed[-1] == first
    assert [c.id for c in list_complaints(session, limit=2)] == [second.id, third.id]
    since = list_complaints(session, since=T0 + dt.timedelta(hours=1))
    assert [c.id for c in since] == [second.id, third.id]
    assert list_complaints(session, since=T0 + dt.timedelta(days=1)) == []


def test_complaint_same_time_ordered_by_id(session: Session) -> None:
    a = record_complaint(session, sender_id="s", channel="rest", text="一", now=T0)
    b = record_complaint(session, sender_id="s", channel="rest", text="二", now=T0)
    assert [c.id for c in list_complaints(session)] == [b.id, a.id]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"text": ""}, "text"),
        ({"text": " \n\t "}, "text"),
        ({"sender_id": ""}, "sender_id"),
        ({"channel": " "}, "channel"),
        ({"now": dt.datetime(2026, 11, 22, 10, 0)}, "timezone-aware"),
    ],
)
def test_complaint_validation(session: Session, override: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {"sender_id": "alice", "channel": "rest", "text": "太慢了"}
    fields.update(override)
    with pytest.raises(ValueError, match=message):
        record_complaint(session, **fields)  # type: ignore[arg-type]
    assert _count(session, Complaint.__table__) == 0


def test_implausible_ticket_reference_is_dropped_not_refused(session: Session) -> None:
    """Whatever the conversation took for a ticket number never costs the complaint or rating."""
    junk = "R" + "9" * 40
    complaint = record_complaint(
        session, sender_id="s", channel="rest", text="太慢", ticket_no=junk
    )
    rating = record_rating(
        session, sender_id="s", channel="rest", score=2, context="ticket", ticket_no=junk
    )
    assert (complaint.ticket_no, complaint.text, rating.ticket_no, rating.score) == (
        None,
        "太慢",
        None,
        2,
    )
    blank = record_complaint(session, sender_id="s", channel="rest", text="x", ticket_no="  ")
    assert blank.ticket_no is None


def test_list_complaints_validation(session: Session) -> None:
    with pytest.raises(ValueError, match="limit"):
        list_complaints(session, limit=0)
    with pytest.raises(ValueError, match="timezone-aware"):
        list_complaints(session, since=dt.datetime(2026, 11, 22))


def test_complaint_record_is_frozen(session: Session) -> None:
    record = record_complaint(session, sender_id="s", channel="rest", text="x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.text = "y"  # type: ignore[misc]


# --------------------------------------------------------------------------- ratings


def test_rating_recorded(session: Session) -> None:
    rating = record_rating(
        session,
        sender_id="alice",
        channel="rest",
        score=4,
        context="ticket",
        ticket_no="r20261122-0001",
        comment="  挺快的 ",
        now=T0,
    )
    assert (rating.score, rating.context, rating.ticket_no, rating.comment, rating.created_at) == (
        4,
        "ticket",
        "R20261122-0001",
        "挺快的",
        T0,
    )
    blank = record_rating(
        session, sender_id="bob", channel="wechat", score=5, context="question", comment="  "
    )
    assert (blank.comment, blank.ticket_no) == (None, None)


@pytest.mark.parametrize("score", [0, 6, -1, 100])
def test_rating_score_out_of_range_refused_by_repository(session: Session, score: int) -> None:
    with pytest.raises(ValueError, match="score must be a whole number from 1 to 5"):
        record_rating(session, sender_id="s", channel="rest", score=score, context="ticket")
    assert _count(session, SatisfactionRating.__table__) == 0


@pytest.mark.parametrize("score", [True, 4.5, "5"])
def test_rating_score_must_be_an_integer(session: Session, score: object) -> None:
    with pytest.raises(ValueError, match="score"):
        record_rating(
            session,
            sender_id="s",
            channel="rest",
            score=score,  # type: ignore[arg-type]
            context="ticket",
        )


def test_rating_unknown_context_refused(session: Session) -> None:
    with pytest.raises(ValueError, match="invalid context 'weather'"):
        record_rating(session, sender_id="s", channel="rest", score=3, context="weather")
    assert RATING_CONTEXTS == ("ticket", "question", "handoff")


def _raw_rating(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "sender_id": "s",
        "channel": "rest",
        "score": 3,
        "context": "ticket",
        "created_at": T0,
    }
    values.update(overrides)
    return values


@pytest.mark.parametrize("score", [0, 6])
def test_database_check_refuses_score_out_of_range(session: Session, score: int) -> None:
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(SatisfactionRating.__table__.insert().values(**_raw_rating(score=score)))
    assert _count(session, SatisfactionRating.__table__) == 0


def test_database_check_refuses_unknown_context(session: Session) -> None:
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(
            SatisfactionRating.__table__.insert().values(**_raw_rating(context="weather"))
        )
    # The same insert with valid values passes the checks.
    for score in (1, 5):
        session.execute(SatisfactionRating.__table__.insert().values(**_raw_rating(score=score)))
    assert _count(session, SatisfactionRating.__table__) == 2


def test_rating_summary(session: Session) -> None:
    empty = rating_summary(session)
    assert (empty.count, empty.average, empty.counts) == (0, None, {1: 0, 2: 0, 3: 0, 4: 0, 5: 0})

    ratings = [(5, "ticket", 0), (5, "ticket", 1), (4, "question", 2), (1, "handoff", 3)]
    for score, context, day in ratings:
        record_rating(
            session,
            sender_id=f"user-{day}",
            channel="rest",
            score=score,
            context=context,
            now=T0 + dt.timedelta(days=day),
        )
    summary = rating_summary(session)
    assert summary.count == 4
    assert summary.average == pytest.approx(3.75)
    assert summary.counts == {1: 1, 2: 0, 3: 0, 4: 1, 5: 2}

    recent = rating_summary(session, since=T0 + dt.timedelta(days=1))
    assert (recent.count, recent.counts) == (3, {1: 1, 2: 0, 3: 0, 4: 1, 5: 1})
    assert recent.average == pytest.approx(10 / 3)

    tickets = rating_summary(session, context="ticket")
    assert (tickets.count, tickets.average, tickets.counts[5]) == (2, 5.0, 2)
    with pytest.raises(ValueError, match="invalid context"):
        rating_summary(session, context="weather")
    with pytest.raises(ValueError, match="timezone-aware"):
        rating_summary(session, since=dt.datetime(2026, 11, 22))
