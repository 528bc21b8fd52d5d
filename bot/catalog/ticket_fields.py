"""Chinese labels of the ticket's fields (``ticket_fields.yml``).

The fields themselves are defined once, in :class:`bot.tickets.draft.TicketDraft`; this
module only reads their labels. Pure data loading: no Rasa, SDK or database imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.catalog.loader import CATALOG_DIR, CatalogueError

FILE_NAME = "ticket_fields.yml"


@dataclass(frozen=True)
class TicketFieldTexts:
    """What the ticket's fields are called.

    Attributes:
        labels: Chinese label by field name.
        choose: First option of a select without a value yet (``请选择``).
    """

    labels: dict[str, str]
    choose: str

    def label(self, name: str) -> str:
        """The label of field ``name`` (the name itself when it has none)."""
        return self.labels.get(name, name)


@lru_cache(maxsize=4)
def load_ticket_field_texts(directory: Path | None = None) -> TicketFieldTexts:
    """Read ``ticket_fields.yml``.

    Args:
        directory: Catalogue directory; the shipped one by default.

    Returns:
        The labels and texts.

    Raises:
        CatalogueError: The file is not a mapping, or lacks ``labels`` or ``choose``.
    """
    path = (directory or CATALOG_DIR) / FILE_NAME
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    labels = data.get("labels") if isinstance(data, dict) else None
    if not isinstance(labels, dict) or not data.get("choose"):
        raise CatalogueError(f"{FILE_NAME}: expected labels and choose")
    return TicketFieldTexts(
        labels={str(name): str(label) for name, label in labels.items() if label},
        choose=str(data["choose"]),
    )
