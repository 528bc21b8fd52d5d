"""Fixtures of the notice tests: a migrated ticket store, tickets, a fake SMS provider."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.channels import live
from bot.notify.senders import NoticeSender
from bot.notify.sms import HttpSmsProvider, SmsSender
from bot.settings import get_settings
from bot.tickets.db import session_scope
from tests.channels.wechat_fakes import APP_ID, APP_SECRET, FakeWeChatApi
from tests.conftest import migrated_ticket_store
from tests.notify.sms_fake import SMS_TOKEN, FakeSmsProvider
from tests.tickets.conftest import postgres_server  # noqa: F401  (fixture)
from tests.tickets.helpers import new_ticket

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
PHONE = "13800138000"
TEMPLATE_ID = "tpl-repair-progress-0001"


@pytest.fixture(autouse=True)
def _no_live_channels(monkeypatch: pytest.MonkeyPatch) -> None:
    """No channel another test mounted in this process: a test registers the ones it runs."""
    monkeypatch.setattr(live, "_channels", {})


@pytest.fixture(autouse=True)
def _notify_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TIMEZONE", "Asia/Shanghai")
    monkeypatch.setenv("TICKET_PREFIX", "R")
    for name in ("SMS_URL", "SMS_TOKEN", "WECHAT_NOTICE_TEMPLATE_ID", "WECHAT_APP_ID"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A migrated SQLite ticket store (``DATABASE_URL``); its URL."""
    yield from migrated_ticket_store(monkeypatch, tmp_path)


@pytest.fixture
def factory(store: str) -> Callable[[], Any]:
    """Opens a committed session of the store, as the worker does."""
    return functools.partial(session_scope, store)


def make_ticket(
    url: str, *, channel: str = "rest", sender_id: str = "user-1", phone: str = PHONE
) -> str:
    """Create a ticket of a conversation on ``channel``; its number."""
    with session_scope(url) as session:
        record, _ = new_ticket(
            session,
            now=T0,
            intake_id=f"intake-{uuid.uuid4().hex}",
            sender_id=sender_id,
            channel=channel,
            device_model_id="oneplus_12",
            serial_number="861234567890123",
            purchase_date=dt.date(2026, 3, 1),
            warranty_status="in_warranty",
            fault_category="screen",
            fault_description="屏幕碎了",
            service_type="store",
            city="深圳",
            contact_phone=phone,
        )
    return str(record.ticket_no)


@pytest.fixture
def sms() -> Iterator[FakeSmsProvider]:
    """A running fake SMS provider."""
    provider = FakeSmsProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def sms_sender(sms: FakeSmsProvider) -> NoticeSender:
    """The real SMS sender, talking to the fake provider."""
    return SmsSender(HttpSmsProvider(url=sms.url, token=SMS_TOKEN, timeout=5.0))


@pytest.fixture
def wechat() -> Iterator[FakeWeChatApi]:
    """The fake WeChat API of the channel tests (``tests.channels.wechat_fakes``)."""
    fake = FakeWeChatApi().start()
    yield fake
    fake.stop()


@pytest.fixture
def wechat_settings(monkeypatch: pytest.MonkeyPatch, wechat: FakeWeChatApi) -> FakeWeChatApi:
    """``WECHAT_*`` of the test account on the fake API, with a notice template."""
    monkeypatch.setenv("WECHAT_API_BASE_URL", wechat.base_url)
    monkeypatch.setenv("WECHAT_APP_ID", APP_ID)
    monkeypatch.setenv("WECHAT_APP_SECRET", APP_SECRET)
    monkeypatch.setenv("WECHAT_NOTICE_TEMPLATE_ID", TEMPLATE_ID)
    monkeypatch.delenv("WECHAT_REDIS_URL", raising=False)
    get_settings.cache_clear()
    return wechat
