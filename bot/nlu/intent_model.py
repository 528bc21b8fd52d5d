"""The intent model: character n-grams and sentence embeddings, and the nearest examples.

Pure: scikit-learn and numpy only, no Rasa, so that the NLU component (``IntentEnsemble``)
and the benchmarks' cross-validation (``bench/intent_cv.py``) fit and score the same model.

- **n-grams:** TF-IDF of character n-grams of the prepared text (robust on "好滴", "拜拜啦").
- **embeddings** (``encoder_weight`` > 0): the sentence encoder's unit vector, scaled by the
  weight, is appended to the n-gram features, so the regression learns from meaning as well
  as wording.
- **embedding regression** (``encoder_classifier_weight`` > 0): a second logistic regression
  on the embeddings alone, its distribution averaged in at that share.
- **neighbours** (``neighbour_weight`` > 0): for each label, the cosine similarity of the
  message to the label's most similar training example; a softmax over the labels with
  ``neighbour_temperature`` gives a distribution that is averaged in. A paraphrase that no
  example's wording covers still lands near the examples that mean the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression


@dataclass(frozen=True)
class Parts:
    """What each part of a fitted model says about some texts, before averaging.

    ``main``: the n-gram regression's probabilities; ``encoder``: the embedding regression's
    (or ``None``); ``nearest``: each label's best similarity to the texts (or ``None``).
    """

    main: NDArray[Any]
    encoder: NDArray[Any] | None
    nearest: NDArray[Any] | None


def softmax(scores: NDArray[Any], temperature: float) -> NDArray[Any]:
    """Row-wise softmax of ``scores / temperature``."""
    scaled = (scores - scores.max(axis=1, keepdims=True)) / temperature
    weights = np.exp(scaled)
    return np.asarray(weights / weights.sum(axis=1, keepdims=True))


def mix(parts: Parts, settings: IntentModelSettings) -> NDArray[Any]:
    """The weighted average of the parts' distributions that the settings ask for."""
    probabilities = parts.main * settings.main_weight
    if settings.encoder_classifier_weight > 0:
        if parts.encoder is None:
            raise ValueError("encoder_classifier_weight > 0 but no embedding regression")
        probabilities = probabilities + parts.encoder * settings.encoder_classifier_weight
    if settings.neighbour_weight > 0:
        if parts.nearest is None:
            raise ValueError("neighbour_weight > 0 but no stored examples")
        nearest = softmax(parts.nearest, settings.neighbour_temperature)
        probabilities = probabilities + nearest * settings.neighbour_weight
    return np.asarray(probabilities)


@dataclass(frozen=True)
class IntentModelSettings:
    """The model's settings, as in ``config.yml`` (``IntentEnsemble``)."""

    analyzer: str = "char_wb"
    min_ngram: int = 1
    max_ngram: int = 3
    C: float = 200.0  # inverse regularisation of the logistic regression
    encoder_weight: float = 0.0
    encoder_classifier_weight: float = 0.0
    encoder_C: float = 10.0
    neighbour_weight: float = 0.0
    neighbour_temperature: float = 0.05

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> IntentModelSettings:
        """The settings among a component's configuration (other keys are ignored)."""
        known = {f.name: f.type for f in fields(cls)}
        values: dict[str, Any] = {}
        for name in known:
            if name in config and config[name] is not None:
                default = getattr(cls, name)
                values[name] = type(default)(config[name])
        return cls(**values)

    @property
    def uses_embeddings(self) -> bool:
        """Whether the model needs the sentence encoder's embeddings."""
        return max(self.encoder_weight, self.encoder_classifier_weight, self.neighbour_weight) > 0

    @property
    def main_weight(self) -> float:
        """The share of the n-gram (and appended embedding) regression in the average."""
        return 1.0 - self.encoder_classifier_weight - self.neighbour_weight


