"""The ``export`` and ``import`` commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.trainer.inbox.cli import main
from bot.trainer.inbox.csvfile import read_inbox
from tests.trainer.inbox.helpers import digest, intent_texts


def write_csv(path: Path, lines: list[str]) -> Path:
    header = "用户原话,出现次数,预测意图,置信度,原因,最近一次,标注意图"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8-sig")
    return path


def run_import(file: Path, nlu: Path) -> int:
    return main(["import", str(file), "--nlu", str(nlu)])


def test_the_import_command(tmp_path: Path, nlu: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = write_csv(
        tmp_path / "inbox.csv", ["手机热得发烫,2,fault_battery,0.31,兜底,2026-03-04,fault_battery"]
    )
    assert run_import(file, nlu) == 0
    out = capsys.readouterr().out
    assert "fault_battery：新增 1 条" in out and "make validate" in out and "make train" in out
    assert intent_texts(nlu / "faults.yml")["fault_battery"][-1] == "手机热得发烫"
    assert run_import(file, nlu) == 0  # a second run adds nothing
    assert "跳过 1 条" in capsys.readouterr().out


def test_the_import_command_refuses(
    tmp_path: Path, nlu: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = digest(nlu)
    file = write_csv(
        tmp_path / "inbox.csv",
        ["手机热得发烫,2,fault_battery,0.31,兜底,,battery", "", "好的呀,1,affirm,0.4,,,affirm"],
    )
    assert run_import(file, nlu) == 1
    err = capsys.readouterr().err
    assert "没有修改任何文件" in err and "第 2 行" in err and "fault_battery" in err
    assert digest(nlu) == before
    assert run_import(tmp_path / "missing.csv", nlu) == 1


def test_export_without_a_database_writes_an_empty_inbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "endpoints.yml").write_text(
        'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "var/tracker.db"\n',
        encoding="utf-8",
    )
    out = tmp_path / "reports" / "inbox.csv"
    assert main(["export", "--out", str(out), "--endpoints", "endpoints.yml"]) == 0
    assert "还没有对话记录" in capsys.readouterr().out
    assert read_inbox(out) == []
    assert not (tmp_path / "var").exists()  # nothing created


def test_export_with_a_wrong_endpoints_file_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text('action_endpoint:\n  url: "http://localhost:5055/webhook"\n', "utf-8")
    out = tmp_path / "inbox.csv"
    assert main(["export", "--out", str(out), "--endpoints", str(endpoints)]) == 1
    assert "tracker_store" in capsys.readouterr().err
    assert main(["export", "--out", str(out), "--endpoints", str(tmp_path / "no.yml")]) == 1
    assert "找不到" in capsys.readouterr().err
    assert not out.exists()
