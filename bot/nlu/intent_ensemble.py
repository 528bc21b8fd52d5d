"""The intent classifier: n-grams and sentence meaning, optionally averaged with DIET.

The intent model (``bot.nlu.intent_model``) is a logistic regression on TF-IDF character
n-grams of the (half-width, lower-cased, entity-masked) text, robust on very short messages
such as "好滴" or "拜拜啦". With the sentence encoder in the pipeline
(``SentenceEncoderFeaturizer`` before this component) it also reads the message's meaning:
the embedding appended to the n-grams, a regression on the embedding alone, and the nearest
training examples, averaged at the configured shares. When DIET is in the pipeline, the
distributions are averaged with a configurable weight; without it (the project's pipeline),
the intent model decides alone.

The intent model learns retrieval intents by their keys (``faq/hotline``): summed, they give
the intent ``faq``; within it, they choose the answer, so the answer is chosen by meaning as
well as wording. With a ``ResponseSelector`` in the pipeline its ranking is averaged in
(``selector_weight``); without one, the ensemble writes the ``response_selector`` output that
Rasa's ``utter_faq`` action reads by itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.components import StoredComponent
from bot.nlu.fingerprint import CatalogueFingerprint
from bot.nlu.intent_model import IntentModel, IntentModelSettings
from bot.nlu.segmenter import normalize_chars
from bot.nlu.sentence_encoder import FEATURIZER, embed, sentence_embedding

MODEL_FILE = "intent_ensemble.json"
ARRAYS_FILE = "intent_ensemble.npz"
# Kept on each message for diagnostics: DIET's own ranking before averaging.
DIET_RANKING_KEY = "diet_intent_ranking"
# Kept in each response selector's output: its own ranking before averaging.
SELECTOR_RANKING_KEY = "selector_ranking"


#: One private-use character per masked entity type: "一加12充不进电" is read as "\ue001充不进电".
MASKS: dict[str, str] = {
    "device_model": "\ue001",
    "serial_number": "\ue002",
    "phone_number": "\ue003",
    "ticket_no": "\ue004",
    "purchase_date": "\ue005",
    "city": "\ue006",
}


def mask(text: str, entities: list[dict[str, Any]] | None, types: Iterable[str]) -> str:
    """Replace the spans of entities of ``types`` by their mask character.

    Model names, numbers and dates say nothing about the intent; masked, the n-gram model
    learns "<model> 充不进电" instead of memorising every model name.
    """
    wanted = set(types)
    spans = sorted(
        (int(e["start"]), int(e["end"]), MASKS[e["entity"]])
        for e in entities or []
        if e.get("entity") in wanted and e.get("entity") in MASKS and "start" in e and "end" in e
    )
    pieces: list[str] = []
    position = 0
    for start, end, char in spans:
        if start < position or end <= start:
            continue  # overlapping spans: the first one wins
        pieces += [text[position:start], char]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def prepare(
    text: str, entities: list[dict[str, Any]] | None = None, types: Iterable[str] = ()
) -> str:
    """Text as the n-gram model sees it (entities of ``types`` masked)."""
    return normalize_chars(mask(text, entities, types)).lower().strip()


def label_of(message: Message) -> str | None:
    """What the n-gram model learns for a message: the retrieval key, else the intent."""
    label = message.get(INTENT_RESPONSE_KEY) or message.get(INTENT)
    return str(label) if label else None


def by_intent(probabilities: dict[str, float]) -> dict[str, float]:
    """Probabilities of labels summed per intent (``faq/a`` + ``faq/b`` → ``faq``)."""
    grouped: dict[str, float] = {}
    for label, probability in probabilities.items():
        intent = label.split("/", 1)[0]
        grouped[intent] = grouped.get(intent, 0.0) + probability
    return grouped


def within(probabilities: dict[str, float], intent: str) -> dict[str, float]:
    """The distribution over the keys of one retrieval intent, normalised to sum to 1."""
    keys = {k: p for k, p in probabilities.items() if k.startswith(f"{intent}/")}
    total = sum(keys.values())
    return {k: p / total for k, p in keys.items()} if total > 0 else {}


def retrieval_intents(labels: Iterable[str]) -> list[str]:
    """The retrieval intents among the n-gram model's labels (``faq`` for ``faq/hotline``)."""
    return sorted({label.split("/", 1)[0] for label in labels if "/" in label})


