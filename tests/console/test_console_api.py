"""The console's JSON API: sign-in, the queue, claiming, replies, hand back, close, tickets."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from rasa.shared.core.events import ConversationPaused, UserUttered

from bot.console import accounts
from bot.tickets import (
    get_handoff,
    open_handoff,
    session_scope,
    status_history,
)
from tests.console.conftest import FakeLiveChannel, Server
from tests.tickets.helpers import console_ticket

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery"
IMEI = "864752047771234"


@pytest.fixture
def agents() -> None:
    accounts.add_agent("zhang", "张三", PASSWORD)
    accounts.add_agent("lisi", "李四", PASSWORD)


async def queue_chat(server: Server, sender_id: str = "web-user-1", **summary: Any) -> int:
    """What action_handoff does: the chat is queued and the bot paused."""
    tracker = await server.agent.tracker_store.get_or_create_tracker(sender_id)
    tracker.update(UserUttered("我要找人工", input_channel="socketio"))
    tracker.update(ConversationPaused())
    await server.agent.tracker_store.save(tracker)
    with session_scope() as session:
        handoff, _ = open_handoff(
            session,
            sender_id=sender_id,
            channel="socketio",
            reason="request_human",
            summary={"slots": summary, "tickets": [], "last_messages": []},
        )
        return handoff.id


API_ROUTES = [
    ("GET", "api/me"),
    ("GET", "api/queue"),
    ("GET", "api/ticket-fields"),
    ("POST", "api/logout"),
    ("POST", "api/handoffs/1/claim"),
    ("GET", "api/handoffs/1/transcript"),
    ("POST", "api/handoffs/1/messages"),
    ("POST", "api/handoffs/1/return"),
    ("POST", "api/handoffs/1/close"),
    ("POST", "api/handoffs/1/ticket"),
    ("GET", "api/tickets?q=13912345678"),
    ("GET", "api/tickets/R20261122-0001"),
    ("POST", "api/tickets/R20261122-0001/status"),
    # agent tools
    ("GET", "api/presence"),
    ("POST", "api/presence"),
    ("GET", "api/supervisor"),
    ("GET", "api/handoffs/1/notes"),
    ("POST", "api/handoffs/1/notes"),
    ("POST", "api/handoffs/1/transfer"),
    ("GET", "api/handoffs/1/canned-replies"),
    ("GET", "api/tickets/R20261122-0001/notes"),
    ("POST", "api/tickets/R20261122-0001/notes"),
]


async def test_nobody_reaches_an_agent_route_without_signing_in(server: Server, agents) -> None:
    await queue_chat(server)
    async with server.client() as user:
        for method, path in API_ROUTES:
            status, body = await (user.get(path) if method == "GET" else user.post(path))
            assert (status, body) == (401, {"error": "not_signed_in"}), path
        # a forged cookie is not a session
        user.session.cookie_jar.update_cookies({"shouhou_console": "forged"})
        assert (await user.get("api/queue"))[0] == 401


async def test_sign_in_wrong_password_and_sign_out(server: Server, agents) -> None:
    async with server.client() as agent:
        assert await agent.login("zhang", "wrong password!") == 401
        assert await agent.login("nobody", PASSWORD) == 401
        status, body = await agent.post(
            "api/login", {"username": "zhang", "password": PASSWORD}, csrf=False
        )
        assert (status, body) == (403, {"error": "csrf"})
        assert await agent.login("ZHANG ", PASSWORD) == 200
        status, body = await agent.get("api/me")
        assert (status, body["agent"]) == (
            200,
            {"username": "zhang", "display_name": "张三", "role": "agent"},
        )
        # every POST needs the console's header, which a cross-site form cannot send
        assert (await agent.post("api/logout", csrf=False))[0] == 403
        assert (await agent.post("api/logout"))[0] == 200
        assert (await agent.get("api/me"))[0] == 401


async def test_an_expired_session_and_a_disabled_agent_are_refused(server: Server, agents) -> None:
    signed = accounts.sign_in(
        "zhang", PASSWORD, now=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=9)
    )
    assert signed is not None
    async with server.client() as agent:
        agent.session.cookie_jar.update_cookies({"shouhou_console": signed[1]})
        assert (await agent.get("api/queue"))[0] == 401
        assert await agent.login("lisi", PASSWORD) == 200
        assert (await agent.get("api/queue"))[0] == 200
        accounts.disable_agent("lisi")
        assert (await agent.get("api/queue"))[0] == 401
        assert await agent.login("lisi", PASSWORD) == 401


async def test_claim_reply_and_hand_back(
    server: Server, agents, web_channel: FakeLiveChannel
) -> None:
    handoff_id = await queue_chat(server, device_model="oneplus-12")
    async with server.client() as zhang, server.client() as li:
        assert await zhang.login("zhang", PASSWORD) == 200
        assert await li.login("lisi", PASSWORD) == 200
        status, queue = await zhang.get("api/queue")
        [queued] = queue["queued"]
        assert (queued["id"], queued["position"], queued["reason_label"]) == (
            handoff_id,
            1,
            "用户要求人工",
        )
        assert queued["summary"]["slots"] == {"device_model": "oneplus-12"}

        status, claimed = await zhang.post(f"api/handoffs/{handoff_id}/claim")
        assert status == 200 and claimed["agent"] == {"username": "zhang", "display_name": "张三"}
        assert (await li.post(f"api/handoffs/{handoff_id}/claim")) == (
            409,
            {"error": "already_claimed"},
        )
        assert web_channel.texts("web-user-1") == ["人工客服 张三 已接入，正在查看您的问题。"]
        paused = await zhang.get(f"api/handoffs/{handoff_id}/transcript")
        systems = [e["text"] for e in paused[1]["events"] if e["kind"] == "system"]
        assert systems.count("已转人工，机器人暂停回复") == 1  # already paused: not again
        # li no longer sees the chat, zhang has it under "mine"
        li_queue = (await li.get("api/queue"))[1]
        assert (li_queue["queued"], li_queue["mine"]) == ([], [])
        assert [h["id"] for h in (await zhang.get("api/queue"))[1]["mine"]] == [handoff_id]
        assert (await li.get(f"api/handoffs/{handoff_id}/transcript"))[0] == 404
        assert (await li.post(f"api/handoffs/{handoff_id}/messages", {"text": "x"}))[0] == 409

        status, sent = await zhang.post(
            f"api/handoffs/{handoff_id}/messages", {"text": "您好，请问手机哪里有问题？"}
        )
        assert status == 201 and sent["delivered"] is True
        assert web_channel.texts("web-user-1")[-1] == "【人工客服 张三】您好，请问手机哪里有问题？"
        assert (await zhang.post(f"api/handoffs/{handoff_id}/messages", {"text": "  "}))[0] == 400

        status, seen = await zhang.get(f"api/handoffs/{handoff_id}/transcript")
        kinds = [(e["kind"], e["text"]) for e in seen["events"]]
        assert ("user", "我要找人工") in kinds
        assert kinds[-1] == ("agent", "您好，请问手机哪里有问题？")
        last = seen["events"][-1]["index"]
        assert (await zhang.get(f"api/handoffs/{handoff_id}/transcript?after={last}"))[1][
            "events"
        ] == []

        status, ended = await zhang.post(f"api/handoffs/{handoff_id}/return")
        assert (status, ended["status"]) == (200, "returned")
        assert web_channel.texts("web-user-1")[-1].startswith("人工客服已将对话转回智能助手")
        assert (await zhang.post(f"api/handoffs/{handoff_id}/messages", {"text": "x"}))[0] == 409

    tracker = await server.agent.tracker_store.retrieve("web-user-1")
    assert not tracker.is_paused()  # the bot answers again, with the whole history
    assert tracker.latest_action_name == "action_listen"  # the next message is a new turn
    agent_events = [e for e in tracker.events if (e.metadata or {}).get("agent") == "zhang"]
    assert [e.text for e in agent_events] == ["您好，请问手机哪里有问题？"]


async def test_two_agents_claiming_at_once_one_wins(server: Server, agents) -> None:
    handoff_id = await queue_chat(server)
    async with server.client() as zhang, server.client() as li:
        await zhang.login("zhang", PASSWORD)
        await li.login("lisi", PASSWORD)
        results = await asyncio.gather(
            zhang.post(f"api/handoffs/{handoff_id}/claim"),
            li.post(f"api/handoffs/{handoff_id}/claim"),
        )
    assert sorted(status for status, _ in results) == [200, 409]


async def test_close_asks_for_a_rating(
    server: Server, agents, web_channel: FakeLiveChannel
) -> None:
    handoff_id = await queue_chat(server)
    async with server.client() as zhang:
        await zhang.login("zhang", PASSWORD)
        await zhang.post(f"api/handoffs/{handoff_id}/claim")
        status, ended = await zhang.post(f"api/handoffs/{handoff_id}/close")
    assert (status, ended["status"]) == (200, "closed")
    assert web_channel.texts("web-user-1")[-1] == "本次人工服务已结束，感谢您的耐心。"
    assert server.agent.processor.executed == [("web-user-1", "action_ask_handoff_rating")]
    with session_scope() as session:
        assert get_handoff(session, handoff_id=handoff_id).outcome == "closed"


async def test_the_agent_completes_the_ticket_with_the_forms_rules(server: Server, agents) -> None:
    handoff_id = await queue_chat(server)
    form = {
        "device_model": "一加12",
        "serial_number": "864752047771235",  # wrong check digit
        "purchase_date": "明年",
        "fault_description": "屏幕有绿线",
        "fault_category": "screen",
        "service_type": "寄修",
        "city": "",
        "contact_phone": "12345",
    }
    async with server.client() as zhang:
        await zhang.login("zhang", PASSWORD)
        assert (await zhang.post(f"api/handoffs/{handoff_id}/ticket", form))[0] == 409  # unclaimed
        await zhang.post(f"api/handoffs/{handoff_id}/claim")
        status, body = await zhang.post(f"api/handoffs/{handoff_id}/ticket", form)
        assert status == 422
        assert set(body["errors"]) == {"serial_number", "purchase_date", "contact_phone"}
        assert "校验位" in body["errors"]["serial_number"]  # the form's own message
        form.update(serial_number=IMEI, purchase_date="去年三月", contact_phone="139 1234 5678")
        status, body = await zhang.post(f"api/handoffs/{handoff_id}/ticket", form)
        assert status == 201
        again = await zhang.post(f"api/handoffs/{handoff_id}/ticket", form)
        assert again == (200, {"ticket_no": body["ticket_no"], "created": False})

        status, found = await zhang.get("api/tickets?q=13912345678")
        assert [t["ticket_no"] for t in found["tickets"]] == [body["ticket_no"]]
        assert found["tickets"][0]["phone_masked"] == "139****5678"
        assert (await zhang.get(f"api/tickets?q={IMEI}"))[1]["tickets"] == found["tickets"]
        status, detail = await zhang.get(f"api/tickets/{body['ticket_no'].lower()}")
        assert detail["ticket"]["serial_number"] == IMEI
        assert detail["ticket"]["service_type"] == "mail_in"


async def test_status_changes_are_recorded_with_the_agent(server: Server, agents) -> None:
    ticket = console_ticket(serial_number=IMEI)
    async with server.client() as zhang:
        await zhang.login("zhang", PASSWORD)
        path = f"api/tickets/{ticket.ticket_no}/status"
        assert (await zhang.post(path, {"status": "flying"}))[0] == 422
        status, body = await zhang.post(path, {"status": "shipped_back"})
        assert status == 422 and "快递单号" in body["errors"]["tracking_no"]
        status, body = await zhang.post(path, {"status": "received", "note": "已签收"})
        assert status == 200 and body["ticket"]["status"] == "received"
        assert (await zhang.post("api/tickets/R20000101-0001/status", {"status": "received"}))[
            0
        ] == 404
    with session_scope() as session:
        history = status_history(session, ticket_no=ticket.ticket_no)
    assert (history[-1].status, history[-1].changed_by, history[-1].note) == (
        "received",
        "agent:zhang",
        "已签收",
    )


async def test_the_page_is_served_with_its_security_headers(server: Server, agents) -> None:
    async with server.client() as agent:
        async with agent.session.get(server.base) as page:
            assert page.status == 200
            assert "script-src 'self'" in page.headers["Content-Security-Policy"]
            assert '<script src="console.js"' in await page.text()
        no_slash = server.base.rstrip("/")
        async with agent.session.get(no_slash, allow_redirects=False) as reply:
            assert reply.status in (301, 302) and reply.headers["Location"].endswith("/console/")
        async with agent.session.get(server.base + "../../etc/passwd") as reply:
            assert reply.status == 404


async def test_photos_are_for_signed_in_agents_only(server: Server, agents) -> None:
    from bot.channels.photos import store_photo
    from bot.settings import get_settings
    from tests.channels.servers import tiny_png

    stored = store_photo(get_settings().var_dir / "uploads", tiny_png(), session_id="web-user-1")
    path = f"api/photos/{stored.path.name}"
    async with server.client() as agent:
        async with agent.session.get(server.base + path) as reply:
            assert reply.status == 401
        await agent.login("zhang", PASSWORD)
        async with agent.session.get(server.base + path) as reply:
            assert reply.status == 200 and reply.headers["Content-Type"] == "image/png"
            assert await reply.read() == stored.path.read_bytes()  # stored without metadata
        for bad in ("f" * 32 + ".png", "x.png", "..%2F..%2Fetc%2Fpasswd"):
            async with agent.session.get(server.base + "api/photos/" + bad) as reply:
                assert reply.status == 404, bad
