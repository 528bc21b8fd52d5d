"""Check that held-out paraphrases share no wording with the training examples of their label.

``bot/data/heldout/paraphrases.yml`` measures whether the model understands what an owner
means when the owner's words are not in the training data. An example there is a paraphrase
of its label ``L`` (an intent such as ``ask_price``, or an FAQ key such as
``faq/warranty_policy``) when it shares nothing with any training example of ``L``:

1. **No content word.** Both texts are folded to half-width (``normalize_chars``), lower-cased
   and segmented with the project's jieba segmenter (catalogue words kept whole, as the NLU
   tokenizer does). A word is *content* unless it is punctuation, space or a math symbol
   (``~``; emoji are content), one of the ``FUNCTION_WORDS``, or written only with
   single-character function words (jieba's ``我要``, ``不了``, ``有没有``, ``是不是``).
2. **No content character bigram.** The content words that stand next to each other form
   *runs* (a function word or punctuation ends a run); every two adjacent characters of a run
   are a content bigram. This catches the wording the word check misses when jieba cuts the
   same characters differently: ``保修期`` and ``保修`` share ``保修``, ``屏幕碎了`` (one
   jieba word) and ``屏幕`` share ``屏幕``. A bigram that straddles a function word is not
   content: it shares at most one content character (``我的电量`` and ``我的电池`` share only
   ``电``), and single characters are not wording. Pairs with a Latin letter or digit are left
   out too: Latin words are compared whole (``hey`` and ``hello`` share no wording).
3. **Something to paraphrase.** The candidate has a content word, and its label has training
   examples (an unknown label, a typo, would otherwise pass with nothing to compare).

Entity values are text like any other: a device name or city the training examples of the
label use is shared wording.

The rule is strict: a paraphrase of ``fault_charging`` cannot write 充电, 电量 or 插上, not
even inside a longer word, since its training examples use them. It is achievable because
``FUNCTION_WORDS`` leaves out only grammar, each group for a reason: structural, aspect and
sentence-final particles; personal, demonstrative and interrogative pronouns (怎么 什么 哪 谁
怎么样 — but not 多少 / 多久 / 几, which carry a price or duration question); the copula 是
and the existential 有; coverbs (在 把 被 给 跟 和 从 对); frequent adverbs (也 都 就 还 又 很
太 再); negation (不 没 没有 别); modal auxiliaries (能 会 要 想 可以 应该); the delimitative
一下 and the measure word 个. Topic words every label uses (手机, 一加, 修, 里, 到) are
content: a paraphrase has to do without them.

Pure: YAML and text in, plain data out; no Rasa, SDK or database imports.
``python -m bot.trainer.paraphrases`` checks the file; ``--label L TEXT...`` checks candidates.
"""

from __future__ import annotations

import argparse
import logging
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.catalog import load_catalogue
from bot.nlu.segmenter import catalogue_words, get_segmenter, segment
from bot.trainer import paths
from bot.trainer.nlu_files import Example, load_examples, plain_text, read_examples

PARAPHRASES = paths.HELDOUT.parent / "paraphrases.yml"

FUNCTION_WORDS = frozenset(
    [
        # structural and aspect particles
        *"的地得之了着过",
        # sentence-final and modal particles
        *"吗呢吧啊呀嘛哦哈啦呗么咯嘞",
        # personal and demonstrative pronouns
        *"我你您他她它咱这那",
        *["我们", "你们", "他们", "咱们", "自己", "这个", "那个", "这些", "那些"],
        # interrogative pronouns (not 多少 / 多久 / 几: they carry the question's topic)
        *"哪谁",
        *["怎么", "什么", "哪里", "哪儿", "哪个", "为什么", "怎样", "怎么样"],
        # copula, existential, coverbs
        *"是有在把被给跟和从对",
        # frequent adverbs and negation
        *"也都就还又很太再不没别",
        "没有",
        # modal auxiliaries
        *"能会要想",
        *["可以", "应该"],
        # delimitative and measure word
        "一下",
        "个",
    ]
)

# A word written only with these is a function word too: 我要, 不了, 有没有, 是不是.
FUNCTION_CHARS = frozenset(w for w in FUNCTION_WORDS if len(w) == 1)

# Punctuation, separators, control characters, math symbols (~ +) and modifiers; emoji (So)
# and currency signs (Sc) are content: a shared 👋 is shared wording.
_NOT_CONTENT = ("P", "Z", "C", "Sm", "Sk")


@dataclass(frozen=True)
class Overlap:
    """What a candidate shares with one training example of its label."""

    example: Example
    words: tuple[str, ...]
    bigrams: tuple[str, ...]


