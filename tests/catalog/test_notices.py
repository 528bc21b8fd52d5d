"""The notice catalogue (``notices.yml``) and the status notice's parameters."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.catalog.loader import CATALOG_DIR, CatalogueError, load_status_names
from bot.catalog.notices import (
    UnknownNoticeEvent,
    load_notice_texts,
    placeholders,
    status_params,
)
from bot.tickets.models import TICKET_STATUSES


def test_every_event_text_uses_only_its_parameters():
    texts = load_notice_texts()
    assert "status_changed" in texts.events
    assert placeholders(texts.events["status_changed"]) == {
        "ticket_no",
        "status_name",
        "tracking",
    }
    for field, template in texts.wechat_fields.items():
        assert placeholders(template) <= {"text", "event_time", "ticket_no"}, field


def test_every_status_has_a_name_for_its_notice():
    names = load_status_names()
    for status in TICKET_STATUSES:
        assert status_params(status, None, None)["status_name"] == names[status]


def test_texts_are_filled_and_missing_ones_refused():
    texts = load_notice_texts()
    params = {"ticket_no": "R1", **status_params("ready", None, None)}
    assert texts.text("status_changed", params).startswith("您的维修单 R1 有新进度：已修好待取。")
    assert texts.wechat_data("正文", {**params, "event_time": "2026-11-22 18:00"}) == {
        "first": "正文",
        "keyword1": "R1",
        "keyword2": "2026-11-22 18:00",
        "remark": texts.wechat_fields["remark"],
    }
    with pytest.raises(UnknownNoticeEvent):
        texts.text("nope", params)
    with pytest.raises(KeyError, match="status_name"):
        texts.text("status_changed", {"ticket_no": "R1"})


def test_tracking_without_courier():
    assert status_params("shipped_back", "SF1", None)["tracking"] == "（运单号 SF1）"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("status_changed: x\n", "wechat_template"),
        ("status_changed: [a]\nwechat_template: {first: x}\n", "must be a text"),
        ("status_changed: x\nwechat_template: {first: {a: b}}\n", "fields to texts"),
    ],
)
def test_a_malformed_catalogue_is_refused(tmp_path: Path, content: str, message: str):
    (tmp_path / "notices.yml").write_text(content, encoding="utf-8")
    with pytest.raises(CatalogueError, match=message):
        load_notice_texts.__wrapped__(tmp_path)
    assert (CATALOG_DIR / "notices.yml").is_file()
