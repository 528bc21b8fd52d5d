"""The console's page in headless Chromium, on the test server (no model): its texts come from
``console.yml``, its ES modules load under the page's Content-Security-Policy, and the ticket
form is built from the ticket's field definitions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.console import accounts
from bot.console.texts import console_text
from tests.channels.servers import CHROMIUM, CHROMIUM_ARGS, missing
from tests.console.conftest import Server
from tests.console.test_console_api import queue_chat

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

PASSWORD = "correct horse battery"
#: Answers the page expects and handles: signed out or a wrong password, a form to correct.
EXPECTED = ("status of 401 (Unauthorized)", "status of 422 (Unprocessable Entity)")


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Debian's headless Chromium through Playwright's async API (the server shares the loop)."""
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is missing: apt-get install chromium")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        missing("the playwright package is not installed")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def console(server: Server, browser: Any) -> AsyncIterator[tuple[Any, list[str]]]:
    """A page on the console, and the errors it logs (exceptions, CSP refusals, failed loads)."""
    accounts.add_agent("zhang", "张三", PASSWORD)
    context = await browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if is_error(m) else None)
    await page.goto(server.base)
    yield page, errors
    await context.close()


def is_error(message: Any) -> bool:
    """A console error other than an expected answer (a missing module, a CSP refusal...)."""
    return bool(message.type == "error" and not any(e in message.text for e in EXPECTED))


async def sign_in(page: Any) -> None:
    await page.fill("#login-username", "zhang")
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-submit")
    await page.locator("#agent-name", has_text="张三").wait_for()


async def test_the_page_shows_the_catalogue_texts(console: tuple[Any, list[str]]) -> None:
    page, errors = console
    await page.locator("#login-view").wait_for()
    assert await page.text_content(".login-title") == console_text("page.signin.title")
    assert await page.text_content("label[for=login-password]") == console_text(
        "page.signin.password"
    )
    assert await page.title() == console_text("page.title")
    await page.fill("#login-username", "zhang")
    await page.fill("#login-password", "wrong password")
    await page.click("#login-submit")
    message = console_text("page.signin.bad_credentials")
    await page.locator("#login-message", has_text=message).wait_for()
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-submit")
    await page.locator("#agent-name", has_text="张三").wait_for()
    assert await page.text_content("#tab-tickets") == console_text("page.topbar.tickets")
    placeholder = await page.get_attribute("#reply", "placeholder")
    assert placeholder == console_text("page.reply.placeholder")
    # no key is left unfilled: a missing text would show its key
    assert "page." not in await page.inner_text("body")
    assert errors == []


async def test_an_agent_files_a_ticket_from_the_form_built_from_the_fields(
    server: Server, console: tuple[Any, list[str]]
) -> None:
    from bot.console.tickets import form_field_specs

    page, errors = console
    handoff_id = await queue_chat(
        server, device_model="一加12", fault_description="屏幕碎了", fault_category="screen"
    )
    await sign_in(page)
    await page.click(f'[data-key="claim:{handoff_id}"]')
    await page.locator("#summary-slots", has_text="屏幕碎了").wait_for()
    specs = form_field_specs()
    names = await page.eval_on_selector_all(
        "#ticket-form .field [name]", "nodes => nodes.map(n => n.name)"
    )
    assert names == [spec["name"] for spec in specs]
    labels = await page.eval_on_selector_all(
        "#summary-slots dt", "nodes => nodes.map(n => n.textContent)"
    )
    assert labels == [spec["label"] for spec in specs]
    category = next(spec for spec in specs if spec["name"] == "fault_category")
    screen = next(o["label"] for o in category["options"] if o["value"] == "screen")
    await page.locator("#summary-slots", has_text=screen).wait_for()
    assert await page.input_value("#tf-fault_category") == "screen"
    await page.click("#ticket-submit")  # service type and phone are missing
    await page.locator("#ticket-form [data-error-for=contact_phone]:not([hidden])").wait_for()
    await page.select_option("#tf-service_type", "mail_in")
    await page.fill("#tf-contact_phone", "13912345678")
    await page.click("#ticket-submit")
    await page.locator("#ticket-result:not([hidden])").wait_for()
    assert await page.text_content("#ticket-result-label") == console_text(
        "page.ticket_form.created"
    )
    await page.click("#ticket-result-open")
    await page.locator("#td:not([hidden])").wait_for()
    service = next(spec for spec in specs if spec["name"] == "service_type")
    assert (
        await page.text_content('#td-fields dt[data-field-label="service_type"]')
        == (service["label"])
    )
    assert errors == []
