"""The console's texts: ``console.yml`` through :mod:`bot.console.texts`, and the page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.catalog.loader import CatalogueError
from bot.console.routes_page import STATIC_DIR
from bot.console.texts import CONSOLE_TEXTS, console_text, load_console_texts, page_texts

CHINESE = re.compile(r"[\u4e00-\u9fff]")
#: A dotted key of the page's texts as the HTML and the modules write it ("page.x" or "page.x.").
KEY = re.compile(r"""["'](page(?:\.[a-z_]+)+\.?)["']""")


def static_files() -> list[Path]:
    return sorted(p for p in STATIC_DIR.rglob("*") if p.is_file())


def keys_in_static() -> set[str]:
    return {key for path in static_files() for key in KEY.findall(path.read_text("utf-8"))}


def leaf_keys(node: object, prefix: str) -> set[str]:
    if isinstance(node, str):
        return {prefix}
    assert isinstance(node, dict)
    return {key for name, value in node.items() for key in leaf_keys(value, f"{prefix}.{name}")}


def test_the_console_page_holds_no_chinese() -> None:
    found = {
        path.relative_to(STATIC_DIR).as_posix(): CHINESE.findall(path.read_text("utf-8"))
        for path in static_files()
    }
    assert {name: chars for name, chars in found.items() if chars} == {}
    assert "js/texts.js" in found and "index.html" in found


def test_every_key_the_page_uses_is_in_the_catalogue() -> None:
    used = keys_in_static()
    assert "page.signin.title" in used and "page.lists.claim_label" in used
    texts = load_console_texts()
    for key in used:
        node: object = texts
        for part in key.rstrip(".").split("."):
            assert isinstance(node, dict) and part in node, f"console.yml lacks {key}"
            node = node[part]


def test_every_text_of_the_page_is_used() -> None:
    """A text is used by its key, or by a section or key prefix the code looks up."""
    used = keys_in_static()
    unused = {
        key
        for key in leaf_keys(page_texts(), "page")
        if not any(key == u or key.startswith(u if u.endswith(".") else u + ".") for u in used)
    }
    assert unused == set()


def test_a_text_is_found_by_its_dotted_key_and_filled() -> None:
    assert console_text("page.signin.title") == "售后客服工作台"
    assert console_text("page.signin.locked", minutes="3") == "登录失败次数过多，请 3 分钟后再试"
    assert page_texts()["lists"]["queued"] == "排队中"


@pytest.mark.parametrize(
    ("key", "params", "message"),
    [
        ("page.nothing_here", {}, "console.yml has no text 'page.nothing_here'"),
        ("api.nothing_here", {}, "console.yml has no text 'api.nothing_here'"),
        ("page.signin.title.deeper", {}, "no text 'page.signin.title.deeper'"),
        ("page.signin", {}, "'page.signin' is a section, not a text"),
        ("page.signin.locked", {}, "'page.signin.locked' needs the parameter 'minutes'"),
    ],
)
def test_a_missing_text_or_parameter_is_a_clear_key_error(
    key: str, params: dict[str, str], message: str
) -> None:
    with pytest.raises(KeyError, match=re.escape(message)):
        console_text(key, **params)


@pytest.mark.parametrize(
    "text",
    [
        "page: {}\n",  # no api section
        "page: {}\napi: {}\nother: {}\n",
        "page:\n  title: [a, list]\napi:\n",
        "- just a list\n",
    ],
)
def test_a_malformed_catalogue_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "console.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError):
        load_console_texts(path)


def test_empty_sections_are_empty_mappings(tmp_path: Path) -> None:
    path = tmp_path / "console.yml"
    path.write_text("page:\napi:\n", encoding="utf-8")
    assert load_console_texts(path) == {"page": {}, "api": {}}
    assert CONSOLE_TEXTS.name == "console.yml"
