"""Handoffs to hotline agents and callback requests, on both backends."""

from __future__ import annotations

import datetime as dt
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.tickets.agents import AgentNotFound, AgentRecord, create_agent, set_active
from bot.tickets.callbacks import (
    CallbackNotFound,
    complete_callback,
    list_callbacks,
    record_callback,
)
from bot.tickets.db import session_scope
from bot.tickets.handoffs import (
    HandoffAlreadyClaimed,
    HandoffNotFound,
    HandoffNotHeld,
    HandoffRecord,
    claim_handoff,
    end_handoff,
    get_handoff,
    list_held,
    list_queue,
    mark_callback,
    open_handoff,
    open_handoff_for_sender,
    queue_position,
)
from bot.tickets.models import CallbackRequest, Handoff

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
SUMMARY: dict[str, Any] = {
    "slots": {"device_model": "华为 Mate 60", "fault_category": "screen"},
    "tickets": [{"ticket_no": "R20261122-0001", "status": "submitted"}],
    "last_messages": [{"from": "user", "text": "转人工"}],
}


def minutes(n: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=n)


def agent(session: Session, username: str = "alice") -> AgentRecord:
    return create_agent(
        session, username=username, display_name=username.title(), password_hash="x", now=T0
    )


def queue(session: Session, sender_id: str = "user-1", **overrides: Any) -> HandoffRecord:
    values: dict[str, Any] = {
        "sender_id": sender_id,
        "channel": "socketio",
        "reason": "request_human",
        "summary": SUMMARY,
        "now": T0,
    }
    values.update(overrides)
    handoff, created = open_handoff(session, **values)
    assert created
    return handoff


# --------------------------------------------------------------------------- opening


def test_open_handoff_queues_the_conversation(session: Session) -> None:
    handoff, created = open_handoff(
        session,
        sender_id="user-1",
        channel="wechat",
        reason="complaint",
        summary=SUMMARY,
        now=T0,
    )

    assert created
    assert (handoff.sender_id, handoff.channel, handoff.reason) == ("user-1", "wechat", "complaint")
    assert (handoff.status, handoff.agent_username, handoff.outcome) == ("queued", None, None)
    assert (handoff.created_at, handoff.claimed_at, handoff.ended_at) == (T0, None, None)
    assert handoff.is_open
    stored = get_handoff(session, handoff_id=handoff.id)
    assert stored == handoff
    assert stored.summary == SUMMARY


def test_a_sender_has_at_most_one_open_handoff(session: Session) -> None:
    first = queue(session)

    again, created = open_handoff(
        session,
        sender_id="user-1",
        channel="socketio",
        reason="fallback",
        summary={"slots": {}, "tickets": [], "last_messages": []},
        now=minutes(5),
    )

    assert not created
    assert again == first
    assert again.reason == "request_human"  # the existing handoff, unchanged
    assert open_handoff_for_sender(session, sender_id="user-1") == first
    assert [h.id for h in list_queue(session)] == [first.id]


def test_the_existing_handoff_is_returned_while_active_too(session: Session) -> None:
    first = queue(session)
    alice = agent(session)
    claim_handoff(session, handoff_id=first.id, agent_id=alice.id, now=minutes(1))

    again, created = open_handoff(
        session, sender_id="user-1", channel="socketio", reason="fallback", summary={}
    )

    assert not created
    assert (again.id, again.status, again.agent_username) == (first.id, "active", "alice")


def test_a_new_handoff_can_be_opened_once_the_last_one_ended(session: Session) -> None:
    alice = agent(session)
    first = queue(session)
    claim_handoff(session, handoff_id=first.id, agent_id=alice.id, now=minutes(1))
    end_handoff(session, handoff_id=first.id, agent_id=alice.id, outcome="returned", now=minutes(2))
    assert open_handoff_for_sender(session, sender_id="user-1") is None

    second = queue(session, now=minutes(10))

    assert second.id != first.id
    assert open_handoff_for_sender(session, sender_id="user-1") == second
    other = queue(session, sender_id="user-2")
    assert other.id not in (first.id, second.id)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"sender_id": " "}, "sender_id must be a non-empty string"),
        ({"sender_id": "s" * 256}, "sender_id is longer than 255"),
        ({"channel": ""}, "channel must be a non-empty string"),
        ({"channel": "c" * 33}, "channel is longer than 32"),
        ({"reason": ""}, "reason must be a non-empty string"),
        ({"reason": "r" * 65}, "reason is longer than 64"),
        ({"summary": ["not", "a", "dict"]}, "summary must be a dict"),
        ({"summary": {"when": T0}}, "JSON-serialisable"),
        ({"summary": {"score": float("nan")}}, "JSON-serialisable"),
        ({"now": dt.datetime(2026, 11, 22, 10, 0)}, "timezone-aware"),
    ],
)
def test_bad_handoffs_are_refused(
    session: Session, overrides: dict[str, Any], message: str
) -> None:
    values: dict[str, Any] = {
        "sender_id": "user-1",
        "channel": "rest",
        "reason": "fallback",
        "summary": SUMMARY,
        "now": T0,
        **overrides,
    }
    with pytest.raises(ValueError, match=message):
        open_handoff(session, **values)
    assert list_queue(session) == []


