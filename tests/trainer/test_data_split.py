"""The held-out split stays honest: nothing in it is trained on."""

import re

from rasa.shared.nlu.training_data.loading import load_data

from bot.trainer import paths


def _norm(text: str) -> str:
    return re.sub(r"[\s,，。.!！?？~～、]+", "", text).lower()


def test_no_heldout_example_is_in_the_training_data():
    train = {_norm(m.get("text")) for m in load_data(str(paths.DATA_DIR / "nlu")).intent_examples}
    heldout = [m.get("text") for m in load_data(str(paths.HELDOUT)).intent_examples]
    leaked = [t for t in heldout if _norm(t) in train]
    assert leaked == []


def test_every_intent_has_enough_examples_in_both_splits():
    train = load_data(str(paths.DATA_DIR / "nlu")).number_of_examples_per_intent
    heldout = load_data(str(paths.HELDOUT)).number_of_examples_per_intent
    assert set(train) == set(heldout)
    assert min(train.values()) >= 25
    assert min(heldout.values()) >= 8


def test_no_text_is_labelled_with_two_intents():
    seen: dict[str, str] = {}
    clashes = []
    for message in load_data(str(paths.DATA_DIR / "nlu")).intent_examples:
        key = _norm(message.get("text"))
        intent = message.get("intent")
        if seen.setdefault(key, intent) != intent:
            clashes.append((message.get("text"), seen[key], intent))
    assert clashes == []
