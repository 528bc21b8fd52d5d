"""Read NLU training files and add examples to them, keeping their layout; read domain names.

Pure file helpers: YAML and text in, plain data out. No Rasa imports, so the trainer's checks
start in a fraction of a second.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# [一加12](device_model), [寄修](service_type:mail_in), [x]{"entity": ...}
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
_EXAMPLE_LINE = re.compile(r"^(\s*)- (.*)$")
_INTENT_LINE = re.compile(r"^- intent:\s*(\S+)\s*$")
_DROPPED_CATEGORIES = frozenset("PZC")


@dataclass(frozen=True)
class DomainNames:
    """The names a domain file declares, each in file order."""

    intents: tuple[str, ...]
    entities: tuple[str, ...]
    responses: tuple[str, ...]


@dataclass(frozen=True)
class Example:
    """One training example as written in a file."""

    intent: str
    text: str  # annotations removed
    raw: str  # as written, annotations included
    path: Path


def plain_text(raw: str) -> str:
    """The example's text without entity annotations."""
    return _ANNOTATION.sub(r"\1", raw).strip()


def one_line(text: str) -> str:
    """``text`` as one example line: inner line breaks and runs of spaces become one space."""
    return " ".join(text.split())


def normalise(text: str) -> str:
    """A key under which two examples count as the same sentence.

    Full-width forms are folded (NFKC), letters lower-cased, spaces and punctuation dropped,
    so "屏幕碎了！" and "屏幕碎了" are one example.
    """
    folded = unicodedata.normalize("NFKC", plain_text(text)).lower()
    # Punctuation, spaces and control characters go; symbols (emoji, "+") stay.
    return "".join(c for c in folded if unicodedata.category(c)[0] not in _DROPPED_CATEGORIES)


def _example_lines(block: str) -> list[str]:
    lines = []
    for line in block.splitlines():
        match = _EXAMPLE_LINE.match(line)
        if match and match.group(2).strip():
            lines.append(match.group(2).strip())
    return lines


def _entry_names(items: Any) -> tuple[str, ...]:
    """The names of a domain list whose entries are names or one-key mappings."""
    return tuple(str(k) for i in items or [] for k in (i if isinstance(i, dict) else [i]))


def read_domain(path: Path) -> DomainNames:
    """The intents, entities and responses of a domain file; a missing section is empty."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return DomainNames(
        intents=_entry_names(data.get("intents")),
        entities=_entry_names(data.get("entities")),
        responses=tuple(str(name) for name in data.get("responses") or {}),
    )


def read_examples(path: Path) -> list[Example]:
    """Every intent example in one NLU file (synonyms, regexes and lookups are skipped)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    examples: list[Example] = []
    for item in data.get("nlu") or []:
        if not isinstance(item, dict) or "intent" not in item:
            continue
        intent = str(item["intent"])
        for raw in _example_lines(str(item.get("examples") or "")):
            examples.append(Example(intent, plain_text(raw), raw, path))
    return examples


def nlu_files(folder: Path) -> list[Path]:
    """The YAML files under ``folder``, in a stable order."""
    return sorted(p for p in folder.rglob("*.yml") if p.is_file())


def load_examples(folders: Iterable[Path]) -> list[Example]:
    """Every intent example in every NLU file under ``folders``."""
    return [e for folder in folders for path in nlu_files(folder) for e in read_examples(path)]


def intent_files(folder: Path) -> dict[str, Path]:
    """Which file holds each intent's examples (the first one, if several do)."""
    found: dict[str, Path] = {}
    for path in nlu_files(folder):
        for line in path.read_text(encoding="utf-8").splitlines():
            match = _INTENT_LINE.match(line)
            if match:
                found.setdefault(match.group(1), path)
    return found


def append_examples(path: Path, intent: str, texts: Iterable[str]) -> int:
    """Add ``texts`` at the end of ``intent``'s ``examples: |`` block in ``path``.

    The block keeps its indentation; comments and other blocks are untouched.

    Returns:
        How many lines were added.

    Raises:
        ValueError: The file has no block for ``intent``.
    """
    new = [one_line(t) for t in texts if t.strip()]
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(
        (i for i, line in enumerate(lines) if (m := _INTENT_LINE.match(line)) and m[1] == intent),
        None,
    )
    if start is None:
        raise ValueError(f"{path} has no examples for intent {intent}")
    last, indent = start, "    "
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line.startswith("- ") or (line and not line[0].isspace()):
            break
        match = _EXAMPLE_LINE.match(line)
        if match and len(match.group(1)) >= 4:
            last, indent = i, match.group(1)
    if not new:
        return 0
    lines[last + 1 : last + 1] = [f"{indent}- {text}" for text in new]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(new)


def intent_block(intent: str, texts: Iterable[str]) -> str:
    """A ``- intent:`` block with its examples, as appended to a new or existing file."""
    body = "".join(f"    - {one_line(t)}\n" for t in texts if t.strip())
    return f"- intent: {intent}\n  examples: |\n{body}"
