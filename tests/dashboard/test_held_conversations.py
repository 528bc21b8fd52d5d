"""The dashboard's figures match conversations held with the real bot, from both sources.

Needs the trained model and starts the real action server: run under
``flock /tmp/h20/model.lock`` (marks ``model`` and ``slow``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.console import accounts
from bot.console.texts import console_text
from bot.dashboard.csvfile import table_csv
from bot.dashboard.labels import dashboard_labels
from bot.dashboard.period import Period
from bot.dashboard.report import build_report, inbox_rows
from bot.settings import get_settings
from bot.tickets.db import dispose_engines, session_scope
from bot.tickets.handoffs import claim_handoff, end_handoff
from bot.tickets.migrate import upgrade
from bot.tickets.models import Handoff
from bot.tickets.presence import set_presence
from tests.conftest import ROOT, running_action_server
from tests.dashboard.held import Held, hold, local_day, run

pytestmark = [pytest.mark.model, pytest.mark.slow]

WAIT = dt.timedelta(seconds=90)
HANDLING = dt.timedelta(seconds=300)
KEYS = ("reason", "reason_label", "count")


@pytest.fixture(scope="module")
def held(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Held]:
    """The conversations held, an agent who answered the handoff, the analytics folded."""
    folder = tmp_path_factory.mktemp("dashboard")
    url = f"sqlite:///{folder / 'tickets.db'}"
    upgrade(url)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        patch.setenv("VAR_DIR", str(folder / "var"))
        patch.setenv("TIMEZONE", "Asia/Shanghai")
        get_settings.cache_clear()
        dispose_engines()
        agent = accounts.add_agent("wang", "王坐席", "correct horse battery", url=url)
        with session_scope(url) as session:  # someone online: the fallback queues the chat
            set_presence(session, agent_id=agent.id, presence="online")
        with running_action_server(url, log_file=folder / "actions.log") as action_url:
            result = run(
                hold(trained_model, action_url, url, folder / "broker.db", ROOT / "domain.yml")
            )
        with session_scope(url) as session:
            handoff = session.scalars(select(Handoff)).one()
            claimed = handoff.created_at + WAIT
            claim_handoff(session, handoff_id=handoff.id, agent_id=agent.id, now=claimed)
            end_handoff(
                session,
                handoff_id=handoff.id,
                agent_id=agent.id,
                outcome="closed",
                now=claimed + HANDLING,
            )
        yield result
        dispose_engines()
        get_settings.cache_clear()


@pytest.fixture(scope="module")
def period(held: Held) -> Period:
    tz = get_settings().tz
    days = sorted({local_day(body["timestamp"], tz) for body in held.published})
    return Period(dt.date.fromisoformat(days[0]), dt.date.fromisoformat(days[-1]), tz)


def _report(held: Held, period: Period, *, broker: bool, channel: str | None = None) -> Any:
    store = held.with_broker if broker else held.without_broker
    labels = dashboard_labels(console_text)
    return run(build_report(store, period, channel, labels=labels, url=held.url))


def _total(rows: list[dict[str, Any]], key: str, **where: Any) -> int:
    return sum(row[key] for row in rows if all(row[name] == value for name, value in where.items()))


def test_the_figures_are_those_of_the_conversations_held(held: Held, period: Period) -> None:
    report = _report(held, period, broker=True)
    assert report["source"] == "analytics"
    assert report["channels"] == ["rest", "socketio"]
    tables = report["tables"]
    containment = tables["containment"]["rows"]
    assert _total(containment, "conversations", channel="socketio") == 3
    assert _total(containment, "contained", channel="socketio") == 3
    assert _total(containment, "conversations", channel="rest") == 2
    assert _total(containment, "contained", channel="rest") == 1
    funnel = {row["stage"]: row["intakes"] for row in tables["funnel"]["rows"]}
    assert funnel == {
        "started": 3,
        "fault_description": 3,
        "device_model": 3,
        "purchase_date": 1,
        "serial_number": 1,
        "service_type": 1,
        "city": 1,  # mail-in: never asked, but the owner got further
        "contact_phone": 1,
        "confirmed": 1,
        "ticket": 1,
    }
    assert tables["escalations"]["rows"] == [
        {"reason": "fallback", "reason_label": "连续未能理解用户", "count": 1}
    ]
    handled = [row for row in tables["handling"]["rows"] if row["handoffs"]]
    assert [
        (r["handoffs"], r["answered"], r["abandoned"], r["avg_wait_seconds"]) for r in handled
    ] == [(1, 1, 0, 90)]
    assert handled[0]["avg_handling_seconds"] == 300
    csat = {(r["context"], r["score"]): r["count"] for r in tables["csat"]["rows"]}
    assert csat[("ticket", 5)] == 1 and sum(csat.values()) == 1
    assert {row["text"] for row in tables["missed"]["rows"]} == {"阿巴阿巴", "就是那个嘛"}
    diagnosis = tables["diagnosis"]["rows"]
    assert [_total(diagnosis, key) for key in ("offered", "solved", "to_ticket")] == [3, 1, 1]


def test_both_sources_give_the_same_tables(held: Held, period: Period) -> None:
    with_broker = _report(held, period, broker=True)
    without = _report(held, period, broker=False)
    assert without["source"] == "tracker"
    assert without["tables"] == with_broker["tables"]
    assert without["channels"] == with_broker["channels"]
    for channel in ("rest", "socketio"):
        one = _report(held, period, broker=True, channel=channel)
        assert _report(held, period, broker=False, channel=channel)["tables"] == one["tables"]


def test_one_channel_has_only_its_conversations(held: Held, period: Period) -> None:
    tables = _report(held, period, broker=True, channel="rest")["tables"]
    assert {row["channel"] for row in tables["containment"]["rows"]} == {"rest"}
    funnel = {row["stage"]: row["intakes"] for row in tables["funnel"]["rows"]}
    assert (funnel["started"], funnel["ticket"]) == (1, 0)
    csat = {(r["context"], r["score"]): r["count"] for r in tables["csat"]["rows"]}
    assert sum(csat.values()) == 0  # the ticket was rated on socketio
    assert {row["text"] for row in tables["missed"]["rows"]} == {"阿巴阿巴", "就是那个嘛"}


def test_a_period_before_the_conversations_is_empty(held: Held, period: Period) -> None:
    before = Period(
        period.first - dt.timedelta(days=3), period.first - dt.timedelta(days=1), period.tz
    )
    report = _report(held, before, broker=True)
    assert report["channels"] == []
    tables = report["tables"]
    assert all(row["conversations"] == 0 for row in tables["containment"]["rows"])
    assert [row["intakes"] for row in tables["funnel"]["rows"]] == [0] * 10
    assert tables["missed"]["rows"] == [] and tables["escalations"]["rows"] == []


def test_the_csv_files_hold_the_tables(held: Held, period: Period) -> None:
    tables = _report(held, period, broker=True)["tables"]
    text = table_csv(tables["escalations"], console_text).decode("utf-8")
    header = ",".join(console_text(f"page.dashboard.columns.{key}") for key in KEYS)
    assert text == f"\ufeff{header}\r\nfallback,连续未能理解用户,1\r\n"
    rows = run(inbox_rows(held.with_broker, period))
    assert sorted(row.text for row in rows) == ["就是那个嘛", "阿巴阿巴"]
