"""The WeChat API client against a fake WeChat server: tokens and customer-service messages."""

from __future__ import annotations

import pytest

from bot.channels.wechat.api import WeChatApi, WeChatApiError
from tests.channels.wechat_fakes import APP_ID, APP_SECRET, OPENID, FakeWeChatApi


def client(
    fake: FakeWeChatApi, secret: str = APP_SECRET, clock: list[float] | None = None
) -> WeChatApi:
    now = clock if clock is not None else [0.0]
    return WeChatApi(
        base_url=fake.base_url, app_id=APP_ID, app_secret=secret, timeout=5, clock=lambda: now[0]
    )


def test_token_is_fetched_once_and_cached(wechat: FakeWeChatApi) -> None:
    api = client(wechat)
    api.send_text(OPENID, "您好")
    api.send_text(OPENID, "工单号：R20261122-0001")
    assert wechat.state.texts() == ["您好", "工单号：R20261122-0001"]
    assert len(wechat.state.token_requests) == 1
    request = wechat.state.token_requests[0]
    assert request == {
        "grant_type": ["client_credential"],
        "appid": [APP_ID],
        "secret": [APP_SECRET],
    }
    assert wechat.state.sent[0] == {
        "touser": OPENID,
        "msgtype": "text",
        "text": {"content": "您好"},
    }


def test_token_is_renewed_before_it_expires(wechat: FakeWeChatApi) -> None:
    now = [0.0]
    api = client(wechat, clock=now)
    first = api.access_token()
    now[0] = 7200 - 301
    assert api.access_token() == first
    now[0] = 7200 - 299
    assert api.access_token() != first
    assert len(wechat.state.token_requests) == 2


@pytest.mark.parametrize("code", [40001, 42001])
def test_rejected_token_is_refreshed_and_the_message_retried_once(
    wechat: FakeWeChatApi, code: int
) -> None:
    api = client(wechat)
    api.send_text(OPENID, "第一条")
    wechat.state.invalid_token_code = code
    wechat.state.expire_tokens()
    api.send_text(OPENID, "第二条")
    assert wechat.state.texts() == ["第一条", "第二条"]
    assert len(wechat.state.token_requests) == 2
    assert [r["errcode"] for r in wechat.state.rejected] == [code]


def test_other_errors_are_raised_not_retried(wechat: FakeWeChatApi) -> None:
    api = client(wechat)
    with pytest.raises(WeChatApiError) as error:
        api.send_text(OPENID, "长" * 700)  # 2100 bytes: over WeChat's limit
    assert error.value.errcode == 45002
    assert len(wechat.state.token_requests) == 1


def test_wrong_secret_is_an_error(wechat: FakeWeChatApi) -> None:
    with pytest.raises(WeChatApiError) as error:
        client(wechat, secret="wrong").send_text(OPENID, "您好")
    assert error.value.errcode == 40125
    assert wechat.state.sent == []


def test_unreachable_api_is_an_error() -> None:
    api = WeChatApi(base_url="http://127.0.0.1:9", app_id=APP_ID, app_secret="s", timeout=1)
    with pytest.raises(WeChatApiError):
        api.access_token()
