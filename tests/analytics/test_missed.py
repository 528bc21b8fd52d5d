"""The messages the bot struggled with, written by the fold (``analytics_missed_messages``)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from rasa.shared.core.events import ActionExecuted, SlotSet
from sqlalchemy import select

from bot.analytics.messages import BrokerEvent, decode_message
from bot.analytics.missed import forget_missed, missed_between
from bot.analytics.store import record_events
from bot.tickets.db import session_scope
from bot.tickets.models import AnalyticsMissedMessage, ConversationAnalytics
from bot.trainer.inbox.events import Reason
from tests.analytics import dialogues as d
from tests.analytics.expected import assert_stored_exactly

UTC = dt.timezone.utc
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
FAR = dt.datetime(3000, 1, 1, tzinfo=UTC)


def broker_events(bodies: list[dict[str, Any]]) -> list[BrokerEvent]:
    return [decode_message(json.dumps(body).encode("utf-8")) for body in bodies]


def rows(url: str) -> list[tuple[str, int, str, list[str]]]:
    with session_scope(url, readonly=True) as session:
        return [
            (row.sender_id, row.number, row.text, row.reasons)
            for row in session.scalars(
                select(AnalyticsMissedMessage).order_by(
                    AnalyticsMissedMessage.sender_id, AnalyticsMissedMessage.number
                )
            )
        ]


def unsure_then_handed_over(sender_id: str) -> d.Dialogue:
    """A message with a phone number the bot is unsure of; a handoff comes after it."""
    dialogue = d.Dialogue(sender_id, "wechat").session()
    dialogue.user("我的电话13912345678 帮我看看", "inform")
    dialogue.events[-1].parse_data["intent"]["confidence"] = 0.3
    dialogue.events[-1].parse_data["intent_ranking"][0]["confidence"] = 0.3
    dialogue.act("utter_default").listen()
    dialogue.act("action_handoff", SlotSet("handoff_reason", "request_human"))
    return dialogue.add(ActionExecuted("action_listen"))


def test_the_last_turn_is_written_then_updated_when_it_gets_more_reasons(db_url: str) -> None:
    events = broker_events(unsure_then_handed_over("owner").bodies())
    cut = next(i for i, e in enumerate(events) if e.event.get("name") == "action_handoff")
    with session_scope(db_url) as session:
        record_events(session, events=events[:cut])
    assert rows(db_url) == [("owner", 1, "我的电话[手机号] 帮我看看", ["low_confidence"])]
    with session_scope(db_url) as session:
        record_events(session, events=events)  # redelivered, then the rest
    with session_scope(db_url) as session:
        record_events(session, events=events)  # everything again
    assert rows(db_url) == [
        ("owner", 1, "我的电话[手机号] 帮我看看", ["handoff", "low_confidence"])
    ]
    assert_stored_exactly(db_url, [e.event | {"sender_id": "owner"} for e in events])


def test_raw_personal_data_is_never_stored(db_url: str) -> None:
    """Neither in the messages' table nor in the fold's state (the open turn)."""
    events = broker_events(unsure_then_handed_over("p").bodies())
    with session_scope(db_url) as session:
        record_events(session, events=events)
    with session_scope(db_url, readonly=True) as session:
        texts = list(session.scalars(select(AnalyticsMissedMessage.text)))
        state = session.scalar(
            select(ConversationAnalytics.fold_state).where(ConversationAnalytics.sender_id == "p")
        )
    assert texts == ["我的电话[手机号] 帮我看看"]
    assert state["inbox"]["turn"]["text"] == texts[0]
    assert "13912345678" not in json.dumps(state, ensure_ascii=False)


def test_messages_read_by_period_and_channel_and_forgotten(db_url: str) -> None:
    wechat = d.fallbacks_then_agent("agent")
    rest = unsure_then_handed_over("other")
    for event in rest.events:
        if getattr(event, "input_channel", None):
            event.input_channel = "rest"
    bodies = wechat.bodies() + rest.bodies()
    with session_scope(db_url) as session:
        record_events(session, events=broker_events(bodies))
    first = dt.datetime.fromtimestamp(wechat.events[0].timestamp, UTC)
    with session_scope(db_url, readonly=True) as session:
        every = missed_between(session, start=EPOCH, end=FAR)
        only_rest = missed_between(session, start=EPOCH, end=FAR, channel="rest")
        before = missed_between(session, start=EPOCH, end=first)
    assert [(m.text, m.channel, m.reasons) for m in every] == [
        ("呃呃呃", "wechat", frozenset({Reason.FALLBACK})),
        ("啊啊", "wechat", frozenset({Reason.FALLBACK})),
        ("我的电话[手机号] 帮我看看", "rest", frozenset({Reason.LOW_CONFIDENCE, Reason.HANDOFF})),
    ]
    assert [m.channel for m in only_rest] == ["rest"] and before == []
    with session_scope(db_url) as session:
        assert forget_missed(session, before=every[1].when + dt.timedelta(microseconds=1)) == 2
    assert [text for _, _, text, _ in rows(db_url)] == ["我的电话[手机号] 帮我看看"]
