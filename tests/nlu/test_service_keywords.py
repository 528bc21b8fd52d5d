"""Catalogue service keywords become token patterns the CRF can learn from."""

from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.service_keywords import ServiceKeywordPatterns, keyword_patterns, keyword_spans

PATTERNS = keyword_patterns({"mail_in": ("寄修", "寄过去"), "home": ("上门", "上门维修")})


def test_spans_of_each_service_longest_keyword_first():
    spans = keyword_spans("想上门维修，或者寄过去", PATTERNS)
    assert spans == {"service_keyword_mail_in": [(8, 11)], "service_keyword_home": [(1, 5)]}


def test_full_width_and_case_are_folded():
    patterns = keyword_patterns({"store": ("Store",)})
    assert keyword_spans("ＳＴＯＲＥ", patterns) == {"service_keyword_store": [(0, 5)]}


def test_a_service_without_keywords_has_no_pattern():
    assert keyword_patterns({"mail_in": ()}) == {}


def _message(text, words):
    tokens, position = [], 0
    for word in words:
        start = text.index(word, position)
        tokens.append(Token(word, start, end=start + len(word)))
        position = start + len(word)
    return Message(data={TEXT: text, TOKENS_NAMES[TEXT]: tokens})


def test_tokens_inside_a_keyword_are_marked_and_earlier_patterns_kept():
    component = ServiceKeywordPatterns.create({}, None, None, None)  # type: ignore[arg-type]
    message = _message("我想寄过去修", ["我", "想", "寄", "过去", "修"])
    message.get(TOKENS_NAMES[TEXT])[0].set("pattern", {"city": False})
    component.process([message])
    marks = [t.get("pattern") for t in message.get(TOKENS_NAMES[TEXT])]
    assert [m["service_keyword_mail_in"] for m in marks] == [False, False, True, True, False]
    assert not any(m["service_keyword_home"] for m in marks)
    assert marks[0]["city"] is False


def test_training_examples_are_marked_too():
    component = ServiceKeywordPatterns.create({}, None, None, None)  # type: ignore[arg-type]
    message = _message("能上门吗", ["能", "上门", "吗"])
    component.process_training_data(TrainingData(training_examples=[message]))
    assert message.get(TOKENS_NAMES[TEXT])[1].get("pattern")["service_keyword_home"] is True


def test_a_message_without_tokens_is_left_alone():
    component = ServiceKeywordPatterns.create({}, None, None, None)  # type: ignore[arg-type]
    message = Message(data={TEXT: "寄修"})
    component.process([message])
    assert message.get(TOKENS_NAMES[TEXT]) is None
