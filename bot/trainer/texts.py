"""The trainer tools' Chinese texts, from ``bot/data/catalog/trainer.yml``.

Findings of ``make validate``, the evaluation report's headings, the inbox's messages and
columns, ``make new-fault``'s messages. Keys are dotted paths, e.g. ``"validate.passed"``;
placeholders in braces are filled from keyword arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.catalog.loader import CATALOG_DIR
from bot.catalog.texts import load_text_tree, lookup_text

TRAINER_TEXTS = CATALOG_DIR / "trainer.yml"


@lru_cache(maxsize=4)
def load_trainer_texts(path: Path = TRAINER_TEXTS) -> dict[str, Any]:
    """The catalogue's texts by section (cached).

    Raises:
        CatalogueError: the file is not a mapping, or a text is not a string.
    """
    return load_text_tree(path)


def trainer_text(key: str, /, **params: object) -> str:
    """The text at dotted ``key`` (e.g. ``"validate.passed"``), placeholders filled.

    Raises:
        KeyError: no text at ``key``, or a placeholder without its parameter.
    """
    return lookup_text(load_trainer_texts(), TRAINER_TEXTS.name, key, params)


def section_texts(section: str) -> Callable[..., str]:
    """A :func:`trainer_text` for the keys under ``section``: ``section_texts("report")("title")``.

    Modules bind it once, ``_t = section_texts("inbox.cli")``; the catalogue's tests read those
    bindings to find the keys a module uses.
    """

    def text(key: str, /, **params: object) -> str:
        return trainer_text(f"{section}.{key}", **params)

    return text
