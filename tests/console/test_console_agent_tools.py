"""The console's agent tools: presence, the queue's SLA, notes, transfer, canned replies,
abandoned chats and the supervisor view."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rasa.shared.core.events import ConversationPaused, UserUttered

from bot.channels.replies import channel_replies
from bot.console import abandon, accounts
from bot.console.routes_supervisor import business_day
from bot.tickets import (
    TicketDraft,
    create_ticket,
    get_handoff,
    open_handoff,
    owner_left,
    presence_of,
    session_scope,
)
from bot.tickets.agents import get_agent_by_username
from tests.console.conftest import FakeLiveChannel, Server

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery"
UTC = dt.timezone.utc


@pytest.fixture(autouse=True)
def sweep_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each queue read sweeps (the process-wide pause between sweeps would hide them)."""
    monkeypatch.setattr(abandon, "SWEEP_EVERY", 0.0)


@pytest.fixture
def agents() -> None:
    accounts.add_agent("zhang", "张三", PASSWORD)
    accounts.add_agent("lisi", "李四", PASSWORD)
    accounts.add_agent("wang", "王组长", PASSWORD, role="supervisor")


async def queue_chat(
    server: Server,
    sender_id: str = "web-user-1",
    *,
    ago: dt.timedelta = dt.timedelta(0),
    summary: dict[str, Any] | None = None,
) -> int:
    """What action_handoff does (``ago`` earlier): the chat is queued and the bot paused."""
    at = dt.datetime.now(UTC) - ago
    tracker = await server.agent.tracker_store.get_or_create_tracker(sender_id)
    tracker.update(UserUttered("我要找人工", input_channel="socketio", timestamp=at.timestamp()))
    tracker.update(ConversationPaused())
    await server.agent.tracker_store.save(tracker)
    with session_scope() as session:
        handoff, _ = open_handoff(
            session,
            sender_id=sender_id,
            channel="socketio",
            reason="request_human",
            summary=summary or {"slots": {}, "tickets": [], "last_messages": []},
            now=at,
        )
        return handoff.id


def presence(username: str) -> str:
    with session_scope() as session:
        found = get_agent_by_username(session, username=username)
        assert found is not None
        return presence_of(session, agent_id=found[0].id)


async def test_presence_follows_sign_in_the_agents_choice_and_sign_out(
    server: Server, agents
) -> None:
    assert presence("zhang") == "offline"
    async with server.client() as zhang:
        assert await zhang.login("zhang", PASSWORD) == 200
        assert await zhang.get("api/presence") == (200, {"presence": "online"})
        assert await zhang.post("api/presence", {"presence": "away"}) == (
            200,
            {"presence": "away"},
        )
        assert presence("zhang") == "away"
        for bad in ("busy", None, 3):
            assert await zhang.post("api/presence", {"presence": bad}) == (
                422,
                {"error": "bad_presence"},
            )
        assert (await zhang.get("api/queue"))[1]["presence"] == "away"
        assert (await zhang.post("api/logout"))[0] == 200
    assert presence("zhang") == "offline"


async def test_the_queue_has_waits_sla_colours_and_colleagues_online(
    server: Server, agents
) -> None:
    fresh = await queue_chat(server, "fresh")
    amber = await queue_chat(server, "amber", ago=dt.timedelta(seconds=150))
    red = await queue_chat(server, "red", ago=dt.timedelta(seconds=400))
    async with server.client() as zhang, server.client() as li, server.client() as wang:
        for client, name in ((zhang, "zhang"), (li, "lisi"), (wang, "wang")):
            assert await client.login(name, PASSWORD) == 200
        await wang.post("api/presence", {"presence": "away"})
        status, body = await zhang.get("api/queue")
    assert status == 200
    assert body["sla"] == {"amber_seconds": 120, "red_seconds": 300}
    assert body["presence"] == "online"
    assert body["agents_online"] == [{"username": "lisi", "display_name": "李四"}]
    found = {h["id"]: (h["sla"], h["waited_seconds"]) for h in body["queued"]}
    assert [h["id"] for h in body["queued"]] == [red, amber, fresh]
    assert found[fresh][0] == "ok" and found[fresh][1] < 60
    assert found[amber][0] == "amber" and 150 <= found[amber][1] < 200
    assert found[red][0] == "red" and found[red][1] >= 400


