"""Helpers shared by the inbox's import and command-line tests."""

from __future__ import annotations

import hashlib
from pathlib import Path

from bot.trainer import paths
from bot.trainer.nlu_files import read_examples

NLU = paths.DATA_DIR / "nlu"


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def intent_texts(path: Path) -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for example in read_examples(path):
        texts.setdefault(example.intent, []).append(example.raw)
    return texts
