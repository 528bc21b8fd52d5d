"""Which user messages of a conversation go to the inbox, and why."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from bot.trainer.inbox.events import (
    InboxState,
    Reason,
    inbox_event,
    messages_from_events,
    reason_code,
    reason_of,
)

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def user(text: str, intent: str, confidence: float, ts: float = 1_760_000_000.0, **parse: Any):
    ranking = parse.pop("ranking", [{"name": intent, "confidence": confidence}])
    data = {"intent": {"name": intent, "confidence": confidence}, "intent_ranking": ranking}
    return {"event": "user", "timestamp": ts, "text": text, "parse_data": {**data, **parse}}


def action(name: str) -> dict[str, Any]:
    return {"event": "action", "name": name}


def slot(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


def reasons(events: list[dict[str, Any]], **kwargs: Any) -> dict[str, set[Reason]]:
    return {m.text: set(m.reasons) for m in messages_from_events(events, **kwargs)}


def test_reasons_come_from_the_turn_after_each_message() -> None:
    events = [
        user("你好", "greet", 0.99),
        action("utter_greet"),
        user("屏幕一闪一闪的", "nlu_fallback", 0.2),
        action("action_fallback"),
        user("我要找人工", "request_human", 0.95),
        action("action_handoff"),
        slot("handoff_reason", "request_human"),
        user("手机发烫怎么办", "fault_battery", 0.41),
        action("action_default_fallback"),
        user("不想说了", "deny", 0.9),
        slot("callback_step", "offered"),
        slot("handoff_reason", "fallback"),
        user("好的", "affirm", 0.97),
        slot("handoff_reason", None),
    ]
    assert reasons(events) == {
        "屏幕一闪一闪的": {Reason.FALLBACK, Reason.LOW_CONFIDENCE},
        "我要找人工": {Reason.HANDOFF},
        "手机发烫怎么办": {Reason.FALLBACK, Reason.LOW_CONFIDENCE},
        "不想说了": {Reason.HANDOFF},
    }


def test_low_confidence_uses_the_threshold() -> None:
    events = [user("电池不耐用", "fault_battery", 0.55)]
    assert reasons(events) == {}
    assert reasons(events, below=0.6) == {"电池不耐用": {Reason.LOW_CONFIDENCE}}


def test_buttons_empty_external_and_paused_messages_are_ignored() -> None:
    events = [
        user("/request_repair", "request_repair", 0.1),
        user("   ", "nlu_fallback", 0.2),
        user("EXTERNAL: EXTERNAL_retry_ticket", "EXTERNAL_retry_ticket", 0.1),
        user("什么东西", "out_of_scope", 0.3),
        action("action_handoff"),
        {"event": "pause"},
        user("我的地址是北京市朝阳区某某路", "inform", 0.1),
        {"event": "resume"},
        user("机器修好了吗", "check_repair_status", 0.3),
    ]
    assert reasons(events) == {
        "什么东西": {Reason.LOW_CONFIDENCE, Reason.HANDOFF},
        "机器修好了吗": {Reason.LOW_CONFIDENCE},
    }


def test_since_leaves_out_older_messages() -> None:
    since = dt.datetime(2025, 10, 9, tzinfo=SHANGHAI)
    events = [
        user("老消息", "greet", 0.1, ts=since.timestamp() - 1),
        user("新消息", "greet", 0.1, ts=since.timestamp()),
    ]
    assert list(reasons(events, since=since)) == ["新消息"]


def test_the_predicted_intent_skips_nlu_fallback_and_names_the_faq_key() -> None:
    fallback = user(
        "保修的事",
        "nlu_fallback",
        0.2,
        ranking=[
            {"name": "nlu_fallback", "confidence": 0.2},
            {"name": "faq", "confidence": 0.18},
            {"name": "ask_warranty", "confidence": 0.15},
        ],
        response_selector={"faq": {"response": {"intent_response_key": "faq/warranty_policy"}}},
    )
    (message,) = messages_from_events([fallback])
    assert (message.intent, message.confidence) == ("faq/warranty_policy", 0.18)


MIXED = [
    user("你好", "greet", 0.99),
    user("电话13912345678打不通", "nlu_fallback", 0.2),
    action("action_fallback"),
    user("我要找人工", "request_human", 0.95),
    action("action_handoff"),
    {"event": "pause"},
    user("我的地址是北京市朝阳区某某路", "inform", 0.1),
    {"event": "resume"},
    user("机器修好了吗", "check_repair_status", 0.3),
    slot("handoff_reason", "request_human"),
]


def test_the_fold_one_event_at_a_time_gives_the_messages_of_the_whole() -> None:
    state = InboxState()
    closed = [m for event in MIXED if (m := inbox_event(state, event)) is not None]
    assert [(m.number, m.text) for m in closed] == [(2, "电话[手机号]打不通"), (3, "我要找人工")]
    last = state.pending()
    assert last is not None and (last.number, last.reasons) == (
        5,
        frozenset({Reason.LOW_CONFIDENCE, Reason.HANDOFF}),
    )
    assert [*closed, last] == messages_from_events(MIXED)


@pytest.mark.parametrize("cut", range(len(MIXED) + 1))
def test_a_stored_state_folds_on_as_the_whole(cut: int) -> None:
    state = InboxState()
    found = [m for event in MIXED[:cut] if (m := inbox_event(state, event)) is not None]
    stored = InboxState.from_dict(json.loads(json.dumps(state.as_dict())))
    assert stored == state
    found += [m for event in MIXED[cut:] if (m := inbox_event(stored, event)) is not None]
    assert [*found, stored.pending()] == messages_from_events(MIXED)


def test_the_open_turn_keeps_no_raw_personal_data_and_reasons_as_codes() -> None:
    state = InboxState()
    for event in MIXED[:3]:
        inbox_event(state, event)
    stored = state.as_dict()
    assert "13912345678" not in json.dumps(stored, ensure_ascii=False)
    assert stored["turn"]["reasons"] == ["fallback", "low_confidence"]
    assert [reason_code(r) for r in Reason] == ["fallback", "low_confidence", "handoff"]
    assert all(reason_of(reason_code(r)) is r for r in Reason) and reason_of("x") is None


def test_an_odd_stored_state_reads_with_defaults() -> None:
    assert InboxState.from_dict(None) == InboxState()
    odd = InboxState.from_dict({"messages": -1, "paused": "yes", "turn": {"text": 3}})
    assert odd == InboxState()
    turn = {"number": 2, "text": "坏了", "at": 1.0, "reasons": ["handoff", "nope"]}
    read = InboxState.from_dict({"messages": 2, "turn": turn})
    assert read.turn is not None and read.turn.reasons == {Reason.HANDOFF}


def test_an_odd_time_reads_as_the_epoch_and_never_raises() -> None:
    for stamp in (float("inf"), 1e20, -5, "soon", None):
        (message,) = messages_from_events([user("什么", "nlu_fallback", 0.1, ts=stamp)])  # type: ignore[arg-type]
        assert message.when == dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
