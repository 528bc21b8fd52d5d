"""Feature and classifier variants tried on SMP2017-ECDT outside Rasa, with scikit-learn.

The quick way to try an idea before it becomes a Rasa configuration: each variant is fitted on
train and scored on develop (where choices are made), then fitted on train + develop and
scored on test (reported once, never used to choose). Usage:
``.venv/bin/python bench/smp2017/explore.py [--only NAME,...]``.

The project's ``IntentEnsemble`` is the ``lr char_wb 1-3 C=200`` row; the Rasa runs of
``bench/nlu_benchmark.py`` agree with it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.naive_bayes import ComplementNB, MultinomialNB
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.svm import LinearSVC

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from nlu_benchmark import DEFAULT_DATA, load_split, merge, pairs  # noqa: E402

from bot.nlu.intent_ensemble import prepare  # noqa: E402  (the text as the ensemble sees it)

Texts = list[str]


def words(text: str) -> list[str]:
    """Jieba words."""
    import jieba

    return [w for w in jieba.lcut(text) if w.strip()]


def words_and_tags(text: str) -> list[str]:
    """Jieba words and their part-of-speech tags (``POS_nr``, ``POS_ns`` ...)."""
    import jieba.posseg

    pairs_ = [(w, t) for w, t in jieba.posseg.lcut(text) if w.strip()]
    return [w for w, _ in pairs_] + [f"POS_{t}" for _, t in pairs_]


def chars(low: int, high: int) -> TfidfVectorizer:
    """TF-IDF of character n-grams, as the ``IntentEnsemble`` computes them."""
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(low, high), sublinear_tf=True)


def tokens(tokenizer: Callable[[str], list[str]], high: int = 1) -> TfidfVectorizer:
    """TF-IDF of token n-grams."""
    return TfidfVectorizer(
        tokenizer=tokenizer,
        token_pattern=None,
        lowercase=False,
        ngram_range=(1, high),
        sublinear_tf=True,
    )


def lr(c: float, **kwargs: Any) -> LogisticRegression:
    """The ensemble's classifier."""
    return LogisticRegression(C=c, max_iter=5000, **kwargs)


class SoftVote:
    """The average of the probabilities of several fitted pipelines."""

    def __init__(self, *models: Any) -> None:
        self.models = models

    def fit(self, x: Texts, y: list[str]) -> SoftVote:
        """Fit every model."""
        for model in self.models:
            model.fit(x, y)
        return self

    def predict(self, x: Texts) -> np.ndarray:
        """The label of the highest average probability."""
        probabilities = sum(m.predict_proba(x) for m in self.models)
        return np.asarray(self.models[0].classes_)[np.argmax(probabilities, axis=1)]


class NBLogistic:
    """One-vs-rest logistic regressions on naive-Bayes-scaled n-grams (NBSVM-style)."""

    def __init__(self, c: float, alpha: float = 1.0) -> None:
        self.c, self.alpha = c, alpha

    def fit(self, x: Texts, y: list[str]) -> NBLogistic:
        """Fit one scaled regression per label."""
        self.vectorizer = chars(1, 3).fit(x)
        features = self.vectorizer.transform(x)
        present = (features > 0).astype(float)
        labels = np.asarray(y)
        self.classes_ = sorted(set(y))
        self.models: list[tuple[Any, LogisticRegression]] = []
        for label in self.classes_:
            pos = np.asarray(present[labels == label].sum(0)).ravel() + self.alpha
            neg = np.asarray(present[labels != label].sum(0)).ravel() + self.alpha
            scale = sp.diags(np.log((pos / pos.sum()) / (neg / neg.sum())))
            model = lr(self.c).fit(features @ scale, (labels == label).astype(int))
            self.models.append((scale, model))
        return self

    def predict(self, x: Texts) -> np.ndarray:
        """The label of the highest score."""
        features = self.vectorizer.transform(x)
        scores = np.array([m.decision_function(features @ s) for s, m in self.models])
        return np.asarray(self.classes_)[np.argmax(scores, axis=0)]