def test_the_database_allows_one_open_handoff_per_sender(session: Session) -> None:
    def row(status: str, sender_id: str = "user-1") -> dict[str, Any]:
        return {
            "sender_id": sender_id,
            "channel": "rest",
            "reason": "fallback",
            "summary": {},
            "status": status,
            "created_at": T0,
            "updated_at": T0,
        }

    # Ended handoffs of a sender are not limited, and other senders are independent.
    for status in ("returned", "closed", "callback", "closed", "queued"):
        session.execute(insert(Handoff).values(**row(status)))
    session.execute(insert(Handoff).values(**row("queued", sender_id="user-2")))

    for second_open in ("queued", "active"):
        nested = session.begin_nested()
        with pytest.raises(IntegrityError):
            session.execute(insert(Handoff).values(**row(second_open)))
        nested.rollback()

    nested = session.begin_nested()
    with pytest.raises(IntegrityError):
        session.execute(insert(Handoff).values(**row("waiting")))  # CHECK on status
    nested.rollback()


def test_get_handoff_of_an_unknown_id(session: Session) -> None:
    with pytest.raises(HandoffNotFound, match="no handoff 999"):
        get_handoff(session, handoff_id=999)
    assert open_handoff_for_sender(session, sender_id="nobody") is None


# --------------------------------------------------------------------------- the queue


def test_queue_positions_follow_creation_time_then_id(session: Session) -> None:
    late = queue(session, "user-late", now=minutes(10))
    early = queue(session, "user-early", now=minutes(1))
    tie_a = queue(session, "user-tie-a", now=minutes(5))
    tie_b = queue(session, "user-tie-b", now=minutes(5))

    assert [h.id for h in list_queue(session)] == [early.id, tie_a.id, tie_b.id, late.id]
    positions = [queue_position(session, handoff_id=h.id) for h in (early, tie_a, tie_b, late)]
    assert positions == [1, 2, 3, 4]

    alice = agent(session)
    claim_handoff(session, handoff_id=tie_a.id, agent_id=alice.id, now=minutes(11))

    assert queue_position(session, handoff_id=tie_a.id) is None
    assert queue_position(session, handoff_id=early.id) == 1
    assert queue_position(session, handoff_id=tie_b.id) == 2
    assert queue_position(session, handoff_id=late.id) == 3
    assert [h.id for h in list_queue(session)] == [early.id, tie_b.id, late.id]


def test_queue_position_of_ended_and_unknown_handoffs(session: Session) -> None:
    handoff = queue(session)
    mark_callback(session, handoff_id=handoff.id, now=minutes(1))
    assert queue_position(session, handoff_id=handoff.id) is None
    with pytest.raises(HandoffNotFound):
        queue_position(session, handoff_id=handoff.id + 100)


def test_list_held_shows_the_agents_active_handoffs_oldest_claim_first(session: Session) -> None:
    alice, bob = agent(session, "alice"), agent(session, "bob")
    first, second, third, fourth = (queue(session, f"user-{i}") for i in range(4))
    claim_handoff(session, handoff_id=second.id, agent_id=alice.id, now=minutes(1))
    claim_handoff(session, handoff_id=first.id, agent_id=alice.id, now=minutes(2))
    claim_handoff(session, handoff_id=third.id, agent_id=bob.id, now=minutes(3))
    claim_handoff(session, handoff_id=fourth.id, agent_id=alice.id, now=minutes(4))
    end_handoff(session, handoff_id=fourth.id, agent_id=alice.id, outcome="closed")

    held = list_held(session, agent_id=alice.id)

    assert [h.id for h in held] == [second.id, first.id]
    assert {h.agent_username for h in held} == {"alice"}
    assert [h.id for h in list_held(session, agent_id=bob.id)] == [third.id]
    assert list_queue(session) == []