class IntentModel:
    """Fit on prepared texts (and embeddings), predict a distribution over labels."""

    def __init__(self, settings: IntentModelSettings) -> None:
        self.settings = settings
        self.vectorizer: TfidfVectorizer | None = None
        self.classifier: LogisticRegression | None = None
        # A second regression on the embeddings alone (encoder_classifier_weight > 0).
        self.encoder_classifier: LogisticRegression | None = None
        # Neighbours: the training examples' embeddings and label indices (float16 on disk).
        self.example_vectors: NDArray[Any] | None = None
        self.example_labels: NDArray[Any] | None = None

    @property
    def classes(self) -> list[str]:
        """The labels, in the order of the predicted probabilities."""
        return [] if self.classifier is None else [str(c) for c in self.classifier.classes_]

    def new_vectorizer(self) -> TfidfVectorizer:
        """An unfitted n-gram vectorizer with these settings."""
        return TfidfVectorizer(
            analyzer=self.settings.analyzer,
            ngram_range=(self.settings.min_ngram, self.settings.max_ngram),
            sublinear_tf=True,
        )

    def _features(self, texts: Sequence[str], embeddings: NDArray[Any] | None) -> Any:
        assert self.vectorizer is not None
        ngrams = self.vectorizer.transform(list(texts))
        if self.settings.encoder_weight <= 0:
            return ngrams
        dense = self._require(embeddings, len(texts)) * self.settings.encoder_weight
        return sparse.hstack([ngrams, sparse.csr_matrix(dense)], format="csr")

    @staticmethod
    def _require(embeddings: NDArray[Any] | None, count: int) -> NDArray[Any]:
        if embeddings is None or embeddings.shape[0] != count:
            raise ValueError("these settings need one sentence embedding per text")
        return embeddings

    def fit(
        self, texts: Sequence[str], labels: Sequence[str], embeddings: NDArray[Any] | None = None
    ) -> None:
        """Fit on prepared texts, their labels and (when the settings use them) embeddings."""
        settings = self.settings
        self.vectorizer = self.new_vectorizer()
        self.vectorizer.fit(list(texts))
        self.classifier = LogisticRegression(C=settings.C, max_iter=2000)
        self.classifier.fit(self._features(texts, embeddings), list(labels))
        if settings.encoder_classifier_weight > 0:
            self.fit_encoder_classifier(self._require(embeddings, len(texts)), labels)
        if settings.neighbour_weight > 0:
            vectors = self._require(embeddings, len(texts))
            index = {label: i for i, label in enumerate(self.classes)}
            self.example_vectors = vectors.astype(np.float32)
            self.example_labels = np.array([index[label] for label in labels], dtype=np.int32)

    def fit_encoder_classifier(self, embeddings: NDArray[Any], labels: Sequence[str]) -> None:
        """Fit the regression on the embeddings alone (its C is ``encoder_C``)."""
        self.encoder_classifier = LogisticRegression(C=self.settings.encoder_C, max_iter=2000)
        self.encoder_classifier.fit(embeddings, list(labels))

    def nearest_similarities(self, embeddings: NDArray[Any]) -> NDArray[Any]:
        """Each text's best cosine similarity to each label's examples, ``(n, k)``."""
        assert self.example_vectors is not None and self.example_labels is not None
        similarity = embeddings.astype(np.float32) @ self.example_vectors.T
        best = np.full((embeddings.shape[0], len(self.classes)), -1.0, dtype=np.float32)
        for label in range(len(self.classes)):
            columns = self.example_labels == label
            if columns.any():
                best[:, label] = similarity[:, columns].max(axis=1)
        return best

    def parts(self, texts: Sequence[str], embeddings: NDArray[Any] | None = None) -> Parts:
        """Each fitted part's output for the prepared texts, before they are averaged."""
        if self.classifier is None:
            raise ValueError("the intent model is not fitted")
        main = np.asarray(self.classifier.predict_proba(self._features(texts, embeddings)))
        encoder = nearest = None
        if self.encoder_classifier is not None:
            vectors = self._require(embeddings, len(texts))
            encoder = np.asarray(self.encoder_classifier.predict_proba(vectors))
        if self.example_vectors is not None:
            nearest = self.nearest_similarities(self._require(embeddings, len(texts)))
        return Parts(main, encoder, nearest)

    def predict_proba(
        self, texts: Sequence[str], embeddings: NDArray[Any] | None = None
    ) -> NDArray[Any]:
        """Probabilities over ``classes`` for each prepared text, shape ``(len(texts), k)``."""
        return mix(self.parts(texts, embeddings), self.settings)

    # --- persistence: plain arrays and a vocabulary, no pickles ---------------------------

    def to_arrays(self) -> tuple[dict[str, Any], dict[str, NDArray[Any]]]:
        """JSON-able metadata and the NumPy arrays that rebuild the fitted model."""
        assert self.vectorizer is not None and self.classifier is not None
        meta = {
            "vocabulary": {k: int(v) for k, v in self.vectorizer.vocabulary_.items()},
            "classes": self.classes,
        }
        arrays = {
            "idf": self.vectorizer.idf_,
            "coef": self.classifier.coef_,
            "intercept": self.classifier.intercept_,
        }
        if self.encoder_classifier is not None:
            arrays["encoder_coef"] = self.encoder_classifier.coef_
            arrays["encoder_intercept"] = self.encoder_classifier.intercept_
        if self.example_vectors is not None and self.example_labels is not None:
            arrays["example_vectors"] = self.example_vectors.astype(np.float16)
            arrays["example_labels"] = self.example_labels
        return meta, arrays

    @classmethod
    def from_arrays(
        cls, settings: IntentModelSettings, meta: dict[str, Any], arrays: Any
    ) -> IntentModel:
        """Rebuild a fitted model from ``to_arrays``' output."""
        model = cls(settings)
        model.vectorizer = model.new_vectorizer()
        model.vectorizer.vocabulary_ = meta["vocabulary"]
        model.vectorizer.idf_ = arrays["idf"]
        model.classifier = LogisticRegression()
        model.classifier.classes_ = np.array(meta["classes"])
        model.classifier.coef_ = arrays["coef"]
        model.classifier.intercept_ = arrays["intercept"]
        if "encoder_coef" in arrays:
            model.encoder_classifier = LogisticRegression()
            model.encoder_classifier.classes_ = np.array(meta["classes"])
            model.encoder_classifier.coef_ = arrays["encoder_coef"]
            model.encoder_classifier.intercept_ = arrays["encoder_intercept"]
        if "example_vectors" in arrays:
            model.example_vectors = np.asarray(arrays["example_vectors"], dtype=np.float32)
            model.example_labels = arrays["example_labels"]
        return model
