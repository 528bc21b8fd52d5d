"""Progress that comes to the owner, end to end: ``scripts/run.sh`` with the trained model.

An agent changes a ticket's status in the console; the owner's open widget shows the notice
(pushed by the Rasa worker that holds the socket, started by ``bot.serve``); the console's
ticket view lists it as sent. With the widget closed, the next change reaches the owner by
SMS on the fake provider. Screenshots go to ``test-output/notices/``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest

from bot.console import accounts
from bot.tickets import TicketDraft, create_ticket, session_scope
from tests.channels.servers import (
    BOT_TIMEOUT_MS,
    Servers,
    Widget,
    launch_chromium,
    running_servers,
)
from tests.conftest import ROOT
from tests.notify.sms_fake import SMS_TOKEN, FakeSmsProvider

pytestmark = [pytest.mark.model, pytest.mark.slow]

OUT = ROOT / "test-output" / "notices"
PASSWORD = "notices password 1"
PHONE = "13912345678"
WIDGET_WAIT_SECONDS = 8


@pytest.fixture(scope="module")
def sms() -> Iterator[FakeSmsProvider]:
    provider = FakeSmsProvider().start()
    yield provider
    provider.stop()


@pytest.fixture(scope="module")
def servers(trained_model, tmp_path_factory, sms) -> Iterator[Servers]:
    env = {
        "SMS_URL": sms.url,
        "SMS_TOKEN": SMS_TOKEN,
        "NOTIFY_INTERVAL_SECONDS": "1",
        "NOTIFY_WIDGET_WAIT_SECONDS": str(WIDGET_WAIT_SECONDS),
    }
    with running_servers(tmp_path_factory.mktemp("notices"), OUT / "run.log", env) as servers:
        accounts.add_agent("wangwu", "王五", PASSWORD, url=servers.ticket_url)
        yield servers


def file_ticket(url: str, session_id: str) -> str:
    """The owner's ticket, as the widget conversation would have filed it."""
    with session_scope(url) as session:
        ticket, _ = create_ticket(
            session,
            TicketDraft(
                intake_id=uuid.uuid4().hex,
                sender_id=session_id,
                channel="socketio",
                device_model_id="oneplus-12",
                serial_number="864752047771234",
                purchase_date=dt.date(2026, 3, 1),
                warranty_status="in_warranty",
                fault_category="screen",
                fault_description="屏幕有绿线",
                service_type="store",
                city="成都",
                contact_phone=PHONE,
            ),
        )
    return str(ticket.ticket_no)


def test_a_console_status_change_reaches_the_open_widget_then_sms(servers, sms):
    OUT.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with launch_chromium() as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
        user_page = context.new_page()
        user_page.on("pageerror", lambda error: errors.append(str(error)))
        user = Widget(user_page)
        user.open(servers.base + "demo")
        user.say("你好", "售后助手")
        number = file_ticket(servers.ticket_url, user.session_id())

        agent_context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
        agent = agent_context.new_page()
        agent.on("pageerror", lambda error: errors.append(str(error)))
        agent.goto(f"http://127.0.0.1:{servers.rasa_port}/webhooks/console/")
        agent.fill("#login-username", "wangwu")
        agent.fill("#login-password", PASSWORD)
        agent.click("#login-submit")
        agent.locator("#agent-name", has_text="王五").wait_for()
        agent.click("#tab-tickets")
        agent.fill("#ticket-q", number)
        agent.press("#ticket-q", "Enter")
        row = agent.locator(f'[data-ticket="{number}"]')
        row.wait_for()
        row.click()
        agent.locator("#td-notices", has_text="暂无通知").wait_for()

        before = user_page.locator(".sh-msg.sh-bot").count()
        agent.select_option("#sf-status", "received")
        agent.click("#status-submit")
        user._after(before, f"您的维修单 {number} 有新进度：已收到手机")
        row.click()  # the ticket view again: the notice was sent to the widget
        agent.locator("#td-notices .notice-sent", has_text="网页推送").wait_for(
            timeout=BOT_TIMEOUT_MS
        )
        agent.screenshot(path=str(OUT / "1-console-notice-sent.png"))
        user_page.screenshot(path=str(OUT / "2-widget-notice.png"))
        assert sms.messages() == []

        context.close()  # the owner closes the page
        agent.select_option("#sf-status", "diagnosing")
        agent.click("#status-submit")
        [message] = sms.wait_for(1, timeout=WIDGET_WAIT_SECONDS + 30)
        assert message["to"] == PHONE
        assert message["text"].startswith(f"您的维修单 {number} 有新进度：检测中")
        row.click()
        agent.locator("#td-notices .notice-sent", has_text="短信").wait_for(timeout=BOT_TIMEOUT_MS)
        agent.screenshot(path=str(OUT / "3-console-sms-sent.png"))
        agent_context.close()
    assert errors == []
