"""The fault catalogue: follow-up questions, their threshold, unique ids, reloading."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.catalog.loader import CATALOG_DIR, CatalogueError, load_catalogue

FAULTS = """\
follow_up_below_chars: 6
faults:
  - id: screen
    name: 屏幕问题
    keywords: [碎屏]
    self_help: [先去掉贴膜再试。]
    follow_up: [屏幕具体是什么情况？, 是摔过之后出现的吗？]
  - id: other
    name: 其他问题
"""


@pytest.fixture
def catalog_dir(tmp_path: Path) -> Path:
    """A catalogue with the project's devices and service types and ``FAULTS``."""
    for name in ("devices.yml", "service_types.yml"):
        shutil.copy(CATALOG_DIR / name, tmp_path / name)
    (tmp_path / "faults.yml").write_text(FAULTS, encoding="utf-8")
    return tmp_path


def test_follow_up_and_its_threshold(catalog_dir: Path) -> None:
    catalogue = load_catalogue(catalog_dir, fresh=True)
    screen, other = catalogue.faults
    assert screen.follow_up == ("屏幕具体是什么情况？", "是摔过之后出现的吗？")
    assert screen.self_help == ("先去掉贴膜再试。",) and screen.covered is True
    assert other.follow_up == () and other.intent is None
    assert catalogue.follow_up_below_chars == 6


def test_without_a_threshold_nothing_is_followed_up(catalog_dir: Path) -> None:
    faults = catalog_dir / "faults.yml"
    faults.write_text(FAULTS.replace("follow_up_below_chars: 6\n", ""), encoding="utf-8")
    assert load_catalogue(catalog_dir, fresh=True).follow_up_below_chars == 0


def test_the_project_catalogue_has_follow_ups() -> None:
    catalogue = load_catalogue()
    screen = catalogue.fault("screen")
    assert catalogue.follow_up_below_chars > 0
    assert screen is not None and screen.follow_up


def test_a_duplicate_fault_id_is_refused(catalog_dir: Path) -> None:
    duplicate = FAULTS.replace("  - id: other\n", "  - id: screen\n    name: 屏幕\n  - id: other\n")
    (catalog_dir / "faults.yml").write_text(duplicate, encoding="utf-8")
    with pytest.raises(CatalogueError, match="fault id 'screen' appears twice"):
        load_catalogue(catalog_dir, fresh=True)


def test_fresh_reads_an_edited_file_again(catalog_dir: Path) -> None:
    assert load_catalogue(catalog_dir, fresh=True).follow_up_below_chars == 6
    faults = catalog_dir / "faults.yml"
    faults.write_text(FAULTS.replace(": 6\n", ": 9\n"), encoding="utf-8")
    assert load_catalogue(catalog_dir).follow_up_below_chars == 6  # cached
    assert load_catalogue(catalog_dir, fresh=True).follow_up_below_chars == 9
    assert load_catalogue(catalog_dir).follow_up_below_chars == 9