VARIANTS: dict[str, Callable[[], Any]] = {
    "lr char_wb 1-3 C=200 (project)": lambda: make_pipeline(chars(1, 3), lr(200)),
    "lr char_wb 1-3 C=20": lambda: make_pipeline(chars(1, 3), lr(20)),
    "lr char_wb 1-3 C=50": lambda: make_pipeline(chars(1, 3), lr(50)),
    "lr char_wb 1-3 C=1000": lambda: make_pipeline(chars(1, 3), lr(1000)),
    "lr char_wb 1-2 C=200": lambda: make_pipeline(chars(1, 2), lr(200)),
    "lr char_wb 1-4 C=100": lambda: make_pipeline(chars(1, 4), lr(100)),
    "lr char_wb 1-5 C=100": lambda: make_pipeline(chars(1, 5), lr(100)),
    "lr char_wb 1-3 C=200 balanced": lambda: make_pipeline(
        chars(1, 3), lr(200, class_weight="balanced")
    ),
    "lr char_wb 1-3 + jieba words": lambda: make_pipeline(
        FeatureUnion([("c", chars(1, 3)), ("w", tokens(words))]), lr(200)
    ),
    "lr char_wb 1-3 + jieba words and POS tags": lambda: make_pipeline(
        FeatureUnion([("c", chars(1, 3)), ("w", tokens(words_and_tags))]), lr(200)
    ),
    "lr jieba words 1-2": lambda: make_pipeline(tokens(words, 2), lr(100)),
    "linear SVM char_wb 1-3 C=1": lambda: make_pipeline(chars(1, 3), LinearSVC(C=1)),
    "linear SVM char 1-4 C=1": lambda: make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 4), sublinear_tf=True), LinearSVC(C=1)
    ),
    "linear SVM char_wb 1-3 + words 1-2, balanced": lambda: make_pipeline(
        FeatureUnion([("c", chars(1, 3)), ("w", tokens(words, 2))]),
        LinearSVC(C=1, class_weight="balanced"),
    ),
    "multinomial NB char_wb 1-3 a=0.1": lambda: make_pipeline(
        CountVectorizer(analyzer="char_wb", ngram_range=(1, 3)), MultinomialNB(alpha=0.1)
    ),
    "complement NB char_wb 1-3 a=0.3": lambda: make_pipeline(
        CountVectorizer(analyzer="char_wb", ngram_range=(1, 3)), ComplementNB(alpha=0.3)
    ),
    "NB-scaled lr char_wb 1-3 C=100": lambda: NBLogistic(100),
    "soft vote lr 1-4 C=100 + lr 1-5 C=100": lambda: SoftVote(
        make_pipeline(chars(1, 4), lr(100)), make_pipeline(chars(1, 5), lr(100))
    ),
    "soft vote lr 1-3 C=200 + multinomial NB": lambda: SoftVote(
        make_pipeline(chars(1, 3), lr(200)),
        make_pipeline(
            CountVectorizer(analyzer="char_wb", ngram_range=(1, 3)), MultinomialNB(alpha=0.1)
        ),
    ),
}


def scores(
    make: Callable[[], Any], train: list[tuple[str, str]], evaluation: list[tuple[str, str]]
) -> tuple[float, float]:
    """Accuracy and macro-F1 of a fresh variant fitted on ``train``, scored on ``evaluation``."""
    model = make().fit([prepare(t) for t, _ in train], [label for _, label in train])
    gold = [label for _, label in evaluation]
    predicted = list(model.predict([prepare(t) for t, _ in evaluation]))
    return accuracy_score(gold, predicted), f1_score(gold, predicted, average="macro")


def main(argv: list[str] | None = None) -> int:
    """Print develop and test scores of every variant."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--only", help="comma-separated variant names (default: all)")
    args = parser.parse_args(argv)
    splits = {s: load_split(args.data, s) for s in ("train", "develop", "test")}
    train, develop, test = (pairs(splits[s]) for s in ("train", "develop", "test"))
    train_develop = pairs(merge([splits["train"], splits["develop"]]))
    wanted = [n.strip() for n in args.only.split(",")] if args.only else list(VARIANTS)
    print(f"{'variant':<48}{'dev acc':>9}{'dev F1':>8}{'test acc':>10}{'test F1':>9}")
    for name in wanted:
        dev_acc, dev_f1 = scores(VARIANTS[name], train, develop)
        test_acc, test_f1 = scores(VARIANTS[name], train_develop, test)
        print(
            f"{name:<48}{dev_acc:>9.3f}{dev_f1:>8.3f}{test_acc:>10.3f}{test_f1:>9.3f}", flush=True
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
