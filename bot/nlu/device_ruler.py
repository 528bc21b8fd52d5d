"""Rasa entity extractor that recognises every catalogue alias of a device exactly (spaCy)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.catalog import load_catalogue
from bot.nlu.components import StoredComponent
from bot.nlu.device_patterns import (
    DEVICE_LABEL,
    build_ruler_pipeline,
    device_patterns,
    find_devices,
)
from bot.nlu.fingerprint import CatalogueFingerprint
from bot.nlu.segmenter import catalogue_words

PATTERNS_FILE = "device_patterns.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class DeviceEntityRuler(
    CatalogueFingerprint, StoredComponent[dict[str, Any]], EntityExtractorMixin
):
    """Extracts ``device_model`` entities with a spaCy entity ruler built from the catalogue.

    The entity value is the catalogue id (``oneplus-12``); the span is what the user typed.
    Patterns are generated at train time and persisted with the model.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Default configuration."""
        return {"catalog_dir": None}

    @staticmethod
    def required_packages() -> list[str]:
        """Python packages this component needs."""
        return ["spacy", "jieba"]

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        patterns: list[dict[str, Any]],
        words: tuple[str, ...],
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self.patterns = patterns
        self.words = words
        self._nlp = build_ruler_pipeline(patterns, words)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DeviceEntityRuler:
        """Build the patterns from the current catalogue."""
        config = {**cls.get_default_config(), **config}
        catalogue = load_catalogue(config["catalog_dir"])
        words = tuple(catalogue_words(catalogue))
        return cls(config, model_storage, resource, device_patterns(catalogue), words)

    @classmethod
    def read_files(cls, directory: Path) -> dict[str, Any]:
        """The patterns and segmenter words the model was trained with."""
        data: dict[str, Any] = json.loads((directory / PATTERNS_FILE).read_text("utf-8"))
        return data

    @classmethod
    def from_stored(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        stored: dict[str, Any],
    ) -> DeviceEntityRuler:
        """The ruler with the patterns the model was trained with."""
        return cls(config, model_storage, resource, stored["patterns"], tuple(stored["words"]))

    def train(self, training_data: TrainingData) -> Resource:
        """Persist the patterns and segmenter words with the model."""
        with self._model_storage.write_to(self._resource) as directory:
            payload = {"patterns": self.patterns, "words": list(self.words)}
            (Path(directory) / PATTERNS_FILE).write_text(
                json.dumps(payload, ensure_ascii=False), encoding="utf-8"
            )
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        """Add a ``device_model`` entity for each catalogue alias found in the text."""
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            found = [
                {
                    "entity": DEVICE_LABEL,
                    "start": match["start"],
                    "end": match["end"],
                    "value": match["device_id"],
                    "confidence_entity": 1.0,
                }
                for match in find_devices(self._nlp, text)
            ]
            if found:
                found = self.add_extractor_name(found)
                message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Leave training data untouched (entities in training data are gold)."""
        return training_data
