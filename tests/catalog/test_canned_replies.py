"""Canned replies of the agent console: the shipped file, filling, and what is refused."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.catalog.canned_replies import (
    check_canned_replies,
    load_canned_replies,
    parse_canned_replies,
)
from bot.catalog.loader import CATALOG_DIR, CatalogueError

RAW: dict[str, Any] = yaml.safe_load(
    (CATALOG_DIR / "canned_replies.yml").read_text(encoding="utf-8")
)


def test_the_shipped_replies() -> None:
    replies = load_canned_replies()
    assert 10 <= len(replies) <= 15
    keys = [r.key for r in replies]
    assert len(set(keys)) == len(keys)
    used = {name for r in replies for name in r.placeholders}
    assert used == {"ticket_no", "model", "phone"}
    assert check_canned_replies() == []


def test_filling_known_values_and_naming_the_missing_ones() -> None:
    [progress] = [r for r in load_canned_replies() if r.key == "progress"]
    text, missing = progress.fill({"ticket_no": "R20261122-0001"})
    assert "R20261122-0001" in text and missing == []
    text, missing = progress.fill({"ticket_no": None})
    assert "{ticket_no}" in text and missing == ["ticket_no"]


def _broken(change: Any) -> dict[str, Any]:
    raw = copy.deepcopy(RAW)
    change(raw)
    return raw


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.update(replies=[]), "at least one reply"),
        (lambda r: r["replies"].append(dict(r["replies"][0])), "used twice"),
        (lambda r: r["replies"][0].update(key="Bad Key"), "key must be"),
        (lambda r: r["replies"][0].update(text="您的订单 {order}"), "unknown placeholder"),
        (lambda r: r["replies"][0].update(text="{ticket_no!r}"), "plainly"),
        (lambda r: r["replies"][0].update(text="坏的 {括号"), "broken braces"),
        (lambda r: r["replies"][0].update(title=""), "title"),
        (lambda r: r["replies"][0].update(text="长" * 1001), "text"),
        (lambda r: r["replies"].append("just text"), "mapping"),
    ],
)
def test_bad_files_are_refused(change: Any, message: str) -> None:
    with pytest.raises(CatalogueError, match=message):
        parse_canned_replies(_broken(change))


def test_the_check_reports_a_broken_file(tmp_path: Path) -> None:
    (tmp_path / "canned_replies.yml").write_text("replies: [{key: a}]", encoding="utf-8")
    [problem] = check_canned_replies(tmp_path)
    assert "canned_replies.yml" in problem
    assert check_canned_replies(tmp_path / "missing") != []
