"""Rasa's training cache sees the catalogues and the code the project's components read."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa.engine.graph import GraphComponent
from rasa.engine.training.fingerprinting import calculate_fingerprint_key

from bot.catalog.loader import CATALOG_DIR
from bot.nlu.date_extractor import ChineseDateExtractor
from bot.nlu.device_ruler import DeviceEntityRuler
from bot.nlu.entity_merger import EntityMerger
from bot.nlu.fingerprint import CatalogueFingerprint, inputs_digest
from bot.nlu.intent_ensemble import IntentEnsemble
from bot.nlu.tokenizer import CatalogJiebaTokenizer

COMPONENTS: list[type[GraphComponent]] = [
    CatalogJiebaTokenizer,
    DeviceEntityRuler,
    ChineseDateExtractor,
    EntityMerger,
    IntentEnsemble,
]


@pytest.fixture
def catalog_dir(tmp_path: Path) -> Iterator[Path]:
    """A copy of the catalogue, with the digest cache cleared before and after."""
    target = tmp_path / "catalog"
    shutil.copytree(CATALOG_DIR, target)
    inputs_digest.cache_clear()
    yield target
    inputs_digest.cache_clear()


def _edit(catalog_dir: Path) -> None:
    faults = catalog_dir / "faults.yml"
    faults.write_text(faults.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    inputs_digest.cache_clear()


def test_the_digest_follows_the_catalogue(catalog_dir: Path) -> None:
    before = inputs_digest(str(catalog_dir))
    inputs_digest.cache_clear()
    assert inputs_digest(str(catalog_dir)) == before  # stable when nothing changed
    _edit(catalog_dir)
    assert inputs_digest(str(catalog_dir)) != before


def test_a_new_catalogue_file_changes_the_digest(catalog_dir: Path) -> None:
    before = inputs_digest(str(catalog_dir))
    (catalog_dir / "extra.yml").write_text("x: 1\n", encoding="utf-8")
    inputs_digest.cache_clear()
    assert inputs_digest(str(catalog_dir)) != before


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.__name__)
def test_every_project_component_adds_the_digest(component: type[GraphComponent]) -> None:
    assert issubclass(component, CatalogueFingerprint)
    addon = component.fingerprint_addon({})
    assert addon is not None and addon == inputs_digest(None)


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.__name__)
def test_rasa_cache_key_changes_with_the_catalogue(
    component: type[GraphComponent], catalog_dir: Path
) -> None:
    config = {**component.get_default_config(), "catalog_dir": str(catalog_dir)}
    key = calculate_fingerprint_key(component, config, {})
    inputs_digest.cache_clear()
    assert calculate_fingerprint_key(component, config, {}) == key
    _edit(catalog_dir)
    assert calculate_fingerprint_key(component, config, {}) != key