def selector_output(keys: list[tuple[str, float]], ranking_length: int) -> dict[str, Any]:
    """A ``ResponseSelector``-shaped prediction for one retrieval intent from ranked keys.

    Rasa's ``utter_<intent>`` action reads ``response.utter_action`` and renders that domain
    response; the ranking is kept for diagnostics and evaluation.
    """
    best, confidence = keys[0]
    return {
        RESPONSE_SELECTOR_PREDICTION_KEY: {
            RESPONSE_SELECTOR_RESPONSES_KEY: [],
            PREDICTED_CONFIDENCE_KEY: confidence,
            INTENT_RESPONSE_KEY: best,
            RESPONSE_SELECTOR_UTTER_ACTION_KEY: f"utter_{best}",
        },
        RESPONSE_SELECTOR_RANKING_KEY: [
            {"id": None, PREDICTED_CONFIDENCE_KEY: c, INTENT_RESPONSE_KEY: k}
            for k, c in keys[:ranking_length]
        ],
    }


def combine(
    diet: dict[str, float], other: dict[str, float], weight: float
) -> list[tuple[str, float]]:
    """``weight * diet + (1 - weight) * other``, sorted by confidence (intents of either)."""
    names = set(diet) | set(other)
    mixed = {n: weight * diet.get(n, 0.0) + (1 - weight) * other.get(n, 0.0) for n in names}
    return sorted(mixed.items(), key=lambda item: item[1], reverse=True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class IntentEnsemble(
    CatalogueFingerprint,
    StoredComponent[tuple[dict[str, Any], dict[str, Any]]],
    IntentClassifier,
):
    """The intent model's distribution (n-grams and meaning), averaged with DIET's if any."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Default configuration: the intent model's settings and how its output is combined."""
        return {
            "diet_weight": 0.5,  # share of DIET in the average
            "ranking_length": 10,
            "selector_weight": 0.5,  # share of the ResponseSelector in choosing a retrieval key
            "mask_entities": [],  # entity types replaced by a placeholder before the n-grams
            # n-grams, C, and the sentence encoder's parts (bot/nlu/intent_model.py).
            **asdict(IntentModelSettings()),
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: IntentModel | None = None,
    ) -> None:
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        self.model = model

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> IntentEnsemble:
        """Create an untrained ensemble."""
        return cls({**cls.get_default_config(), **config}, model_storage, resource)

    @property
    def settings(self) -> IntentModelSettings:
        """The n-gram and encoder settings of the intent model."""
        return IntentModelSettings.from_config(self.config)

    def fit(self, messages: list[Message]) -> bool:
        """Fit the intent model on intent examples; ``False`` when there is too little data."""
        examples = [m for m in messages if m.get(TEXT) and m.get(INTENT)]
        labels = [str(label_of(m)) for m in examples]
        if len(set(labels)) < 2:
            return False
        types = self.config["mask_entities"]
        model = IntentModel(self.settings)
        model.fit(
            [prepare(m.get(TEXT), m.get(ENTITIES), types) for m in examples],
            labels,
            self._embeddings(examples),
        )
        self.model = model
        return True

    def _embeddings(self, messages: list[Message]) -> NDArray[Any] | None:
        """The messages' sentence embeddings when the settings use them."""
        if not self.settings.uses_embeddings:
            return None
        vectors = [sentence_embedding(m) for m in messages]
        if any(v is None for v in vectors):
            raise ValueError(
                "IntentEnsemble: these encoder settings need "
                f"{FEATURIZER} before it in the pipeline"
            )
        return np.asarray(np.stack([v for v in vectors if v is not None]))

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the intent model on the intent examples and persist it."""
        if self.fit(training_data.intent_examples):
            self.persist()
        return self._resource

    def persist(self) -> None:
        """Write vocabulary and weights as JSON and NumPy arrays (no pickles)."""
        if self.model is None:
            return
        meta, arrays = self.model.to_arrays()
        with self._model_storage.write_to(self._resource) as directory:
            (Path(directory) / MODEL_FILE).write_text(json.dumps(meta, ensure_ascii=False))
            np.savez(Path(directory) / ARRAYS_FILE, **arrays)

    @classmethod
    def read_files(cls, directory: Path) -> tuple[dict[str, Any], dict[str, Any]]:
        """The intent model's vocabulary (JSON) and weights (NumPy arrays) from ``persist``."""
        meta = json.loads((directory / MODEL_FILE).read_text("utf-8"))
        with np.load(directory / ARRAYS_FILE) as stored:
            return meta, {name: stored[name] for name in stored.files}

    @classmethod
    def from_stored(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        stored: tuple[dict[str, Any], dict[str, Any]],
    ) -> IntentEnsemble:
        """Rebuild the intent model from its vocabulary and weights."""
        component = cls(config, model_storage, resource)
        component.model = IntentModel.from_arrays(component.settings, *stored)
        return component

    def label_probabilities(
        self,
        text: str,
        entities: list[dict[str, Any]] | None = None,
        message: Message | None = None,
    ) -> dict[str, float]:
        """The intent model's distribution over labels for ``text`` and its entities.

        ``message`` carries the sentence embedding when the settings use one.
        """
        if self.model is None:
            return {}
        prepared = prepare(text, entities, self.config["mask_entities"])
        vectors = self._embeddings([message]) if message is not None else None
        if vectors is None and self.settings.uses_embeddings:
            vectors = embed([text])
        probabilities = self.model.predict_proba([prepared], vectors)
        return {c: float(p) for c, p in zip(self.model.classes, probabilities[0], strict=True)}

    def process(self, messages: list[Message]) -> list[Message]:
        """Replace DIET's intent and ranking by the averaged distribution."""
        weight = float(self.config["diet_weight"])
        for message in messages:
            text = message.get(TEXT)
            ranking = message.get(INTENT_RANKING_KEY) or []
            if not text or self.model is None:
                continue
            diet = {r["name"]: float(r["confidence"]) for r in ranking}
            probabilities = self.label_probabilities(text, message.get(ENTITIES), message)
            self._choose_responses(message, probabilities)
            # Without DIET in the pipeline (no ranking), the n-gram model decides alone.
            mixed = combine(diet, by_intent(probabilities), weight if diet else 0.0)
            top = mixed[: int(self.config["ranking_length"])]
            message.set(DIET_RANKING_KEY, ranking, add_to_output=True)
            message.set(INTENT, {"name": top[0][0], "confidence": top[0][1]}, add_to_output=True)
            message.set(
                INTENT_RANKING_KEY,
                [{"name": n, "confidence": c} for n, c in top],
                add_to_output=True,
            )
        return messages

    def _choose_responses(self, message: Message, probabilities: dict[str, float]) -> None:
        """Choose each retrieval intent's answer.

        A response selector's ranking in the message is averaged with the n-gram model's keys;
        a retrieval intent without one gets the n-gram model's choice alone.
        """
        selectors = message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}
        weight = float(self.config["selector_weight"])
        length = int(self.config["ranking_length"])
        intents = retrieval_intents(probabilities)
        for intent in intents:
            ngram = within(probabilities, intent)
            output = selectors.get(intent)
            if not ngram:
                continue
            if not isinstance(output, dict) or RESPONSE_SELECTOR_RANKING_KEY not in output:
                selectors[intent] = selector_output(combine({}, ngram, 0.0), length)
                continue
            ranking = output[RESPONSE_SELECTOR_RANKING_KEY] or []
            if not ranking:
                continue
            ids = {r[INTENT_RESPONSE_KEY]: r.get("id") for r in ranking}
            selector = {r[INTENT_RESPONSE_KEY]: float(r[PREDICTED_CONFIDENCE_KEY]) for r in ranking}
            mixed = combine(selector, ngram, weight)
            best, confidence = mixed[0]
            response = dict(output[RESPONSE_SELECTOR_PREDICTION_KEY])
            if response.get(INTENT_RESPONSE_KEY) != best:
                response[RESPONSE_SELECTOR_RESPONSES_KEY] = []
            response[INTENT_RESPONSE_KEY] = best
            response[RESPONSE_SELECTOR_UTTER_ACTION_KEY] = f"utter_{best}"
            response[PREDICTED_CONFIDENCE_KEY] = confidence
            output[RESPONSE_SELECTOR_PREDICTION_KEY] = response
            output[SELECTOR_RANKING_KEY] = ranking
            output[RESPONSE_SELECTOR_RANKING_KEY] = [
                {"id": ids.get(k), PREDICTED_CONFIDENCE_KEY: c, INTENT_RESPONSE_KEY: k}
                for k, c in mixed[:length]
            ]
        if selectors:
            selectors.setdefault(RESPONSE_SELECTOR_RETRIEVAL_INTENTS, intents)
            message.set(RESPONSE_SELECTOR_PROPERTY_NAME, selectors, add_to_output=True)
