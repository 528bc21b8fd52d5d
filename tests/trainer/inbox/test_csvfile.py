"""The inbox file: written for Excel, read back as written or as Excel saves it."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from bot.trainer.inbox.build import InboxRow
from bot.trainer.inbox.csvfile import InboxFileError, read_inbox, write_inbox
from bot.trainer.inbox.events import Reason


def sample_rows() -> list[InboxRow]:
    return [
        InboxRow("我电话[手机号]", 3, "inform", 0.3, (Reason.FALLBACK,), dt.date(2026, 3, 4)),
        InboxRow("=1+1 怎么回事", 1, "out_of_scope", 0.12, tuple(Reason), dt.date(2026, 3, 1)),
        InboxRow("手机烫手，怎么办", 2, "fault_battery", 0.45, (), None, "fault_battery"),
    ]


def comparable(rows: list[InboxRow]) -> list[InboxRow]:
    return [InboxRow(**{**r.__dict__, "line": 0}) for r in rows]


def test_the_file_opens_in_excel_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "reports" / "inbox.csv"
    write_inbox(path, sample_rows())
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # BOM
    header = next(csv.reader(data.decode("utf-8-sig").splitlines()))
    assert header == ["用户原话", "出现次数", "预测意图", "置信度", "原因", "最近一次", "标注意图"]
    assert "'=1+1" in data.decode("utf-8-sig")  # not a formula in Excel
    assert "兜底、低置信度、转人工" in data.decode("utf-8-sig")
    rows = read_inbox(path)
    assert comparable(rows) == sample_rows()
    assert [r.line for r in rows] == [2, 3, 4]


def test_a_file_saved_again_by_excel_in_gb18030_with_blank_lines(tmp_path: Path) -> None:
    text = (
        "用户原话,出现次数,预测意图,置信度,原因,最近一次,标注意图\r\n"
        "\r\n"
        "手机烫手，怎么办,2,fault_battery,0.45,低置信度,2026/3/4,fault_battery\r\n"
        ",,,,,,\r\n"
        "我电话[手机号],3,inform,0.3,兜底,2026/3/1,\r\n"
    )
    path = tmp_path / "inbox.csv"
    path.write_bytes(text.encode("gb18030"))
    rows = read_inbox(path)
    assert [(r.text, r.label, r.line) for r in rows] == [
        ("手机烫手，怎么办", "fault_battery", 3),
        ("我电话[手机号]", "", 5),
    ]
    assert rows[0].last_seen == dt.date(2026, 3, 4)
    assert rows[0].reasons == (Reason.LOW_CONFIDENCE,)


def test_excel_unicode_text_and_reordered_columns(tmp_path: Path) -> None:
    path = tmp_path / "inbox.txt"
    path.write_bytes("标注意图\t用户原话\r\nfault_battery\t手机烫手\r\n".encode("utf-16"))
    (row,) = read_inbox(path)
    assert (row.text, row.label) == ("手机烫手", "fault_battery")


def test_a_file_without_the_label_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "inbox.csv"
    path.write_text("text,label\n手机烫手,fault_battery\n", encoding="utf-8")
    with pytest.raises(InboxFileError, match="缺少列"):
        read_inbox(path)