@dataclass(frozen=True)
class Verdict:
    """The check of one candidate.

    It passes when its label has training examples, it has a content word and it shares
    nothing with the training examples of its label.
    """

    label: str
    text: str
    known_label: bool
    has_content: bool
    overlaps: tuple[Overlap, ...]

    @property
    def passed(self) -> bool:
        """Whether the candidate is a paraphrase of its label."""
        return self.known_label and self.has_content and not self.overlaps

    def explain(self) -> str:
        """The problem; for shared wording, one line per training example and what it shares."""
        if not self.known_label:
            return f"{self.label} “{self.text}”: no training example has this label"
        if not self.has_content:
            return f"{self.label} “{self.text}”: only function words, nothing to paraphrase"
        if not self.overlaps:
            return f"{self.label} “{self.text}”: a paraphrase"
        lines = [f"{self.label} “{self.text}” shares wording with {len(self.overlaps)} example(s):"]
        for overlap in self.overlaps:
            shared = [f"word {w}" for w in overlap.words]
            shared += [f"bigram {b}" for b in overlap.bigrams]
            where = overlap.example.path.name
            lines.append(f"  “{overlap.example.text}” ({where}): {', '.join(shared)}")
        return "\n".join(lines)


def default_segmenter() -> Any:
    """The project's jieba segmenter, with the catalogue's words kept whole."""
    logging.getLogger("jieba").setLevel(logging.WARNING)
    return get_segmenter(tuple(catalogue_words(load_catalogue())))


def is_function_word(word: str) -> bool:
    """Whether ``word`` (folded, lower-cased) is punctuation, space or a function word.

    A word jieba writes with function characters only (我要, 不了, 是不是) is one too.
    """
    if all(unicodedata.category(c).startswith(_NOT_CONTENT) for c in word):
        return True
    return word in FUNCTION_WORDS or all(c in FUNCTION_CHARS for c in word)


def content_runs(segmenter: Any, text: str) -> list[list[str]]:
    """The runs of adjacent content words of ``text``, folded and lower-cased.

    A function word or punctuation ends a run; whitespace does not appear in the segmentation
    (``segment`` drops it), so "连 wifi" is one run.
    """
    runs: list[list[str]] = [[]]
    for word, _, _ in segment(segmenter, text):
        word = word.lower()
        if is_function_word(word):
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(word)
    return [run for run in runs if run]


def content_words(segmenter: Any, text: str) -> set[str]:
    """The content words of ``text``."""
    return {word for run in content_runs(segmenter, text) for word in run}


def _latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


def content_bigrams(segmenter: Any, text: str) -> set[str]:
    """The character bigrams inside the runs of adjacent content words of ``text``.

    Pairs with a Latin letter or digit are left out: those are compared as whole words.
    """
    bigrams = set()
    for run in content_runs(segmenter, text):
        chars = "".join(run)
        for i in range(len(chars) - 1):
            if not (_latin(chars[i]) or _latin(chars[i + 1])):
                bigrams.add(chars[i : i + 2])
    return bigrams


class ParaphraseChecker:
    """The training examples by label, with their content words and bigrams indexed."""

    def __init__(self, training: Iterable[Example], segmenter: Any) -> None:
        self._segmenter = segmenter
        self._examples: list[Example] = []
        self._words: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        self._bigrams: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for example in training:
            index = len(self._examples)
            self._examples.append(example)
            for word in content_words(segmenter, example.text):
                self._words[example.intent][word].append(index)
            for bigram in content_bigrams(segmenter, example.text):
                self._bigrams[example.intent][bigram].append(index)
        self.labels = frozenset(e.intent for e in self._examples)

    def check(self, label: str, text: str) -> Verdict:
        """What ``text``, labelled ``label``, shares with the training examples of ``label``."""
        words: dict[int, set[str]] = defaultdict(set)
        bigrams: dict[int, set[str]] = defaultdict(set)
        by_word, by_bigram = self._words.get(label, {}), self._bigrams.get(label, {})
        own_words = content_words(self._segmenter, text)
        for word in own_words:
            for index in by_word.get(word, ()):
                words[index].add(word)
        for bigram in content_bigrams(self._segmenter, text):
            for index in by_bigram.get(bigram, ()):
                bigrams[index].add(bigram)
        overlaps = tuple(
            Overlap(self._examples[i], tuple(sorted(words[i])), tuple(sorted(bigrams[i])))
            for i in sorted(set(words) | set(bigrams))
        )
        return Verdict(label, text, label in self.labels, bool(own_words), overlaps)

    def check_examples(self, candidates: Iterable[Example]) -> list[Verdict]:
        """The verdict on every candidate, in order."""
        return [self.check(c.intent, c.text) for c in candidates]


def load_checker(folders: Sequence[Path] = (paths.DATA_DIR / "nlu",)) -> ParaphraseChecker:
    """A checker on the training examples under ``folders`` with the project's segmenter."""
    return ParaphraseChecker(load_examples(folders), default_segmenter())


def main(argv: list[str] | None = None) -> int:
    """Print every candidate that shares wording with its label's training examples."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=PARAPHRASES)
    parser.add_argument("--label", help="check TEXT as examples of this label instead")
    parser.add_argument("text", nargs="*")
    args = parser.parse_args(argv)
    checker = load_checker()
    if args.label:
        verdicts = [checker.check(args.label, plain_text(text)) for text in args.text]
    else:
        verdicts = checker.check_examples(read_examples(args.file))
    failed = [v for v in verdicts if not v.passed]
    for verdict in failed:
        print(verdict.explain())
    print(f"{len(verdicts) - len(failed)} of {len(verdicts)} pass", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
