"""The dashboard tab in headless Chromium, on the test server (no model): shown to managers
only, its charts drawn by Chart.js under the page's Content-Security-Policy, its tables and
states (figures, 暂无数据, a bad period) in the catalogue's Chinese."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.catalog.handoff import load_handoff_policy
from bot.console import accounts
from bot.console.texts import console_text
from bot.settings import get_settings
from tests.console.conftest import Server
from tests.console.test_console_api import queue_chat

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

PASSWORD = "correct horse battery"
#: The login view's own 401 (signed out) is expected; nothing else may be logged as an error.
EXPECTED = ("status of 401 (Unauthorized)",)


@pytest.fixture
async def page(server: Server, browser: Any) -> AsyncIterator[tuple[Any, list[str]]]:
    """A page on the console in the business time zone, and the errors it logs."""
    accounts.add_agent("zhang", "张三", PASSWORD)
    accounts.add_agent("boss", "王经理", PASSWORD, role="manager")
    context = await browser.new_context(
        locale="zh-CN",
        timezone_id=get_settings().timezone,
        viewport={"width": 1440, "height": 900},
    )
    opened = await context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not any(e in m.text for e in EXPECTED)
            else None
        ),
    )
    await opened.goto(server.base)
    yield opened, errors
    await context.close()


async def sign_in(page: Any, username: str, name: str) -> None:
    await page.fill("#login-username", username)
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-submit")
    await page.locator("#agent-name", has_text=name).wait_for()


async def rows_of(page: Any, name: str) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = await page.eval_on_selector_all(
        f"#dash-{name} tbody tr",
        "rows => rows.map(r => Object.fromEntries("
        "[...r.cells].map(c => [c.dataset.col, c.textContent])))",
    )
    return rows


async def test_a_manager_reads_the_queued_chat_in_the_dashboard(
    server: Server, page: tuple[Any, list[str]]
) -> None:
    tab, errors = page
    await queue_chat(server)  # a handoff today, not answered yet
    await sign_in(tab, "boss", "王经理")
    await tab.click("#tab-dashboard")
    await tab.locator("#dash-cards:not([aria-busy])").wait_for()
    await tab.locator("#dash-handling tbody tr").first.wait_for()
    today = dt.datetime.now(get_settings().tz).date().isoformat()
    assert await tab.input_value("#dash-to") == today
    week_ago = (dt.date.fromisoformat(today) - dt.timedelta(days=6)).isoformat()
    assert await tab.input_value("#dash-from") == week_ago
    # the channel filter offers the channels of the period
    options = await tab.eval_on_selector_all("#dash-channel option", "os => os.map(o => o.value)")
    assert options == ["", "socketio"]
    # the handoff: one escalation with its reason's label, one handoff today, not yet answered
    label = load_handoff_policy().label("request_human")
    assert await rows_of(tab, "escalations") == [{"reason_label": label, "count": "1"}]
    assert await rows_of(tab, "handling") == [
        {
            "day": today,
            "handoffs": "1",
            "answered": "0",
            "abandoned": "0",
            "avg_wait_seconds": "—",
            "avg_handling_seconds": "—",
        }
    ]
    # Chart.js loaded under the page's CSP and drew the charts of the tables with figures
    await tab.wait_for_function(
        "() => !!window.Chart && !!document.querySelector('#dash-escalations canvas[width]')"
    )
    assert await tab.locator("#dash-handling .dash-chart").is_visible()
    assert await tab.locator("#dash-csat .dash-empty").is_visible()  # nobody rated
    assert await tab.locator("#dash-csat .dash-chart").is_hidden()
    href = await tab.get_attribute("#dash-handling .dash-export", "href")
    assert href == f"api/dashboard/handling.csv?from={week_ago}&to={today}"
    inbox = await tab.get_attribute("#dash-missed .dash-inbox a", "href")
    assert inbox == f"api/dashboard/inbox.csv?from={week_ago}&to={today}"
    assert "page." not in await tab.inner_text("#dashboard-view")

    # a period with nothing in it, then a reversed one: said in Chinese
    await tab.fill("#dash-from", "2020-01-01")
    await tab.fill("#dash-to", "2020-01-07")
    await tab.click("#dash-apply")
    empty = console_text("page.dashboard.empty_period")
    await tab.locator("#dash-message", has_text=empty).wait_for()
    assert await tab.locator("#dash-handling .dash-empty").is_visible()
    await tab.fill("#dash-from", "2020-01-09")
    await tab.click("#dash-apply")
    bad = console_text("page.dashboard.errors.bad_period")
    await tab.locator("#dash-message.form-message-error", has_text=bad).wait_for()
    assert await tab.get_attribute("#dash-from", "aria-invalid") == "true"
    # a quick range sets the dates and loads them
    await tab.click("#dash-last-30")
    await tab.locator("#dash-escalations tbody tr").first.wait_for()
    month_ago = (dt.date.fromisoformat(today) - dt.timedelta(days=29)).isoformat()
    assert await tab.input_value("#dash-from") == month_ago
    assert await tab.get_attribute("#dash-from", "aria-invalid") == "false"
    assert errors == []


async def test_an_agent_sees_no_dashboard_and_signing_out_clears_it(
    server: Server, page: tuple[Any, list[str]]
) -> None:
    tab, errors = page
    await queue_chat(server)
    await sign_in(tab, "boss", "王经理")
    await tab.click("#tab-dashboard")
    await tab.locator("#dash-escalations tbody tr").first.wait_for()
    await tab.click("#logout")
    await tab.locator("#login-view").wait_for()
    assert await tab.locator("#dash-cards > *").count() == 0  # no figures left on the page
    await sign_in(tab, "zhang", "张三")
    assert await tab.locator("#tab-dashboard").is_hidden()
    assert await tab.locator("#dashboard-view").is_hidden()
    assert errors == []