async def test_notes_are_for_colleagues_and_never_reach_the_owner(
    server: Server, agents, web_channel: FakeLiveChannel
) -> None:
    handoff_id = await queue_chat(server)
    notes = f"api/handoffs/{handoff_id}/notes"
    async with server.client() as zhang, server.client() as li, server.client() as wang:
        for client, name in ((zhang, "zhang"), (li, "lisi"), (wang, "wang")):
            assert await client.login(name, PASSWORD) == 200
        # Queued: anyone may read and write.
        status, body = await li.post(notes, {"text": "  用户很着急  "})
        assert status == 201
        note = body["note"]
        assert (note["kind"], note["text"], note["agent"], note["to_agent"]) == (
            "note",
            "用户很着急",
            {"username": "lisi", "display_name": "李四"},
            None,
        )
        assert await li.post(notes, {"text": "   "}) == (400, {"error": "empty"})
        assert await li.post(notes, {"text": "长" * 2001}) == (400, {"error": "too_long"})
        assert (await zhang.post(f"api/handoffs/{handoff_id}/claim"))[0] == 200
        # Held by zhang: li no longer sees them, the supervisor always does.
        assert (await li.get(notes))[0] == 404
        assert (await li.post(notes, {"text": "x"}))[0] == 404
        assert [n["text"] for n in (await wang.get(notes))[1]["notes"]] == ["用户很着急"]
        assert (await zhang.post(notes, {"text": "已核实购买日期"}))[0] == 201
        assert [n["text"] for n in (await zhang.get(notes))[1]["notes"]] == [
            "用户很着急",
            "已核实购买日期",
        ]
        assert (await zhang.get("api/handoffs/999/notes"))[0] == 404
    tracker = await server.agent.tracker_store.retrieve_full_tracker("web-user-1")
    said = " ".join(str(e.as_dict()) for e in tracker.events)
    pushed = " ".join(web_channel.texts("web-user-1"))
    for text in ("用户很着急", "已核实购买日期"):
        assert text not in said and text not in pushed


async def test_ticket_notes(server: Server, agents) -> None:
    with session_scope() as session:
        ticket, _ = create_ticket(
            session,
            TicketDraft(
                intake_id="i" * 32,
                sender_id="web-user-1",
                channel="socketio",
                device_model_id="oneplus-12",
                serial_number=None,
                purchase_date=None,
                warranty_status="to_verify",
                fault_category="screen",
                fault_description="屏幕有绿线",
                service_type="mail_in",
                city=None,
                contact_phone="13912345678",
            ),
        )
    path = f"api/tickets/{ticket.ticket_no}/notes"
    async with server.client() as zhang:
        assert await zhang.login("zhang", PASSWORD) == 200
        assert await zhang.get(path) == (200, {"notes": []})
        status, body = await zhang.post(path, {"text": "客户要求加急"})
        assert status == 201 and body["note"]["text"] == "客户要求加急"
        assert [n["text"] for n in (await zhang.get(path.lower()))[1]["notes"]] == ["客户要求加急"]
        assert await zhang.post(path, {"text": ""}) == (400, {"error": "empty"})
        assert (await zhang.get("api/tickets/R20990101-0001/notes"))[0] == 404
        assert (await zhang.post("api/tickets/R20990101-0001/notes", {"text": "x"}))[0] == 404