# --------------------------------------------------------------------------- claiming


def test_claim_gives_a_queued_handoff_to_one_agent(session: Session) -> None:
    alice, bob = agent(session, "alice"), agent(session, "bob")
    handoff = queue(session)

    claimed = claim_handoff(session, handoff_id=handoff.id, agent_id=alice.id, now=minutes(3))

    assert (claimed.status, claimed.agent_username, claimed.claimed_at) == (
        "active",
        "alice",
        minutes(3),
    )
    assert get_handoff(session, handoff_id=handoff.id) == claimed
    with pytest.raises(HandoffAlreadyClaimed, match="status active"):
        claim_handoff(session, handoff_id=handoff.id, agent_id=bob.id, now=minutes(4))
    with pytest.raises(HandoffAlreadyClaimed):
        claim_handoff(session, handoff_id=handoff.id, agent_id=alice.id, now=minutes(4))
    assert get_handoff(session, handoff_id=handoff.id).agent_username == "alice"


def test_ended_handoffs_cannot_be_claimed(session: Session) -> None:
    alice = agent(session)
    handoff = queue(session)
    mark_callback(session, handoff_id=handoff.id, now=minutes(1))
    with pytest.raises(HandoffAlreadyClaimed, match="status callback"):
        claim_handoff(session, handoff_id=handoff.id, agent_id=alice.id)


def test_claim_needs_a_known_handoff_and_an_active_agent(session: Session) -> None:
    alice = agent(session)
    handoff = queue(session)
    with pytest.raises(HandoffNotFound):
        claim_handoff(session, handoff_id=handoff.id + 100, agent_id=alice.id)
    with pytest.raises(AgentNotFound):
        claim_handoff(session, handoff_id=handoff.id, agent_id=alice.id + 100)
    set_active(session, username="alice", active=False, now=minutes(1))
    with pytest.raises(AgentNotFound):
        claim_handoff(session, handoff_id=handoff.id, agent_id=alice.id)
    assert get_handoff(session, handoff_id=handoff.id).status == "queued"


# --------------------------------------------------------------------------- ending


@pytest.mark.parametrize("outcome", ["returned", "closed"])
def test_the_holder_ends_a_handoff(session: Session, outcome: str) -> None:
    alice = agent(session)
    handoff = queue(session)
    claim_handoff(session, handoff_id=handoff.id, agent_id=alice.id, now=minutes(1))

    ended = end_handoff(
        session, handoff_id=handoff.id, agent_id=alice.id, outcome=outcome, now=minutes(9)
    )

    assert (ended.status, ended.outcome, ended.ended_at) == (outcome, outcome, minutes(9))
    assert (ended.agent_username, ended.claimed_at) == ("alice", minutes(1))
    assert not ended.is_open
    assert list_held(session, agent_id=alice.id) == []
    with pytest.raises(HandoffNotHeld):
        end_handoff(session, handoff_id=handoff.id, agent_id=alice.id, outcome="closed")


def test_only_the_holder_may_end_a_handoff(session: Session) -> None:
    alice, bob = agent(session, "alice"), agent(session, "bob")
    handoff = queue(session)
    claim_handoff(session, handoff_id=handoff.id, agent_id=alice.id, now=minutes(1))

    with pytest.raises(HandoffNotHeld, match="not an active handoff held by agent"):
        end_handoff(session, handoff_id=handoff.id, agent_id=bob.id, outcome="closed")

    still = get_handoff(session, handoff_id=handoff.id)
    assert (still.status, still.agent_username, still.ended_at) == ("active", "alice", None)


def test_a_queued_handoff_cannot_be_ended(session: Session) -> None:
    alice = agent(session)
    handoff = queue(session)
    with pytest.raises(HandoffNotHeld):
        end_handoff(session, handoff_id=handoff.id, agent_id=alice.id, outcome="returned")
    assert get_handoff(session, handoff_id=handoff.id).status == "queued"


def test_end_handoff_refuses_other_outcomes_and_unknown_handoffs(session: Session) -> None:
    alice = agent(session)
    handoff = queue(session)
    claim_handoff(session, handoff_id=handoff.id, agent_id=alice.id)
    for outcome in ("callback", "queued", "done"):
        with pytest.raises(ValueError, match="invalid outcome"):
            end_handoff(session, handoff_id=handoff.id, agent_id=alice.id, outcome=outcome)
    assert get_handoff(session, handoff_id=handoff.id).status == "active"
    with pytest.raises(HandoffNotFound):
        end_handoff(session, handoff_id=handoff.id + 100, agent_id=alice.id, outcome="closed")


