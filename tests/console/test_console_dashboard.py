"""The dashboard's routes: manager only, periods checked, JSON and CSV of the figures."""

from __future__ import annotations

import datetime as dt

import pytest
from rasa.shared.core.events import ActionExecuted, UserUttered
from sqlalchemy.exc import OperationalError

from bot.console import accounts
from bot.console.texts import console_text
from bot.settings import get_settings
from bot.trainer.inbox.csvfile import HEADER
from tests.analytics.dialogues import fallbacks_then_agent, repair_with_ticket
from tests.console.conftest import Console, Server

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery"
FORMULA = "=HYPERLINK(1)"


@pytest.fixture
def people() -> None:
    accounts.add_agent("zhang", "张三", PASSWORD)
    accounts.add_agent("zhao", "赵主管", PASSWORD, role="supervisor")
    accounts.add_agent("wang", "王经理", PASSWORD, role="manager")


def period(first: str, last: str, **more: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"from": first, "to": last, **more}.items())
    return f"?{query}"


async def hold(server: Server) -> None:
    """Two conversations (a ticket on socketio, a handoff on wechat), and a formula-like miss."""
    store = server.agent.tracker_store
    for dialogue in (repair_with_ticket("owner-1", "R20261204-0001"), fallbacks_then_agent("o-2")):
        tracker = await store.get_or_create_tracker(dialogue.sender_id)
        for event in dialogue.events:
            tracker.update(event)
        await store.save(tracker)
    tracker = await store.get_or_create_tracker("owner-3")
    parse = {"intent": {"name": "nlu_fallback", "confidence": 0.3}, "entities": []}
    tracker.update(UserUttered(FORMULA, parse_data=parse, input_channel="wechat"))
    tracker.update(ActionExecuted("action_fallback"))
    await store.save(tracker)


async def get_raw(console: Console, path: str) -> tuple[int, dict[str, str], bytes]:
    async with console.session.get(console.base + path) as reply:
        return reply.status, dict(reply.headers), await reply.read()


async def test_only_a_signed_in_manager_sees_the_dashboard(server: Server, people: None) -> None:
    day = get_settings().today().isoformat()
    async with server.client() as console:
        assert await console.get("api/dashboard" + period(day, day)) == (
            401,
            {"error": "not_signed_in"},
        )
        status, _, _ = await get_raw(console, "api/dashboard/funnel.csv" + period(day, day))
        assert status == 401
    for username in ("zhang", "zhao"):
        async with server.client() as console:
            assert await console.login(username, PASSWORD) == 200
            assert await console.get("api/dashboard" + period(day, day)) == (
                403,
                {"error": "forbidden"},
            )
            assert (await get_raw(console, "api/dashboard/inbox.csv" + period(day, day)))[0] == 403


@pytest.mark.parametrize(
    "query",
    [
        "",
        period("2026-12-05", "2026-12-01"),
        period("2026-1-01", "2026-01-02"),
        period("2026-02-30", "2026-03-01"),
        period("2025-01-01", "2026-01-02"),
        "?from=2026-12-01",
        period("yesterday", "today"),
    ],
)
async def test_a_bad_period_is_refused(server: Server, people: None, query: str) -> None:
    async with server.client() as console:
        assert await console.login("wang", PASSWORD) == 200
        assert await console.get("api/dashboard" + query) == (400, {"error": "bad_period"})
        status, _, body = await get_raw(console, "api/dashboard/csat.csv" + query)
        assert (status, body) == (400, b'{"error":"bad_period"}')


async def test_a_year_is_the_longest_period(server: Server, people: None) -> None:
    async with server.client() as console:
        assert await console.login("wang", PASSWORD) == 200
        status, body = await console.get("api/dashboard" + period("2024-01-01", "2024-12-31"))
        assert status == 200 and body["period"] == {"from": "2024-01-01", "to": "2024-12-31"}
        assert len(body["tables"]["handling"]["rows"]) == 366