async def test_transfer_to_an_online_colleague_with_a_note(
    server: Server, agents, web_channel: FakeLiveChannel
) -> None:
    accounts.add_agent("zhao", "赵六", PASSWORD)
    handoff_id = await queue_chat(server)
    transfer = f"api/handoffs/{handoff_id}/transfer"
    async with server.client() as zhang, server.client() as li, server.client() as zhao:
        for client, name in ((zhang, "zhang"), (li, "lisi"), (zhao, "zhao")):
            assert await client.login(name, PASSWORD) == 200
        await zhao.post("api/presence", {"presence": "away"})
        assert await zhang.post(transfer, {"to": "lisi"}) == (409, {"error": "not_held"})
        assert (await zhang.post(f"api/handoffs/{handoff_id}/claim"))[0] == 200
        assert await zhang.post(transfer, {"to": "zhang"}) == (422, {"error": "same_agent"})
        assert await zhang.post(transfer, {"to": "nobody"}) == (404, {"error": "no_agent"})
        assert await zhang.post(transfer, {"to": "zhao"}) == (409, {"error": "target_offline"})
        assert await zhang.post(transfer, {"to": "lisi", "note": "长" * 2001}) == (
            400,
            {"error": "too_long"},
        )
        status, moved = await zhang.post(transfer, {"to": "lisi", "note": "需要换屏报价"})
        assert status == 200
        assert (moved["id"], moved["status"], moved["agent"]) == (
            handoff_id,
            "active",
            {"username": "lisi", "display_name": "李四"},
        )
        assert await zhang.post(transfer, {"to": "lisi"}) == (409, {"error": "not_held"})
        assert [h["id"] for h in (await li.get("api/queue"))[1]["mine"]] == [handoff_id]
        assert (await zhang.get("api/queue"))[1]["mine"] == []
        [note] = (await li.get(f"api/handoffs/{handoff_id}/notes"))[1]["notes"]
        assert (note["kind"], note["text"], note["agent"]["username"], note["to_agent"]) == (
            "transfer",
            "需要换屏报价",
            "zhang",
            {"username": "lisi", "display_name": "李四"},
        )
        assert (await li.post(f"api/handoffs/{handoff_id}/messages", {"text": "您好"}))[0] == 201
    assert web_channel.texts("web-user-1")[-2:] == [
        "人工客服 李四 已接入，正在查看您的问题。",
        "【人工客服 李四】您好",
    ]
    assert not any("需要换屏报价" in text for text in web_channel.texts("web-user-1"))


async def test_canned_replies_are_filled_from_the_chat(server: Server, agents) -> None:
    summary = {
        "slots": {"device_model": "oneplus-12", "contact_phone": "13912345678"},
        "tickets": [{"ticket_no": "R20261122-0007", "status": "received"}],
        "last_messages": [],
    }
    known = await queue_chat(server, "known", summary=summary)
    unknown = await queue_chat(server, "unknown")
    async with server.client() as zhang:
        assert await zhang.login("zhang", PASSWORD) == 200
        status, body = await zhang.get(f"api/handoffs/{known}/canned-replies")
        assert status == 200
        replies = {r["key"]: r for r in body["replies"]}
        assert "R20261122-0007" in replies["progress"]["text"]
        assert "一加 12" in replies["model_check"]["text"]
        assert "139****5678" in replies["callback_phone"]["text"]
        assert "13912345678" not in str(body)
        assert all(r["missing"] == [] for r in body["replies"])
        status, body = await zhang.get(f"api/handoffs/{unknown}/canned-replies")
        replies = {r["key"]: r for r in body["replies"]}
        assert replies["progress"]["missing"] == ["ticket_no"]
        assert "{ticket_no}" in replies["progress"]["text"]
        assert replies["callback_phone"]["missing"] == ["phone"]
        assert replies["greeting"]["missing"] == []
        assert (await zhang.get("api/handoffs/999/canned-replies"))[0] == 404


