"""WeChat notices: a status change by the ticket CLI becomes a template message on WeChat's API.

WeChat's API is the channel tests' fake (``tests.channels.wechat_fakes``); the status change
and the delivery are the operators' commands (``python -m bot.tickets.cli set-status``,
``python -m bot.notify deliver``).
"""

from __future__ import annotations

import asyncio
import os

from bot.channels import live
from bot.channels.wechat.api import WeChatApi
from bot.notify import cli as notify_cli
from bot.notify.setup import build_senders
from bot.notify.worker import deliver_due
from bot.settings import get_settings
from bot.tickets import cli as tickets_cli
from bot.tickets import session_scope
from bot.tickets.notices import list_notices
from tests.channels.wechat_fakes import APP_ID, APP_SECRET
from tests.notify.conftest import TEMPLATE_ID, make_ticket

OPENID = "oOwner-wechat-1"


def notices(url: str, number: str):
    with session_scope(url) as session:
        return list_notices(session, ticket_no=number)


def test_a_cli_status_change_becomes_a_wechat_template_message(store, wechat_settings, capsys):
    number = make_ticket(store, channel="wechat", sender_id=OPENID)
    assert tickets_cli.main(["set-status", number, "repairing", "--by", "engineer-7"]) == 0
    assert wechat_settings.state.templates == []  # written to the outbox, not sent inline
    assert notify_cli.main(["deliver"]) == 0
    assert "1 sent" in capsys.readouterr().out
    [message] = wechat_settings.state.templates
    assert message["touser"] == OPENID
    assert message["template_id"] == TEMPLATE_ID
    data = message["data"]
    assert set(data) == {"first", "keyword1", "keyword2", "remark"}
    assert data["first"]["value"].startswith(f"您的维修单 {number} 有新进度：维修中。")
    assert data["keyword1"]["value"] == number
    [notice] = notices(store, number)
    local = notice.created_at.astimezone(get_settings().tz)
    assert data["keyword2"]["value"] == local.strftime("%Y-%m-%d %H:%M")
    assert (notice.status, notice.channel, notice.attempts) == ("sent", "wechat", 1)
    # Delivered once: a second run sends nothing.
    assert notify_cli.main(["deliver"]) == 0
    assert len(wechat_settings.state.templates) == 1


def test_wechat_down_leaves_the_notice_pending_and_a_later_run_sends_it(
    store, wechat_settings, capsys
):
    number = make_ticket(store, channel="wechat", sender_id=OPENID)
    assert tickets_cli.main(["set-status", number, "received"]) == 0
    wechat_settings.stop()  # WeChat unreachable
    assert notify_cli.main(["deliver"]) == 0
    assert "1 to retry" in capsys.readouterr().out
    [notice] = notices(store, number)
    assert (notice.status, notice.attempts) == ("pending", 1)
    assert "wechat" in (notice.last_error or "")
    # Back up (a new fake on the same settings), and the retry is due.
    from tests.channels.wechat_fakes import FakeWeChatApi

    again = FakeWeChatApi().start()
    try:
        os.environ["WECHAT_API_BASE_URL"] = again.base_url
        get_settings.cache_clear()
        senders = build_senders(get_settings(), widget=False)
        later = notice.next_attempt_at
        report = asyncio.run(deliver_due(lambda: session_scope(store), senders.senders, later))
        assert report.sent == 1
        [message] = again.state.templates
        assert message["touser"] == OPENID
    finally:
        again.stop()
    [notice] = notices(store, number)
    assert (notice.status, notice.attempts) == ("sent", 2)


def test_an_expired_token_is_renewed_once_and_a_refusal_for_good_fails(store, wechat_settings):
    first = make_ticket(store, channel="wechat", sender_id=OPENID)
    second = make_ticket(store, channel="wechat", sender_id="oUnfollowed")
    senders = build_senders(get_settings(), widget=False).senders
    tickets_cli.main(["set-status", first, "received"])
    asyncio.run(deliver_due(lambda: session_scope(store), senders))
    wechat_settings.state.expire_tokens()
    tickets_cli.main(["set-status", first, "diagnosing"])
    tickets_cli.main(["set-status", second, "received"])
    wechat_settings.state.unfollowed.add("oUnfollowed")  # WeChat refuses: 43004
    report = asyncio.run(deliver_due(lambda: session_scope(store), senders))
    assert (report.sent, report.failed) == (1, 1)
    assert len(wechat_settings.state.token_requests) == 2  # renewed after the expiry
    sent = {m["touser"] for m in wechat_settings.state.templates}
    refused = [n for n in (*notices(store, first), *notices(store, second)) if n.status == "failed"]
    assert len(refused) == 1 and refused[0].last_error == "wechat errcode 43004"
    assert len(sent) == 1


def test_the_running_wechat_channel_lends_its_token(store, wechat_settings, monkeypatch):
    api = WeChatApi(
        base_url=wechat_settings.base_url, app_id=APP_ID, app_secret=APP_SECRET, timeout=5
    )

    class Channel:
        app_id = APP_ID

        def __init__(self) -> None:
            self.api = api

        def name(self) -> str:
            return "wechat"

    monkeypatch.setattr(live, "_channels", {})
    live.register_live_channel(Channel())
    token = api.access_token()
    number = make_ticket(store, channel="wechat", sender_id=OPENID)
    tickets_cli.main(["set-status", number, "received"])
    senders = build_senders(get_settings(), widget=False).senders
    assert asyncio.run(deliver_due(lambda: session_scope(store), senders)).sent == 1
    assert len(wechat_settings.state.token_requests) == 1  # the channel's token, no new one
    assert api.access_token() == token


def test_without_a_template_id_wechat_notices_wait_and_the_cli_says_why(
    store, wechat_settings, monkeypatch, capsys
):
    monkeypatch.delenv("WECHAT_NOTICE_TEMPLATE_ID")
    get_settings.cache_clear()
    number = make_ticket(store, channel="wechat", sender_id=OPENID)
    tickets_cli.main(["set-status", number, "received"])
    assert notify_cli.main(["deliver"]) == 0
    out = capsys.readouterr().out
    assert "1 wechat notice(s) wait: WECHAT_NOTICE_TEMPLATE_ID is not set" in out
    assert wechat_settings.state.templates == []
    assert notify_cli.main(["show", number]) == 0
    assert "status_changed wechat pending attempts=0" in capsys.readouterr().out
