"""Grouping messages into the inbox's rows."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.trainer.inbox.build import build_inbox
from bot.trainer.inbox.events import Message, Reason
from bot.trainer.inbox.masking import group_key

UTC = dt.timezone.utc
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def message(text: str, day: int, intent: str = "inform", confidence: float = 0.3, *reasons):
    when = dt.datetime(2026, 3, day, 20, tzinfo=UTC)  # 04:00 the next day in Shanghai
    return Message(text, intent, confidence, frozenset(reasons or {Reason.FALLBACK}), when)


def test_grouping_counts_masked_texts_and_leaves_out_known_ones() -> None:
    messages = [
        message("我电话13912345678", 1, "inform", 0.4, Reason.LOW_CONFIDENCE),
        message("我电话 15088436721！", 3, "inform", 0.2, Reason.HANDOFF),
        message("我电话18600001111", 2, "request_human", 0.3),
        message("屏幕碎了", 5),
        message("手机烫手", 4),
        message("手机烫手", 4),
    ]
    rows = build_inbox(messages, known={group_key("屏幕碎了")}, tz=SHANGHAI)
    assert [(r.text, r.count) for r in rows] == [("我电话[手机号]", 3), ("手机烫手", 2)]
    first = rows[0]
    assert first.intent == "inform"
    assert first.confidence == pytest.approx(0.3)
    assert first.reasons == (Reason.FALLBACK, Reason.LOW_CONFIDENCE, Reason.HANDOFF)
    assert first.last_seen == dt.date(2026, 3, 4)
    assert "13912345678" not in repr(rows)


def test_rows_of_equal_count_put_the_latest_first() -> None:
    rows = build_inbox([message("早的", 1), message("晚的", 9)], known=set(), tz=UTC)
    assert [r.text for r in rows] == ["晚的", "早的"]
