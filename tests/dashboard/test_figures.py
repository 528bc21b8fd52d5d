"""The dashboard's tables from plain data, and their CSV files."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.console.texts import console_text
from bot.dashboard import figures
from bot.dashboard.csvfile import table_csv
from bot.dashboard.figures import Conversation, HandoffFigure, RatingFigure
from bot.dashboard.labels import dashboard_labels
from bot.dashboard.period import Period

TZ = ZoneInfo("Asia/Shanghai")
PERIOD = Period(dt.date(2026, 12, 1), dt.date(2026, 12, 2), TZ)
LABELS = dashboard_labels(console_text)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A business-local moment of December 2026."""
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=TZ)


def handoff(
    created: dt.datetime, status: str, wait: int | None = None, handling: int | None = None
) -> HandoffFigure:
    claimed = created + dt.timedelta(seconds=wait) if wait is not None else None
    ended = claimed + dt.timedelta(seconds=handling) if claimed and handling is not None else None
    return HandoffFigure("wechat", "fallback", status, created, claimed, ended)


def conversation(sender: str, last: dt.datetime, **counts: int) -> Conversation:
    values = {
        "user_messages": 1,
        "handoffs": 0,
        "intakes_started": 0,
        "intakes_confirmed": 0,
        "intake_tickets": 0,
        "diagnosis_offered": 0,
        "diagnosis_solved": 0,
        "diagnosis_to_ticket": 0,
        **counts,
    }
    return Conversation(sender, "wechat", last, intake_slots={}, **values)


def test_handling_per_local_day_with_abandoned_and_averages() -> None:
    handoffs = [
        handoff(at(1, 0, 30), "closed", wait=60, handling=600),  # 1 Dec local, 30 Nov UTC
        handoff(at(1, 23), "returned", wait=120, handling=300),
        handoff(at(1, 23, 30), "active", wait=30),  # still held: no handling time yet
        handoff(at(2, 9), "abandoned"),
    ]
    rows = figures.handling(handoffs, PERIOD)["rows"]
    assert rows == [
        {
            "day": "2026-12-01",
            "handoffs": 3,
            "answered": 3,
            "abandoned": 0,
            "avg_wait_seconds": 70,
            "avg_handling_seconds": 450,
        },
        {
            "day": "2026-12-02",
            "handoffs": 1,
            "answered": 0,
            "abandoned": 1,
            "avg_wait_seconds": None,
            "avg_handling_seconds": None,
        },
    ]


def test_containment_has_every_day_and_a_rate_only_with_conversations() -> None:
    conversations = [
        conversation("a", at(1, 10)),
        conversation("b", at(1, 11), handoffs=1),
        conversation("c", at(1, 12), user_messages=0),  # the owner never wrote
        conversation("d", at(3, 0, 1)),  # after the period
    ]
    rows = figures.containment(conversations, PERIOD)["rows"]
    assert rows == [
        {"day": "2026-12-01", "channel": "wechat", "conversations": 2, "contained": 1, "rate": 0.5},
        {
            "day": "2026-12-02",
            "channel": "wechat",
            "conversations": 0,
            "contained": 0,
            "rate": None,
        },
    ]


def test_the_funnel_follows_the_form_and_shares_what_started() -> None:
    item = Conversation(
        "a",
        "rest",
        at(2, 8),
        user_messages=5,
        handoffs=0,
        intakes_started=4,
        intake_slots={
            "fault_description": 4,
            "device_model": 3,
            "purchase_date": 2,
            "serial_number": 2,
            "service_type": 2,
            "city": 2,
            "contact_phone": 2,
            "intake_confirmed": 2,
        },
        intakes_confirmed=2,
        intake_tickets=1,
        diagnosis_offered=2,
        diagnosis_solved=1,
        diagnosis_to_ticket=1,
    )
    rows = figures.funnel([item], PERIOD, LABELS)["rows"]
    assert [row["stage"] for row in rows] == [
        "started",
        "fault_description",
        "device_model",
        "purchase_date",
        "serial_number",
        "service_type",
        "city",
        "contact_phone",
        "confirmed",
        "ticket",
    ]
    assert [(row["intakes"], row["share"]) for row in rows][:3] == [(4, 1.0), (4, 1.0), (3, 0.75)]
    assert [(row["intakes"], row["share"]) for row in rows][-4:] == [
        (2, 0.5),
        (2, 0.5),
        (2, 0.5),
        (1, 0.25),
    ]
    assert all(row["stage_label"] != row["stage"] for row in rows)  # every stage has a label
    empty = figures.funnel([], PERIOD, LABELS)["rows"]
    assert {row["share"] for row in empty} == {None}
    diagnosis = figures.diagnosis([item], PERIOD)["rows"]
    assert diagnosis[1] == {"day": "2026-12-02", "offered": 2, "solved": 1, "to_ticket": 1}


def test_csat_counts_every_score_of_tickets_and_handoffs() -> None:
    ratings = [
        RatingFigure("rest", "ticket", 5, at(1, 9)),
        RatingFigure("rest", "ticket", 5, at(1, 9)),
        RatingFigure("rest", "handoff", 2, at(1, 9)),
        RatingFigure("rest", "question", 1, at(1, 9)),  # not a ticket or a handoff
    ]
    rows = figures.csat(ratings, LABELS)["rows"]
    counts = {(row["context"], row["score"]): row["count"] for row in rows}
    assert len(rows) == 10 and sum(counts.values()) == 3
    assert (counts[("ticket", 5)], counts[("handoff", 2)]) == (2, 1)


def test_escalations_most_frequent_first_with_their_labels() -> None:
    handoffs = [
        HandoffFigure("rest", reason, "queued", at(1, 9), None, None)
        for reason in ("request_human", "fallback", "request_human", "new_reason")
    ]
    rows = figures.escalations(handoffs, LABELS)["rows"]
    assert [(row["reason"], row["count"]) for row in rows] == [
        ("request_human", 2),
        ("fallback", 1),
        ("new_reason", 1),
    ]
    assert rows[0]["reason_label"] == "用户要求人工"
    assert rows[2]["reason_label"] == "new_reason"  # no label in handoff.yml: the reason


def test_a_table_as_csv_shows_labels_and_escapes_formulas() -> None:
    table = {
        "columns": [
            {"key": "context", "label_key": "x.context"},
            {"key": "count", "label_key": "x.count"},
        ],
        "rows": [
            {"context": "ticket", "context_label": "=工单", "count": 2},
            {"context": "handoff", "count": None},
        ],
    }
    text = table_csv(table, lambda key: {"x.context": "评价对象", "x.count": "+次数"}[key])
    assert text.decode("utf-8") == "\ufeff评价对象,'+次数\r\n'=工单,2\r\nhandoff,\r\n"
