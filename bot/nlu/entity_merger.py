"""Resolve overlapping entities from several extractors into one clean list."""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.components import ConfiguredComponent
from bot.nlu.fingerprint import CatalogueFingerprint

DEFAULT_PRIORITY = [
    "DeviceEntityRuler",
    "ChineseDateExtractor",
    "RegexEntityExtractor",
    "CRFEntityExtractor",
    "DIETClassifier",
]
# Entities defined by their format: only a pattern extractor may produce them, so a learned
# extractor's guesses ("13" as a phone number) are dropped.
DEFAULT_PATTERN_ONLY = {
    "serial_number": ["RegexEntityExtractor"],
    "phone_number": ["RegexEntityExtractor"],
    "ticket_no": ["RegexEntityExtractor"],
}


def merge_entities(
    entities: list[dict[str, Any]],
    priority: list[str],
    pattern_only: dict[str, list[str]] | None = None,
) -> list[dict[str, Any]]:
    """Keep one entity per span: the higher-priority extractor wins, then the longer span.

    Args:
        entities: Entities as Rasa produces them (``start``, ``end``, ``extractor``, ...).
        priority: Extractor names, most trusted first; unknown extractors rank last.
        pattern_only: Entity types that only the named extractors may produce (entities
            without an extractor, such as those in button payloads, are always kept).

    Returns:
        Non-overlapping entities in text order.
    """
    allowed = pattern_only or {}
    entities = [
        e
        for e in entities
        if e.get("extractor") is None
        or e.get("entity") not in allowed
        or e.get("extractor") in allowed[e["entity"]]
    ]

    def rank(entity: dict[str, Any]) -> tuple[int, int]:
        name = entity.get("extractor") or ""
        position = priority.index(name) if name in priority else len(priority)
        length = int(entity.get("end", 0)) - int(entity.get("start", 0))
        return position, -length

    kept: list[dict[str, Any]] = []
    for entity in sorted(entities, key=rank):
        if "start" not in entity or "end" not in entity:
            kept.append(entity)
            continue
        overlaps = any(
            other.get("start") is not None
            and entity["start"] < other["end"]
            and other["start"] < entity["end"]
            for other in kept
        )
        if not overlaps:
            kept.append(entity)
    return sorted(kept, key=lambda e: (e.get("start", 0), e.get("end", 0)))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class EntityMerger(CatalogueFingerprint, ConfiguredComponent):
    """Runs after the extractors; leaves one entity per stretch of text."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Default configuration: extractor names, most trusted first."""
        return {"priority": DEFAULT_PRIORITY, "pattern_only": DEFAULT_PATTERN_ONLY}

    def __init__(self, config: dict[str, Any]) -> None:
        self.priority: list[str] = list(config.get("priority") or DEFAULT_PRIORITY)
        self.pattern_only: dict[str, list[str]] = dict(
            config.get("pattern_only") or DEFAULT_PATTERN_ONLY
        )

    def process(self, messages: list[Message]) -> list[Message]:
        """Replace each message's entities with the merged list."""
        for message in messages:
            entities = message.get(ENTITIES)
            if entities:
                merged = merge_entities(entities, self.priority, self.pattern_only)
                message.set(ENTITIES, merged, add_to_output=True)
        return messages