# --------------------------------------------------------------------------- callbacks


def test_mark_callback_ends_a_queued_handoff(session: Session) -> None:
    handoff = queue(session)

    marked = mark_callback(session, handoff_id=handoff.id, now=minutes(2))

    assert (marked.status, marked.outcome, marked.ended_at) == ("callback", "callback", minutes(2))
    assert mark_callback(session, handoff_id=handoff.id, now=minutes(5)) == marked  # idempotent
    assert open_handoff_for_sender(session, sender_id="user-1") is None
    assert list_queue(session) == []


def test_mark_callback_refuses_a_claimed_handoff(session: Session) -> None:
    alice = agent(session)
    handoff = queue(session)
    claim_handoff(session, handoff_id=handoff.id, agent_id=alice.id)
    with pytest.raises(HandoffAlreadyClaimed):
        mark_callback(session, handoff_id=handoff.id)
    assert get_handoff(session, handoff_id=handoff.id).status == "active"
    with pytest.raises(HandoffNotFound):
        mark_callback(session, handoff_id=handoff.id + 100)


def test_callback_requests_are_listed_and_completed(session: Session) -> None:
    handoff = queue(session)
    mark_callback(session, handoff_id=handoff.id, now=minutes(1))
    second = record_callback(
        session,
        sender_id="user-2",
        channel="wechat",
        phone="13900139000",
        reason="complaint",
        now=minutes(3),
    )
    first = record_callback(
        session,
        sender_id="user-1",
        channel="socketio",
        phone=" 13800138000 ",
        reason="request_human",
        handoff_id=handoff.id,
        now=minutes(2),
    )

    assert (first.phone, first.handoff_id, first.status, first.done_at) == (
        "13800138000",
        handoff.id,
        "open",
        None,
    )
    assert [c.id for c in list_callbacks(session)] == [first.id, second.id]

    done = complete_callback(session, callback_id=first.id, done_by="alice", now=minutes(30))

    assert (done.status, done.done_by, done.done_at) == ("done", "alice", minutes(30))
    assert [c.id for c in list_callbacks(session)] == [second.id]
    assert list_callbacks(session, status="done") == [done]
    # Completing again keeps the first completion.
    assert complete_callback(session, callback_id=first.id, done_by="bob", now=minutes(40)) == done


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"phone": "  "}, "phone must be a non-empty string"),
        ({"phone": "1" * 33}, "phone is longer than 32"),
        ({"reason": ""}, "reason must be a non-empty string"),
        ({"sender_id": ""}, "sender_id must be a non-empty string"),
        ({"now": dt.datetime(2026, 1, 1)}, "timezone-aware"),
    ],
)
def test_bad_callback_requests_are_refused(
    session: Session, overrides: dict[str, Any], message: str
) -> None:
    values: dict[str, Any] = {
        "sender_id": "user-1",
        "channel": "rest",
        "phone": "13800138000",
        "reason": "request_human",
        **overrides,
    }
    with pytest.raises(ValueError, match=message):
        record_callback(session, **values)
    assert list_callbacks(session) == []


def test_callback_errors(session: Session) -> None:
    with pytest.raises(HandoffNotFound):
        record_callback(
            session,
            sender_id="user-1",
            channel="rest",
            phone="13800138000",
            reason="x",
            handoff_id=12345,
        )
    with pytest.raises(CallbackNotFound):
        complete_callback(session, callback_id=12345, done_by="alice")
    with pytest.raises(ValueError, match="invalid status"):
        list_callbacks(session, status="pending")
    callback = record_callback(
        session, sender_id="user-1", channel="rest", phone="13800138000", reason="x"
    )
    with pytest.raises(ValueError, match="done_by must be a non-empty string"):
        complete_callback(session, callback_id=callback.id, done_by=" ")
    nested = session.begin_nested()
    with pytest.raises(IntegrityError):
        session.execute(
            insert(CallbackRequest).values(
                sender_id="s", channel="c", phone="1", reason="r", status="maybe", created_at=T0
            )
        )
    nested.rollback()
    # The database default status is "open".
    session.execute(
        insert(CallbackRequest).values(
            sender_id="s", channel="c", phone="1", reason="r", created_at=T0
        )
    )
    statuses = session.execute(select(CallbackRequest.status)).scalars().all()
    assert sorted(statuses) == ["open", "open"]


