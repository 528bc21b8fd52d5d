"""Marks tokens inside a catalogue service keyword, as a token pattern the CRF learns from.

The service-type catalogue (``bot/data/catalog/service_types.yml``) lists how owners name each
way of repair (寄修, 寄过去, 到店, 上门 ...). Whether a mention is a choice of service depends on
its context (想[寄修] is one, 寄修单 and 快递上门取件 are not), which is what the CRF learns;
this component tells it, token by token, which keyword of which service a token falls in, so
that a keyword seen only in the catalogue (寄过去) is still recognised.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.catalog import load_catalogue
from bot.nlu.components import ConfiguredComponent
from bot.nlu.fingerprint import CatalogueFingerprint
from bot.nlu.segmenter import normalize_chars

#: The token attribute Rasa's RegexFeaturizer fills and the CRF's ``pattern`` feature reads.
PATTERN = "pattern"


def keyword_patterns(keywords: dict[str, tuple[str, ...]]) -> dict[str, re.Pattern[str]]:
    """One case-insensitive pattern per service id, longest keyword first."""
    return {
        f"service_keyword_{service}": re.compile(
            "|".join(re.escape(k) for k in sorted(words, key=len, reverse=True)), re.IGNORECASE
        )
        for service, words in keywords.items()
        if words
    }


def keyword_spans(
    text: str, patterns: dict[str, re.Pattern[str]]
) -> dict[str, list[tuple[int, int]]]:
    """The ``(start, end)`` spans of each pattern's keywords in ``text`` (half-width folded)."""
    folded = normalize_chars(text)
    return {
        name: [m.span() for m in pattern.finditer(folded)] for name, pattern in patterns.items()
    }


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class ServiceKeywordPatterns(CatalogueFingerprint, ConfiguredComponent):
    """Adds ``service_keyword_<id>: True/False`` to each token's ``pattern`` dictionary."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Default configuration."""
        return {"catalog_dir": None}

    def __init__(self, config: dict[str, Any]) -> None:
        catalogue = load_catalogue(config.get("catalog_dir"))
        self.patterns = keyword_patterns(
            {s.id: (s.name, *s.keywords) for s in catalogue.service_types}
        )

    def _mark(self, message: Message) -> None:
        text = message.get(TEXT)
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        if not text or not tokens:
            return
        spans = keyword_spans(text, self.patterns)
        for token in tokens:
            marks = dict(token.get(PATTERN, {}) or {})
            for name, found in spans.items():
                marks[name] = any(token.start < end and start < token.end for start, end in found)
            token.set(PATTERN, marks)

    def process(self, messages: list[Message]) -> list[Message]:
        """Mark the tokens of messages to parse."""
        for message in messages:
            self._mark(message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Mark the tokens of the training examples."""
        for message in training_data.training_examples:
            self._mark(message)
        return training_data
