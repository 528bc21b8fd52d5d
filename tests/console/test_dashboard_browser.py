"""The manager's dashboard in the browser, with figures from conversations held in the test.

``scripts/run.sh`` with the trained model. The test holds four conversations: on the REST
channel a question the bot answers and a message it does not understand (both contained, the
second a missed message), on the web widget a repair intake that goes through the guided
diagnosis to a store-repair ticket rated 5, and a chat handed to an agent, who claims, answers
and closes it, rated 4. A manager then opens the dashboard and reads exactly
those figures in its tables, filters by channel, exports a table as CSV and the trainer's
inbox; a plain agent sees no dashboard tab and the API refuses them. Screenshots go to
``test-output/console/dashboard-*.png``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import select

from bot.catalog.handoff import load_handoff_policy
from bot.console import accounts
from bot.console.texts import console_text
from bot.dashboard.figures import funnel_stages
from bot.dashboard.labels import dashboard_labels
from bot.settings import get_settings
from bot.tickets import session_scope
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
PASSWORD = "dashboard password 1"
AGENT, MANAGER = ("zhangsan", "张三"), ("wangjl", "王经理")
IMEI = "864752047775557"  # Luhn-valid, used by no other test
MISSED = "阿巴阿巴阿巴"  # no intent: the fallback
TABLES = ("containment", "funnel", "escalations", "handling", "csat", "diagnosis", "missed")
#: The server answers these to a plain agent, and the page to a signed-out visitor: expected.
EXPECTED = ("status of 401 (Unauthorized)", "status of 403 (Forbidden)")


@pytest.fixture(scope="module")
def servers(trained_model: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    all_day = {"HANDOFF_WORKING_HOURS": "00:00-24:00"}
    log = OUT / "dashboard-run.log"
    with running_servers(tmp_path_factory.mktemp("dashboard"), log, all_day) as servers:
        accounts.add_agent(*AGENT, PASSWORD, url=servers.ticket_url)
        accounts.add_agent(*MANAGER, PASSWORD, role="manager", url=servers.ticket_url)
        yield servers


@pytest.fixture(scope="module")
def browser(servers: Servers) -> Iterator[Any]:
    with launch_chromium() as launched:
        yield launched


def business_zone() -> str:
    return get_settings().timezone


def new_page(browser: Any, errors: list[str], size: tuple[int, int] = (1440, 900)) -> Any:
    """A page in its own context, on the business time zone (the dashboard's days)."""
    context = browser.new_context(
        locale="zh-CN",
        timezone_id=business_zone(),
        viewport={"width": size[0], "height": size[1]},
        accept_downloads=True,
    )
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if is_error(m) else None)
    return page


def is_error(message: Any) -> bool:
    return bool(message.type == "error" and not any(e in message.text for e in EXPECTED))


def console_url(servers: Servers) -> str:
    return f"http://127.0.0.1:{servers.rasa_port}/webhooks/console/"


def sign_in(page: Any, servers: Servers, who: tuple[str, str]) -> None:
    page.goto(console_url(servers))
    page.fill("#login-username", who[0])
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.locator("#agent-name", has_text=who[1]).wait_for()


def rows_of(page: Any, name: str) -> list[dict[str, str]]:
    """A dashboard table's body: one {column key: cell text} per row."""
    return list(
        page.eval_on_selector_all(
            f"#dash-{name} tbody tr",
            "rows => rows.map(r => Object.fromEntries("
            "[...r.cells].map(c => [c.dataset.col, c.textContent])))",
        )
    )


def percent(ratio: float) -> str:
    return console_text("page.dashboard.percent", value=f"{round(ratio * 1000) / 10:g}")


