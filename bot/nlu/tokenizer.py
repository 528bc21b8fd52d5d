"""Jieba tokenizer for Rasa that drops whitespace tokens and knows the catalogue."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.catalog import load_catalogue
from bot.nlu.components import StoredComponent
from bot.nlu.fingerprint import CatalogueFingerprint
from bot.nlu.segmenter import (
    catalogue_words,
    get_segmenter,
    read_user_dictionary,
    segment,
    write_user_dictionary,
)

logger = logging.getLogger(__name__)

DICTIONARY_FILE = "user_dict.txt"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class CatalogJiebaTokenizer(CatalogueFingerprint, StoredComponent[tuple[str, ...]], Tokenizer):
    """Jieba tokenizer whose user dictionary is generated from the catalogues at train time.

    Differences from Rasa's ``JiebaTokenizer``: whitespace tokens are dropped (mixed text such as
    "OnePlus 12 Pro" otherwise yields empty tokens), full-width characters are folded to
    half-width in token texts, and a dedicated jieba instance is used.
    """

    @staticmethod
    def supported_languages() -> list[str] | None:
        """Only Chinese."""
        return ["zh"]

    @staticmethod
    def required_packages() -> list[str]:
        """Python packages this component needs."""
        return ["jieba"]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Default configuration."""
        return {
            # Folder with the catalogue files; the packaged catalogue when None.
            "catalog_dir": None,
            # Options every Rasa tokenizer reads.
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        words: tuple[str, ...],
    ) -> None:
        super().__init__(config)
        self._model_storage = model_storage
        self._resource = resource
        self.words = words
        self._segmenter = get_segmenter(words)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CatalogJiebaTokenizer:
        """Create the tokenizer from the current catalogue."""
        config = {**cls.get_default_config(), **config}
        words = tuple(catalogue_words(load_catalogue(config["catalog_dir"])))
        return cls(config, model_storage, resource, words)

    @classmethod
    def read_files(cls, directory: Path) -> tuple[str, ...]:
        """The user dictionary the model was trained with."""
        return read_user_dictionary(directory / DICTIONARY_FILE)

    @classmethod
    def from_stored(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        stored: tuple[str, ...],
    ) -> CatalogJiebaTokenizer:
        """The tokenizer with the dictionary the model was trained with."""
        return cls(config, model_storage, resource, stored)

    @classmethod
    def nothing_stored(cls) -> None:
        """Say that the current catalogue is used instead."""
        logger.warning("No persisted user dictionary; using the current catalogue.")

    def train(self, training_data: TrainingData) -> Resource:
        """Persist the generated user dictionary with the model."""
        with self._model_storage.write_to(self._resource) as directory:
            write_user_dictionary(self.words, Path(directory) / DICTIONARY_FILE)
        return self._resource

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Tokenize one attribute of a message."""
        text = message.get(attribute) or ""
        tokens = [
            Token(word, start, end=end) for word, start, end in segment(self._segmenter, text)
        ]
        return self._apply_token_pattern(tokens)  # type: ignore[no-any-return]
