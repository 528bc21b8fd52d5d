"""``make run-cluster`` on the real services: two Rasa servers, two action servers, HAProxy.

One cluster for the module (its own ports, PostgreSQL database and RabbitMQ queue). The
owners are driven like ``make bench-load`` drives them: they answer the bot's questions.
Logs go to ``test-output/cluster/``. The last test stops the cluster with Ctrl-C.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp
import pytest
import requests
from sqlalchemy import text

from bench.cluster_stack import ClusterStack
from bench.load import FAULT_TEXT, Owner, Script, load_script, next_step, owner_for
from bench.stack import running
from bot.analytics.store import ConversationRecord, get_conversation
from bot.channels.rest.body import rest_sender_id
from bot.console import accounts
from bot.tickets import dispose_engines, list_queue, session_scope
from bot.trainer import paths
from tests.channels.servers import Widget, launch_chromium, missing
from tests.channels.test_wechat_live import Chat
from tests.channels.wechat_fakes import (
    FakeWeChatApi,
    WeChatClient,
    message_xml,
    wechat_environment,
)
from tests.conftest import ROOT

pytestmark = [pytest.mark.model, pytest.mark.slow]

OUT = ROOT / "test-output" / "cluster"
HAPROXY = Path("/usr/sbin/haproxy")


@pytest.fixture(scope="module")
def wechat() -> Iterator[FakeWeChatApi]:
    fake = FakeWeChatApi().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def cluster(trained_model, tmp_path_factory, wechat) -> Iterator[ClusterStack]:
    if not HAPROXY.exists():
        missing("HAProxy is missing: apt-get install haproxy (make test does)")
    env = {"HANDOFF_WORKING_HOURS": "00:00-24:00", **wechat_environment(wechat)}
    stack = ClusterStack(paths.MODEL_FILE, tmp_path_factory.mktemp("cluster"), env=env)
    try:
        stack.start()
        yield stack
    finally:
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "cluster.log").write_text(stack.log_tail(200_000), encoding="utf-8")
        stack.stop()


@pytest.fixture(scope="module")
def script() -> Script:
    return load_script()


def say(url: str, sender: str, message: str) -> list[str]:
    answer = requests.post(url, json={"sender": sender, "message": message}, timeout=120)
    assert answer.status_code == 200, answer.text
    return [str(m.get("text") or "") for m in answer.json()]


def run_intake(
    script: Script, owner: Owner, url_for_turn: Callable[[int], str]
) -> tuple[str, list[str]]:
    """An intake by ``owner``, turn ``n`` sent to ``url_for_turn(n)``; (ticket no, messages)."""
    message, sent = FAULT_TEXT, []
    for turn in range(16):
        texts = say(url_for_turn(turn), owner.sender, message)
        sent.append(message)
        step, value = next_step(texts, script, owner)
        if step == "ticket":
            return value, sent
        assert step == "say", f"turn {turn}: the bot said {texts}"
        message = value
    raise AssertionError(f"no ticket after 16 turns: {sent}")


def stored_events(cluster: ClusterStack, sender: str, *, rest: bool = True) -> list[dict]:
    """The conversation's events as Rasa stored them in PostgreSQL, in order."""
    query = text("SELECT data FROM events WHERE sender_id = :sender ORDER BY id")
    conversation = rest_sender_id(sender) if rest else sender
    with session_scope(cluster.ticket_url) as session:
        rows = session.execute(query, {"sender": conversation}).scalars().all()
    dispose_engines()
    return [json.loads(row) for row in rows]


def assert_intact(events: list[dict], messages: list[str]) -> None:
    """Every message once, in order, each handled to its end before the next one starts."""
    users = [e.get("text") for e in events if e["event"] == "user"]
    assert sorted(users) == sorted(messages), users
    listening = True
    for event in events:
        if event["event"] == "user":
            assert listening, f"a message was handled while another was: {event.get('text')}"
            listening = False
        elif event["event"] == "action" and event.get("name") == "action_listen":
            listening = True
    assert listening, "the last message was not handled to its end"
    stamps = [e["timestamp"] for e in events]
    assert stamps == sorted(stamps)


