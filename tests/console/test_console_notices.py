"""A ticket's notices in the console: a status change an agent makes reaches the owner on
WeChat (the fake WeChat API of the channel tests), and the ticket view lists the notices."""

from __future__ import annotations

import pytest

from bot.console import accounts
from bot.notify.setup import build_senders
from bot.notify.worker import deliver_due
from bot.settings import get_settings
from bot.tickets import session_scope
from tests.channels.wechat_fakes import APP_ID, APP_SECRET, FakeWeChatApi
from tests.console.conftest import Server
from tests.tickets.helpers import console_ticket

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery"
OPENID = "oOwner-console-1"


@pytest.fixture
def wechat(monkeypatch: pytest.MonkeyPatch):
    fake = FakeWeChatApi().start()
    monkeypatch.setenv("WECHAT_API_BASE_URL", fake.base_url)
    monkeypatch.setenv("WECHAT_APP_ID", APP_ID)
    monkeypatch.setenv("WECHAT_APP_SECRET", APP_SECRET)
    monkeypatch.setenv("WECHAT_NOTICE_TEMPLATE_ID", "tpl-progress")
    monkeypatch.delenv("SMS_URL", raising=False)
    get_settings.cache_clear()
    yield fake
    fake.stop()
    get_settings.cache_clear()


def ticket(channel: str, sender_id: str, intake_id: str) -> str:
    record = console_ticket(
        intake_id=intake_id,
        sender_id=sender_id,
        channel=channel,
        serial_number="864752047771234",
        service_type="store",
    )
    return str(record.ticket_no)


async def test_an_agents_status_change_reaches_wechat_and_shows_in_the_ticket(
    server: Server, wechat: FakeWeChatApi
) -> None:
    accounts.add_agent("zhang", "张三", PASSWORD)
    on_wechat = ticket("wechat", OPENID, "i-wechat")
    by_rest = ticket("rest", "api-user", "i-rest")
    async with server.client() as zhang:
        assert (await zhang.get(f"api/tickets/{on_wechat}/notices"))[0] == 401  # signed out
        await zhang.login("zhang", PASSWORD)
        assert await zhang.get(f"api/tickets/{on_wechat}/notices") == (200, {"notices": []})
        for number in (on_wechat, by_rest):
            status, _ = await zhang.post(f"api/tickets/{number}/status", {"status": "received"})
            assert status == 200
        senders = build_senders(get_settings(), widget=False).senders
        report = await deliver_due(session_scope, senders)
        assert (report.sent, report.waiting) == (1, {"sms": 1})
        [message] = wechat.state.templates
        assert message["touser"] == OPENID
        assert message["data"]["keyword1"]["value"] == on_wechat

        status, body = await zhang.get(f"api/tickets/{on_wechat}/notices")
        [notice] = body["notices"]
        assert status == 200
        assert notice["text"].startswith(f"您的维修单 {on_wechat} 有新进度：已收到手机。")
        assert (notice["channel"], notice["status"], notice["attempts"]) == ("wechat", "sent", 1)
        assert notice["sent_at"] and notice["next_attempt_at"] is None
        assert notice["recipient"] == ""  # an openid is not shown

        _, body = await zhang.get(f"api/tickets/{by_rest}/notices")
        [notice] = body["notices"]
        assert (notice["channel"], notice["status"], notice["attempts"]) == ("sms", "pending", 0)
        assert notice["recipient"] == "139****5678"
        assert notice["next_attempt_at"]
        assert (await zhang.get("api/tickets/R20000101-0001/notices"))[0] == 404
