"""Text catalogues: YAML trees of Chinese texts looked up by dotted keys.

A catalogue is a mapping whose leaves are texts (strings), e.g. ``bot/data/catalog/console.yml``
or ``trainer.yml``. A key such as ``"inbox.cli.export_failed"`` walks the tree; placeholders in
braces (``{count}``) are filled from keyword arguments with :meth:`str.format_map`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from bot.catalog.loader import CatalogueError


def load_text_tree(path: Path) -> dict[str, Any]:
    """The catalogue at ``path``: a mapping of texts and sections (empty file: empty mapping).

    Raises:
        CatalogueError: the file is not a mapping, or a leaf is not a text.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise CatalogueError(f"{path.name}: expected a mapping of texts")
    for key, value in data.items():
        check_texts(value, str(key), path)
    return data


def check_texts(node: object, where: str, path: Path) -> None:
    """Check that ``node`` (found at ``where`` in ``path``) is a text or a mapping of texts.

    Raises:
        CatalogueError: a leaf is neither a text nor a mapping.
    """
    if isinstance(node, str):
        return
    if not isinstance(node, dict):
        raise CatalogueError(f"{path.name}: {where} must be a text or a mapping of texts")
    for key, value in node.items():
        check_texts(value, f"{where}.{key}", path)


def lookup_text(tree: Mapping[str, Any], name: str, key: str, params: Mapping[str, object]) -> str:
    """The text at dotted ``key`` in ``tree`` (the catalogue ``name``), placeholders filled.

    Raises:
        KeyError: no text at ``key``, or a placeholder without its parameter.
    """
    node: Any = tree
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"{name} has no text {key!r}")
        node = node[part]
    if not isinstance(node, str):
        raise KeyError(f"{name}: {key!r} is a section, not a text")
    try:
        return node.format_map(params)
    except KeyError as missing:
        raise KeyError(f"{name}: text {key!r} needs the parameter {missing}") from None


def leaf_keys(node: object, prefix: str = "") -> set[str]:
    """The dotted keys of every text under ``node`` (each starting with ``prefix.``, if given)."""
    if not isinstance(node, dict):
        return {prefix}
    return {
        key
        for name, value in node.items()
        for key in leaf_keys(value, f"{prefix}.{name}" if prefix else str(name))
    }
