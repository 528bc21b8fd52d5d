"""Rasa entity extractor for Chinese purchase dates, built on the pure date parser."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.intake.dates import find_purchase_date
from bot.nlu.fingerprint import CatalogueFingerprint
from bot.settings import get_settings

ENTITY = "purchase_date"


def purchase_date_span(text: str, today: Any) -> tuple[int, int] | None:
    """Character span of the purchase date in ``text`` (see ``find_purchase_date``)."""
    found = find_purchase_date(text, today)
    if found is None:
        return None
    start = text.find(found.matched)
    return (start, start + len(found.matched)) if start >= 0 else None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class ChineseDateExtractor(CatalogueFingerprint, GraphComponent, EntityExtractorMixin):
    """Marks purchase-date expressions (去年三月, 2025年3月15日, 去年双十一 ...) as entities.

    The value is the expression as typed; the intake form turns it into a date.
    """

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ChineseDateExtractor:
        """Create the extractor."""
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        """Add at most one ``purchase_date`` entity per message."""
        today = get_settings().today()
        for message in messages:
            text = message.get(TEXT) or ""
            span = purchase_date_span(text, today) if text else None
            if span is None:
                continue
            entity = {
                "entity": ENTITY,
                "start": span[0],
                "end": span[1],
                "value": text[span[0] : span[1]],
                "confidence_entity": 1.0,
            }
            entities = self.add_extractor_name([entity])
            message.set(ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True)
        return messages
