"""Labels of the ticket's fields (bot.catalog.ticket_fields)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.catalog.loader import CatalogueError
from bot.catalog.ticket_fields import load_ticket_field_texts


def test_shipped_labels() -> None:
    texts = load_ticket_field_texts()
    assert texts.label("contact_phone") == "联系电话"
    assert texts.label("no_such_field") == "no_such_field"
    assert texts.choose == "请选择"


@pytest.mark.parametrize("text", ["", "labels: [a]\nchoose: x\n", "labels:\n  a: b\n", "- 1\n"])
def test_malformed_file_is_refused(tmp_path: Path, text: str) -> None:
    (tmp_path / "ticket_fields.yml").write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"ticket_fields\.yml"):
        load_ticket_field_texts(tmp_path)
