"""A jieba segmenter that knows the catalogue's words.

Pure helpers: no Rasa imports, so that the tokenizer, the spaCy ruler and the trainer tools
segment text the same way.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import jieba

from bot.catalog import Catalogue

logger = logging.getLogger(__name__)

# jieba gives user words this frequency so that they beat the default dictionary's splits.
USER_WORD_FREQ = 2_000_000


def normalize_chars(text: str) -> str:
    """Fold full-width characters to half-width, one character for one character.

    Offsets into the result are offsets into ``text``: a character whose NFKC form is longer
    than one character is kept as it is.
    """
    out = []
    for char in text:
        folded = unicodedata.normalize("NFKC", char)
        out.append(folded if len(folded) == 1 else char)
    return "".join(out)


def catalogue_words(catalogue: Catalogue) -> list[str]:
    """Words that must stay whole: catalogue words folded to half-width, also lower-cased.

    jieba's dictionary is case-sensitive, so "一加ace3pro" needs its own entry.
    """
    words: dict[str, None] = {}
    for word in catalogue.dictionary_words():
        folded = normalize_chars(word)
        words.setdefault(folded, None)
        words.setdefault(folded.lower(), None)
    return [w for w in words if w.strip()]


def write_user_dictionary(words: Iterable[str], path: Path) -> Path:
    """Write ``words`` as a jieba user dictionary (``word freq`` per line)."""
    lines = []
    for word in words:
        # jieba's dictionary format splits on spaces; join spaced names ("OnePlus 12") are
        # still matched because the segmenter drops whitespace tokens.
        if " " in word:
            continue
        lines.append(f"{word} {USER_WORD_FREQ}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_user_dictionary(path: Path) -> tuple[str, ...]:
    """Read the words of a jieba user dictionary written by ``write_user_dictionary``."""
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            words.append(line.rsplit(" ", 1)[0])
    return tuple(words)


def get_segmenter(words: Iterable[str]) -> Any:
    """Return a dedicated ``jieba.Tokenizer`` with ``words`` added (cached per word set).

    A dedicated instance keeps the catalogue words out of jieba's global tokenizer. Words with
    a space cannot be jieba words and are left out, also from the cache key: the tokenizer
    (which reads its user dictionary, written without them) and the device ruler (which has
    them) share one instance instead of loading jieba's dictionary twice.
    """
    return _segmenter(tuple(word for word in words if " " not in word))


@lru_cache(maxsize=4)
def _segmenter(words: tuple[str, ...]) -> Any:
    segmenter = jieba.Tokenizer()
    segmenter.initialize()
    for word in words:
        segmenter.add_word(word, freq=USER_WORD_FREQ)
    logger.debug("jieba segmenter ready with %d user words", len(words))
    return segmenter


def segment(segmenter: Any, text: str) -> list[tuple[str, int, int]]:
    """Segment ``text`` into ``(word, start, end)`` triples, without whitespace tokens.

    Words are taken from the half-width folded text; offsets point into the original text.
    """
    folded = normalize_chars(text)
    return [(word, start, end) for word, start, end in segmenter.tokenize(folded) if word.strip()]
