import numpy as np
import pytest

from bot.nlu.intent_model import IntentModel, IntentModelSettings, Parts, mix, softmax

TEXTS = ["你好", "您好", "哈喽", "再见", "拜拜", "回头见", "充不进电", "充电很慢", "充电口坏了"]
LABELS = ["greet"] * 3 + ["goodbye"] * 3 + ["fault_charging"] * 3


def _vectors(labels, noise=0.0, seed=0):
    """One direction per label (a stand-in for an encoder that knows the meaning)."""
    rng = np.random.default_rng(seed)
    axes = {"greet": 0, "goodbye": 1, "fault_charging": 2}
    vectors = np.zeros((len(labels), 8), dtype=np.float32)
    for row, label in enumerate(labels):
        vectors[row, axes[label]] = 1.0
    vectors += rng.normal(0, noise, vectors.shape).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_settings_read_from_a_component_config_and_ignore_other_keys():
    settings = IntentModelSettings.from_config(
        {"C": "50", "max_ngram": 4, "neighbour_weight": 0.3, "diet_weight": 0.0, "encoder_C": None}
    )
    assert settings.C == 50.0 and settings.max_ngram == 4 and settings.neighbour_weight == 0.3
    assert settings.encoder_C == IntentModelSettings().encoder_C
    assert settings.uses_embeddings and not IntentModelSettings().uses_embeddings
    assert settings.main_weight == pytest.approx(0.7)


def test_ngrams_alone_need_no_embeddings():
    model = IntentModel(IntentModelSettings())
    model.fit(TEXTS, LABELS)
    probabilities = model.predict_proba(["拜拜啦"])
    assert model.classes[int(probabilities.argmax())] == "goodbye"
    assert probabilities.sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    "settings",
    [
        IntentModelSettings(encoder_weight=1.0),
        IntentModelSettings(encoder_classifier_weight=0.5),
        IntentModelSettings(neighbour_weight=0.3),
    ],
)
def test_settings_that_use_embeddings_refuse_to_work_without_them(settings):
    with pytest.raises(ValueError, match="embedding"):
        IntentModel(settings).fit(TEXTS, LABELS)


def test_meaning_decides_when_the_wording_is_new():
    """A text sharing no character with any example follows its embedding."""
    vectors = _vectors(LABELS, noise=0.05)
    unseen = _vectors(["fault_charging"], noise=0.05, seed=1)
    plain = IntentModel(IntentModelSettings())
    plain.fit(TEXTS, LABELS)
    for settings in (
        IntentModelSettings(encoder_weight=3.0),
        IntentModelSettings(encoder_classifier_weight=0.6, encoder_C=100.0),
        IntentModelSettings(neighbour_weight=0.6, neighbour_temperature=0.05),
    ):
        model = IntentModel(settings)
        model.fit(TEXTS, LABELS, vectors)
        probabilities = model.predict_proba(["电池没法补能"], unseen)
        assert model.classes[int(probabilities.argmax())] == "fault_charging", settings
        assert probabilities.sum() == pytest.approx(1.0)


def test_nearest_similarity_is_the_best_example_per_label():
    model = IntentModel(IntentModelSettings(neighbour_weight=0.5))
    vectors = _vectors(LABELS)
    model.fit(TEXTS, LABELS, vectors)
    best = model.nearest_similarities(vectors[:1])
    assert best[0, model.classes.index("greet")] == pytest.approx(1.0, abs=1e-3)
    assert best[0, model.classes.index("goodbye")] == pytest.approx(0.0, abs=1e-3)


def test_mix_averages_the_parts_by_their_shares():
    main = np.array([[0.6, 0.4]])
    encoder = np.array([[0.2, 0.8]])
    nearest = np.array([[0.9, 0.1]])
    settings = IntentModelSettings(
        encoder_classifier_weight=0.25, neighbour_weight=0.25, neighbour_temperature=0.1
    )
    expected = 0.5 * main + 0.25 * encoder + 0.25 * softmax(nearest, 0.1)
    assert mix(Parts(main, encoder, nearest), settings) == pytest.approx(expected)
    assert mix(Parts(main, None, None), IntentModelSettings()) == pytest.approx(main)
    with pytest.raises(ValueError):
        mix(Parts(main, None, None), settings)


def test_softmax_sharpens_with_a_lower_temperature():
    scores = np.array([[0.8, 0.7]])
    assert softmax(scores, 0.01)[0, 0] > softmax(scores, 0.1)[0, 0] > 0.5


def test_arrays_round_trip_gives_the_same_probabilities():
    settings = IntentModelSettings(
        encoder_weight=1.0, encoder_classifier_weight=0.3, neighbour_weight=0.2
    )
    vectors = _vectors(LABELS, noise=0.1)
    model = IntentModel(settings)
    model.fit(TEXTS, LABELS, vectors)
    meta, arrays = model.to_arrays()
    assert set(arrays) >= {"encoder_coef", "example_vectors", "example_labels"}
    loaded = IntentModel.from_arrays(settings, meta, arrays)
    assert loaded.classes == model.classes
    assert loaded.predict_proba(["充电慢"], vectors[6:7]) == pytest.approx(
        model.predict_proba(["充电慢"], vectors[6:7])
    )


def test_an_unfitted_model_says_so():
    with pytest.raises(ValueError, match="not fitted"):
        IntentModel(IntentModelSettings()).predict_proba(["你好"])
