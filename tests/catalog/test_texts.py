"""Text catalogues in general: :mod:`bot.catalog.texts`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.catalog.loader import CatalogueError
from bot.catalog.texts import leaf_keys, load_text_tree, lookup_text

TREE = {"a": {"b": "一 {n} 二", "c": {"d": "三"}}, "e": "四"}


def test_a_catalogue_is_read_and_its_keys_listed(tmp_path: Path) -> None:
    path = tmp_path / "texts.yml"
    path.write_text("a:\n  b: 一 {n} 二\n  c:\n    d: 三\ne: 四\n", encoding="utf-8")
    assert load_text_tree(path) == TREE
    assert leaf_keys(TREE) == {"a.b", "a.c.d", "e"}
    assert leaf_keys(TREE["a"], "a") == {"a.b", "a.c.d"}


def test_an_empty_catalogue_is_an_empty_mapping(tmp_path: Path) -> None:
    path = tmp_path / "texts.yml"
    path.write_text("", encoding="utf-8")
    assert load_text_tree(path) == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a list\n", "texts.yml: expected a mapping of texts"),
        ("a:\n  b: [x]\n", "texts.yml: a.b must be a text or a mapping of texts"),
        ("a:\n  b: 3\n", "texts.yml: a.b must be a text"),
        ("a:\n", "texts.yml: a must be a text"),
    ],
)
def test_a_malformed_catalogue_is_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "texts.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError, match=re.escape(message)):
        load_text_tree(path)


def test_a_text_is_looked_up_and_filled() -> None:
    assert lookup_text(TREE, "t.yml", "a.b", {"n": 3}) == "一 3 二"
    assert lookup_text(TREE, "t.yml", "a.c.d", {}) == "三"


@pytest.mark.parametrize(
    ("key", "params", "message"),
    [
        ("x", {}, "t.yml has no text 'x'"),
        ("e.f", {}, "t.yml has no text 'e.f'"),
        ("a.c", {}, "t.yml: 'a.c' is a section, not a text"),
        ("a.b", {}, "t.yml: text 'a.b' needs the parameter 'n'"),
    ],
)
def test_a_missing_text_or_parameter_is_a_clear_key_error(
    key: str, params: dict[str, object], message: str
) -> None:
    with pytest.raises(KeyError, match=re.escape(message)):
        lookup_text(TREE, "t.yml", key, params)
