"""The console's Chinese texts, from ``bot/data/catalog/console.yml``.

Two sections: ``page`` (the web page's texts, served to the browser as they are) and ``api``
(messages the server writes). Keys are dotted paths, e.g. ``"api.tracking_required"`` or
``"page.signin.title"``; placeholders in braces are filled from keyword arguments.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.catalog.loader import CATALOG_DIR, CatalogueError
from bot.catalog.texts import check_texts, lookup_text

CONSOLE_TEXTS = CATALOG_DIR / "console.yml"
SECTIONS = ("page", "api")


@lru_cache(maxsize=4)
def load_console_texts(path: Path = CONSOLE_TEXTS) -> dict[str, dict[str, Any]]:
    """Both sections of the catalogue (cached); an empty section is an empty mapping.

    Raises:
        CatalogueError: the file is not a mapping of the two sections, or a text is not a string.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or set(data) != set(SECTIONS):
        raise CatalogueError(f"{path.name}: expected exactly the sections {', '.join(SECTIONS)}")
    texts = {name: data[name] or {} for name in SECTIONS}
    for name, section in texts.items():
        check_texts(section, name, path)
    return texts


def console_text(key: str, **params: str) -> str:
    """The text at dotted ``key`` (e.g. ``"api.tracking_required"``), placeholders filled.

    Raises:
        KeyError: no text at ``key``, or a placeholder without its parameter.
    """
    return lookup_text(load_console_texts(), CONSOLE_TEXTS.name, key, params)


def page_texts() -> dict[str, Any]:
    """The ``page`` section, as the browser gets it (``GET .../api/texts``)."""
    return load_console_texts()["page"]