async def test_owners_who_left_are_marked_abandoned_and_the_bot_resumes(
    server: Server, agents, web_channel: FakeLiveChannel
) -> None:
    gone = await queue_chat(server, "gone", ago=dt.timedelta(seconds=30))
    quiet = await queue_chat(server, "quiet", ago=dt.timedelta(minutes=25))
    talking = await queue_chat(server, "talking", ago=dt.timedelta(minutes=25))
    tracker = await server.agent.tracker_store.get_or_create_tracker("talking")
    tracker.update(UserUttered("还在吗", input_channel="socketio"))  # written while paused
    await server.agent.tracker_store.save(tracker)
    with session_scope() as session:
        owner_left(session, sender_id="gone", now=dt.datetime.now(UTC) - dt.timedelta(seconds=121))
    async with server.client() as zhang:
        assert await zhang.login("zhang", PASSWORD) == 200
        _, body = await zhang.get("api/queue")
    assert [h["id"] for h in body["queued"]] == [talking]
    with session_scope() as session:
        states = {
            h: (
                get_handoff(session, handoff_id=h).status,
                get_handoff(session, handoff_id=h).outcome,
            )
            for h in (gone, quiet, talking)
        }
    assert states == {
        gone: ("abandoned", "abandoned"),
        quiet: ("abandoned", "abandoned"),
        talking: ("queued", None),
    }
    for sender, paused in (("gone", False), ("quiet", False), ("talking", True)):
        tracker = await server.agent.tracker_store.retrieve(sender)
        assert tracker.is_paused() is paused, sender
    # the widget closed: resumed without a word; silent (perhaps still waiting): a callback
    offer = channel_replies()["utter_channel_handoff_timeout"]
    assert web_channel.texts("gone") == [] and web_channel.texts("quiet") == [offer]
    quiet_tracker = await server.agent.tracker_store.retrieve("quiet")
    assert quiet_tracker.get_slot("callback_step") == "offered"
    assert quiet_tracker.get_slot("handoff_reason") == "request_human"
    assert quiet_tracker.latest_action_name == "action_listen"
    gone_tracker = await server.agent.tracker_store.retrieve("gone")
    assert gone_tracker.get_slot("callback_step") is None


async def test_the_supervisor_view(server: Server, agents) -> None:
    start = business_day(dt.datetime.now(UTC)).start
    waiting_since = dt.datetime.now(UTC) - dt.timedelta(seconds=400)
    await queue_chat(server, "a", ago=dt.timedelta(seconds=400))
    held = await queue_chat(server, "b")
    async with server.client() as zhang, server.client() as wang:
        assert await zhang.login("zhang", PASSWORD) == 200
        assert await zhang.get("api/supervisor") == (403, {"error": "forbidden"})
        assert (await zhang.post(f"api/handoffs/{held}/claim"))[0] == 200
        assert await wang.login("wang", PASSWORD) == 200
        status, body = await wang.get("api/supervisor")
    assert status == 200
    assert body["queue"]["length"] == 1 and body["queue"]["longest_wait_seconds"] >= 400
    assert body["queue"]["sla"] == "red"
    assert body["sla"] == {"amber_seconds": 120, "red_seconds": 300}
    assert body["agents"] == [
        {
            "username": "lisi",
            "display_name": "李四",
            "role": "agent",
            "presence": "offline",
            "held": 0,
        },
        {
            "username": "wang",
            "display_name": "王组长",
            "role": "supervisor",
            "presence": "online",
            "held": 0,
        },
        {
            "username": "zhang",
            "display_name": "张三",
            "role": "agent",
            "presence": "online",
            "held": 1,
        },
    ]
    queued_today = 1 + (waiting_since >= start)  # "a" is yesterday's just after midnight
    assert body["today"] == {"handled": 0, "abandoned": 0, "callbacks": 0, "queued": queued_today}


def test_the_business_day_is_local() -> None:
    shanghai = dt.timezone(dt.timedelta(hours=8))
    today = business_day(dt.datetime(2026, 12, 4, 17, 0, tzinfo=UTC))  # 01:00 on the 5th
    assert (today.start, today.end) == (
        dt.datetime(2026, 12, 5, tzinfo=shanghai),
        dt.datetime(2026, 12, 6, tzinfo=shanghai),
    )
