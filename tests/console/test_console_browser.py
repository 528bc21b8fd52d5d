"""A person takes over in the browser: a widget user asks for one, an agent answers in the console.

``scripts/run.sh`` with the trained model; two Chromium contexts: the user on the demo page,
the agent in the console. Screenshots go to ``test-output/console/``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.console import accounts
from bot.tickets import list_queue, session_scope
from tests.channels.servers import (
    BOT_TIMEOUT_MS,
    Servers,
    Widget,
    launch_chromium,
    running_servers,
    tiny_png,
)
from tests.conftest import ROOT

pytestmark = [pytest.mark.model, pytest.mark.slow]

OUT = ROOT / "test-output" / "console"
PASSWORD = "console password 1"
XSS = '<img src=x onerror="window.__pwned=1">'


@pytest.fixture(scope="module")
def servers(trained_model, tmp_path_factory) -> Iterator[Servers]:
    all_day = {"HANDOFF_WORKING_HOURS": "00:00-24:00"}
    with running_servers(tmp_path_factory.mktemp("console"), OUT / "run.log", all_day) as servers:
        accounts.add_agent("zhangsan", "张三", PASSWORD, url=servers.ticket_url)
        yield servers


@pytest.fixture(scope="module")
def browser(servers):
    with launch_chromium() as launched:
        yield launched


def new_page(browser, errors: list[str], size: tuple[int, int] = (1280, 800)):
    context = browser.new_context(locale="zh-CN", viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


def test_an_agent_takes_over_a_widget_chat_and_hands_it_back(servers, browser):
    OUT.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    # The agent signs in and goes online: only then does the bot offer a person.
    agent_page = new_page(browser, errors, (1440, 900))
    console = f"http://127.0.0.1:{servers.rasa_port}/webhooks/console/"
    agent_page.goto(console)
    agent_page.fill("#login-username", "zhangsan")
    agent_page.fill("#login-password", "wrong password")
    agent_page.click("#login-submit")
    agent_page.locator("#login-message", has_text="不正确").wait_for()
    agent_page.fill("#login-password", PASSWORD)
    agent_page.click("#login-submit")
    agent_page.locator("#agent-name", has_text="张三").wait_for()
    agent_page.select_option("#presence", "online")
    agent_page.locator('#presence-box[data-presence="online"]').wait_for()
    user_page = new_page(browser, errors)
    user = Widget(user_page)
    user.open(servers.base + "demo")
    user.say("屏幕碎了", "型号")
    queued = user.say("转人工", "转接人工客服")
    assert any("下一位" in text or "前面还有" in text for text in queued), queued
    session_id = user.session_id()
    with session_scope(servers.ticket_url) as session:
        [handoff] = [h for h in list_queue(session) if h.sender_id == session_id]
    # while the chat waits, the user's words are kept for the agent (the bot is quiet)
    box = user_page.locator(".sh-input")
    box.fill(XSS)
    box.press("Enter")

    # The agent sees the chat in the queue, claims it and reads the summary.
    claim = agent_page.locator(f'[data-key="claim:{handoff.id}"]')
    claim.wait_for(timeout=BOT_TIMEOUT_MS)
    claim.click()
    user._after(0, "已接入")  # the user is told a person joined
    agent_page.locator(f'[data-key="open:{handoff.id}"]').click()
    agent_page.locator("#summary-slots", has_text="屏幕碎了").wait_for()
    transcript = agent_page.locator("#transcript")
    transcript.locator(".ev-bubble", has_text="转人工").first.wait_for()
    # what the user typed is text in the console, never markup
    transcript.locator(".ev-bubble", has_text="onerror").wait_for(timeout=BOT_TIMEOUT_MS)
    assert agent_page.evaluate("window.__pwned") is None
    assert agent_page.locator("#transcript img").count() == 0

    # The agent answers; the user sees it on the widget.
    before = user_page.locator(".sh-msg.sh-bot").count()
    agent_page.fill("#reply", "您好，我是张三，请问屏幕是摔碎的吗？")
    agent_page.press("#reply", "Enter")
    user._after(before, "【人工客服 张三】您好，我是张三")
    transcript.locator(".ev-agent", has_text="请问屏幕是摔碎的吗").wait_for()
    # a photo the user sends now goes to the agent, who sees it in the transcript
    user_page.locator(".sh-file").set_input_files(
        files=[{"name": "crack.png", "mimeType": "image/png", "buffer": tiny_png()}]
    )
    photo = transcript.locator(".ev-photo img")
    photo.wait_for(timeout=BOT_TIMEOUT_MS)
    agent_page.wait_for_function(
        "() => [...document.querySelectorAll('#transcript .ev-photo img')]"
        ".every(i => i.naturalWidth > 0)"
    )
    agent_page.screenshot(path=str(OUT / "1-agent-console.png"))
    user_page.screenshot(path=str(OUT / "2-user-sees-agent.png"))

    # The agent hands the chat back; the bot answers the user's next message.
    agent_page.click("#conv-return")
    user._after(before, "转回智能助手")
    try:
        user.say("我要报修", "型号")  # the bot resumes the intake it had started
    finally:
        user_page.screenshot(path=str(OUT / "3-bot-again.png"))
    with session_scope(servers.ticket_url) as session:
        assert [h.sender_id for h in list_queue(session)] == []
    assert errors == []
