from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.intent_ensemble import DIET_RANKING_KEY, IntentEnsemble, combine

EXAMPLES = {
    "greet": ["你好", "您好", "哈喽", "在吗", "你好呀"],
    "goodbye": ["再见", "拜拜", "拜拜啦", "再会", "回头见"],
    "fault_charging": ["充不进电", "充电很慢", "充电口坏了", "插上充电器没反应", "快充没用"],
}


def _training_data():
    messages = [
        Message(data={TEXT: text, INTENT: intent})
        for intent, texts in EXAMPLES.items()
        for text in texts
    ]
    return TrainingData(training_examples=messages)


def test_combine_weights_both_distributions():
    mixed = combine({"a": 0.8, "b": 0.2}, {"a": 0.2, "b": 0.6, "c": 0.2}, weight=0.25)
    assert [n for n, _ in mixed] == ["b", "a", "c"]
    assert {n: round(c, 9) for n, c in mixed} == {"a": 0.35, "b": 0.5, "c": 0.15}


def test_trained_model_round_trips_and_overrides_a_wrong_diet_guess(
    model_storage, resource, execution_context
):
    component = IntentEnsemble.create(
        {"diet_weight": 0.3}, model_storage, resource, execution_context
    )
    component.train(_training_data())
    loaded = IntentEnsemble.load({"diet_weight": 0.3}, model_storage, resource, execution_context)
    assert loaded.ngram_probabilities("拜拜") == component.ngram_probabilities("拜拜")

    diet_ranking = [
        {"name": "greet", "confidence": 0.55},
        {"name": "goodbye", "confidence": 0.45},
    ]
    message = Message(data={TEXT: "拜拜啦", INTENT: diet_ranking[0]})
    message.set(INTENT_RANKING_KEY, diet_ranking)
    loaded.process([message])

    assert message.get(INTENT)["name"] == "goodbye"
    assert message.get(DIET_RANKING_KEY) == diet_ranking
    assert message.get(INTENT_RANKING_KEY)[0]["name"] == "goodbye"
    assert abs(sum(r["confidence"] for r in message.get(INTENT_RANKING_KEY)) - 1.0) < 1e-6


def test_untrained_component_leaves_messages_alone(model_storage, resource, execution_context):
    component = IntentEnsemble.create({}, model_storage, resource, execution_context)
    message = Message(data={TEXT: "你好", INTENT: {"name": "greet", "confidence": 0.9}})
    message.set(INTENT_RANKING_KEY, [{"name": "greet", "confidence": 0.9}])
    component.process([message])
    assert message.get(INTENT) == {"name": "greet", "confidence": 0.9}
