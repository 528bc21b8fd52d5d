"""Agent tools in the store: presence, transfer, notes, abandoned handoffs, figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.tickets import (
    DayFigures,
    HandoffAlreadyClaimed,
    HandoffNotFound,
    HandoffNotHeld,
    TargetOffline,
    TicketNotFound,
    TransferToSelf,
    add_handoff_note,
    add_ticket_note,
    claim_handoff,
    count_online,
    day_figures,
    end_handoff,
    get_handoff,
    handoff_notes,
    heartbeat,
    idle_queued,
    list_queue,
    mark_callback,
    note_owner_activity,
    online_agents,
    open_handoff,
    owner_left,
    owner_seen,
    presence_of,
    recent_handling_seconds,
    record_callback,
    set_presence,
    sweep_abandoned,
    team,
    ticket_notes,
    transfer_handoff,
)
from bot.tickets.agents import AgentNotFound, AgentRecord, create_agent, set_active
from bot.tickets.models import Agent, InternalNote

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
STALE = 60


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def agent(session: Session, username: str, presence: str | None = "online") -> AgentRecord:
    record = create_agent(
        session, username=username, display_name=username.title(), password_hash="x", now=T0
    )
    if presence:
        set_presence(session, agent_id=record.id, presence=presence, now=T0)
    return record


def queue(session: Session, sender_id: str = "user-1", now: dt.datetime = T0) -> int:
    handoff, _ = open_handoff(
        session,
        sender_id=sender_id,
        channel="socketio",
        reason="request_human",
        summary={},
        now=now,
    )
    return handoff.id


# --------------------------------------------------------------------------- presence


def test_presence_is_offline_until_set_and_after_a_stale_heartbeat(session: Session) -> None:
    alice = agent(session, "alice", presence=None)
    assert presence_of(session, agent_id=alice.id, now=T0, stale_seconds=STALE) == "offline"
    set_presence(session, agent_id=alice.id, presence="away", now=T0)
    assert presence_of(session, agent_id=alice.id, now=at(59), stale_seconds=STALE) == "away"
    assert presence_of(session, agent_id=alice.id, now=at(61), stale_seconds=STALE) == "offline"
    assert heartbeat(session, agent_id=alice.id, now=at(61))
    assert not heartbeat(session, agent_id=alice.id, now=at(62))  # not written again so soon
    assert presence_of(session, agent_id=alice.id, now=at(100), stale_seconds=STALE) == "away"


def test_presence_refuses_unknown_values_and_agents(session: Session) -> None:
    alice = agent(session, "alice")
    with pytest.raises(ValueError, match="presence"):
        set_presence(session, agent_id=alice.id, presence="busy", now=T0)
    with pytest.raises(AgentNotFound):
        set_presence(session, agent_id=alice.id + 100, presence="online", now=T0)
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(update(Agent).where(Agent.id == alice.id).values(presence="busy"))


def test_online_agents_and_the_team(session: Session) -> None:
    alice, bob = agent(session, "alice"), agent(session, "bob")
    agent(session, "carol", presence="away")
    dave = agent(session, "dave")
    set_active(session, username="dave", active=False)
    assert count_online(session, now=at(10), stale_seconds=STALE) == 2
    assert [a.username for a in online_agents(session, now=at(10), stale_seconds=STALE)] == [
        "alice",
        "bob",
    ]
    handoff_id = queue(session)
    claim_handoff(session, handoff_id=handoff_id, agent_id=bob.id, now=at(5))
    heartbeat(session, agent_id=alice.id, now=at(70))
    members = {
        a.username: (a.presence, a.held) for a in team(session, now=at(90), stale_seconds=60)
    }
    assert members == {
        "alice": ("online", 0),
        "bob": ("offline", 1),  # no heartbeat since T0
        "carol": ("offline", 0),
    }
    assert dave.username not in members
    assert count_online(session, now=at(90), stale_seconds=STALE) == 1


# --------------------------------------------------------------------------- transfer


@pytest.fixture
def held(session: Session) -> tuple[int, AgentRecord, AgentRecord]:
    alice, bob = agent(session, "alice"), agent(session, "bob")
    handoff_id = queue(session)
    claim_handoff(session, handoff_id=handoff_id, agent_id=alice.id, now=at(5))
    return handoff_id, alice, bob


def test_a_transfer_moves_the_chat_and_records_a_note(session: Session, held: Any) -> None:
    handoff_id, alice, _ = held
    moved = transfer_handoff(
        session,
        handoff_id=handoff_id,
        agent_id=alice.id,
        to_username="BOB",
        note="用户要换屏，已报价",
        now=at(30),
        stale_seconds=STALE,
    )
    assert (moved.status, moved.agent_username) == ("active", "bob")
    [note] = handoff_notes(session, handoff_id=handoff_id)
    assert (note.kind, note.text, note.agent_username, note.to_username) == (
        "transfer",
        "用户要换屏，已报价",
        "alice",
        "bob",
    )
    # Alice no longer holds it: a second transfer by her moves nothing.
    with pytest.raises(HandoffNotHeld):
        transfer_handoff(
            session, handoff_id=handoff_id, agent_id=alice.id, to_username="bob", now=at(31)
        )
    assert get_handoff(session, handoff_id=handoff_id).agent_username == "bob"


def test_a_transfer_is_refused_to_self_offline_unknown_and_unheld(
    session: Session, held: Any
) -> None:
    handoff_id, alice, _ = held
    agent(session, "carol", presence="away")
    kwargs: dict[str, Any] = {"handoff_id": handoff_id, "now": at(30), "stale_seconds": STALE}
    with pytest.raises(TransferToSelf):
        transfer_handoff(session, agent_id=alice.id, to_username="alice", **kwargs)
    with pytest.raises(TargetOffline):
        transfer_handoff(session, agent_id=alice.id, to_username="carol", **kwargs)
    with pytest.raises(TargetOffline):  # bob's heartbeat is stale by then
        transfer_handoff(
            session, handoff_id=handoff_id, agent_id=alice.id, to_username="bob", now=at(120)
        )
    with pytest.raises(AgentNotFound):
        transfer_handoff(session, agent_id=alice.id, to_username="nobody", **kwargs)
    erin = agent(session, "erin")
    with pytest.raises(HandoffNotHeld):  # erin does not hold the chat
        transfer_handoff(session, agent_id=erin.id, to_username="bob", **kwargs)
    with pytest.raises(HandoffNotFound):
        transfer_handoff(
            session, handoff_id=handoff_id + 99, agent_id=alice.id, to_username="bob", now=at(30)
        )
    with pytest.raises(ValueError, match="longer"):
        transfer_handoff(session, agent_id=alice.id, to_username="bob", note="长" * 2001, **kwargs)
    assert handoff_notes(session, handoff_id=handoff_id) == []
    assert get_handoff(session, handoff_id=handoff_id).agent_username == "alice"


# --------------------------------------------------------------------------- notes


def test_notes_on_handoffs_and_tickets(session: Session, make_ticket: Any) -> None:
    alice = agent(session, "alice")
    handoff_id = queue(session)
    ticket = make_ticket()
    add_handoff_note(session, handoff_id=handoff_id, agent_id=alice.id, text=" 老客户 ", now=at(1))
    add_handoff_note(session, handoff_id=handoff_id, agent_id=alice.id, text="第二条", now=at(2))
    note = add_ticket_note(
        session, ticket_no=ticket.ticket_no.lower(), agent_id=alice.id, text="已电话确认", now=at(3)
    )
    assert [n.text for n in handoff_notes(session, handoff_id=handoff_id)] == ["老客户", "第二条"]
    assert ticket_notes(session, ticket_no=ticket.ticket_no) == [note]
    assert (note.kind, note.agent_display_name, note.to_username) == ("note", "Alice", None)
    with pytest.raises(ValueError):
        add_handoff_note(session, handoff_id=handoff_id, agent_id=alice.id, text="  ")
    with pytest.raises(ValueError):
        add_ticket_note(session, ticket_no=ticket.ticket_no, agent_id=alice.id, text="x" * 2001)
    with pytest.raises(HandoffNotFound):
        add_handoff_note(session, handoff_id=handoff_id + 9, agent_id=alice.id, text="x")
    with pytest.raises(TicketNotFound):
        ticket_notes(session, ticket_no="R20990101-0001")
    # A note targets one handoff or one ticket, never both or neither.
    for targets in ({}, {"handoff_id": handoff_id, "ticket_id": ticket.id}):
        with pytest.raises(IntegrityError), session.begin_nested():
            session.add(
                InternalNote(agent_id=alice.id, kind="note", text="x", created_at=T0, **targets)
            )
            session.flush()


# --------------------------------------------------------------------------- abandoned


def test_a_gone_widget_abandons_after_the_grace_and_coming_back_cancels_it(
    session: Session,
) -> None:
    gone, back, other = queue(session, "gone"), queue(session, "back"), queue(session, "other")
    assert owner_left(session, sender_id="gone", now=at(10))
    assert not owner_left(session, sender_id="gone", now=at(50))  # the first mark is kept
    assert owner_left(session, sender_id="back", now=at(10))
    assert owner_seen(session, sender_ids=["back"], now=at(40)) == 1
    limits = {"idle_minutes": 20, "gone_seconds": 120}
    assert sweep_abandoned(session, now=at(129), **limits) == []
    [ended] = sweep_abandoned(session, now=at(130), **limits)
    assert (ended.id, ended.status, ended.outcome, ended.ended_at) == (
        gone,
        "abandoned",
        "abandoned",
        at(130),
    )
    assert sweep_abandoned(session, now=at(131), **limits) == []  # never twice
    assert [h.id for h in list_queue(session)] == [back, other]
    # The sender may queue again; an abandoned handoff is not open.
    assert queue(session, "gone", now=at(200)) != gone


def test_no_sign_for_the_idle_time_abandons_and_activity_postpones_it(session: Session) -> None:
    quiet, talking = queue(session, "quiet"), queue(session, "talking")
    limits = {"idle_minutes": 20, "gone_seconds": 120}
    later = at(20 * 60)
    assert [h.id for h in idle_queued(session, now=later, idle_minutes=20)] == [quiet, talking]
    assert note_owner_activity(session, handoff_id=talking, at=at(600))
    assert not note_owner_activity(session, handoff_id=talking, at=at(300))  # never back
    assert [h.id for h in sweep_abandoned(session, now=later, **limits)] == [quiet]
    assert [h.id for h in sweep_abandoned(session, now=at(600 + 20 * 60), **limits)] == [talking]


def test_claimed_and_ended_handoffs_are_never_abandoned(session: Session) -> None:
    alice = agent(session, "alice")
    claimed, called = queue(session, "a"), queue(session, "b")
    claim_handoff(session, handoff_id=claimed, agent_id=alice.id, now=at(1))
    mark_callback(session, handoff_id=called, now=at(1))
    owner_left(session, sender_id="a", now=at(2))
    assert sweep_abandoned(session, now=at(3600), idle_minutes=1, gone_seconds=5) == []
    assert get_handoff(session, handoff_id=claimed).status == "active"


# --------------------------------------------------------------------------- figures


def test_recent_handling_times_and_a_days_figures(session: Session) -> None:
    alice = agent(session, "alice")
    for n, (handle, outcome) in enumerate([(60, "returned"), (300, "closed"), (120, "closed")]):
        handoff_id = queue(session, f"u{n}", now=at(n))
        claim_handoff(session, handoff_id=handoff_id, agent_id=alice.id, now=at(100 * n + 10))
        end_handoff(
            session,
            handoff_id=handoff_id,
            agent_id=alice.id,
            outcome=outcome,
            now=at(100 * n + 10 + handle),
        )
    queue(session, "gone", now=at(5))
    owner_left(session, sender_id="gone", now=at(6))
    sweep_abandoned(session, now=at(1000), idle_minutes=60, gone_seconds=60)
    queue(session, "waiting", now=at(7))
    record_callback(session, sender_id="cb", channel="wechat", phone="13912345678", reason="x")
    assert recent_handling_seconds(session, limit=2) == [300.0, 120.0]  # ended last first
    assert sorted(recent_handling_seconds(session, limit=20)) == [60.0, 120.0, 300.0]
    with pytest.raises(ValueError):
        recent_handling_seconds(session, limit=0)
    figures = day_figures(session, start=T0, end=T0 + dt.timedelta(days=1))
    assert figures == DayFigures(handled=3, abandoned=1, callbacks=0, queued=5)
    now = dt.datetime.now(UTC)
    assert day_figures(session, start=now - dt.timedelta(hours=1), end=now).callbacks == 1
    assert session.execute(select(InternalNote)).all() == []


# --------------------------------------------------------------------------- several servers


def test_servers_sweeping_and_an_agent_claiming_at_once_end_a_chat_once(
    fresh_db_url: str,
) -> None:
    """Racing sweeps (several servers) and a claim: each chat is ended or claimed, once."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from bot.tickets.db import session_scope

    with session_scope(fresh_db_url) as session:
        alice = agent(session, "alice")
        ids = [queue(session, f"u{n}") for n in range(4)]
        for n in range(4):
            owner_left(session, sender_id=f"u{n}", now=at(1))
    barrier = Barrier(4)

    def sweeper() -> list[int]:
        barrier.wait(timeout=30)
        with session_scope(fresh_db_url) as session:
            return [h.id for h in sweep_abandoned(session, now=at(600), gone_seconds=60)]

    def claimer() -> list[int]:
        barrier.wait(timeout=30)
        try:
            with session_scope(fresh_db_url) as session:
                claim_handoff(session, handoff_id=ids[0], agent_id=alice.id, now=at(600))
        except HandoffAlreadyClaimed:  # a sweep ended it first
            return []
        return [-ids[0]]

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(work) for work in (sweeper, sweeper, sweeper, claimer)]
        results = [future.result(timeout=120) for future in futures]
    done = [abs(i) for r in results for i in r]
    assert sorted(done) == ids  # every chat exactly once
    with session_scope(fresh_db_url) as session:
        statuses = {h: get_handoff(session, handoff_id=h).status for h in ids}
    claimed = [i for r in results for i in r if i < 0]
    assert statuses[ids[0]] == ("active" if claimed else "abandoned")
    assert all(statuses[h] == "abandoned" for h in ids[1:])
