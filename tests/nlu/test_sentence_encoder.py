import numpy as np
import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.sentence_encoder import (
    DIMENSIONS,
    FEATURIZER,
    SentenceEncoderFeaturizer,
    embed,
    encoder,
    sentence_embedding,
)


def test_the_encoder_is_loaded_once_per_process():
    assert encoder() is encoder()


def test_embeddings_are_unit_vectors_and_empty_texts_are_zero():
    vectors = embed(["保修期一般是多久？", "", "  ", "屏幕碎了"])
    assert vectors.shape == (4, DIMENSIONS) and vectors.dtype == np.float32
    norms = np.linalg.norm(vectors, axis=1)
    assert norms[0] == pytest.approx(1.0, abs=1e-3) and norms[3] == pytest.approx(1.0, abs=1e-3)
    assert not vectors[1].any() and not vectors[2].any()
    assert embed([]).shape == (0, DIMENSIONS)


def test_a_paraphrase_is_closer_than_another_question():
    warranty, paraphrase, screen = embed(["保修期一般是多久", "手机能保几年", "屏幕碎了怎么修"])
    assert float(warranty @ paraphrase) > float(warranty @ screen) + 0.1


def test_full_width_text_is_embedded_as_half_width():
    full, half = embed(["ＯＰＰＯ Ｒｅｎｏ１１", "OPPO Reno11"])
    assert float(full @ half) == pytest.approx(1.0, abs=1e-3)


def test_batches_give_the_same_vectors_as_single_texts():
    texts = [f"第{i}个问题：电池不耐用" for i in range(70)]  # more than one batch of 64
    together = embed(texts)
    alone = np.stack([embed([t])[0] for t in (texts[0], texts[69])])
    assert together[[0, 69]] == pytest.approx(alone, abs=1e-4)


def test_the_featurizer_adds_a_sentence_feature_the_ensemble_finds(
    model_storage, resource, execution_context
):
    featurizer = SentenceEncoderFeaturizer.create({}, model_storage, resource, execution_context)
    data = TrainingData([Message(data={TEXT: "充不进电"}), Message(data={})])
    featurizer.process_training_data(data)
    with_text, without = data.training_examples
    vector = sentence_embedding(with_text)
    assert vector is not None and vector.shape == (DIMENSIONS,)
    assert vector == pytest.approx(embed(["充不进电"])[0], abs=1e-5)
    assert sentence_embedding(without) is None
    assert with_text.features[0].origin == FEATURIZER

    message = Message(data={TEXT: "充电很慢"})
    featurizer.process([message])
    assert sentence_embedding(message) is not None
