"""The console's page in headless Chromium, on the test server (no model): its texts come from
``console.yml``, its ES modules load under the page's Content-Security-Policy, and the ticket
form is built from the ticket's field definitions."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import update

from bot.catalog.handoff import load_handoff_policy
from bot.console import accounts
from bot.console.texts import console_text
from bot.tickets import get_handoff, session_scope
from bot.tickets.models import Handoff
from tests.console.conftest import FakeLiveChannel, Server
from tests.console.test_console_api import queue_chat

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

PASSWORD = "correct horse battery"
#: Answers the page expects and handles: signed out or a wrong password, a form to correct.
EXPECTED = ("status of 401 (Unauthorized)", "status of 422 (Unprocessable Entity)")


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


async def sign_in(page: Any, username: str = "zhang", name: str = "张三") -> None:
    await page.fill("#login-username", username)
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-submit")
    await page.locator("#agent-name", has_text=name).wait_for()


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
    # an internal note on the ticket, in its view
    await page.locator("#tn-list", has_text=console_text("page.notes.empty")).wait_for()
    await page.fill("#tn-text", "用户要求加急")
    await page.click("#tn-form [type=submit]")
    await page.locator("#tn-list .note", has_text="用户要求加急").wait_for()
    assert await page.text_content("#tn-title") == console_text("page.notes.title")
    assert errors == []


def backdate(handoff_id: int, seconds: float) -> None:
    """As if the chat had waited ``seconds`` already."""
    created = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=seconds)
    with session_scope() as session:
        session.execute(update(Handoff).where(Handoff.id == handoff_id).values(created_at=created))


async def shown_keys(page: Any) -> list[str]:
    keys: list[str] = await page.eval_on_selector_all(
        "#canned-list [role=option]", "nodes => nodes.map(n => n.dataset.key)"
    )
    return keys


async def test_an_agent_uses_presence_the_sla_timer_canned_replies_notes_and_transfer(
    server: Server, console: tuple[Any, list[str]], web_channel: FakeLiveChannel
) -> None:
    page, errors = console
    accounts.add_agent("lisi", "李四", PASSWORD)
    sla = load_handoff_policy().queue_sla
    handoff_id = await queue_chat(server, device_model="oneplus-12")
    backdate(handoff_id, sla.amber_seconds - 2)
    await sign_in(page)
    assert await page.locator("#tab-supervisor").is_hidden()  # an agent, not a supervisor

    # presence: the select sets it, the queue's answer shows it
    await page.select_option("#presence", "away")
    await page.locator('#presence-box[data-presence="away"]').wait_for()
    await page.select_option("#presence", "online")
    await page.locator('#presence-box[data-presence="online"]').wait_for()
    async with server.client() as me:
        assert await me.login("zhang", PASSWORD) == 200
        assert (await me.get("api/presence"))[1] == {"presence": "online"}

    # the waiting chat's timer ticks into amber, with words, not colour alone
    item = page.locator(f'.chat-item:has([data-key="claim:{handoff_id}"])')
    await item.locator(".sla-flag", has_text=console_text("page.sla.amber")).wait_for()
    assert "sla-amber" in str(await item.get_attribute("class"))
    backdate(handoff_id, sla.red_seconds + 1)
    await item.locator(".sla-flag", has_text=console_text("page.sla.red")).wait_for()

    async with server.client() as li:
        assert await li.login("lisi", PASSWORD) == 200
        assert (await li.post("api/presence", {"presence": "online"}))[0] == 200
        await page.click(f'[data-key="claim:{handoff_id}"]')
        await page.locator("#conv-transfer:not([hidden])").wait_for()

        # canned replies: "/" lists the chat's, words filter, keys choose, Enter inserts
        replies = await page.evaluate(
            "id => fetch(`api/handoffs/${id}/canned-replies`).then(r => r.json())", handoff_id
        )
        replies = replies["replies"]
        reply = page.locator("#reply")
        await reply.press_sequentially("/")
        await page.locator("#canned-list [role=option]").first.wait_for()
        assert await shown_keys(page) == [r["key"] for r in replies]
        marked = await page.eval_on_selector_all(
            "#canned-list .canned-missing", "nodes => nodes.map(n => n.dataset.key)"
        )
        assert marked == [r["key"] for r in replies if r["missing"]] != []
        await reply.press_sequentially("机型")
        await page.wait_for_function(
            "() => document.querySelectorAll('#canned-list [role=option]').length < 5"
        )
        keys = await shown_keys(page)
        assert "model_check" in keys and "greeting" not in keys
        for _ in range(keys.index("model_check")):
            await reply.press("ArrowDown")
        await reply.press("Enter")
        assert await page.locator("#canned-list").is_hidden()
        model_check = next(r for r in replies if r["key"] == "model_check")
        assert await reply.input_value() == model_check["text"]
        assert "一加 12" in model_check["text"]
        # a reply with a gap: marked in the list, and the gap is selected once inserted
        await reply.fill("")
        await reply.press_sequentially("/进度")
        progress = page.locator('#canned-list [data-key="progress"]')
        names = console_text("page.canned.placeholders.ticket_no")
        await progress.locator(".canned-flag", has_text=names).wait_for()
        await reply.press("Escape")
        assert await page.locator("#canned-list").is_hidden()
        assert await reply.input_value() == "/进度"  # Escape keeps what was typed
        await reply.fill("")
        await reply.press_sequentially("/进度")
        await progress.wait_for()
        await progress.click()
        selected = await page.evaluate(
            "() => { const r = document.getElementById('reply');"
            " return r.value.slice(r.selectionStart, r.selectionEnd); }"
        )
        assert selected == "{ticket_no}"
        await reply.fill(model_check["text"])
        await reply.press("Enter")
        await page.locator("#transcript .ev-agent", has_text="一加 12").wait_for()

        # an internal note: on the chat, never sent to the user
        await page.fill("#hn-text", "用户情绪激动，注意安抚")
        await page.click("#hn-form [type=submit]")
        await page.locator("#hn-list .note", has_text="用户情绪激动").wait_for()
        assert not any("情绪" in text for text in web_channel.texts("web-user-1"))
        assert any("一加 12" in text for text in web_channel.texts("web-user-1"))

        # transfer: refused in Chinese when the colleague went offline, then done
        await page.click("#conv-transfer")
        await page.locator('#transfer-to option[value="lisi"]').wait_for(state="attached")
        await page.select_option("#transfer-to", "lisi")
        assert (await li.post("api/presence", {"presence": "offline"}))[0] == 200
        await page.fill("#transfer-note", "请跟进报价")
        await page.click("#transfer-submit")
        refused = console_text("page.transfer.errors.target_offline")
        await page.locator("#transfer-form-message", has_text=refused).wait_for()
        offline = console_text("page.transfer.agent_offline", name="李四", username="lisi")
        await page.locator('#transfer-to option[value="lisi"]', has_text=offline).wait_for(
            state="attached"
        )
        assert (await li.post("api/presence", {"presence": "online"}))[0] == 200
        # the choice stays (marked offline while lisi is away); lisi is back: done
        assert await page.input_value("#transfer-to") == "lisi"
        await page.click("#transfer-submit")
        await page.locator("#transfer-dialog").wait_for(state="hidden")
        await page.locator(f'[data-key="open:{handoff_id}"]').wait_for(state="detached")
        assert await page.locator("#reply").is_disabled()
        with session_scope() as session:
            assert get_handoff(session, handoff_id=handoff_id).agent_username == "lisi"
        status, answer = await li.get(f"api/handoffs/{handoff_id}/notes")
        assert status == 200
        assert [n["kind"] for n in answer["notes"]] == ["note", "transfer"]
        assert answer["notes"][1]["text"] == "请跟进报价"
    assert not any("请跟进报价" in text for text in web_channel.texts("web-user-1"))
    assert [e for e in errors if "409" not in e] == []


async def test_a_supervisor_sees_the_queue_agents_and_todays_figures(
    server: Server, browser: Any
) -> None:
    accounts.add_agent("boss", "王主管", PASSWORD, role="supervisor")
    accounts.add_agent("zhang", "张三", PASSWORD)
    waiting = await queue_chat(server, sender_id="web-user-7")
    backdate(waiting, 30)
    async with server.client() as zhang:
        assert await zhang.login("zhang", PASSWORD) == 200
        assert (await zhang.post("api/presence", {"presence": "away"}))[0] == 200
    context = await browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(server.base)
    await sign_in(page, "boss", "王主管")
    await page.click("#tab-supervisor")
    await page.locator("#supervisor-view:not([hidden])").wait_for()
    await page.locator("#sv-queue-length", has_text="1").wait_for()
    assert await page.locator("#chats-view").is_hidden()
    longest = str(await page.text_content("#sv-longest-wait"))
    seconds = re.fullmatch(console_text("page.time.seconds", s="(\\d+)"), longest)
    assert seconds and 30 <= int(seconds.group(1)) < 60, longest
    assert await page.text_content("#sv-queued") == "1"
    assert await page.text_content("#sv-handled") == "0"
    row = page.locator('#sv-agents tr[data-agent="zhang"]')
    away = console_text("page.presence.away")
    await row.locator(".presence-pill", has_text=away).wait_for()
    assert await row.locator("td.num").text_content() == "0"
    role = console_text("page.supervisor.roles.supervisor")
    await page.locator('#sv-agents tr[data-agent="boss"]', has_text=role).wait_for()
    await context.close()
    assert errors == []