async def test_the_manager_gets_the_figures_of_the_tracker_store(
    server: Server, people: None
) -> None:
    await hold(server)
    day = get_settings().today().isoformat()
    async with server.client() as console:
        assert await console.login("wang", PASSWORD) == 200
        status, body = await console.get("api/dashboard" + period(day, day))
    assert status == 200
    assert body["source"] == "tracker"  # the in-memory store publishes to no broker
    assert body["period"] == {"from": day, "to": day}
    assert body["channels"] == ["socketio", "wechat"]
    tables = body["tables"]
    assert list(tables) == [
        "containment",
        "funnel",
        "escalations",
        "handling",
        "csat",
        "missed",
        "diagnosis",
    ]
    assert tables["containment"]["rows"] == [
        {"day": day, "channel": "socketio", "conversations": 1, "contained": 1, "rate": 1.0},
        {"day": day, "channel": "wechat", "conversations": 2, "contained": 1, "rate": 0.5},
    ]
    funnel = {row["stage"]: row["intakes"] for row in tables["funnel"]["rows"]}
    assert (funnel["started"], funnel["confirmed"], funnel["ticket"]) == (1, 1, 1)
    texts = {row["text"]: row for row in tables["missed"]["rows"]}
    assert set(texts) == {"呃呃呃", "啊啊", FORMULA}
    assert tables["funnel"]["title_key"] == "page.dashboard.tables.funnel"


async def test_one_channel(server: Server, people: None) -> None:
    await hold(server)
    day = get_settings().today().isoformat()
    async with server.client() as console:
        assert await console.login("wang", PASSWORD) == 200
        status, body = await console.get("api/dashboard" + period(day, day, channel="socketio"))
    assert status == 200
    assert body["channels"] == ["socketio", "wechat"]  # to choose from
    assert [r["channel"] for r in body["tables"]["containment"]["rows"]] == ["socketio"]
    assert body["tables"]["missed"]["rows"] == []


async def test_a_table_as_csv(server: Server, people: None) -> None:
    await hold(server)
    day = get_settings().today().isoformat()
    async with server.client() as console:
        assert await console.login("wang", PASSWORD) == 200
        status, headers, body = await get_raw(
            console, "api/dashboard/missed.csv" + period(day, day)
        )
        assert status == 200
        assert headers["Content-Type"] == "text/csv; charset=utf-8"
        assert headers["Content-Disposition"] == f'attachment; filename="missed_{day}_{day}.csv"'
        assert body.startswith(b"\xef\xbb\xbf")
        lines = body.decode("utf-8-sig").splitlines()
        labels = [console_text(f"page.dashboard.columns.{k}") for k in ("text", "count")]
        assert lines[0].startswith(",".join(labels) + ",")
        assert f"'{FORMULA}" in body.decode("utf-8")  # Excel does not run it
        assert (await get_raw(console, "api/dashboard/nothing.csv" + period(day, day)))[0] == 404
        assert (await get_raw(console, "api/dashboard/funnel" + period(day, day)))[0] == 404


async def test_the_inbox_of_the_period(server: Server, people: None) -> None:
    await hold(server)
    day = get_settings().today()
    async with server.client() as console:
        assert await console.login("wang", PASSWORD) == 200
        query = period(day.isoformat(), day.isoformat())
        status, headers, body = await get_raw(console, "api/dashboard/inbox.csv" + query)
        assert status == 200
        assert "inbox_" in headers["Content-Disposition"]
        text = body.decode("utf-8-sig")
        assert text.splitlines()[0] == ",".join(HEADER)  # as make inbox writes it
        assert "呃呃呃" in text and f"'{FORMULA}" in text
        earlier = (day - dt.timedelta(days=2)).isoformat()
        _, _, empty = await get_raw(console, "api/dashboard/inbox.csv" + period(earlier, earlier))
        assert len(empty.decode("utf-8-sig").splitlines()) == 1  # the header only


async def test_an_unreadable_tracker_store_is_a_503(
    server: Server, people: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken() -> list[str]:
        raise OperationalError("SELECT", {}, Exception("database is gone"))

    monkeypatch.setattr(server.agent.tracker_store, "keys", broken)
    day = get_settings().today().isoformat()
    async with server.client() as console:
        assert await console.login("wang", PASSWORD) == 200
        assert await console.get("api/dashboard" + period(day, day)) == (
            503,
            {"error": "store_unavailable"},
        )
        status, _, _ = await get_raw(console, "api/dashboard/missed.csv" + period(day, day))
        assert status == 503