def analytics_of(
    cluster: ClusterStack, sender_id: str, ready: Callable[[ConversationRecord], bool]
) -> ConversationRecord:
    """The consumer's row for ``sender_id`` once ``ready`` holds (it reads the broker)."""
    deadline, record = time.monotonic() + 90, None
    while time.monotonic() < deadline:
        with session_scope(cluster.ticket_url) as session:
            record = get_conversation(session, sender_id=sender_id)
        if record is not None and ready(record):
            dispose_engines()
            return record
        time.sleep(0.5)
    dispose_engines()
    raise AssertionError(f"analytics for {sender_id} never ready: {record}")


def test_a_conversation_alternating_between_servers_ends_in_one_ticket(cluster, script):
    owner = owner_for(f"alt-{uuid.uuid4().hex[:6]}-", 0, 0, 1)
    ticket, sent = run_intake(script, owner, lambda turn: cluster.rasa_url(turn % 2))
    assert len(sent) >= 6
    assert cluster.tickets(owner.sender) == {owner.sender: [ticket]}
    events = stored_events(cluster, owner.sender)
    assert_intact(events, sent)
    serials = [e["value"] for e in events if e["event"] == "slot" and e["name"] == "serial_number"]
    assert owner.imei in serials  # set on one server, read on the other
    # Both servers published the events to RabbitMQ; the consumer stored the conversation.
    record = analytics_of(cluster, rest_sender_id(owner.sender), lambda r: r.tickets_created > 0)
    assert record.channel == "rest"
    assert record.user_messages == len(sent)
    assert record.intakes_started == 1
    assert record.ticket_nos == (ticket,)
    assert record.handoffs == 0


