"""The agent tools in the browser: presence, the queue's SLA timer, canned replies, internal
notes, transfer and the supervisor view, with a widget user who asks for a person.

``scripts/run.sh`` with the trained model; three Chromium contexts: the user on the demo page,
agent 张三 and supervisor 李四 in the console. Waits are not slept through: the test moves a
chat's creation time back (as if it had waited) so the timer turns amber within seconds.
Screenshots go to ``test-output/console/agent-tools-*.png``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import update

from bot.catalog.handoff import load_handoff_policy
from bot.console import accounts
from bot.console.texts import console_text
from bot.tickets import get_handoff, list_queue, session_scope
from bot.tickets.models import Handoff
from tests.channels.servers import (
    BOT_TIMEOUT_MS,
    Servers,
    Widget,
    launch_chromium,
    running_servers,
)
from tests.conftest import ROOT

pytestmark = [pytest.mark.model, pytest.mark.slow]

OUT = ROOT / "test-output" / "console"
PASSWORD = "console password 1"
NOTE = "内部：用户很着急，先安抚再报价"
TRANSFER_NOTE = "请李四跟进换屏报价"


@pytest.fixture(scope="module")
def servers(trained_model: Any, tmp_path_factory: Any) -> Iterator[Servers]:
    all_day = {"HANDOFF_WORKING_HOURS": "00:00-24:00"}
    log = OUT / "agent-tools-run.log"
    with running_servers(tmp_path_factory.mktemp("tools"), log, all_day) as servers:
        accounts.add_agent("zhangsan", "张三", PASSWORD, url=servers.ticket_url)
        accounts.add_agent("lisi", "李四", PASSWORD, role="supervisor", url=servers.ticket_url)
        yield servers


@pytest.fixture(scope="module")
def browser(servers: Servers) -> Iterator[Any]:
    with launch_chromium() as launched:
        yield launched


def new_page(browser: Any, errors: list[str], size: tuple[int, int] = (1440, 900)) -> Any:
    context = browser.new_context(locale="zh-CN", viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


def sign_in(page: Any, servers: Servers, username: str, name: str) -> None:
    page.goto(f"http://127.0.0.1:{servers.rasa_port}/webhooks/console/")
    page.fill("#login-username", username)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.locator("#agent-name", has_text=name).wait_for()


def go_online(page: Any) -> None:
    page.select_option("#presence", "online")
    page.locator('#presence-box[data-presence="online"]').wait_for()


def backdate(servers: Servers, handoff_id: int, **seconds_ago: float) -> None:
    """Move a handoff's times back (created_at=..., owner_left_at=...): as if time had passed."""
    now = dt.datetime.now(dt.timezone.utc)
    values = {name: now - dt.timedelta(seconds=s) for name, s in seconds_ago.items()}
    with session_scope(servers.ticket_url) as session:
        session.execute(update(Handoff).where(Handoff.id == handoff_id).values(**values))


def queued_id(servers: Servers, sender_id: str) -> int:
    with session_scope(servers.ticket_url) as session:
        [handoff] = [h for h in list_queue(session) if h.sender_id == sender_id]
        return handoff.id


def api_get(page: Any, path: str) -> Any:
    """A GET of the console's API with the page's session (what the page itself would see)."""
    return page.evaluate(
        "path => fetch(path, {headers: {Accept: 'application/json'}}).then(r => r.json())", path
    )


def wait_text(page: Any, selector: str, text: str) -> None:
    """Wait until the element's whole text is ``text`` (views that refresh themselves)."""
    page.wait_for_function(
        "([selector, text]) => (document.querySelector(selector) || {}).textContent === text",
        arg=[selector, text],
        timeout=30_000,
    )


