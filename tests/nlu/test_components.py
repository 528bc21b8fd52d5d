"""What the graph components share: files read back from the model, a made-afresh fallback."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.components import read_stored
from bot.nlu.entity_merger import EntityMerger
from bot.nlu.intent_ensemble import IntentEnsemble
from bot.nlu.tokenizer import CatalogJiebaTokenizer


def _read_json(directory: Path) -> object:
    return json.loads((directory / "data.json").read_text("utf-8"))


def test_read_stored_gives_what_was_written(model_storage, resource):
    with model_storage.write_to(resource) as directory:
        (Path(directory) / "data.json").write_text('{"words": ["一加"]}', encoding="utf-8")
    assert read_stored(model_storage, resource, _read_json) == {"words": ["一加"]}


@pytest.mark.parametrize("content", [None, "{not json"], ids=["nothing-stored", "unreadable"])
def test_read_stored_is_none_without_usable_files(model_storage, resource, content):
    if content is not None:
        with model_storage.write_to(resource) as directory:
            (Path(directory) / "data.json").write_text(content, encoding="utf-8")
    assert read_stored(model_storage, resource, _read_json) is None


def test_a_configured_component_starts_from_its_defaults(
    model_storage, resource, execution_context
):
    merger = EntityMerger.create({"priority": ["A"]}, model_storage, resource, execution_context)
    assert merger.priority == ["A"]
    assert merger.pattern_only == EntityMerger.get_default_config()["pattern_only"]


def test_a_component_with_nothing_stored_is_made_afresh(
    model_storage, resource, execution_context, caplog
):
    ensemble = IntentEnsemble.load({}, model_storage, resource, execution_context)
    assert ensemble.model is None
    assert ensemble.config == IntentEnsemble.get_default_config()
    with caplog.at_level(logging.WARNING):
        tokenizer = CatalogJiebaTokenizer.load({}, model_storage, resource, execution_context)
    assert "No persisted user dictionary" in caplog.text
    fresh = CatalogJiebaTokenizer.create({}, model_storage, resource, execution_context)
    assert tokenizer.words == fresh.words


def test_a_component_loads_what_it_stored(model_storage, resource, execution_context):
    words = ("一加十二", "充不进电")
    config = CatalogJiebaTokenizer.get_default_config()
    CatalogJiebaTokenizer(config, model_storage, resource, words).train(TrainingData())
    loaded = CatalogJiebaTokenizer.load({}, model_storage, resource, execution_context)
    assert loaded.words == words