def send_together(
    cluster: ClusterStack, sender: str, messages: list[tuple[int, str]]
) -> list[BaseException]:
    """Send each ``(server, message)`` from its own thread at the same moment; the errors."""
    barrier = threading.Barrier(len(messages))
    errors: list[BaseException] = []

    def send(index: int, message: str) -> None:
        try:
            barrier.wait(timeout=10)
            say(cluster.rasa_url(index), sender, message)
        except BaseException as error:  # reported by the caller
            errors.append(error)

    threads = [threading.Thread(target=send, args=pair) for pair in messages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return errors


def test_messages_arriving_at_both_servers_at_once_are_handled_one_after_the_other(cluster):
    sender = f"race-{uuid.uuid4().hex[:6]}"
    sent = [FAULT_TEXT]
    say(cluster.rasa_url(0), sender, FAULT_TEXT)
    pairs = [("一加12", "去年三月"), ("你好", "谢谢"), ("保修期多久", "维修要多少钱")]
    for first, second in pairs:
        errors = send_together(cluster, sender, [(0, first), (1, second)])
        assert not errors, errors
        sent += [first, second]
    assert_intact(stored_events(cluster, sender), sent)


def test_a_killed_rasa_server_loses_no_turn_and_comes_back(cluster, script):
    owner = owner_for(f"kill-{uuid.uuid4().hex[:6]}-", 0, 0, 2)
    message, sent, ticket, killed = FAULT_TEXT, [], "", 0
    for turn in range(16):
        if turn == 3:  # in the middle of the intake
            killed = cluster.kill("rasa-1")
            assert killed
        texts = say(cluster.url, owner.sender, message)  # through the balancer
        sent.append(message)
        step, value = next_step(texts, script, owner)
        if step == "ticket":
            ticket = value
            break
        assert step == "say", f"turn {turn}: the bot said {texts}"
        message = value
    assert killed and ticket, sent
    assert cluster.tickets(owner.sender) == {owner.sender: [ticket]}
    assert_intact(stored_events(cluster, owner.sender), sent)
    # supervisord brings the killed server back by itself
    cluster.wait_restarted("rasa-1", killed, 0, timeout=240)
    assert not running(killed)
    assert say(cluster.rasa_url(0), f"back-{uuid.uuid4().hex[:6]}", "你好")


def test_a_killed_action_server_is_restarted_and_the_other_serves_meanwhile(cluster, script):
    killed = cluster.kill("actions-1")
    assert killed
    owner = owner_for(f"akill-{uuid.uuid4().hex[:6]}-", 0, 0, 3)
    ticket, _ = run_intake(script, owner, lambda turn: cluster.url)
    assert cluster.tickets(owner.sender) == {owner.sender: [ticket]}
    deadline = time.monotonic() + 120
    while cluster.pid("actions-1") in (0, killed):
        assert time.monotonic() < deadline, cluster.supervisorctl("status")
        time.sleep(0.5)


def test_wechat_through_the_balancer_and_its_retry_on_the_other_server_counts_once(cluster, wechat):
    openid = f"o-cluster-{uuid.uuid4().hex[:12]}"
    webhook = "/webhooks/wechat/webhook"
    retried = message_xml("text", openid=openid, Content="你好")

    async def talk() -> tuple:
        async with aiohttp.ClientSession() as session:
            chat = Chat(WeChatClient(session, cluster.base + webhook, safe=True), wechat, openid)
            await chat.say("我的手机进水了", "型号")  # round robin: one server ...
            await chat.say("一加12", "什么时候买的")  # ... then the other
            # WeChat retries a message whose answer was late; the retry lands on the other server
            servers = [
                WeChatClient(session, f"http://127.0.0.1:{port}{webhook}", safe=True)
                for port in cluster.rasa_ports[:2]
            ]
            first = await servers[0].post(retried)
            retry = await servers[1].post(retried)
            return first, retry

    first, retry = asyncio.run(talk())
    assert first.status == retry.status == 200
    assert retry.content == first.content  # the same passive reply, from Redis
    users = [
        e.get("text") for e in stored_events(cluster, openid, rest=False) if e["event"] == "user"
    ]
    assert users == ["我的手机进水了", "一加12", "你好"]  # the retry was not processed again


PASSWORD = "cluster console password 1"


def test_an_agent_reply_sent_through_the_other_server_reaches_the_widget_user(cluster):
    """The widget is kept on server A by the balancer; the agent answers through server B."""
    accounts.add_agent("lisi", "李四", PASSWORD, url=cluster.ticket_url)
    dispose_engines()
    errors: list[str] = []
    with launch_chromium() as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
        user_page = context.new_page()
        user_page.on("pageerror", lambda error: errors.append(str(error)))
        user = Widget(user_page)
        user.open(cluster.base + "/webhooks/socketio/demo")
        user.say("屏幕碎了", "型号")
        # Signed in, so online: the bot queues chats only while an agent is online.
        assert accounts.sign_in("lisi", PASSWORD, url=cluster.ticket_url) is not None
        dispose_engines()
        user.say("转人工", "转接人工客服")
        sticky = {c["name"]: c["value"] for c in context.cookies()}.get("SHOUHOU_SRV")
        assert sticky in {"r1", "r2"}, context.cookies()
        a = int(sticky[1]) - 1
        b = 1 - a
        session_id = user.session_id()
        with session_scope(cluster.ticket_url) as session:
            [handoff] = [h for h in list_queue(session) if h.sender_id == session_id]
        dispose_engines()

        # The agent signs in through the balancer (any server), then works on server B.
        agent = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
        agent_page = agent.new_page()
        agent_page.on("pageerror", lambda error: errors.append(str(error)))
        agent_page.goto(cluster.base + "/webhooks/console/")
        agent_page.fill("#login-username", "lisi")
        agent_page.fill("#login-password", PASSWORD)
        agent_page.click("#login-submit")
        agent_page.locator("#agent-name", has_text="李四").wait_for()
        agent_page.goto(f"http://127.0.0.1:{cluster.rasa_ports[b]}/webhooks/console/")
        agent_page.locator("#agent-name", has_text="李四").wait_for()  # one session for both
        claim = agent_page.locator(f'[data-key="claim:{handoff.id}"]')
        claim.wait_for(timeout=60_000)
        claim.click()
        user._after(0, "已接入")  # pushed by B to the socket held by A
        agent_page.locator(f'[data-key="open:{handoff.id}"]').click()
        before = user_page.locator(".sh-msg.sh-bot").count()
        agent_page.fill("#reply", "您好，我是李四，请问屏幕是摔碎的吗？")
        agent_page.press("#reply", "Enter")
        user._after(before, "【人工客服 李四】您好，我是李四")
        OUT.mkdir(parents=True, exist_ok=True)
        user_page.screenshot(path=str(OUT / f"widget-on-server-{a + 1}-agent-on-{b + 1}.png"))
    assert errors == []


def test_ctrl_c_stops_everything_the_cluster_started(cluster):
    pids = cluster.processes()
    assert len(pids) >= 6  # supervisord, 2 Rasa, 2 action servers, HAProxy (+ analytics)
    assert cluster.stop() == 0
    assert [pid for pid in pids if running(pid)] == []
    # stopped before the module's teardown: nothing is left for it to stop
    assert cluster.process is None
    shutil.rmtree(cluster.var_dir / "cluster" / "logs", ignore_errors=True)
