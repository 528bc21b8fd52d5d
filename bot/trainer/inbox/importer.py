"""Importing an annotated inbox: check every row, then add the examples or change nothing.

Each row's label must be an intent with examples in the NLU files (``faq/<key>`` for the FAQ);
its text must not already be an example of another intent, be in the held-out split, keep a
:data:`~bot.trainer.inbox.masking.NUMBER` placeholder or name an unknown entity. The other
placeholders become their annotated sample values (:func:`~bot.trainer.inbox.masking.unmask`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process, utils

from bot.settings import PROJECT_ROOT
from bot.trainer.inbox.build import InboxRow, known_keys
from bot.trainer.inbox.csvfile import IGNORE_LABELS
from bot.trainer.inbox.masking import NUMBER, group_key, unmask
from bot.trainer.nlu_files import append_examples, intent_files, read_domain
from bot.trainer.texts import section_texts

_t = section_texts("inbox.importer")

_ENTITY_ANNOTATION = re.compile(r"\[[^\]]+\]\(([^):]+)(?::[^)]*)?\)")


@dataclass(frozen=True)
class Problem:
    """Why an annotated row cannot be imported."""

    line: int
    message: str  # in Chinese


@dataclass
class ImportPlan:
    """What an import would add, and what it skipped or refused."""

    additions: dict[str, list[str]] = field(default_factory=dict)  # intent → raw examples
    files: dict[str, Path] = field(default_factory=dict)  # intent → file holding its block
    problems: list[Problem] = field(default_factory=list)
    present: int = 0  # already an example of the same intent
    duplicates: int = 0  # the same text and intent earlier in the file
    unlabelled: int = 0
    ignored: int = 0


@dataclass(frozen=True)
class Vocabulary:
    """What annotations may name: intents with an NLU block, entities, and label titles."""

    intents: dict[str, Path]
    entities: frozenset[str]
    titles: dict[str, str] = field(default_factory=dict)  # intent or faq/<key> → Chinese title


def load_vocabulary(nlu_dir: Path, domain: Path) -> Vocabulary:
    """Intents of the domain that have examples in ``nlu_dir`` (``faq/<key>`` for ``faq``)."""
    from bot.catalog.labels import load_intent_labels

    names = read_domain(domain)
    intents = set(names.intents)
    usable = {
        name: path for name, path in intent_files(nlu_dir).items() if name.split("/")[0] in intents
    }
    labels = load_intent_labels()
    titles = {**labels.intents, **{f"faq/{k}": f.title for k, f in labels.faq.items()}}
    return Vocabulary(usable, frozenset(names.entities), titles)


def closest_intents(label: str, vocabulary: Vocabulary, limit: int = 3) -> list[str]:
    """Known intents nearest to ``label``, by name or by Chinese title."""
    choices = {name: name for name in vocabulary.intents}
    choices.update(
        {title: name for name, title in vocabulary.titles.items() if name in vocabulary.intents}
    )
    found: list[str] = []
    matches = process.extract(
        label, list(choices), scorer=fuzz.WRatio, processor=utils.default_process, limit=10
    )
    for choice, _, _ in matches:
        if choices[choice] not in found:
            found.append(choices[choice])
    return found[:limit]


def relative(path: Path) -> str:
    """``path`` relative to the project root when it is inside it, for messages."""
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def _describe(name: str, vocabulary: Vocabulary) -> str:
    title = vocabulary.titles.get(name)
    return _t("described", name=name, title=title) if title else name


def _row_problem(row: InboxRow, label: str, raw: str, vocabulary: Vocabulary) -> str | None:
    """What is wrong with one annotated row on its own, if anything."""
    if label not in vocabulary.intents:
        closest = closest_intents(label, vocabulary)
        hint = _t("list_separator").join(_describe(n, vocabulary) for n in closest)
        if label in {name.split("/")[0] for name in vocabulary.intents}:
            return _t("needs_key", label=label, hint=hint)
        return _t("unknown_intent", label=label, hint=hint)
    if not row.text.strip():
        return _t("empty_text")
    if NUMBER in row.text:
        return _t("masked_number", number=NUMBER)
    unknown = sorted(set(_ENTITY_ANNOTATION.findall(raw)) - vocabulary.entities)
    if unknown:
        return _t("unknown_entities", entities=_t("list_separator").join(unknown))
    if not group_key(raw):
        return _t("only_punctuation")
    return None


def plan_import(
    rows: Iterable[InboxRow],
    *,
    vocabulary: Vocabulary,
    examples: Iterable[Any],
    heldout: Iterable[Any] = (),
) -> ImportPlan:
    """Check every annotated row and collect the examples to add, without writing anything.

    Args:
        rows: The inbox rows.
        vocabulary: Intents that may be annotated and the files holding them.
        examples: The training examples (with ``intent``, ``text`` and ``path``).
        heldout: The held-out examples, which must not be trained on.
    """
    plan = ImportPlan()
    existing: dict[str, dict[str, Path]] = {}
    for example in examples:
        existing.setdefault(group_key(example.text), {}).setdefault(example.intent, example.path)
    held = known_keys(heldout)
    seen: dict[str, tuple[str, int]] = {}
    for row in rows:
        label = "".join(row.label.split())
        if not label:
            plan.unlabelled += 1
            continue
        if label in IGNORE_LABELS:
            plan.ignored += 1
            continue
        raw = unmask(" ".join(row.text.split()))
        problem = _row_problem(row, label, raw, vocabulary)
        key = group_key(raw)
        intents = existing.get(key, {})
        if problem is None and key in held:
            problem = _t("in_heldout")
        elif problem is None and label not in intents and intents:
            other, path = next(iter(intents.items()))
            problem = _t("other_intent", other=other, file=relative(path), label=label)
        elif problem is None and key in seen and seen[key][0] != label:
            problem = _t("same_as_line", line=seen[key][1], label=seen[key][0])
        if problem is not None:
            plan.problems.append(Problem(row.line, problem))
        elif label in intents:
            plan.present += 1
        elif key in seen:
            plan.duplicates += 1
        else:
            seen[key] = (label, row.line)
            plan.additions.setdefault(label, []).append(raw)
            plan.files[label] = vocabulary.intents[label]
    return plan


def apply_plan(plan: ImportPlan) -> dict[str, int]:
    """Append the planned examples; every touched file is restored if one write fails.

    Returns:
        How many examples each intent received.

    Raises:
        ValueError: The plan has problems (nothing is written).
    """
    if plan.problems:
        raise ValueError("an import plan with problems cannot be applied")
    originals = {path: path.read_bytes() for path in set(plan.files.values())}
    added: dict[str, int] = {}
    try:
        for intent, texts in plan.additions.items():
            added[intent] = append_examples(plan.files[intent], intent, texts)
    except (OSError, ValueError):
        for path, content in originals.items():
            path.write_bytes(content)
        raise
    return added