# --------------------------------------------------------------------------- races


def _agents(url: str, count: int) -> list[int]:
    with session_scope(url) as session:
        return [agent(session, f"agent-{i}").id for i in range(count)]


def _queued(url: str, sender_id: str = "user-1") -> int:
    with session_scope(url) as session:
        return queue(session, sender_id).id


def test_two_agents_racing_for_a_handoff_one_wins(fresh_db_url: str) -> None:
    agent_ids = _agents(fresh_db_url, 2)
    handoff_id = _queued(fresh_db_url)
    barrier = threading.Barrier(len(agent_ids))

    def claim(agent_id: int) -> str:
        barrier.wait(timeout=30)
        try:
            with session_scope(fresh_db_url) as session:
                return claim_handoff(session, handoff_id=handoff_id, agent_id=agent_id).status
        except HandoffAlreadyClaimed:
            return "lost"

    with ThreadPoolExecutor(max_workers=len(agent_ids)) as pool:
        results = list(pool.map(claim, agent_ids, timeout=120))

    assert sorted(results) == ["active", "lost"]
    winner = agent_ids[results.index("active")]
    with session_scope(fresh_db_url) as session:
        stored = get_handoff(session, handoff_id=handoff_id)
        assert [h.id for h in list_held(session, agent_id=winner)] == [handoff_id]
    assert (stored.status, stored.agent_username) == ("active", f"agent-{agent_ids.index(winner)}")


def test_many_agents_racing_one_wins(fresh_db_url: str) -> None:
    agent_ids = _agents(fresh_db_url, 6)
    handoff_id = _queued(fresh_db_url)
    barrier = threading.Barrier(len(agent_ids))

    def claim(agent_id: int) -> bool:
        barrier.wait(timeout=30)
        try:
            with session_scope(fresh_db_url) as session:
                claim_handoff(session, handoff_id=handoff_id, agent_id=agent_id)
            return True
        except HandoffAlreadyClaimed:
            return False

    with ThreadPoolExecutor(max_workers=len(agent_ids)) as pool:
        assert sum(pool.map(claim, agent_ids, timeout=120)) == 1


def test_a_claim_waiting_for_another_transaction_loses(fresh_db_url: str) -> None:
    """Agent B's claim runs while A's claim is uncommitted: B waits, then loses."""
    alice, bob = _agents(fresh_db_url, 2)
    handoff_id = _queued(fresh_db_url)
    a_claimed = threading.Event()
    a_may_commit = threading.Event()

    def claim_a() -> None:
        with session_scope(fresh_db_url) as session:
            claim_handoff(session, handoff_id=handoff_id, agent_id=alice)
            a_claimed.set()
            assert a_may_commit.wait(timeout=30)

    def claim_b() -> str:
        assert a_claimed.wait(timeout=30)
        try:
            with session_scope(fresh_db_url) as session:
                claim_handoff(session, handoff_id=handoff_id, agent_id=bob)
            return "won"
        except HandoffAlreadyClaimed:
            return "lost"

    with ThreadPoolExecutor(max_workers=2) as pool:
        a = pool.submit(claim_a)
        b = pool.submit(claim_b)
        assert a_claimed.wait(timeout=30)
        time.sleep(0.5)
        assert not b.done(), "B must wait for A's transaction"
        a_may_commit.set()
        a.result(timeout=60)
        assert b.result(timeout=60) == "lost"
    with session_scope(fresh_db_url) as session:
        assert get_handoff(session, handoff_id=handoff_id).agent_username == "agent-0"


def test_concurrent_handoff_requests_of_one_sender_queue_once(fresh_db_url: str) -> None:
    requests = 6
    barrier = threading.Barrier(requests)

    def request(i: int) -> tuple[int, bool]:
        barrier.wait(timeout=30)
        with session_scope(fresh_db_url) as session:
            handoff, created = open_handoff(
                session,
                sender_id="user-1",
                channel="socketio",
                reason=f"reason-{i}",
                summary=SUMMARY,
            )
        return handoff.id, created

    with ThreadPoolExecutor(max_workers=requests) as pool:
        results = list(pool.map(request, range(requests), timeout=120))

    assert sum(created for _, created in results) == 1
    assert len({handoff_id for handoff_id, _ in results}) == 1
    with session_scope(fresh_db_url) as session:
        assert len(list_queue(session)) == 1
