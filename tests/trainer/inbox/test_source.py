"""Export from a real SQLite tracker store written by Rasa's SQLTrackerStore."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    Event,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.trainer import paths
from bot.trainer.inbox.cli import main
from bot.trainer.inbox.csvfile import read_inbox, write_inbox
from bot.trainer.inbox.source import NoConversations, SourceError, conversations
from bot.trainer.nlu_files import load_examples

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
DAY = dt.datetime(2026, 3, 14, 10, tzinfo=SHANGHAI).timestamp()
ENDPOINTS = 'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "var/tracker.db"\n'


def said(text: str, intent: str, confidence: float, at: float, **parse: Any) -> UserUttered:
    ranking = parse.pop("ranking", [{"name": intent, "confidence": confidence}])
    data = {"intent": {"name": intent, "confidence": confidence}, "intent_ranking": ranking}
    return UserUttered(
        text,
        intent=data["intent"],
        parse_data={"text": text, "entities": [], **data, **parse},
        timestamp=at,
    )


def did(name: str, at: float) -> ActionExecuted:
    return ActionExecuted(name, timestamp=at)


TRAINED = next(e.text for e in load_examples([paths.DATA_DIR / "nlu"]) if e.intent == "greet")
CONVERSATIONS: dict[str, list[Event]] = {
    "alice": [
        said("你好", "greet", 0.98, DAY),
        did("utter_greet", DAY + 1),
        said(
            "我电话13912345678，机器一直重启",
            "nlu_fallback",
            0.2,
            DAY + 10,
            ranking=[
                {"name": "nlu_fallback", "confidence": 0.2},
                {"name": "fault_system", "confidence": 0.18},
            ],
        ),
        did("action_fallback", DAY + 11),
        BotUttered("您是想问……", timestamp=DAY + 11),
        said("/request_repair", "request_repair", 1.0, DAY + 20),
        did("repair_form", DAY + 21),
        said(TRAINED, "faq", 0.3, DAY + 30),  # a training example: left out
        did("utter_faq", DAY + 31),
    ],
    "bob": [
        said("我电话 15088436721 ，机器一直重启！", "fault_system", 0.42, DAY + 86_400),
        did("utter_ask_device_model", DAY + 86_401),
        said("找个真人跟我说", "request_human", 0.93, DAY + 86_410),
        did("action_handoff", DAY + 86_411),
        SlotSet("handoff_reason", "request_human", timestamp=DAY + 86_411),
        ConversationPaused(timestamp=DAY + 86_412),
        said("我住在北京市朝阳区望京街道", "inform", 0.1, DAY + 86_420),  # to the agent
        ConversationResumed(timestamp=DAY + 86_500),
    ],
    "carol": [
        said("工单R20261118-0219咋还没寄回来", "check_repair_status", 0.35, DAY - 86_400),
        did("action_check_status", DAY - 86_399),
    ],
}


async def save(db: Path) -> None:
    domain = Domain.load(str(paths.DOMAIN))
    store = SQLTrackerStore(domain, dialect="sqlite", db=str(db))
    for sender, events in CONVERSATIONS.items():
        tracker = DialogueStateTracker.from_events(sender, events, slots=domain.slots)
        await store.save(tracker)
    store.engine.dispose()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with endpoints.yml and var/tracker.db, as the project has them."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "endpoints.yml").write_text(ENDPOINTS, encoding="utf-8")
    (tmp_path / "var").mkdir()
    asyncio.run(save(tmp_path / "var" / "tracker.db"))
    return tmp_path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_export_from_a_sql_tracker_store(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = project / "reports" / "inbox.csv"
    assert main(["export", "--out", str(out), "--endpoints", "endpoints.yml"]) == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = read_csv(out)
    assert rows == [
        {
            "用户原话": "我电话 [手机号] ，机器一直重启！",  # the latest of equally frequent forms
            "出现次数": "2",
            "预测意图": "fault_system",
            "置信度": "0.30",
            "原因": "兜底、低置信度",
            "最近一次": "2026-03-15",
            "标注意图": "",
        },
        {
            "用户原话": "找个真人跟我说",
            "出现次数": "1",
            "预测意图": "request_human",
            "置信度": "0.93",
            "原因": "转人工",
            "最近一次": "2026-03-15",
            "标注意图": "",
        },
        {
            "用户原话": "工单[工单号]咋还没寄回来",
            "出现次数": "1",
            "预测意图": "check_repair_status",
            "置信度": "0.35",
            "原因": "低置信度",
            "最近一次": "2026-03-13",
            "标注意图": "",
        },
    ]
    text = out.read_text(encoding="utf-8-sig")
    assert "13912345678" not in text and "朝阳区" not in text
    assert "读了 3 个对话" in capsys.readouterr().out


def test_export_options_below_and_since(project: Path) -> None:
    out = project / "inbox.csv"
    argv = ["export", "--out", str(out), "--endpoints", "endpoints.yml"]
    assert main([*argv, "--below", "0.3", "--since", "2026-03-14"]) == 0
    assert [(r["用户原话"], r["出现次数"]) for r in read_csv(out)] == [
        ("找个真人跟我说", "1"),  # the latest first
        ("我电话[手机号]，机器一直重启", "1"),
    ]


def test_an_annotated_inbox_is_kept_when_exporting_again(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = project / "inbox.csv"
    argv = ["export", "--out", str(out), "--endpoints", "endpoints.yml"]
    assert main(argv) == 0
    first, *others = read_inbox(out)
    write_inbox(out, [dataclasses.replace(first, label="fault_system"), *others])
    assert main(argv) == 0
    (backup,) = project.glob("inbox.*.csv")
    assert any(row.label for row in read_inbox(backup))
    assert "改名保存" in capsys.readouterr().out


def test_conversations_come_with_their_events(project: Path) -> None:
    async def collect() -> list[list[str]]:
        found = []
        async for events in conversations(Path("endpoints.yml"), domain=paths.DOMAIN):
            found.append([e["event"] for e in events])
        return found

    found = asyncio.run(collect())
    assert len(found) == 3  # alice, bob, carol
    assert found[1] == [
        "user", "action", "user", "action", "slot", "pause", "user", "resume"
    ]  # fmt: skip


def drain(endpoints: Path) -> None:
    async def run() -> None:
        async for _ in conversations(endpoints, domain=paths.DOMAIN):
            pass

    asyncio.run(run())


def test_a_database_without_events_is_empty(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "tracker.db"
    sqlite3.connect(db).close()
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(ENDPOINTS.replace("var/tracker.db", str(db)), encoding="utf-8")
    with pytest.raises(NoConversations, match="events"):
        drain(endpoints)
    assert sqlite3.connect(db).execute("select name from sqlite_master").fetchall() == []


def test_an_empty_store(project: Path) -> None:
    import sqlite3

    with sqlite3.connect(project / "var" / "tracker.db") as connection:
        connection.execute("delete from events")
    with pytest.raises(NoConversations, match="空"):
        drain(Path("endpoints.yml"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("tracker_store:\n  type: no.such.Store\n", "不可用"),
        ("tracker_store: [unclosed\n", "读不了"),
        (ENDPOINTS.replace("var/tracker.db", "not-a-database.txt"), "连不上"),
    ],
)
def test_unusable_endpoints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "not-a-database.txt").write_text("这不是数据库" * 200, encoding="utf-8")
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(content, encoding="utf-8")
    with pytest.raises(SourceError, match=message):
        drain(endpoints)