def duration(seconds: float) -> str:
    """As the page writes the server's whole seconds (js/dash_labels.js duration)."""
    s = round(seconds)
    if s < 60:
        return console_text("page.dashboard.seconds", s=str(s))
    return console_text("page.dashboard.minutes", m=str(s // 60), s=f"{s % 60:02d}")


def channel_name(channel: str) -> str:
    return console_text(f"page.channels.{channel}")


def context_name(context: str) -> str:
    return console_text(f"page.dashboard.csat_context.{context}")


def load(page: Any) -> None:
    """Wait for the dashboard's answer (the status line names the period)."""
    page.locator("#dash-cards:not([aria-busy])").wait_for()
    page.locator("#dash-status", has_text=console_text("page.dashboard.period.range", **{
        "from": page.input_value("#dash-from"), "to": page.input_value("#dash-to")
    })).wait_for()  # fmt: skip


def rest_message(servers: Servers, sender: str, text: str) -> list[str]:
    reply = requests.post(
        f"http://127.0.0.1:{servers.rasa_port}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        timeout=BOT_TIMEOUT_MS / 1000,
    )
    reply.raise_for_status()
    return [str(m.get("text", "")) for m in reply.json()]


def hold_conversations(browser: Any, servers: Servers, errors: list[str]) -> dict[str, Any]:
    """The four conversations; returns what the handoff's figures must show."""
    # An agent is signed in (online) and keeps the console open: the bot may queue a chat.
    agent = new_page(browser, errors)
    sign_in(agent, servers, AGENT)

    # 1. A question the bot answers, on the REST channel: contained, no intake.
    answer = rest_message(servers, f"dash-faq-{uuid.uuid4().hex[:8]}", "修手机一般要多久")
    assert any("1～2小时" in text for text in answer), answer
    # ... and one it does not understand (once: no handoff), a missed message.
    answer = rest_message(servers, f"dash-miss-{uuid.uuid4().hex[:8]}", MISSED)
    assert any("抱歉" in text for text in answer), answer

    # 2. A repair intake on the widget: the diagnosis does not solve it, a ticket, rated 5.
    user = new_page(browser, errors, (1280, 800))
    widget = Widget(user)
    widget.open(servers.base + "demo")
    widget.say("我要报修", "什么问题")
    widget.say("屏幕上有一条绿线", "触摸不灵")
    widget.click("否", "型号")
    widget.say("一加12", "什么时候买")
    widget.say("去年三月", "IMEI")
    widget.say(IMEI, "哪种方式")
    widget.click("到店维修", "城市")  # a store repair asks every slot of the form
    widget.say("杭州", "手机号")
    widget.say("13912345678", "以上信息正确吗")
    widget.click("确认提交", "工单号")
    widget.click("5 非常满意", "感谢您的评价")

    # 3. A widget chat handed over: the agent claims, answers and closes it; rated 4.
    owner = new_page(browser, errors, (1280, 800))
    chat = Widget(owner)
    chat.open(servers.base + "demo")
    chat.say("转人工", "转接人工客服")
    sender = chat.session_id()
    with session_scope(servers.ticket_url) as session:
        [handoff_id] = session.execute(
            select(Handoff.id).where(Handoff.sender_id == sender)
        ).scalars()
    claim = agent.locator(f'[data-key="claim:{handoff_id}"]')
    claim.wait_for(timeout=BOT_TIMEOUT_MS)
    claim.click()
    chat._after(0, "已接入")
    agent.locator(f'[data-key="open:{handoff_id}"]').click()
    agent.fill("#reply", "您好，请问是什么问题？")
    agent.press("#reply", "Enter")
    chat._after(0, "请问是什么问题")
    agent.click("#conv-close")
    agent.click("#confirm-ok")
    chat._after(0, "打个分")
    chat.click("4 满意", "感谢您的评价")
    agent.context.close()
    user.context.close()
    owner.context.close()

    with session_scope(servers.ticket_url) as session:
        handoff = session.execute(select(Handoff).where(Handoff.id == handoff_id)).scalar_one()
        assert handoff.claimed_at is not None and handoff.ended_at is not None
        wait = (handoff.claimed_at - handoff.created_at).total_seconds()
        handling = (handoff.ended_at - handoff.claimed_at).total_seconds()
        reason = handoff.reason
    return {"wait": wait, "handling": handling, "reason": reason}


def test_the_manager_reads_the_figures_of_the_conversations_held(
    servers: Servers, browser: Any
) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    held = hold_conversations(browser, servers, errors)
    today = dt.datetime.now(ZoneInfo(business_zone())).date().isoformat()

    # The manager opens the dashboard: the last 7 days, every channel.
    page = new_page(browser, errors, (1440, 2700))
    sign_in(page, servers, MANAGER)
    page.locator("#tab-dashboard:visible").click()
    load(page)
    assert page.input_value("#dash-to") == today
    tab_text = page.text_content("#tab-dashboard")
    assert tab_text == console_text("page.dashboard.tab")
    # every chart is drawn (Chart.js under the page's CSP), and no table is empty
    page.wait_for_function(
        "() => [...document.querySelectorAll('#dash-cards canvas')]"
        ".every(c => c.width > 0 && c.closest('[hidden]') === null)"
    )
    for name in TABLES:
        if name != "missed":
            assert rows_of(page, name), name

    containment = {(r["day"], r["channel"]): r for r in rows_of(page, "containment")}
    assert set(containment) == {(today, channel_name("rest")), (today, channel_name("socketio"))}
    rest = containment[(today, channel_name("rest"))]
    web = containment[(today, channel_name("socketio"))]
    assert (rest["conversations"], rest["contained"], rest["rate"]) == ("2", "2", percent(1))
    assert (web["conversations"], web["contained"], web["rate"]) == ("2", "1", percent(0.5))

    # the intake went through every stage: started, each of the form's slots, confirmed, ticket
    funnel = [(row["stage"], row["intakes"], row["share"]) for row in rows_of(page, "funnel")]
    stage = dashboard_labels(console_text).stage
    assert funnel == [(stage(name), "1", percent(1)) for name in funnel_stages()]

    label = load_handoff_policy().label(held["reason"])
    assert rows_of(page, "escalations") == [{"reason_label": label, "count": "1"}]

    [handling] = rows_of(page, "handling")
    assert handling["day"] == today
    assert (handling["handoffs"], handling["answered"], handling["abandoned"]) == ("1", "1", "0")
    assert handling["avg_wait_seconds"] == duration(held["wait"])
    assert handling["avg_handling_seconds"] == duration(held["handling"])

    ratings = {(r["context"], r["score"]): r["count"] for r in rows_of(page, "csat")}
    ticket, handoff = (context_name(c) for c in ("ticket", "handoff"))
    assert len(ratings) == 10  # both contexts, every score
    assert {k: v for k, v in ratings.items() if v != "0"} == {
        (ticket, "5"): "1",
        (handoff, "4"): "1",
    }

    [diagnosis] = rows_of(page, "diagnosis")
    assert diagnosis == {"day": today, "offered": "1", "solved": "0", "to_ticket": "1"}
    missed = {row["text"]: row["count"] for row in rows_of(page, "missed")}
    assert missed[MISSED] == "1"
    assert "修手机一般要多久" not in missed  # understood, not missed
    page.screenshot(path=str(OUT / "dashboard-1-overview.png"))

    # A table's CSV: the same rows for the same period.
    with page.expect_download() as download:
        page.click("#dash-containment .dash-export")
    data = download.value.path().read_bytes()
    assert data.startswith("\ufeff".encode())
    heading, *lines = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    shown = page.eval_on_selector_all(
        "#dash-containment thead th", "ths => ths.map(th => th.textContent)"
    )
    assert heading == shown
    assert len(lines) == 7 * 2  # every day of the period, for both channels
    assert sorted(line for line in lines if line[2] != "0") == [
        [today, "rest", "2", "2", "1.0"],
        [today, "socketio", "2", "1", "0.5"],
    ]
    # The trainer's inbox for the period, from the link under the missed messages.
    href = page.get_attribute("#dash-missed .dash-inbox a", "href")
    period = f"from={page.input_value('#dash-from')}&to={today}"
    assert href == f"api/dashboard/inbox.csv?{period}"
    inbox = page.request.get(console_url(servers) + href)
    assert inbox.status == 200
    assert "attachment" in inbox.headers["content-disposition"]
    assert inbox.body().startswith("\ufeff".encode())
    inbox_texts = [row[0] for row in csv.reader(io.StringIO(inbox.text().lstrip("\ufeff")))][1:]
    assert set(missed) <= set(inbox_texts)

    # One channel: the REST conversations only.
    page.select_option("#dash-channel", "rest")
    page.click("#dash-apply")
    load(page)
    page.locator("#dash-containment tbody tr").first.wait_for()
    assert [(r["channel"], r["conversations"]) for r in rows_of(page, "containment")] == [
        (channel_name("rest"), "2")
    ]
    assert [row["text"] for row in rows_of(page, "missed")] == [MISSED]
    assert page.locator("#dash-message").is_hidden()
    page.screenshot(path=str(OUT / "dashboard-2-channel.png"))

    # A period without conversations: 暂无数据, and no chart.
    page.select_option("#dash-channel", "")
    page.fill("#dash-from", "2020-01-01")
    page.fill("#dash-to", "2020-01-07")
    page.click("#dash-apply")
    page.locator("#dash-message", has_text=console_text("page.dashboard.empty_period")).wait_for()
    assert page.locator("#dash-containment .dash-empty:visible").count() == 1
    assert page.locator("#dash-containment .dash-chart:visible").count() == 0
    page.set_viewport_size({"width": 1440, "height": 900})
    page.screenshot(path=str(OUT / "dashboard-3-empty.png"))

    # A reversed period: the error, in Chinese, before any request.
    page.fill("#dash-from", "2020-01-08")
    page.click("#dash-apply")
    bad = console_text("page.dashboard.errors.bad_period")
    page.locator("#dash-message.form-message-error", has_text=bad).wait_for()
    # the server refuses it too, with the code the page turns into that text
    query = "api/dashboard?from=2020-01-08&to=2020-01-07"
    refused = page.request.get(console_url(servers) + query)
    assert (refused.status, refused.json()) == (400, {"error": "bad_period"})
    page.screenshot(path=str(OUT / "dashboard-4-bad-period.png"))
    assert errors == []


def test_a_plain_agent_has_no_dashboard(servers: Servers, browser: Any) -> None:
    errors: list[str] = []
    page = new_page(browser, errors)
    sign_in(page, servers, AGENT)
    assert page.locator("#tab-dashboard").is_hidden()
    assert page.locator("#dashboard-view").is_hidden()
    base = console_url(servers)
    period = "?from=2020-01-01&to=2020-01-07"
    for path in ("api/dashboard", "api/dashboard/csat.csv", "api/dashboard/inbox.csv"):
        reply = page.request.get(base + path + period)
        assert (reply.status, reply.json()) == (403, {"error": "forbidden"}), path
    page.context.close()
    assert errors == []
