"""Canned replies of the agent console (``canned_replies.yml``): pure, no store.

Each reply has a key, a title agents search, and a text with placeholders (``{ticket_no}``,
``{model}``, ``{phone}``) filled from the chat by the console; :meth:`CannedReply.fill` leaves
an unknown value's placeholder as it is and names it.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.catalog.loader import CATALOG_DIR, CatalogueError

#: The placeholders a reply may use.
PLACEHOLDERS: tuple[str, ...] = ("ticket_no", "model", "phone")
FILE = "canned_replies.yml"
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
TITLE_MAX = 40
TEXT_MAX = 1000


@dataclass(frozen=True)
class CannedReply:
    """One reply: ``key``, ``title`` and ``text`` with ``placeholders`` in order of use."""

    key: str
    title: str
    text: str
    placeholders: tuple[str, ...]

    def fill(self, values: Mapping[str, str | None]) -> tuple[str, list[str]]:
        """The text with the known values filled in, and the placeholders left unfilled."""
        missing = [name for name in self.placeholders if not values.get(name)]
        known = {name: values.get(name) or "{" + name + "}" for name in self.placeholders}
        return self.text.format_map(known), missing


def _placeholders(text: str, where: str) -> tuple[str, ...]:
    try:
        parts = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(text)]
    except ValueError as error:
        raise CatalogueError(f"{FILE}: {where}: broken braces in text ({error})") from None
    if any(spec or conv for name, spec, conv in parts if name is not None):
        raise CatalogueError(f"{FILE}: {where}: write placeholders plainly, like {{ticket_no}}")
    fields = [name for name, _, _ in parts if name is not None]
    unknown = sorted({name for name in fields if name not in PLACEHOLDERS})
    if unknown:
        raise CatalogueError(
            f"{FILE}: {where}: unknown placeholder(s) {', '.join(unknown)}; "
            f"use {', '.join('{' + p + '}' for p in PLACEHOLDERS)}"
        )
    return tuple(dict.fromkeys(fields))


def _text(raw: dict[str, Any], name: str, limit: int, where: str) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
        raise CatalogueError(f"{FILE}: {where}: {name} must be a text of 1 to {limit} characters")
    return value.strip()


def parse_canned_replies(raw: Any) -> tuple[CannedReply, ...]:
    """Check and convert the content of ``canned_replies.yml``.

    Raises:
        CatalogueError: No ``replies`` list, a reply without key, title or text, a key used
            twice or not of a-z, 0-9 and ``_``, or a placeholder that is not known.
    """
    replies = raw.get("replies") if isinstance(raw, dict) else None
    if not isinstance(replies, list) or not replies:
        raise CatalogueError(f"{FILE}: replies must list at least one reply")
    parsed: list[CannedReply] = []
    seen: set[str] = set()
    for index, entry in enumerate(replies, start=1):
        where = f"reply #{index}"
        if not isinstance(entry, dict):
            raise CatalogueError(f"{FILE}: {where} must be a mapping with key, title and text")
        key = entry.get("key")
        if not isinstance(key, str) or not _KEY.match(key):
            raise CatalogueError(f"{FILE}: {where}: key must be 1-40 of a-z, 0-9 and _")
        if key in seen:
            raise CatalogueError(f"{FILE}: key {key!r} is used twice")
        seen.add(key)
        where = f"reply {key!r}"
        text = _text(entry, "text", TEXT_MAX, where)
        parsed.append(
            CannedReply(
                key=key,
                title=_text(entry, "title", TITLE_MAX, where),
                text=text,
                placeholders=_placeholders(text, where),
            )
        )
    return tuple(parsed)


@lru_cache(maxsize=4)
def load_canned_replies(directory: Path | None = None) -> tuple[CannedReply, ...]:
    """Read ``canned_replies.yml`` from the catalogue directory (the shipped one by default).

    Raises:
        CatalogueError: The file is malformed (see :func:`parse_canned_replies`).
    """
    path = (directory or CATALOG_DIR) / FILE
    with path.open(encoding="utf-8") as handle:
        return parse_canned_replies(yaml.safe_load(handle))


def check_canned_replies(directory: Path | None = None) -> list[str]:
    """``make validate``: the problems of ``canned_replies.yml`` (``[]`` when it is fine)."""
    path = (directory or CATALOG_DIR) / FILE
    try:
        parse_canned_replies(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, CatalogueError) as error:
        return [str(error)]
    return []
