"""The docs: generated parts current, links that resolve, a README that fits on a screen."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from bench import report

ROOT = Path(__file__).resolve().parents[2]
PAGES = [*ROOT.glob("README.md"), *ROOT.glob("bot/*/README.md"), *sorted(ROOT.glob("docs/*.md"))]


def load_docs_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_script", ROOT / "scripts" / "docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


docs_script = load_docs_script()


def test_generated_tables_are_current():
    """`make docs` leaves the committed ticket schema and settings tables as they are."""
    assert docs_script.stale(docs_script.blocks().items(), write=False) == []


def test_benchmarks_page_is_what_the_committed_json_gives():
    assert report.main(["--check"]) == 0


def test_every_settings_field_and_ticket_table_is_documented():
    from bot.settings import Settings
    from bot.tickets.models import Base

    configuration = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    tickets = (ROOT / "docs" / "tickets.md").read_text(encoding="utf-8")
    assert [n for n in Settings.__fields__ if f"`{n.upper()}`" not in configuration] == []
    assert [t for t in Base.metadata.tables if f"### `{t}`" not in tickets] == []


def test_splice_replaces_only_its_block():
    text = "a\n<!-- generated:x (tool) -->\nold\n<!-- /generated:x -->\nb\n"
    assert docs_script.splice(text, "x", "new\n") == (
        "a\n<!-- generated:x (tool) -->\n\nnew\n\n<!-- /generated:x -->\nb\n"
    )
    with pytest.raises(ValueError, match="generated:y"):
        docs_script.splice(text, "y", "new\n")


def test_readme_fits_on_a_screen_and_tells_no_history():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 150
    assert not re.search(r"\bissue \d+", text, re.I)
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", text)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_and_images_resolve(page: Path):
    text = re.sub(r"```.*?```|`[^`\n]*`", "", page.read_text(encoding="utf-8"), flags=re.S)
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    local = [t.split("#")[0] for t in targets if not re.match(r"[a-z]+:", t) and t[0] != "#"]
    missing = [t for t in local if t and not (page.parent / t).exists()]
    assert missing == []


def anchors(page: Path) -> set[str]:
    """GitHub's anchors of a page's headings: lower case, punctuation dropped, spaces to -."""
    headings = re.findall(r"^#+ (.+)$", page.read_text(encoding="utf-8"), re.M)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_links_to_sections_name_existing_headings(page: Path):
    text = re.sub(r"```.*?```|`[^`\n]*`", "", page.read_text(encoding="utf-8"), flags=re.S)
    links = re.findall(r"\]\(([^)\s:]*)#([^)\s]+)\)", text)
    broken = [f"{f}#{a}" for f, a in links if a not in anchors(page.parent / f if f else page)]
    assert broken == []


def test_architecture_picture_is_an_svg_image():
    svg = (ROOT / "docs" / "architecture.svg").read_text(encoding="utf-8")
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert svg.rstrip().endswith("</svg>")
