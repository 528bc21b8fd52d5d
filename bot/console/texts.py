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
        _check(section, name, path)
    return texts


def _check(node: object, where: str, path: Path) -> None:
    if isinstance(node, str):
        return
    if not isinstance(node, dict):
        raise CatalogueError(f"{path.name}: {where} must be a text or a mapping of texts")
    for key, value in node.items():
        _check(value, f"{where}.{key}", path)


def console_text(key: str, **params: str) -> str:
    """The text at dotted ``key`` (e.g. ``"api.tracking_required"``), placeholders filled.

    Raises:
        KeyError: no text at ``key``, or a placeholder without its parameter.
    """
    node: Any = load_console_texts()
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"console.yml has no text {key!r}")
        node = node[part]
    if not isinstance(node, str):
        raise KeyError(f"console.yml: {key!r} is a section, not a text")
    try:
        return node.format_map(params)
    except KeyError as missing:
        raise KeyError(f"console.yml: text {key!r} needs the parameter {missing}") from None


def page_texts() -> dict[str, Any]:
    """The ``page`` section, as the browser gets it (``GET .../api/texts``)."""
    return load_console_texts()["page"]