def wait_for_departure(servers: Servers, handoff_id: int) -> dt.datetime:
    """When the widget channel recorded the owner's connection gone (waits up to 20 s)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with session_scope(servers.ticket_url) as session:
            left = session.get(Handoff, handoff_id).owner_left_at
        if isinstance(left, dt.datetime):
            return left
        time.sleep(0.5)
    raise AssertionError("the closed widget was not recorded as gone")


def time_since(moment: dt.datetime) -> float:
    return (dt.datetime.now(dt.timezone.utc) - moment).total_seconds()


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(OUT / f"agent-tools-{name}.png"))


def test_agents_use_presence_timers_canned_replies_notes_transfer_and_the_supervisor_view(
    servers: Servers, browser: Any
) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    sla = load_handoff_policy().queue_sla

    # Both agents sign in and go online: only then is a person offered to the user.
    agent = new_page(browser, errors)
    sign_in(agent, servers, "zhangsan", "张三")
    assert agent.locator("#tab-supervisor").is_hidden()  # an agent, not a supervisor
    go_online(agent)
    boss = new_page(browser, errors)
    sign_in(boss, servers, "lisi", "李四")
    go_online(boss)
    boss.locator("#tab-supervisor:visible").wait_for()

    # The user asks for a person and waits; the agent's queue shows the wait, ticking.
    user_page = new_page(browser, errors, (1280, 800))
    user = Widget(user_page)
    user.open(servers.base + "demo")
    user.say("屏幕碎了", "型号")
    queued = user.say("转人工", "转接人工客服")
    assert any("分钟" in text for text in queued), queued  # the likely wait
    sender = user.session_id()
    handoff_id = queued_id(servers, sender)
    wait = agent.locator(f'.chat-item:has([data-key="claim:{handoff_id}"]) .wait')
    wait.wait_for(timeout=BOT_TIMEOUT_MS)
    assert wait.get_attribute("data-sla") == "ok"
    # as if it had waited until 3 s before the amber threshold: it turns amber by itself
    backdate(servers, handoff_id, created_at=sla.amber_seconds - 3)
    amber = agent.locator(f'.chat-item.sla-amber:has([data-key="claim:{handoff_id}"])')
    amber.wait_for(timeout=15_000)
    assert amber.locator(".sla-flag").text_content() == console_text("page.sla.amber")
    shot(agent, "1-queue-amber")

    # The supervisor sees the queue and both agents online.
    boss.click("#tab-supervisor")
    wait_text(boss, "#sv-queue-length", "1")
    boss.locator('.sv-stat[data-sla="amber"] #sv-longest-wait').wait_for()
    online = console_text("page.presence.online")
    for username in ("zhangsan", "lisi"):
        boss.locator(
            f'#sv-agents tr[data-agent="{username}"] .presence-pill', has_text=online
        ).wait_for()
    shot(boss, "2-supervisor-queue")

    # The agent claims the chat and answers with a canned reply found by typing "/".
    agent.click(f'[data-key="claim:{handoff_id}"]')
    user._after(0, "已接入")
    reply = agent.locator("#reply")
    reply.click()
    reply.press_sequentially("/")
    options = agent.locator("#canned-list [role=option]")
    options.first.wait_for()
    replies = api_get(agent, f"api/handoffs/{handoff_id}/canned-replies")["replies"]
    assert options.count() == len(replies)
    # a reply with a placeholder this chat cannot fill is marked with what is missing
    marked = agent.eval_on_selector_all(
        "#canned-list .canned-missing", "nodes => nodes.map(n => n.dataset.key)"
    )
    assert marked == [r["key"] for r in replies if r["missing"]]
    reply.press_sequentially("稍等")
    agent.wait_for_function(
        "() => [...document.querySelectorAll('#canned-list [role=option]')]"
        ".every(o => o.textContent.includes('稍等'))"
    )
    wanted = next(r for r in replies if r["key"] == "wait_moment")
    keys = agent.eval_on_selector_all(
        "#canned-list [role=option]", "nodes => nodes.map(n => n.dataset.key)"
    )
    for _ in range(keys.index("wait_moment")):
        reply.press("ArrowDown")
    agent.locator('#canned-list [data-key="wait_moment"][aria-selected="true"]').wait_for()
    shot(agent, "3-canned")
    reply.press("Enter")  # inserts
    assert agent.locator("#canned-list").is_hidden()
    assert reply.input_value() == wanted["text"]
    before = user_page.locator(".sh-msg.sh-bot").count()
    reply.press("Enter")  # sends
    user._after(before, "【人工客服 张三】" + wanted["text"][:6])

    # A note for colleagues: in the console, never on the user's side.
    agent.fill("#hn-text", NOTE)
    agent.click("#hn-form [type=submit]")
    agent.locator("#hn-list .note", has_text=NOTE).wait_for()

    # Transfer to 李四 with a note; the chat leaves 张三's list and lands in 李四's.
    agent.click("#conv-transfer")
    agent.locator("#transfer-dialog[open]").wait_for()
    agent.select_option("#transfer-to", "lisi")
    agent.fill("#transfer-note", TRANSFER_NOTE)
    agent.click("#transfer-submit")
    agent.locator("#transfer-dialog").wait_for(state="hidden")
    agent.locator(f'#mine-list [data-key="open:{handoff_id}"]').wait_for(state="detached")
    assert agent.locator("#conv-transfer").is_hidden() and agent.locator("#reply").is_disabled()
    boss.click("#tab-chats")
    boss.locator(f'#mine-list [data-key="open:{handoff_id}"]').click()
    transfer = console_text("page.notes.transfer", **{"from": "张三", "to": "李四"})
    boss.locator("#hn-list .note-transfer", has_text=transfer).wait_for()
    boss.locator("#hn-list .note-transfer", has_text=TRANSFER_NOTE).wait_for()
    boss.locator("#hn-list .note", has_text=NOTE).wait_for()
    assert boss.text_content("#hn-title") == console_text("page.notes.title")
    before = user_page.locator(".sh-msg.sh-bot").count()
    boss.fill("#reply", "您好，我是李四，接着为您处理。")
    boss.press("#reply", "Enter")
    user._after(before, "【人工客服 李四】")
    shot(boss, "4-transferred")
    user_page.screenshot(path=str(OUT / "agent-tools-5-user.png"))
    seen_by_user = " ".join(user.bot_texts())
    assert NOTE not in seen_by_user and TRANSFER_NOTE not in seen_by_user

    # The supervisor's figures: nobody waiting, the chat held by 李四; once closed, handled.
    boss.click("#tab-supervisor")
    wait_text(boss, "#sv-queue-length", "0")
    wait_text(boss, '#sv-agents tr[data-agent="lisi"] td.num', "1")
    assert boss.text_content('#sv-agents tr[data-agent="zhangsan"] td.num') == "0"
    boss.click("#tab-chats")
    boss.click("#conv-close")
    boss.click("#confirm-ok")
    user._after(before, "人工服务已结束")
    boss.click("#tab-supervisor")
    wait_text(boss, "#sv-handled", "1")
    wait_text(boss, '#sv-agents tr[data-agent="lisi"] td.num', "0")
    assert boss.text_content("#sv-queued") == "1"
    assert boss.text_content("#sv-abandoned") == "0"

    # A second user asks for a person, then closes the page: the chat is marked abandoned and
    # leaves the queue (its departure moved back past widget_gone_seconds, not waited for).
    leaver_page = new_page(browser, errors, (1280, 800))
    leaver = Widget(leaver_page)
    leaver.open(servers.base + "demo")
    leaver.say("转人工", "转接人工客服")
    left_id = queued_id(servers, leaver.session_id())
    agent.locator(f'[data-key="claim:{left_id}"]').wait_for(timeout=BOT_TIMEOUT_MS)
    wait_text(boss, "#sv-queue-length", "1")
    leaver_page.context.close()
    left_at = wait_for_departure(servers, left_id)
    gone = load_handoff_policy().widget_gone_seconds
    backdate(servers, left_id, owner_left_at=gone + 5 + (time_since(left_at)))
    agent.locator(f'[data-key="claim:{left_id}"]').wait_for(state="detached", timeout=30_000)
    wait_text(boss, "#sv-abandoned", "1")
    wait_text(boss, "#sv-queue-length", "0")
    assert boss.text_content("#sv-queued") == "2"
    with session_scope(servers.ticket_url) as session:
        assert get_handoff(session, handoff_id=left_id).status == "abandoned"
    shot(boss, "6-supervisor")
    assert errors == []
